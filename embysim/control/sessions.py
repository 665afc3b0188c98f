"""Control calls for sessions: start playback, idle clients, apps, pause, stop, remove, commands."""

from __future__ import annotations

from aiohttp import web

from embysim.models import Transcode
from embysim.sessions import IdleOptions

from .routing import SERVER, SESSION, ControlCall, ControlTable, json_response, local_user

CALLS = ControlTable("sessions")


@CALLS.route("POST", SERVER + r"/play")
async def play(call: ControlCall) -> web.Response:
    """Start playback: {"user", "item_name", "item_type", "paused", "transcoding", ...}.

    Transcodes: "transcode" VIDEO or AUDIO (audio only), "transcoding_info" false (a paused
    transcode as real servers show it), "transcode_reasons", "bitrate" (null: none).
    """
    server = call.server()
    body = call.body
    bitrate = body.get("bitrate", 8_000_000)
    session = server.play(
        user=local_user(server, body.get("user")),
        item_name=str(body.get("item_name", "Big Buck Bunny")),
        item_type=str(body.get("item_type", "Movie")),
        paused=bool(body.get("paused", False)),
        transcoding=bool(body.get("transcoding", False)),
        client=str(body.get("client", "Emby Web")),
        device_name=str(body.get("device_name", "Firefox")),
        series_name=body.get("series_name"),
        transcode=Transcode(str(body.get("transcode", "VIDEO")).upper()),
        transcoding_info=bool(body.get("transcoding_info", True)),
        transcode_reasons=tuple(str(reason) for reason in body.get("transcode_reasons", ())),
        bitrate=None if bitrate is None else int(bitrate),
    )
    return json_response(server.session_json(session), 201)


@CALLS.route("POST", SERVER + r"/idle")
async def idle(call: ControlCall) -> web.Response:
    """Add an idle session: {"user", "client"?, "device_name"?}."""
    server = call.server()
    body = call.body
    session = server.add_idle_session(
        user=local_user(server, body.get("user")),
        client=str(body.get("client", "Emby Theater")),
        device_name=str(body.get("device_name", "Living Room TV")),
    )
    return json_response(server.session_json(session), 201)


@CALLS.route("POST", SESSION + r"/stop")
async def stop_session(call: ControlCall) -> web.Response:
    """Stop playback in a session."""
    server = call.server()
    session = server.stop_playback(call.session(server).id)
    return json_response(server.session_json(session))


@CALLS.route("POST", SESSION + r"/pause")
async def pause_session(call: ControlCall) -> web.Response:
    """Pause (or with {"paused": false} resume) a session."""
    server = call.server()
    session = server.pause(call.session(server).id, paused=bool(call.body.get("paused", True)))
    return json_response(server.session_json(session))


@CALLS.route("DELETE", SESSION)
async def remove_session(call: ControlCall) -> web.Response:
    """Remove a session."""
    server = call.server()
    server.remove_session(call.session(server).id)
    return json_response({"removed": call.match.group("session")})


@CALLS.route("POST", SERVER + r"/clients")
async def add_client(call: ControlCall) -> web.Response:
    """Add an idle app: {"profile": "theater"|"web"|"android_tv"|"dlna"|..., "user"?, ...}."""
    server = call.server()
    body = call.body
    options: IdleOptions = {"profile": str(body.get("profile", "theater"))}
    if "device_name" in body:
        options["device_name"] = str(body["device_name"])
    if "device_id" in body:
        options["device_id"] = str(body["device_id"])
    session = server.add_idle_session(user=local_user(server, body.get("user")), **options)
    return json_response(server.session_json(session), 201)


@CALLS.route("GET", SESSION + r"/commands")
async def commands(call: ControlCall) -> web.Response:
    """List the remote-control commands a session's app received (refused ones too)."""
    server = call.server()
    session = call.session(server)
    return json_response(
        [
            {
                "kind": command.kind,
                "name": command.name,
                "arguments": command.arguments,
                "accepted": command.accepted,
                "refused": command.refused,
                "time": command.time.isoformat(),
                # CLOCK_MONOTONIC when received: comparable with time.monotonic() elsewhere.
                "loop_time": command.loop_time,
            }
            for command in server.client_commands(session.id, include_refused=True)
        ]
    )
