"""Typed models of server care: Wake-on-LAN, scheduled tasks, the activity log, packages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
import ipaddress
import math
import re
from typing import Any, Self

from ._wire import (
    JsonObject,
    as_list,
    as_object,
    get_value,
    parse_each,
    read_datetime,
    read_int,
    read_required_str,
    read_str,
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


def _enum[E: StrEnum](kind: type[E], value: str | None, default: E) -> E:
    """Return the member a wire value names (case-insensitive), default for anything else."""
    if value is not None:
        for member in kind:
            if member.value.lower() == value.strip().lower():
                return member
    return default


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
class TaskResult:
    """The last run of a scheduled task (a TaskResult; also the Data of ScheduledTaskEnded)."""

    status: TaskStatus
    task_id: str | None = None
    key: str | None = None
    name: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    error_message: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a TaskResult."""
        obj = as_object(data, "task result")
        return cls(
            status=_enum(TaskStatus, read_str(obj, "Status"), TaskStatus.UNKNOWN),
            task_id=read_str(obj, "Id"),
            key=read_str(obj, "Key"),
            name=read_str(obj, "Name"),
            started=read_datetime(obj, "StartTimeUtc"),
            ended=read_datetime(obj, "EndTimeUtc"),
            error_message=read_str(obj, "ErrorMessage") or None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledTask:
    """A scheduled task (TaskInfo): state, progress while it runs, and its last result."""

    id: str
    name: str
    key: str | None = None
    category: str | None = None
    description: str | None = None
    state: TaskState = TaskState.IDLE
    progress: float | None = None
    last_result: TaskResult | None = None
    is_hidden: bool = False

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
        obj = as_object(data, "scheduled task")
        task_id = read_required_str(obj, "Scheduled task", "Id")
        result = get_value(obj, "LastExecutionResult")
        progress = read_percentage(obj, "CurrentProgressPercentage")
        state = _enum(TaskState, read_str(obj, "State"), TaskState.IDLE)
        return cls(
            id=task_id,
            name=read_str(obj, "Name") or task_id,
            key=read_str(obj, "Key"),
            category=read_str(obj, "Category"),
            description=read_str(obj, "Description"),
            state=state,
            progress=progress if state is not TaskState.IDLE else None,
            last_result=TaskResult.from_dict(result) if isinstance(result, Mapping) else None,
            is_hidden=get_value(obj, "IsHidden") is True,
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse a TaskInfo array, skipping entries that cannot be read."""
        return parse_each(cls.from_dict, data, "scheduled tasks")


def find_library_scan[T: ScheduledTask](tasks: list[T]) -> T | None:
    """Return "Scan media library" among tasks (by its key; None when the server has none)."""
    return next((task for task in tasks if task.is_library_scan), None)


def read_percentage(obj: JsonObject, name: str) -> float | None:
    """Read a percentage (a number or a numeric string), clamped to 0-100."""
    value = get_value(obj, name)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityLogEntry:
    """One entry of the server's activity log."""

    id: int
    name: str
    type: str
    date: datetime | None = None
    severity: str = "Info"
    short_overview: str | None = None
    overview: str | None = None
    user_id: str | None = None
    item_id: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse an ActivityLogEntry."""
        obj = as_object(data, "activity log entry")
        entry_id = read_int(obj, "Id")
        if entry_id is None:
            message = "Activity log entry has no Id"
            raise EmbyResponseError(message)
        return cls(
            id=entry_id,
            name=read_str(obj, "Name") or "",
            type=read_str(obj, "Type") or "",
            date=read_datetime(obj, "Date"),
            severity=read_str(obj, "Severity") or "Info",
            short_overview=read_str(obj, "ShortOverview") or None,
            overview=read_str(obj, "Overview") or None,
            user_id=read_str(obj, "UserId") or None,
            item_id=read_str(obj, "ItemId") or None,
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse an ActivityLogEntry array, skipping entries that cannot be read."""
        return parse_each(cls.from_dict, data, "activity log entries")


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
class PackageVersion:
    """A version of the server or of a plugin, with its release notes (PackageVersionInfo)."""

    name: str
    version: str
    guid: str | None = None
    classification: str | None = None
    description: str | None = None
    info_url: str | None = None
    timestamp: datetime | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a PackageVersionInfo (Emby writes its names in lower camel case)."""
        obj = as_object(data, "package version")
        return cls(
            name=read_str(obj, "name") or "",
            version=read_required_str(obj, "Package version", "versionStr", "version"),
            guid=read_str(obj, "guid") or None,
            classification=read_str(obj, "classification") or None,
            description=read_str(obj, "description") or None,
            info_url=read_str(obj, "infoUrl") or None,
            timestamp=read_datetime(obj, "timestamp"),
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse a PackageVersionInfo array, skipping entries that cannot be read."""
        return parse_each(cls.from_dict, data, "package versions")


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginInfo:
    """An installed plugin (PluginInfo): its Id (the package GUID), name and version."""

    id: str
    name: str
    version: str
    description: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a PluginInfo."""
        obj = as_object(data, "plugin")
        return cls(
            id=read_required_str(obj, "Plugin", "Id"),
            name=read_str(obj, "Name") or "",
            version=read_required_str(obj, "Plugin", "Version"),
            description=read_str(obj, "Description") or None,
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse a PluginInfo array, skipping entries that cannot be read."""
        return parse_each(cls.from_dict, data, "plugins")
