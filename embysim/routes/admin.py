"""Administrator routes: scheduled tasks (list, one, start, stop) and the activity log."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from embysim.httputil import text_response
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("admin")
_TASK = r"(?P<task_id>[^/]+)"


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


@ROUTES.get("/ScheduledTasks", auth="admin")
async def scheduled_tasks(call: Call) -> web.StreamResponse:
    """Answer GET ScheduledTasks (IsHidden filters; every simulated task is enabled)."""
    query = call.query
    tasks = call.server.care.tasks.tasks
    if (hidden := query.get("ishidden")) is not None:
        tasks = [task for task in tasks if task.is_hidden == (hidden.lower() == "true")]
    if query.get("isenabled", "true").lower() == "false":
        tasks = []
    return web.json_response([task.to_json() for task in tasks])


@ROUTES.get(f"/ScheduledTasks/{_TASK}", auth="admin")
async def scheduled_task(call: Call) -> web.StreamResponse:
    """Answer GET ScheduledTasks/{Id}."""
    task = call.server.care.tasks.find(call.match.group("task_id"))
    if task is None:
        return text_response(404, "Task not found")
    return web.json_response(task.to_json())


@ROUTES.post(f"/ScheduledTasks/Running/{_TASK}", auth="admin")
async def start_task(call: Call) -> web.StreamResponse:
    """Answer POST ScheduledTasks/Running/{Id}: start the task."""
    care = call.server.care
    task = care.tasks.find(call.match.group("task_id"))
    if task is None:
        return text_response(404, "Task not found")
    care.start_task(task)
    return web.Response(status=204)


@ROUTES.delete(f"/ScheduledTasks/Running/{_TASK}", auth="admin")
@ROUTES.post(f"/ScheduledTasks/Running/{_TASK}/Delete", auth="admin")
async def stop_task(call: Call) -> web.StreamResponse:
    """Answer DELETE ScheduledTasks/Running/{Id}: cancel the task if it runs."""
    care = call.server.care
    task = care.tasks.find(call.match.group("task_id"))
    if task is None:
        return text_response(404, "Task not found")
    care.tasks.cancel(task)
    return web.Response(status=204)


@ROUTES.get("/System/ActivityLog/Entries", auth="admin")
async def activity_log(call: Call) -> web.StreamResponse:
    """Answer GET System/ActivityLog/Entries (StartIndex, Limit, MinDate; newest first)."""
    query = call.query
    try:
        start = max(int(query.get("startindex") or 0), 0)
        limit = max(int(query["limit"]), 0) if query.get("limit") else None
        min_date = parse_min_date(query["mindate"]) if query.get("mindate") else None
    except ValueError:
        return text_response(400, "Invalid StartIndex, Limit or MinDate")
    page = call.server.activity.page(start_index=start, limit=limit, min_date=min_date)
    return web.json_response(page)
