"""Buttons of an Emby server: wake it; for administrators, restart it and scan its libraries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .admin import async_restart, async_scan_libraries
from .aioemby import EmbyError
from .coordinator import EmbyConfigEntry, EmbyRuntimeData, EmbyStatusCoordinator
from .entity import EmbyEntity, EmbyOfflineDescription, EmbyWorksOffline
from .errors import button_error

# One press at a time per server.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class EmbyButtonEntityDescription(EmbyOfflineDescription, ButtonEntityDescription):
    """Describe a button of an Emby server."""

    # Whether the button works for this server (e.g. its Wake-on-LAN targets are known).
    has_fn: Callable[[EmbyRuntimeData], bool] = lambda _: True
    press_fn: Callable[[EmbyRuntimeData], Awaitable[Any]]
    # The translation key of the error a failed press raises.
    error_key: str


def _can_restart(runtime_data: EmbyRuntimeData) -> bool:
    """Return whether the user may restart the server and the server can restart itself."""
    info = runtime_data.status.data.system_info
    return runtime_data.is_admin and info is not None and info.can_self_restart


BUTTONS = [
    EmbyButtonEntityDescription(
        key="wake",
        translation_key="wake",
        has_fn=lambda runtime_data: bool(runtime_data.wake.targets),
        press_fn=lambda runtime_data: runtime_data.wake.async_wake(),
        error_key="wake_failed",
        works_offline=True,
    ),
    EmbyButtonEntityDescription(
        key="restart",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        has_fn=_can_restart,
        press_fn=lambda runtime_data: async_restart(runtime_data.connection),
        error_key="restart_failed",
    ),
    EmbyButtonEntityDescription(
        key="scan_libraries",
        translation_key="scan_libraries",
        entity_category=EntityCategory.CONFIG,
        has_fn=lambda runtime_data: runtime_data.is_admin,
        press_fn=lambda runtime_data: async_scan_libraries(runtime_data.connection),
        error_key="scan_failed",
    ),
]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the buttons that work for an Emby server.

    Wake server comes at once; while the server sleeps, the others wait until it answers.
    """
    runtime_data = entry.runtime_data

    def buttons(*, offline: bool) -> list[EmbyButtonEntity]:
        """Return the buttons that work (offline: the ones that work without the server)."""
        return [
            EmbyButtonEntity(entry, runtime_data.status, description)
            for description in BUTTONS
            if description.works_offline is offline and description.has_fn(runtime_data)
        ]

    runtime_data.standby.async_add_entities(
        async_add_entities,
        offline=buttons(offline=True),
        online=lambda: buttons(offline=False),
    )


class EmbyButtonEntity(EmbyWorksOffline, EmbyEntity[EmbyStatusCoordinator], ButtonEntity):
    """A button of an Emby server."""

    entity_description: EmbyButtonEntityDescription

    @override
    async def async_press(self) -> None:
        """Press the button; a failure is a translated error."""
        description = self.entity_description
        entry = self.coordinator.config_entry
        try:
            await description.press_fn(entry.runtime_data)
        except EmbyError as err:
            raise button_error(description.error_key, err, name=entry.title) from err
