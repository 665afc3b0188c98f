"""Typed models of server care: Wake-on-LAN, scheduled tasks, the activity log, packages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import ipaddress
import math
import re
from typing import Any, Self

from ._fields import WireModel, read_fields, wire
from ._wire import (
    JsonObject,
    as_list,
    as_object,
    get_value,
    parse_each,
    read_datetime,
    read_enum,
    read_int,
    read_object,
    read_required_str,
    read_str,
    read_text,
)
from .exceptions import EmbyResponseError

LIBRARY_SCAN_KEY = "RefreshLibrary"
DEFAULT_WAKE_PORT = 9
_MAC_SEPARATORS = re.compile(r"[:\-.]")
_MAC_HEX = re.compile(r"^[0-9A-Fa-f]{12}$")


def normalize_mac(mac: str) -> str:
    """Return a MAC address as AA:BB:CC:DD:EE:FF; raise ValueError when it is none."""
    digits = _MAC_SEPARATORS.sub("", mac.strip())
    if _MAC_HEX.match(digits) is None:
        message = "Not a MAC address"
        raise ValueError(message)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)).upper()


@dataclass(frozen=True, slots=True, kw_only=True)
class WakeOnLanInfo:
    """Where to send a server's magic packet: its MAC address, broadcast address and port."""

    mac_address: str
    broadcast_address: str
    port: int = DEFAULT_WAKE_PORT

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse one entry of `System/WakeOnLanInfo` (or of the entry data it was kept in)."""
        obj = as_object(data, "Wake-on-LAN info")
        try:
            mac = normalize_mac(read_required_str(obj, "Wake-on-LAN info", "MacAddress"))
        except ValueError as err:
            message = "Wake-on-LAN info has no valid MacAddress"
            raise EmbyResponseError(message) from err
        broadcast = read_required_str(obj, "Wake-on-LAN info", "BroadcastAddress").strip()
        try:
            # An IP address only: a name would be resolved by whoever sends the packet.
            broadcast = str(ipaddress.ip_address(broadcast))
        except ValueError as err:
            message = "Wake-on-LAN info has no valid BroadcastAddress"
            raise EmbyResponseError(message) from err
        port = read_int(obj, "Port")
        if port is None or port == 0:
            port = DEFAULT_WAKE_PORT
        if not 0 < port < 2**16:
            message = "Wake-on-LAN info has a port out of range"
            raise EmbyResponseError(message)
        return cls(mac_address=mac, broadcast_address=broadcast, port=port)

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse `System/WakeOnLanInfo` (one entry per network interface), skipping bad ones."""
        return parse_each(cls.from_dict, data, "System/WakeOnLanInfo")

    def as_dict(self) -> dict[str, Any]:
        """Return the info with Emby's field names (to keep it, e.g. in a config entry)."""
        return {
            "MacAddress": self.mac_address,
            "BroadcastAddress": self.broadcast_address,
            "Port": self.port,
        }


class TaskState(StrEnum):
    """What a scheduled task is doing."""

    IDLE = "Idle"
    RUNNING = "Running"
    CANCELLING = "Cancelling"


class TaskStatus(StrEnum):
    """How a scheduled task's run ended."""

    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    ABORTED = "Aborted"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskResult(WireModel):
    """The last run of a scheduled task (a TaskResult; also the Data of ScheduledTaskEnded)."""

    _what = "task result"

    status: TaskStatus = wire(read_enum(TaskStatus), "Status", absent=TaskStatus.UNKNOWN)
    task_id: str | None = wire(read_str, "Id", default=None)
    key: str | None = wire(read_str, "Key", default=None)
    name: str | None = wire(read_str, "Name", default=None)
    started: datetime | None = wire(read_datetime, "StartTimeUtc", default=None)
    ended: datetime | None = wire(read_datetime, "EndTimeUtc", default=None)
    error_message: str | None = wire(read_text, "ErrorMessage", default=None)


def read_percentage(obj: JsonObject, *names: str) -> float | None:
    """Read a percentage (a number or a numeric string), clamped to 0-100."""
    value = get_value(obj, *names)
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return min(max(float(value), 0.0), 100.0)


