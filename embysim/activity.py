"""One server's activity log (Dashboard > Activity): entries as Emby writes them, newest last.

Paged and filtered by date as System/ActivityLog/Entries serves them; watchers (the
ActivityLogEntry websocket feed) hear of every new entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .models import emby_date, utcnow

if TYPE_CHECKING:
    from .models import SimUser


class ActivityType(StrEnum):
    """Entry types Emby's activity log writes (the ones server care looks at, and a few more)."""

    AUTHENTICATION_FAILED = "AuthenticationFailed"
    AUTHENTICATION_SUCCEEDED = "AuthenticationSucceeded"
    SESSION_STARTED = "SessionStarted"
    USER_LOCKED_OUT = "UserLockedOut"
    # Emby's name for this entry is not documented anywhere we could read; see the README.
    DEVICE_ADDED = "DeviceAdded"
    PLAYBACK_START = "PlaybackStart"
    PLAYBACK_STOPPED = "PlaybackStopped"


SEVERITIES = frozenset({"Info", "Debug", "Warn", "Error", "Fatal"})


class ActivityLog:
    """Keep a server's activity entries as ActivityLogEntry dicts (oldest first)."""

    def __init__(self) -> None:
        """Start empty, with no watcher."""
        self.entries: list[dict[str, Any]] = []
        self._watchers: list[Callable[[dict[str, Any]], None]] = []

    def watch(self, watcher: Callable[[dict[str, Any]], None]) -> None:
        """Tell watcher about every entry added from now on."""
        self._watchers.append(watcher)

    def add(
        self,
        name: str,
        kind: str,
        user: SimUser | None = None,
        *,
        user_id: str | None = None,
        short_overview: str | None = None,
        overview: str | None = None,
        severity: str = "Info",
        item_id: str | None = None,
        date: datetime | None = None,
    ) -> dict[str, Any]:
        """Append an entry as Emby's ActivityLogEntry and return it (user or user_id: whose)."""
        if severity not in SEVERITIES:
            message = f"severity must be one of {sorted(SEVERITIES)}, not {severity!r}"
            raise ValueError(message)
        entry: dict[str, Any] = {
            "Id": len(self.entries) + 1,
            "Name": name,
            "Type": str(kind),
            "Date": emby_date(date or utcnow()),
            "Severity": severity,
        }
        optional = {
            "ShortOverview": short_overview,
            "Overview": overview,
            "ItemId": item_id,
            "UserId": user.id if user is not None else user_id,
        }
        entry.update({key: value for key, value in optional.items() if value is not None})
        self.entries.append(entry)
        for watcher in list(self._watchers):
            watcher(entry)
        return entry

    def failed_login(self, username: str, remote_end_point: str) -> dict[str, Any]:
        """Log a failed sign-in the way Emby words it."""
        return self.add(
            f"Failed login attempt from {username}",
            ActivityType.AUTHENTICATION_FAILED,
            short_overview=f"IP address: {remote_end_point}",
            severity="Error",
        )

    def newest_first(self) -> list[dict[str, Any]]:
        """Return the entries, newest first (as the server pages them)."""
        return list(reversed(self.entries))

    def page(
        self, *, start_index: int = 0, limit: int | None = None, min_date: datetime | None = None
    ) -> dict[str, Any]:
        """Return QueryResult<ActivityLogEntry>: newest first, since min_date, one page of it."""
        entries = [
            entry
            for entry in reversed(self.entries)
            if min_date is None or entry["Date"] >= emby_date(min_date)
        ]
        end = None if limit is None else start_index + limit
        return {"Items": entries[start_index:end], "TotalRecordCount": len(entries)}
