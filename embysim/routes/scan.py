"""Library scan routes: start a scan, and read the items scans added by Id."""

from __future__ import annotations

from aiohttp import web

from embysim.httputil import int_param
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("scan")


@ROUTES.post("/Library/Refresh", auth="admin")
async def library_refresh(call: Call) -> web.StreamResponse:
    """Answer POST Library/Refresh: run "Scan media library" over what is on disk."""
    call.server.care.start_scan()
    return web.Response(status=204)


@ROUTES.get("/Items", auth="user")
async def items(call: Call) -> web.StreamResponse:
    """Answer GET Items (Ids=a,b,... picks items; StartIndex and Limit page the rest)."""
    query = call.query
    library = call.server.care.library
    if ids := query.get("ids"):
        found = library.find(part for part in ids.split(",") if part)
    else:
        found = list(library.items.values())
    total = len(found)
    start = int_param(query.get("startindex"), 0)
    page = found[start : start + int_param(query.get("limit"), total)]
    system_id = call.server.system_id
    return web.json_response(
        {"Items": [item.to_json(system_id) for item in page], "TotalRecordCount": total}
    )
