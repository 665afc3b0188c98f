"""Library scan routes: start a scan (its items are served by routes/items.py)."""

from __future__ import annotations

from aiohttp import web

from embysim.routing import Call, RouteTable

ROUTES = RouteTable("scan")


@ROUTES.post("/Library/Refresh", auth="admin")
async def library_refresh(call: Call) -> web.StreamResponse:
    """Answer POST Library/Refresh: run "Scan media library" over what is on disk."""
    call.server.care.start_scan()
    return web.Response(status=204)
