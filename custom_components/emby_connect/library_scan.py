"""The library scan of a server: running or idle, its progress and last result, pushed.

"Scan media library" reports through the websocket to administrators: ScheduledTasksInfo (the
task's state, progress and last result; asked for with the ScheduledTasksInfo feed),
ScheduledTaskEnded (its result) and RefreshProgress (each library folder's progress). The
scheduled task is read over HTTP at setup and, while no websocket is open, at the pace of the
status poll: polling is only the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback

from .aioemby import (
    LIBRARY_SCAN_KEY,
    EmbyAdmin,
    EmbyError,
    EmbyForbiddenError,
    EmbyMessage,
    EmbyServer,
    Feed,
    RefreshProgressMessage,
    ScheduledTask,
    ScheduledTaskEndedMessage,
    ScheduledTasksInfoMessage,
    TaskResult,
    find_library_scan,
)
from .const import STATUS_INTERVAL
from .coordinator import EmbyConfigEntry, EmbyEntryCoordinator
from .entity import EmbyFollowingEntity
from .errors import update_error


class ScanState(StrEnum):
    """What the library scan does."""

    IDLE = "idle"
    RUNNING = "running"


@dataclass(frozen=True, kw_only=True)
class LibraryScan:
    """The library scan as last reported: whether it runs, how far, and how the last run ended."""

    task_id: str
    running: bool = False
    # The task's progress (0-100 %) while it runs, None when idle or not reported yet.
    progress: float | None = None
    last_result: TaskResult | None = None
    # Each library folder's progress in this run, as RefreshProgress reported it.
    folders: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_task(cls, task: ScheduledTask, folders: dict[str, float] | None = None) -> LibraryScan:
        """Return the scan a scheduled task describes (folder progress kept while it runs)."""
        return cls(
            task_id=task.id,
            running=task.is_running,
            progress=task.progress if task.is_running else None,
            last_result=task.last_result,
            folders=dict(folders or {}) if task.is_running else {},
        )

    @property
    def shown_progress(self) -> float | None:
        """Return the progress to show: the folders' mean when they report, else the task's."""
        if not self.running:
            return None
        if self.folders:
            return round(sum(self.folders.values()) / len(self.folders), 1)
        return None if self.progress is None else round(self.progress, 1)


async def _scan_task(server: EmbyServer) -> ScheduledTask | None:
    """Read "Scan media library" (None when the server has none)."""
    return await EmbyAdmin(server=server).get_library_scan_task()


class EmbyLibraryScanCoordinator(EmbyEntryCoordinator[LibraryScan | None]):
    """Follow a server's library scan by push; read the task only while push is down."""

    name_suffix = " library scan"
    interval = STATUS_INTERVAL

    @override
    async def _async_update_data(self) -> LibraryScan | None:
        """Read the scan task, unless the open websocket brings it anyway."""
        if self.data is not None and self.config_entry.runtime_data.push.connected:
            # Pushed while the websocket is open.
            return self.data
        if self._kept_offline():
            return self.data
        try:
            task = await self.connection.async_call(_scan_task)
        except EmbyForbiddenError:
            return None
        except EmbyError as err:
            raise update_error(err, self.config_entry) from err
        if task is None:
            return None
        folders = self.data.folders if self.data is not None else None
        return LibraryScan.from_task(task, folders)

    @callback
    def async_handle_message(self, message: EmbyMessage) -> None:
        """Take what the server pushes about its scheduled tasks and library refresh."""
        if (scan := self.data) is None:
            return
        match message:
            case ScheduledTasksInfoMessage(tasks=tasks):
                if (task := find_library_scan(tasks)) is None:
                    return
                scan = LibraryScan.from_task(task, scan.folders)
            case ScheduledTaskEndedMessage(result=result) if result.task_id == scan.task_id or (
                result.key == LIBRARY_SCAN_KEY
            ):
                scan = replace(scan, running=False, progress=None, last_result=result, folders={})
            case RefreshProgressMessage(item_id=item_id, progress=progress):
                scan = replace(scan, running=True, folders={**scan.folders, item_id: progress})
            case _:
                return
        if scan != self.data:
            self.async_set_updated_data(scan)


LIBRARY_SCAN = SensorEntityDescription(
    key="library_scan",
    translation_key="library_scan",
    device_class=SensorDeviceClass.ENUM,
    options=[state.value for state in ScanState],
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_library_scan_sensors(
    hass: HomeAssistant, entry: EmbyConfigEntry
) -> list[SensorEntity]:
    """Return the library scan sensor of an administered server (none for other users)."""
    runtime = entry.runtime_data
    if not runtime.is_admin:
        return []
    coordinator = EmbyLibraryScanCoordinator(hass, entry, runtime.connection)
    await coordinator.async_refresh()
    if coordinator.last_update_success and coordinator.data is None:
        # No scan task, or not readable after all: nothing to show.
        return []
    entry.async_on_unload(
        runtime.push.async_subscribe(coordinator.async_handle_message, feeds=[Feed.SCHEDULED_TASKS])
    )
    return [EmbyLibraryScanSensorEntity(entry, coordinator, LIBRARY_SCAN)]


class EmbyLibraryScanSensorEntity(EmbyFollowingEntity[EmbyLibraryScanCoordinator], SensorEntity):
    """Whether the library scan runs, with its progress and last result as attributes."""

    _unrecorded_attributes = frozenset({"progress"})

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers and the scan was read."""
        return (
            self._status.last_update_success
            and self.coordinator.last_update_success
            and self.coordinator.data is not None
        )

    @property
    @override
    def native_value(self) -> str | None:
        """Return whether the scan runs."""
        if (scan := self.coordinator.data) is None:
            return None
        return ScanState.RUNNING if scan.running else ScanState.IDLE

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the progress and how (and when) the last run ended."""
        scan = self.coordinator.data
        result = scan.last_result if scan is not None else None
        ended: datetime | None = result.ended if result is not None else None
        return {
            "progress": scan.shown_progress if scan is not None else None,
            "last_result": result.status.value.lower() if result is not None else None,
            "last_ended": ended.isoformat() if ended is not None else None,
        }
