"""Session routes: the list of client sessions."""

from __future__ import annotations

from aiohttp import web

from embysim.routing import Call, RouteTable

ROUTES = RouteTable("sessions")


@ROUTES.get("/Sessions", auth="user")
async def get_sessions(call: Call) -> web.StreamResponse:
    """Answer GET Sessions (administrators see all, other users only their own)."""
    server = call.server
    query = call.query
    sessions = server.playback.visible_to(call.token)
    if device_id := query.get("deviceid"):
        sessions = [s for s in sessions if s.device_id == device_id]
    if session_id := query.get("id"):
        sessions = [s for s in sessions if s.id == session_id]
    return web.json_response([server.session_json(session) for session in sessions])
