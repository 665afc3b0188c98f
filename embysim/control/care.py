"""Control calls for server care: sleep and wake, activity, updates, scans, care settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .routing import SERVER, ControlCall, ControlError, ControlTable, json_response, local_user

CALLS = ControlTable("care")
_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "wake_delay": float,
    "scan_duration": float,
    "library_changed_delay": float,
    "can_self_restart": bool,
    "can_self_update": bool,
}


@CALLS.route("GET", SERVER + r"/care")
async def get_care(call: ControlCall) -> web.Response:
    """Describe the server-care state."""
    return json_response(call.server().care.summary())


@CALLS.route("PATCH", SERVER + r"/care")
async def patch_care(call: ControlCall) -> web.Response:
    """Change settings: wake_delay, scan_duration, library_changed_delay, can_self_*."""
    server = call.server()
    for key, value in call.body.items():
        if (convert := _SETTINGS.get(key)) is None:
            raise ControlError(400, f"cannot change {key!r}; one of {sorted(_SETTINGS)}")
        setattr(server, key, convert(value))
    return json_response(server.care.summary())


@CALLS.route("POST", SERVER + r"/sleep")
async def sleep(call: ControlCall) -> web.Response:
    """Put the server to sleep (a magic packet or /wake brings it back)."""
    server = call.server()
    await server.sleep()
    return json_response(server.care.summary())


@CALLS.route("POST", SERVER + r"/wake")
async def wake(call: ControlCall) -> web.Response:
    """Wake the server at once."""
    server = call.server()
    await server.wake()
    return json_response(server.care.summary())


@CALLS.route("GET", SERVER + r"/wake_packets")
async def wake_packets(call: ControlCall) -> web.Response:
    """List the magic packets for this server."""
    return json_response(
        [
            {"mac": p.mac, "source": list(p.source), "time": p.time.isoformat()}
            for p in call.server().wake_packets
        ]
    )


@CALLS.route("POST", SERVER + r"/activity")
async def activity(call: ControlCall) -> web.Response:
    """Log an entry: {"name", "type", "user"?, "short_overview"?, "severity"?}."""
    server, body = call.server(), call.body
    entry = server.add_activity(
        str(body["name"]),
        str(body["type"]),
        user=local_user(server, body.get("user")),
        short_overview=body.get("short_overview"),
        severity=str(body.get("severity", "Info")),
    )
    return json_response(entry, 201)


@CALLS.route("POST", SERVER + r"/failed_login")
async def failed_login(call: ControlCall) -> web.Response:
    """Log a failed sign-in: {"username", "remote_end_point"?}."""
    server, body = call.server(), call.body
    entry = server.care.activity.failed_login(
        str(body["username"]), str(body.get("remote_end_point", "203.0.113.7"))
    )
    return json_response(entry, 201)


@CALLS.route("POST", SERVER + r"/new_device")
async def new_device(call: ControlCall) -> web.Response:
    """Log a new device: {"device_name", "client", "user"?}."""
    server, body = call.server(), call.body
    entry = server.log_new_device(
        str(body["device_name"]), str(body["client"]), user=local_user(server, body.get("user"))
    )
    return json_response(entry, 201)


@CALLS.route("POST", SERVER + r"/lock_out")
async def lock_out(call: ControlCall) -> web.Response:
    """Lock a user out: {"user"}."""
    server = call.server()
    user = local_user(server, call.body["user"])
    if user is None:
        raise ControlError(400, "user is required")
    return json_response(server.lock_out(user), 201)


@CALLS.route("POST", SERVER + r"/update")
async def offer_update(call: ControlCall) -> web.Response:
    """Offer a server update: {"version"?, "notes"?} (no version: the next one)."""
    server, body = call.server(), call.body
    package = server.set_update_available(str(body.get("version") or ""), body.get("notes"))
    if package is None:  # pragma: no cover - a version string always makes an offer
        raise ControlError(500, "no update offered")
    return json_response(package.to_json(), 201)


@CALLS.route("DELETE", SERVER + r"/update")
async def withdraw_update(call: ControlCall) -> web.Response:
    """Withdraw the server update."""
    server = call.server()
    server.set_update_available(None)
    return json_response(server.care.summary())


@CALLS.route("POST", SERVER + r"/plugin_updates")
async def plugin_update(call: ControlCall) -> web.Response:
    """Offer a plugin update: {"name", "version", "description"?}."""
    server, body = call.server(), call.body
    package = server.add_plugin_update(
        str(body["name"]), str(body["version"]), description=body.get("description")
    )
    return json_response(package.to_json(), 201)


@CALLS.route("POST", SERVER + r"/scan")
async def scan(call: ControlCall) -> web.Response:
    """Start a library scan: {"items"?: [{"Name", "Type", ...}], "duration"?, "fail_at"?}."""
    server, body = call.server(), call.body
    items = body.get("items") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ControlError(400, "items must be a list of objects")
    duration, fail_at = body.get("duration"), body.get("fail_at")
    server.scan_library(
        items,
        duration=None if duration is None else float(duration),
        fail_at=None if fail_at is None else float(fail_at),
    )
    return json_response(server.care.summary(), 202)
