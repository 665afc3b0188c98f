"""One server's activity log (Dashboard > Activity): what happened, newest last."""

from __future__ import annotations

from typing import Any

from .models import SimUser, emby_date, utcnow


class ActivityLog:
    """Keep a server's activity entries as ActivityLogEntry dicts."""

    def __init__(self) -> None:
        """Start empty."""
        self.entries: list[dict[str, Any]] = []

    def add(self, name: str, kind: str, user: SimUser | None = None) -> dict[str, Any]:
        """Append an entry and return it."""
        entry: dict[str, Any] = {
            "Id": len(self.entries) + 1,
            "Name": name,
            "Type": kind,
            "Date": emby_date(utcnow()),
            "Severity": "Info",
        }
        if user is not None:
            entry["UserId"] = user.id
        self.entries.append(entry)
        return entry

    def newest_first(self) -> list[dict[str, Any]]:
        """Return the entries, newest first (as the server pages them)."""
        return list(reversed(self.entries))
