"""Library routes: item counts."""

from __future__ import annotations

from aiohttp import web

from embysim.routing import Call, RouteTable

ROUTES = RouteTable("library")


@ROUTES.get("/Items/Counts", auth="user")
async def item_counts(call: Call) -> web.StreamResponse:
    """Answer GET Items/Counts."""
    return web.json_response(dict(call.server.counts))
