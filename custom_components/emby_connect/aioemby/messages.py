"""Push messages of server care: scheduled tasks, library scan progress, the activity log.

An Emby server sends these on the websocket, to administrators:
- `ScheduledTasksInfo` (TaskInfo[]) after the client subscribed with `ScheduledTasksInfoStart`:
  on a timer, at once when a task starts or ends, and for progress at most once per interval;
- `ScheduledTaskEnded` (the TaskResult of a run that ended);
- `RefreshProgress` ({"ItemId": library folder, "Progress": "42.5"}) while a library refreshes;
- `ActivityLogEntry` after `ActivityLogEntryStart`, on every new entry; Emby sends an empty
  list, meaning "read the log again".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from ._wire import JsonObject, as_mapping, get_value, read_required_str
from .admin_models import ActivityLogEntry, ScheduledTask, TaskResult, read_percentage
from .exceptions import EmbyResponseError


class Feed(StrEnum):
    """Periodic feeds a client subscribes to with `<feed>Start` and ends with `<feed>Stop`."""

    SCHEDULED_TASKS = "ScheduledTasksInfo"
    ACTIVITY_LOG = "ActivityLogEntry"


class AdminMessageType(StrEnum):
    """The message types of server care."""

    SCHEDULED_TASKS_INFO = "ScheduledTasksInfo"
    SCHEDULED_TASK_ENDED = "ScheduledTaskEnded"
    REFRESH_PROGRESS = "RefreshProgress"
    ACTIVITY_LOG_ENTRY = "ActivityLogEntry"


def feed_start_data(*, interval: float = 1.0, initial_delay: float = 0.0) -> str:
    """Return the Data of a `<feed>Start` message: "<initial delay ms>,<interval ms>"."""
    return f"{round(max(initial_delay, 0) * 1000)},{round(max(interval, 0) * 1000)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledTasksInfoMessage:
    """Every visible scheduled task, with state and progress."""

    tasks: list[ScheduledTask] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledTaskEndedMessage:
    """A scheduled task's run ended."""

    result: TaskResult


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshProgressMessage:
    """A library folder's refresh progressed (0-100 %)."""

    item_id: str
    progress: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityLogEntryMessage:
    """The activity log has new entries (Emby sends none: read the log again)."""

    entries: list[ActivityLogEntry] = field(default_factory=list)


type AdminMessage = (
    ScheduledTasksInfoMessage
    | ScheduledTaskEndedMessage
    | RefreshProgressMessage
    | ActivityLogEntryMessage
)


def _scheduled_tasks_info(obj: JsonObject) -> ScheduledTasksInfoMessage:
    """Build ScheduledTasksInfo (Data: TaskInfo[])."""
    data = get_value(obj, "Data")
    return ScheduledTasksInfoMessage(
        tasks=ScheduledTask.list_from(data if data is not None else [])
    )


def _scheduled_task_ended(obj: JsonObject) -> ScheduledTaskEndedMessage:
    """Build ScheduledTaskEnded (Data: TaskResult)."""
    result = TaskResult.from_dict(as_mapping(get_value(obj, "Data")))
    return ScheduledTaskEndedMessage(result=result)


def _refresh_progress(obj: JsonObject) -> RefreshProgressMessage:
    """Build RefreshProgress (Data: {"ItemId", "Progress"}, both strings on Emby)."""
    data = as_mapping(get_value(obj, "Data"))
    item_id = read_required_str(data, "RefreshProgress", "ItemId")
    progress = read_percentage(data, "Progress")
    if progress is None:
        message = "RefreshProgress has no valid Progress"
        raise EmbyResponseError(message)
    return RefreshProgressMessage(item_id=item_id, progress=progress)


def _activity_log_entry(obj: JsonObject) -> ActivityLogEntryMessage:
    """Build ActivityLogEntry (Data: ActivityLogEntry[], empty on Emby)."""
    data = get_value(obj, "Data")
    entries = ActivityLogEntry.list_from(data) if isinstance(data, list) else []
    return ActivityLogEntryMessage(entries=entries)


BUILDERS: dict[str, Callable[[JsonObject], AdminMessage]] = {
    AdminMessageType.SCHEDULED_TASKS_INFO: _scheduled_tasks_info,
    AdminMessageType.SCHEDULED_TASK_ENDED: _scheduled_task_ended,
    AdminMessageType.REFRESH_PROGRESS: _refresh_progress,
    AdminMessageType.ACTIVITY_LOG_ENTRY: _activity_log_entry,
}

__all__ = [
    "BUILDERS",
    "ActivityLogEntryMessage",
    "AdminMessage",
    "AdminMessageType",
    "Feed",
    "RefreshProgressMessage",
    "ScheduledTaskEndedMessage",
    "ScheduledTasksInfoMessage",
    "feed_start_data",
]
