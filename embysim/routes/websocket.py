"""The push channel route: /embywebsocket, and the messages a client may send on it."""

from __future__ import annotations

import json

from aiohttp import web

from embysim.push import WsClient
from embysim.routing import Call, RouteTable, authorise
from embysim.state import ServerState

ROUTES = RouteTable("websocket")
WEB_APP = "/web/index.html"


@ROUTES.get("/", auth="none")
async def root(call: Call) -> web.StreamResponse:
    """Serve the push channel at the root too (older clients connect there), else the web app."""
    if call.request.headers.get("Upgrade", "").lower() != "websocket":
        raise web.HTTPFound(location=WEB_APP)
    if (denied := authorise("user", call)) is not None:
        return denied
    return await websocket(call)


@ROUTES.get("/embywebsocket", auth="user")
async def websocket(call: Call) -> web.StreamResponse:
    """Serve the embywebsocket push channel (also reached as /emby/embywebsocket)."""
    server = call.server
    identity = call.credentials.identity
    device_id = call.query.get("deviceid") or (identity.device_id if identity else "")

    def on_text(client: WsClient, text: str) -> None:
        received(server, client, text)

    return await server.hub.serve(
        call.request, issued=call.token, device_id=device_id, on_text=on_text
    )


def received(server: ServerState, client: WsClient, text: str) -> None:
    """Handle one message from a websocket client."""
    try:
        message = json.loads(text)
    except ValueError:
        return
    if not isinstance(message, dict):
        return
    match message.get("MessageType"):
        case "KeepAlive":
            client.send({"MessageType": "KeepAlive"})
        case "SessionsStart":
            client.sessions_subscribed = True
            client.send(server.sessions_message(client.issued))
        case "SessionsStop":
            client.sessions_subscribed = False
        case str(other):
            server.care.websocket_message(client, other, message.get("Data"))
        case _:
            pass
