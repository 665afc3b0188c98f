"""HTTP endpoints of server care: Wake-on-LAN info, tasks, activity, release notes, scans."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
import re
from typing import TYPE_CHECKING, Literal, Protocol

from aiohttp import web

from .models import IssuedToken

if TYPE_CHECKING:
    from .care import CareHost, ServerCare

type CareAuth = Literal["user", "admin"]
type CareHandler = Callable[[CareCall], Awaitable[web.StreamResponse]]
type CareRoute = tuple[str, str, CareHandler, CareAuth]

_TASK_ID = "(?P<task_id>[^/]+)"


class CareCall(Protocol):
    """What an endpoint needs of an authorised request."""

    request: web.Request
    match: re.Match[str]
    issued: IssuedToken | None


def parse_min_date(text: str) -> datetime:
    """Parse an ISO 8601 date as Emby accepts it (Z, offsets, up to seven fraction digits)."""
    value = text.strip().replace("Z", "+00:00").replace(" ", "+")
    if "." in value:
        head, _, tail = value.partition(".")
        zone = tail.lstrip("0123456789")
        digits = tail[: len(tail) - len(zone)]
        value = f"{head}.{digits[:6]}{zone}"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class CareRoutes:
    """Answer the server-care endpoints of one server."""

    def __init__(self, care: ServerCare, server: CareHost) -> None:
        """Serve one server's care state."""
        self._server = server
        self._care = care

    def routes(self) -> list[CareRoute]:
        """List (method, path pattern, handler, access) for the server's route table."""
        return [
            ("GET", "/System/WakeOnLanInfo", self._wake_on_lan_info, "user"),
            ("GET", "/System/ReleaseNotes", self._release_notes, "user"),
            ("GET", "/System/ReleaseNotes/Versions", self._release_notes_versions, "user"),
            ("GET", "/Packages/Updates", self._package_updates, "admin"),
            ("GET", "/ScheduledTasks", self._scheduled_tasks, "admin"),
            ("GET", f"/ScheduledTasks/{_TASK_ID}", self._scheduled_task, "admin"),
            ("POST", f"/ScheduledTasks/Running/{_TASK_ID}", self._start_task, "admin"),
            ("DELETE", f"/ScheduledTasks/Running/{_TASK_ID}", self._stop_task, "admin"),
            ("POST", f"/ScheduledTasks/Running/{_TASK_ID}/Delete", self._stop_task, "admin"),
            ("GET", "/System/ActivityLog/Entries", self._activity_log, "admin"),
            ("POST", "/Library/Refresh", self._library_refresh, "admin"),
            ("GET", "/Items", self._items, "user"),
        ]

    async def _wake_on_lan_info(self, _call: CareCall) -> web.Response:
        """Answer GET System/WakeOnLanInfo."""
        return web.json_response(self._care.wake_on_lan_info())

    async def _release_notes(self, _call: CareCall) -> web.Response:
        """Answer GET System/ReleaseNotes (the newest version's notes)."""
        available = self._server.has_update_available
        return web.json_response(self._care.updates.release_notes(update_available=available))

    async def _release_notes_versions(self, _call: CareCall) -> web.Response:
        """Answer GET System/ReleaseNotes/Versions (newest first)."""
        available = self._server.has_update_available
        return web.json_response(self._care.updates.versions(update_available=available))

    async def _package_updates(self, call: CareCall) -> web.Response:
        """Answer GET Packages/Updates?PackageType=System|UserInstalled."""
        package_type = _query(call).get("packagetype")
        available = self._server.has_update_available
        return web.json_response(
            self._care.updates.updates(package_type, update_available=available)
        )

    async def _scheduled_tasks(self, call: CareCall) -> web.Response:
        """Answer GET ScheduledTasks (IsHidden filters; every simulated task is enabled)."""
        query = _query(call)
        tasks = self._care.tasks.tasks
        if (hidden := query.get("ishidden")) is not None:
            tasks = [task for task in tasks if task.is_hidden == (hidden.lower() == "true")]
        if query.get("isenabled", "true").lower() == "false":
            tasks = []
        return web.json_response([task.to_json() for task in tasks])

    async def _scheduled_task(self, call: CareCall) -> web.Response:
        """Answer GET ScheduledTasks/{Id}."""
        task = self._care.tasks.find(call.match.group("task_id"))
        if task is None:
            return _text(404, "Task not found")
        return web.json_response(task.to_json())

    async def _start_task(self, call: CareCall) -> web.Response:
        """Answer POST ScheduledTasks/Running/{Id}: start the task."""
        task = self._care.tasks.find(call.match.group("task_id"))
        if task is None:
            return _text(404, "Task not found")
        self._care.start_task(task)
        return web.Response(status=204)

    async def _stop_task(self, call: CareCall) -> web.Response:
        """Answer DELETE ScheduledTasks/Running/{Id}: cancel the task if it runs."""
        task = self._care.tasks.find(call.match.group("task_id"))
        if task is None:
            return _text(404, "Task not found")
        self._care.tasks.cancel(task)
        return web.Response(status=204)

    async def _activity_log(self, call: CareCall) -> web.Response:
        """Answer GET System/ActivityLog/Entries (StartIndex, Limit, MinDate; newest first)."""
        query = _query(call)
        try:
            start = max(int(query.get("startindex") or 0), 0)
            limit = int(query["limit"]) if query.get("limit") else None
            min_date = parse_min_date(query["mindate"]) if query.get("mindate") else None
        except ValueError:
            return _text(400, "Invalid StartIndex, Limit or MinDate")
        page = self._care.activity.page(
            start_index=start, limit=None if limit is None else max(limit, 0), min_date=min_date
        )
        return web.json_response(page)

    async def _library_refresh(self, _call: CareCall) -> web.Response:
        """Answer POST Library/Refresh: start "Scan media library" with what is on disk."""
        self._care.start_scan()
        return web.Response(status=204)

    async def _items(self, call: CareCall) -> web.Response:
        """Answer GET Items (Ids=a,b,... picks items; StartIndex and Limit page the rest)."""
        query = _query(call)
        library = self._care.library
        if ids := query.get("ids"):
            items = library.find(part for part in ids.split(",") if part)
        else:
            items = list(library.items.values())
        total = len(items)
        start = _int(query.get("startindex"), 0)
        limit = _int(query.get("limit"), total)
        items = items[start : start + limit]
        system_id = self._server.system_id
        return web.json_response(
            {"Items": [item.to_json(system_id) for item in items], "TotalRecordCount": total}
        )


def _query(call: CareCall) -> dict[str, str]:
    """Return the query with lower-cased names (Emby's are case-insensitive)."""
    return {key.lower(): value for key, value in call.request.query.items()}


def _int(value: str | None, default: int) -> int:
    """Parse an optional non-negative integer query parameter."""
    try:
        return max(int(value), 0) if value is not None else default
    except ValueError:
        return default


def _text(status: int, message: str) -> web.Response:
    """Return a plain-text answer like Emby's errors."""
    return web.Response(status=status, text=message, content_type="text/plain")