def _read_true(obj: JsonObject, *names: str) -> bool:
    """Read a flag that only a JSON true sets (no "true" string, no number)."""
    return get_value(obj, *names) is True


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledTask(WireModel):
    """A scheduled task (TaskInfo): state, progress while it runs, and its last result."""

    _what = "scheduled task"
    _list_what = "scheduled tasks"

    id: str = wire(read_text, "Id", required="Scheduled task")
    name: str = wire(read_text, "Name", fallback="id")
    key: str | None = wire(read_str, "Key", default=None)
    category: str | None = wire(read_str, "Category", default=None)
    description: str | None = wire(read_str, "Description", default=None)
    state: TaskState = wire(read_enum(TaskState), "State", default=TaskState.IDLE)
    # Only while it runs.
    progress: float | None = wire(read_percentage, "CurrentProgressPercentage", default=None)
    last_result: TaskResult | None = wire(
        read_object(TaskResult.from_dict), "LastExecutionResult", default=None
    )
    is_hidden: bool = wire(_read_true, "IsHidden", default=False)

    @property
    def is_running(self) -> bool:
        """Return whether a run is under way (cancelling counts: it has not ended yet)."""
        return self.state is not TaskState.IDLE

    @property
    def is_library_scan(self) -> bool:
        """Return whether this is "Scan media library"."""
        return self.key == LIBRARY_SCAN_KEY

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a TaskInfo."""
        values = read_fields(cls, as_object(data, cls._what))
        if values.get("state", TaskState.IDLE) is TaskState.IDLE:
            # An idle task's last progress figure is stale.
            values.pop("progress", None)
        return cls(**values)


def find_library_scan[T: ScheduledTask](tasks: list[T]) -> T | None:
    """Return "Scan media library" among tasks (by its key; None when the server has none)."""
    return next((task for task in tasks if task.is_library_scan), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityLogEntry(WireModel):
    """One entry of the server's activity log."""

    _what = "activity log entry"
    _list_what = "activity log entries"

    id: int = wire(read_int, "Id", required="Activity log entry")
    name: str = wire(read_str, "Name", absent="")
    type: str = wire(read_str, "Type", absent="")
    date: datetime | None = wire(read_datetime, "Date", default=None)
    severity: str = wire(read_text, "Severity", default="Info")
    short_overview: str | None = wire(read_text, "ShortOverview", default=None)
    overview: str | None = wire(read_text, "Overview", default=None)
    user_id: str | None = wire(read_text, "UserId", default=None)
    item_id: str | None = wire(read_text, "ItemId", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityLogPage:
    """One page of the activity log (newest first) and how many entries match in all."""

    entries: list[ActivityLogEntry] = field(default_factory=list)
    total: int = 0

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse QueryResult<ActivityLogEntry>."""
        obj = as_object(data, "System/ActivityLog/Entries")
        entries = ActivityLogEntry.list_from(as_list(get_value(obj, "Items") or [], "activity log"))
        total = read_int(obj, "TotalRecordCount")
        return cls(entries=entries, total=max(total if total is not None else 0, len(entries)))


class PackageType(StrEnum):
    """Which updates `Packages/Updates` lists."""

    SYSTEM = "System"
    USER_INSTALLED = "UserInstalled"


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageVersion(WireModel):
    """A version of the server or of a plugin, with its release notes (PackageVersionInfo).

    Emby writes a PackageVersionInfo's names in lower camel case.
    """

    _what = "package version"
    _list_what = "package versions"

    name: str = wire(read_str, "name", absent="")
    version: str = wire(read_text, "versionStr", "version", required="Package version")
    guid: str | None = wire(read_text, "guid", default=None)
    classification: str | None = wire(read_text, "classification", default=None)
    description: str | None = wire(read_text, "description", default=None)
    info_url: str | None = wire(read_text, "infoUrl", default=None)
    timestamp: datetime | None = wire(read_datetime, "timestamp", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginInfo(WireModel):
    """An installed plugin (PluginInfo): its Id (the package GUID), name and version."""

    _what = "plugin"
    _list_what = "plugins"

    id: str = wire(read_text, "Id", required="Plugin")
    name: str = wire(read_str, "Name", absent="")
    version: str = wire(read_text, "Version", required="Plugin")
    description: str | None = wire(read_text, "Description", default=None)
