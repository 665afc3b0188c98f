"""Control calls for server care (under /_sim/servers/<server>/...), for tests and demos elsewhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .models import SimUser
    from .server import SimServer

type Body = dict[str, Any]
type Action = Callable[[re.Match[str], Body], Awaitable[web.Response]]
type ServerOf = Callable[[re.Match[str]], SimServer]

_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "wake_delay": float,
    "scan_duration": float,
    "library_changed_delay": float,
    "can_self_restart": bool,
    "can_self_update": bool,
}


class CareControl:
    """Answer the server-care control calls; the control API resolves <server> for us."""

    def __init__(self, server_of: ServerOf) -> None:
        """Use server_of to find the server a path names (it raises the control API's 404)."""
        self._server_of = server_of

    def routes(self, prefix: str) -> list[tuple[str, str, Action]]:
        """List the calls below a server's path prefix."""
        return [
            ("GET", prefix + r"/care", self._get),
            ("PATCH", prefix + r"/care", self._patch),
            ("POST", prefix + r"/sleep", self._sleep),
            ("POST", prefix + r"/wake", self._wake),
            ("GET", prefix + r"/wake_packets", self._wake_packets),
            ("POST", prefix + r"/activity", self._activity),
            ("POST", prefix + r"/failed_login", self._failed_login),
            ("POST", prefix + r"/new_device", self._new_device),
            ("POST", prefix + r"/lock_out", self._lock_out),
            ("POST", prefix + r"/update", self._update),
            ("DELETE", prefix + r"/update", self._withdraw_update),
            ("POST", prefix + r"/plugin_updates", self._plugin_update),
            ("POST", prefix + r"/scan", self._scan),
        ]

    async def _get(self, match: re.Match[str], _body: Body) -> web.Response:
        """Describe the server-care state."""
        return web.json_response(self._server_of(match).care.summary())

    async def _patch(self, match: re.Match[str], body: Body) -> web.Response:
        """Change settings: wake_delay, scan_duration, library_changed_delay, can_self_*."""
        server = self._server_of(match)
        for key, value in body.items():
            if (convert := _SETTINGS.get(key)) is None:
                message = f"cannot change {key!r}; one of {sorted(_SETTINGS)}"
                raise ValueError(message)
            setattr(server, key, convert(value))
        return web.json_response(server.care.summary())

    async def _sleep(self, match: re.Match[str], _body: Body) -> web.Response:
        """Put the server to sleep (a magic packet or /wake brings it back)."""
        server = self._server_of(match)
        await server.sleep()
        return web.json_response(server.care.summary())

    async def _wake(self, match: re.Match[str], _body: Body) -> web.Response:
        """Wake the server at once."""
        server = self._server_of(match)
        await server.wake()
        return web.json_response(server.care.summary())

    async def _wake_packets(self, match: re.Match[str], _body: Body) -> web.Response:
        """List the magic packets for this server."""
        packets = self._server_of(match).wake_packets
        return web.json_response(
            [{"mac": p.mac, "source": list(p.source), "time": p.time.isoformat()} for p in packets]
        )

    async def _activity(self, match: re.Match[str], body: Body) -> web.Response:
        """Log an entry: {"name", "type", "user"?, "short_overview"?, "severity"?}."""
        server = self._server_of(match)
        entry = server.add_activity(
            str(body["name"]),
            str(body["type"]),
            user=_user(server, body.get("user")),
            short_overview=body.get("short_overview"),
            severity=str(body.get("severity", "Info")),
        )
        return web.json_response(entry, status=201)

    async def _failed_login(self, match: re.Match[str], body: Body) -> web.Response:
        """Log a failed sign-in: {"username", "remote_end_point"?}."""
        server = self._server_of(match)
        server.log_failed_login(
            str(body["username"]), str(body.get("remote_end_point", "203.0.113.7"))
        )
        return web.json_response(server.care.activity.entries[-1], status=201)

    async def _new_device(self, match: re.Match[str], body: Body) -> web.Response:
        """Log a new device: {"device_name", "client", "user"?}."""
        server = self._server_of(match)
        entry = server.log_new_device(
            str(body["device_name"]), str(body["client"]), user=_user(server, body.get("user"))
        )
        return web.json_response(entry, status=201)

    async def _lock_out(self, match: re.Match[str], body: Body) -> web.Response:
        """Lock a user out: {"user"}."""
        server = self._server_of(match)
        user = _user(server, body["user"])
        assert user is not None  # noqa: S101 - _user only returns None for None
        return web.json_response(server.lock_out(user), status=201)

    async def _update(self, match: re.Match[str], body: Body) -> web.Response:
        """Offer a server update: {"version"?, "notes"?} (no version: the next one)."""
        server = self._server_of(match)
        package = server.set_update_available(str(body.get("version") or ""), body.get("notes"))
        assert package is not None  # noqa: S101 - a version was given
        return web.json_response(package.to_json(), status=201)

    async def _withdraw_update(self, match: re.Match[str], _body: Body) -> web.Response:
        """Withdraw the server update."""
        server = self._server_of(match)
        server.set_update_available(None)
        return web.json_response(server.care.summary())

    async def _plugin_update(self, match: re.Match[str], body: Body) -> web.Response:
        """Offer a plugin update: {"name", "version", "description"?}."""
        server = self._server_of(match)
        package = server.add_plugin_update(
            str(body["name"]), str(body["version"]), description=body.get("description")
        )
        return web.json_response(package.to_json(), status=201)

    async def _scan(self, match: re.Match[str], body: Body) -> web.Response:
        """Start a library scan: {"items"?: [{"Name", "Type", ...}], "duration"?, "fail_at"?}."""
        server = self._server_of(match)
        items = body.get("items") or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            message = "items must be a list of objects"
            raise TypeError(message)
        duration = body.get("duration")
        fail_at = body.get("fail_at")
        server.scan_library(
            items,
            duration=None if duration is None else float(duration),
            fail_at=None if fail_at is None else float(fail_at),
        )
        return web.json_response(server.care.summary(), status=202)


def _user(server: SimServer, name: object) -> SimUser | None:
    """Return the local user a call names (None when not given); KeyError when unknown."""
    if name is None:
        return None
    user = server.find_user(str(name))
    if user is None:
        message = f"no user {name!r} on {server.name}"
        raise KeyError(message)
    return user
