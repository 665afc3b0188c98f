"""Wake-on-LAN route: where a client sends the magic packet that wakes this server."""

from __future__ import annotations

from aiohttp import web

from embysim.routing import Call, RouteTable

ROUTES = RouteTable("wake")


@ROUTES.get("/System/WakeOnLanInfo", auth="user")
async def wake_on_lan_info(call: Call) -> web.StreamResponse:
    """Answer GET System/WakeOnLanInfo (Emby's spec: any signed-in user)."""
    return web.json_response(call.server.care.wake_on_lan_info())
