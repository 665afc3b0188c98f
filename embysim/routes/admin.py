"""Administrator routes: scheduled tasks and the activity log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from embysim.httputil import int_param
from embysim.ids import IdFactory
from embysim.models import emby_date, utcnow
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("admin")
_TASKS = [
    ("Scan media library", "RefreshLibrary", "Library"),
    ("Check for plugin updates", "PluginUpdates", "Application"),
    ("Clean cache directory", "DeleteCacheFiles", "Maintenance"),
]


@ROUTES.get("/ScheduledTasks", auth="admin")
async def scheduled_tasks(call: Call) -> web.StreamResponse:
    """Answer GET ScheduledTasks (administrators only)."""
    return web.json_response(task_list(call.server.ids))


@ROUTES.get("/System/ActivityLog/Entries", auth="admin")
async def activity_log(call: Call) -> web.StreamResponse:
    """Answer GET System/ActivityLog/Entries (administrators only)."""
    query = call.query
    entries = call.server.activity.newest_first()
    start = int_param(query.get("startindex"), 0)
    limit = int_param(query.get("limit"), len(entries))
    return web.json_response(
        {"Items": entries[start : start + limit], "TotalRecordCount": len(entries)}
    )


def task_list(ids: IdFactory) -> list[dict[str, Any]]:
    """Return a few scheduled tasks as TaskInfo."""
    finished = utcnow() - timedelta(hours=3)
    return [
        {
            "Name": name,
            "State": "Idle",
            "Id": ids.hex(),
            "LastExecutionResult": {
                "StartTimeUtc": emby_date(finished - timedelta(minutes=4)),
                "EndTimeUtc": emby_date(finished),
                "Status": "Completed",
                "Name": name,
                "Key": key,
                "Id": ids.hex(),
            },
            "Triggers": [{"Type": "IntervalTrigger", "IntervalTicks": 12 * 3600 * 10**7}],
            "Description": name,
            "Category": category,
            "IsHidden": False,
            "Key": key,
        }
        for name, key, category in _TASKS
    ]
