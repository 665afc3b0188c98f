"""Server care through an Emby server's admin API: tasks, activity, updates, restart, scans.

Most of these calls need an administrator: a user without admin rights gets EmbyForbiddenError
(HTTP 403), which callers should take as "this feature is not available", not as a failure.
`System/WakeOnLanInfo` and the release notes need a signed-in user only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from aiohttp.hdrs import METH_DELETE, METH_GET, METH_POST

from .admin_models import (
    ActivityLogEntry,
    ActivityLogPage,
    PackageType,
    PackageVersion,
    PluginInfo,
    ScheduledTask,
    WakeOnLanInfo,
    find_library_scan,
)
from .server import EmbyServer

ACTIVITY_PAGE_SIZE = 50
# Enough for any real gap between two reads; a server that keeps paging beyond it is not trusted.
MAX_ACTIVITY_ENTRIES = 500


def emby_datetime(value: datetime) -> str:
    """Format a datetime as Emby reads dates in queries (ISO 8601, UTC, Z)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(kw_only=True)
class EmbyAdmin:
    """Look after one Emby server through the signed-in user's token (an administrator's)."""

    server: EmbyServer

    async def get_wake_on_lan_info(self) -> list[WakeOnLanInfo]:
        """Read `System/WakeOnLanInfo`: one MAC, broadcast address and port per interface."""
        return WakeOnLanInfo.list_from(await self.server.request(METH_GET, "System/WakeOnLanInfo"))

    async def get_scheduled_tasks(self, *, include_hidden: bool = False) -> list[ScheduledTask]:
        """Read `ScheduledTasks` (administrators)."""
        params = None if include_hidden else {"IsHidden": "false"}
        data = await self.server.request(METH_GET, "ScheduledTasks", params=params)
        return ScheduledTask.list_from(data)

    async def get_scheduled_task(self, task_id: str) -> ScheduledTask:
        """Read one scheduled task (administrators)."""
        data = await self.server.request(METH_GET, f"ScheduledTasks/{_segment(task_id)}")
        return ScheduledTask.from_dict(data)

    async def get_library_scan_task(self) -> ScheduledTask | None:
        """Return "Scan media library" (None when the server has no such task)."""
        return find_library_scan(await self.get_scheduled_tasks(include_hidden=True))

    async def start_scheduled_task(self, task_id: str) -> None:
        """Start a scheduled task (administrators)."""
        await self.server.request(
            METH_POST, f"ScheduledTasks/Running/{_segment(task_id)}", expect_json=False
        )

    async def stop_scheduled_task(self, task_id: str) -> None:
        """Ask a running scheduled task to stop (administrators)."""
        await self.server.request(
            METH_DELETE, f"ScheduledTasks/Running/{_segment(task_id)}", expect_json=False
        )

    async def get_activity_log(
        self,
        *,
        start_index: int = 0,
        limit: int = ACTIVITY_PAGE_SIZE,
        min_date: datetime | None = None,
    ) -> ActivityLogPage:
        """Read one page of `System/ActivityLog/Entries`, newest first (administrators)."""
        params = {"StartIndex": str(max(start_index, 0)), "Limit": str(max(limit, 1))}
        if min_date is not None:
            params["MinDate"] = emby_datetime(min_date)
        data = await self.server.request(METH_GET, "System/ActivityLog/Entries", params=params)
        return ActivityLogPage.from_dict(data)

    async def get_activity_since(
        self,
        since: datetime,
        *,
        after_id: int | None = None,
        page_size: int = ACTIVITY_PAGE_SIZE,
        max_entries: int = MAX_ACTIVITY_ENTRIES,
    ) -> list[ActivityLogEntry]:
        """Return the entries since a time (and after an entry Id, if given), oldest first.

        Pages through the log; stops at max_entries, an empty page, or the first entry not
        newer than after_id (entry Ids only grow).
        """
        found: list[ActivityLogEntry] = []
        while len(found) < max_entries:
            page = await self.get_activity_log(
                start_index=len(found),
                limit=min(page_size, max_entries - len(found)),
                min_date=since,
            )
            fresh = [e for e in page.entries if after_id is None or e.id > after_id]
            found.extend(fresh)
            if len(fresh) < len(page.entries) or not page.entries or len(found) >= page.total:
                break
        return sorted(found[:max_entries], key=lambda entry: entry.id)

    async def get_release_notes(self) -> PackageVersion:
        """Read `System/ReleaseNotes`: the newest version the server knows, with its notes."""
        return PackageVersion.from_dict(await self.server.request(METH_GET, "System/ReleaseNotes"))

    async def get_release_notes_versions(self) -> list[PackageVersion]:
        """Read `System/ReleaseNotes/Versions`, newest first."""
        data = await self.server.request(METH_GET, "System/ReleaseNotes/Versions")
        return PackageVersion.list_from(data)

    async def get_package_updates(
        self, package_type: PackageType = PackageType.USER_INSTALLED
    ) -> list[PackageVersion]:
        """Read `Packages/Updates`: the server's (System) or plugins' (UserInstalled) updates."""
        data = await self.server.request(
            METH_GET, "Packages/Updates", params={"PackageType": str(package_type)}
        )
        return PackageVersion.list_from(data)

    async def get_plugins(self) -> list[PluginInfo]:
        """Read `Plugins`: the installed plugins with their versions (administrators)."""
        return PluginInfo.list_from(await self.server.request(METH_GET, "Plugins"))

    async def restart(self) -> None:
        """Restart the server (administrators; EmbyResponseError when it cannot restart itself)."""
        await self.server.request(METH_POST, "System/Restart", expect_json=False)

    async def refresh_library(self) -> None:
        """Scan all libraries (administrators): "Scan media library" runs and reports progress."""
        await self.server.request(METH_POST, "Library/Refresh", expect_json=False)


def _segment(value: str) -> str:
    """Return an Id quoted as one path segment."""
    return quote(value, safe="")
