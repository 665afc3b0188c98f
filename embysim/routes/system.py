"""System routes: public and full system info, ping, restart."""

from __future__ import annotations

import asyncio

from aiohttp import web

from embysim.dto import system as dto
from embysim.httputil import text_response
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("system")
RESTART_DELAY = 0.05  # seconds: the answer goes out before the server stops
# Emby's answer when it cannot restart itself (PlatformNotSupportedException: HTTP 500).
CANNOT_RESTART = "The server is unable to self-restart. Please restart manually."


@ROUTES.get("/System/Info/Public", auth="none")
async def system_info_public(call: Call) -> web.StreamResponse:
    """Answer GET System/Info/Public."""
    return web.json_response(dto.public_info(call.server, call.listener))


@ROUTES.get("/System/Ping", auth="none")
@ROUTES.post("/System/Ping", auth="none")
async def ping(_call: Call) -> web.StreamResponse:
    """Answer System/Ping."""
    return web.Response(text="Emby Server", content_type="text/plain")


@ROUTES.get("/System/Info", auth="user")
async def system_info(call: Call) -> web.StreamResponse:
    """Answer GET System/Info."""
    return web.json_response(dto.system_info(call.server, call.listener))


@ROUTES.post("/System/Restart", auth="admin")
async def system_restart(call: Call) -> web.StreamResponse:
    """Answer POST System/Restart: answer first, then restart (500 when it cannot)."""
    server = call.server
    if not server.can_self_restart:
        return text_response(500, CANNOT_RESTART)

    async def later() -> None:
        await asyncio.sleep(RESTART_DELAY)
        await server.restart()

    server.spawn(later())
    return web.Response(status=204)
