"""The simulator's JSON control API (under /_sim), for tests and demos in other processes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .catalog import LibrarySpec, generate
from .models import ConnectFault, Fault, SimSession

if TYPE_CHECKING:
    from .listener import SimListener
    from .models import SimUser
    from .server import SimServer
    from .simulator import EmbySimulator

type Body = dict[str, Any]
type Action = Callable[[re.Match[str], Body], Awaitable[web.Response]]


class ControlError(Exception):
    """Refuse a control call with an HTTP status and a message."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the status with the message."""
        super().__init__(message)
        self.status = status


@dataclass(eq=False, kw_only=True)
class ControlApi:
    """Change the simulator over HTTP: servers, faults, sessions, Connect and PINs."""

    sim: EmbySimulator

    async def handle(self, request: web.Request, path: str) -> web.Response:
        """Dispatch a control call; answer JSON."""
        body: Body = {}
        if request.body_exists:
            text = await request.text()
            if text.strip():
                try:
                    parsed = json.loads(text)
                except ValueError:
                    return _json({"error": "the body must be JSON"}, 400)
                if not isinstance(parsed, dict):
                    return _json({"error": "the body must be a JSON object"}, 400)
                body = parsed
        for method, pattern, action in self._routes():
            match = re.fullmatch(pattern, path.rstrip("/") or "/")
            if match is not None and method == request.method:
                try:
                    return await action(match, body)
                except ControlError as err:
                    return _json({"error": str(err)}, err.status)
                except (KeyError, ValueError, TypeError) as err:
                    return _json({"error": f"{type(err).__name__}: {err}"}, 400)
        return _json({"error": f"no control call {request.method} {path}"}, 404)

    def _routes(self) -> list[tuple[str, str, Action]]:
        """List the control calls."""
        server = r"/servers/(?P<server>[^/]+)"
        return [
            ("GET", r"/?", self._summary),
            ("GET", r"/summary", self._summary),
            ("GET", r"/servers", self._list_servers),
            ("POST", r"/servers", self._add_server),
            ("GET", server, self._get_server),
            ("PATCH", server, self._patch_server),
            ("POST", server + r"/fault", self._server_fault),
            ("POST", server + r"/latency", self._server_latency),
            (
                "POST",
                server + r"/(?P<action>stop|start|restart|move|revoke_tokens|library_changed"
                r"|require_restart|reset_addresses)",
                self._server_action,
            ),
            ("POST", server + r"/users", self._add_user),
            ("POST", server + r"/api_keys", self._add_api_key),
            ("POST", server + r"/play", self._play),
            ("POST", server + r"/idle", self._idle),
            ("POST", server + r"/clients", self._add_client),
            ("POST", server + r"/library", self._generate_library),
            ("POST", server + r"/users/(?P<user>[^/]+)/libraries", self._user_libraries),
            ("GET", server + r"/sessions/(?P<session>[^/]+)/commands", self._commands),
            ("POST", server + r"/sessions/(?P<session>[^/]+)/stop", self._stop_session),
            ("POST", server + r"/sessions/(?P<session>[^/]+)/pause", self._pause_session),
            ("DELETE", server + r"/sessions/(?P<session>[^/]+)", self._remove_session),
            ("GET", server + r"/requests", self._server_requests),
            ("POST", r"/connect/fault", self._connect_fault),
            ("POST", r"/connect/latency", self._connect_latency),
            ("POST", r"/connect/users", self._add_connect_user),
            ("GET", r"/connect/requests", self._connect_requests),
            ("POST", r"/link", self._link),
            ("POST", r"/unlink", self._unlink),
            ("GET", r"/pins", self._pins),
            ("POST", r"/pin/confirm", self._confirm_pin),
            ("POST", r"/pin/expire", self._expire_pin),
        ]

    def _server(self, match: re.Match[str]) -> SimServer:
        """Return the server a path names (SystemId, name or index)."""
        server = self.sim.find_server(match.group("server"))
        if server is None:
            raise ControlError(404, f"no server {match.group('server')!r}")
        return server

    # -- simulator --------------------------------------------------------------------------

    async def _summary(self, _match: re.Match[str], _body: Body) -> web.Response:
        """Return summary()."""
        return _json(self.sim.summary())

    async def _list_servers(self, _match: re.Match[str], _body: Body) -> web.Response:
        """List servers."""
        return _json(self.sim.summary()["servers"])

    async def _add_server(self, _match: re.Match[str], body: Body) -> web.Response:
        """Add a server: {"name", "system_id"?, "version"?, "base_path"?, "https"?}."""
        server = await self.sim.add_server(
            name=str(body.get("name", "Emby Server")),
            system_id=body.get("system_id"),
            version=str(body.get("version", "4.8.11.0")),
            base_path=str(body.get("base_path", "")),
            https=bool(body.get("https", False)),
        )
        return _json(_describe(server), 201)

    # -- one server -------------------------------------------------------------------------

    async def _get_server(self, match: re.Match[str], _body: Body) -> web.Response:
        """Describe a server."""
        return _json(_describe(self._server(match)))

    async def _patch_server(self, match: re.Match[str], body: Body) -> web.Response:
        """Change server fields (name, version, addresses, update flags, counts, ...)."""
        server = self._server(match)
        for key, value in body.items():
            match key:
                case "name" | "version":
                    setattr(server, key, str(value))
                case "local_address" | "remote_address":
                    setattr(server, key, None if value is None else str(value))
                case "has_update_available" | "has_pending_restart" | "require_identity":
                    setattr(server, key, bool(value))
                case "keepalive_interval" | "restart_downtime" | "latency" | "client_delay":
                    setattr(server, key, float(value))
                case "fault":
                    server.fault = Fault(value)
                case "counts":
                    server.counts.update({str(k): int(v) for k, v in dict(value).items()})
                case _:
                    raise ControlError(400, f"cannot change {key!r}")
        return _json(_describe(server))

    async def _server_fault(self, match: re.Match[str], body: Body) -> web.Response:
        """Set a fault: {"fault": "HTTP_500", "listener": "local"|"remote"|null (both)}."""
        server = self._server(match)
        fault = Fault(str(body["fault"]).upper())
        for listener in _listeners(server, body.get("listener")):
            listener.fault = fault
        return _json(_describe(server))

    async def _server_latency(self, match: re.Match[str], body: Body) -> web.Response:
        """Set latency in seconds: {"latency": 0.5, "listener": ...}."""
        server = self._server(match)
        latency = float(body["latency"])
        for listener in _listeners(server, body.get("listener")):
            listener.latency = latency
        return _json(_describe(server))

    async def _server_action(self, match: re.Match[str], _body: Body) -> web.Response:
        """Run a lifecycle or push action."""
        server = self._server(match)
        match match.group("action"):
            case "stop":
                await server.stop()
            case "start":
                await server.start()
            case "restart":
                await server.restart()
            case "move":
                await server.move()
            case "revoke_tokens":
                server.revoke_tokens()
            case "library_changed":
                server.library_changed()
            case "require_restart":
                server.require_restart()
            case _:
                server.reset_addresses()
        return _json(_describe(server))

    async def _add_user(self, match: re.Match[str], body: Body) -> web.Response:
        """Add a local user: {"name", "password"?, "is_admin"?}."""
        server = self._server(match)
        user = server.add_user(
            str(body["name"]), body.get("password"), is_admin=bool(body.get("is_admin", False))
        )
        return _json(
            {
                "id": user.id,
                "name": user.name,
                "password": user.password,
                "is_admin": user.is_admin,
            },
            201,
        )

    async def _add_api_key(self, match: re.Match[str], body: Body) -> web.Response:
        """Create an API key: {"app_name"?}."""
        key = self._server(match).create_api_key(str(body.get("app_name", "Home Assistant")))
        return _json({"api_key": key}, 201)

    async def _play(self, match: re.Match[str], body: Body) -> web.Response:
        """Start playback: {"user", "item_name", "item_type", "paused", "transcoding", ...}."""
        server = self._server(match)
        session = server.play(
            user=_local_user(server, body.get("user")),
            item_name=str(body.get("item_name", "Big Buck Bunny")),
            item_type=str(body.get("item_type", "Movie")),
            paused=bool(body.get("paused", False)),
            transcoding=bool(body.get("transcoding", False)),
            client=str(body.get("client", "Emby Web")),
            device_name=str(body.get("device_name", "Firefox")),
            series_name=body.get("series_name"),
        )
        return _json(server.session_json(session), 201)

    async def _idle(self, match: re.Match[str], body: Body) -> web.Response:
        """Add an idle session: {"user", "client"?, "device_name"?}."""
        server = self._server(match)
        session = server.add_idle_session(
            user=_local_user(server, body.get("user")),
            client=str(body.get("client", "Emby Theater")),
            device_name=str(body.get("device_name", "Living Room TV")),
        )
        return _json(server.session_json(session), 201)

    async def _add_client(self, match: re.Match[str], body: Body) -> web.Response:
        """Add an idle app: {"profile": "theater"|"web"|"android_tv"|"dlna"|..., "user"?, ...}."""
        server = self._server(match)
        session = server.add_idle_session(
            user=_local_user(server, body.get("user")),
            profile=str(body.get("profile", "theater")),
            device_name=body.get("device_name"),
            device_id=body.get("device_id"),
        )
        return _json(server.session_json(session), 201)

    async def _generate_library(self, match: re.Match[str], body: Body) -> web.Response:
        """Generate libraries: {"movies"?, "series"?, "songs"?, ...} as LibrarySpec takes them."""
        server = self._server(match)
        generate(server.library, LibrarySpec(**{str(k): int(v) for k, v in body.items()}))
        views = [{"id": view.id, "name": view.name} for view in server.library.views]
        return _json({"items": len(server.library), "views": views}, 201)

    async def _user_libraries(self, match: re.Match[str], body: Body) -> web.Response:
        """Restrict a user to some libraries: {"libraries": ["Music", ...]} (null: all)."""
        server = self._server(match)
        user = _local_user(server, match.group("user"))
        assert user is not None  # noqa: S101 - a path always names a user
        names = body.get("libraries")
        if names is None:
            user.enabled_folders = None
        else:
            views = [server.library.find_view(str(name)) for name in names]
            if None in views:
                raise ControlError(404, f"no library among {names!r} on {server.name}")
            user.enabled_folders = frozenset(view.id for view in views if view is not None)
        return _json({"user": user.name, "libraries": names})

    async def _commands(self, match: re.Match[str], _body: Body) -> web.Response:
        """List the remote-control commands a session's app received (refused ones too)."""
        server = self._server(match)
        session = self._session(server, match)
        return _json(
            [
                {
                    "kind": command.kind,
                    "name": command.name,
                    "arguments": command.arguments,
                    "accepted": command.accepted,
                    "refused": command.refused,
                    "time": command.time.isoformat(),
                }
                for command in server.client_commands(session.id, include_refused=True)
            ]
        )

    def _session(self, server: SimServer, match: re.Match[str]) -> SimSession:
        """Return the session a path names."""
        session = server.sessions.get(match.group("session"))
        if session is None:
            raise ControlError(404, f"no session {match.group('session')!r}")
        return session

    async def _stop_session(self, match: re.Match[str], _body: Body) -> web.Response:
        """Stop playback in a session."""
        server = self._server(match)
        session = server.stop_playback(self._session(server, match).id)
        return _json(server.session_json(session))

    async def _pause_session(self, match: re.Match[str], body: Body) -> web.Response:
        """Pause (or with {"paused": false} resume) a session."""
        server = self._server(match)
        session = server.pause(
            self._session(server, match).id, paused=bool(body.get("paused", True))
        )
        return _json(server.session_json(session))

    async def _remove_session(self, match: re.Match[str], _body: Body) -> web.Response:
        """Remove a session."""
        server = self._server(match)
        server.remove_session(self._session(server, match).id)
        return _json({"removed": match.group("session")})

    async def _server_requests(self, match: re.Match[str], _body: Body) -> web.Response:
        """List the requests a server received (no headers: they carry secrets)."""
        server = self._server(match)
        return _json(
            {
                "count": len(server.requests),
                "requests": [
                    {
                        "method": r.method,
                        "path": r.path,
                        "listener": r.listener,
                        "time": r.time.isoformat(),
                    }
                    for r in server.requests
                ],
            }
        )

    # -- Connect ----------------------------------------------------------------------------

    async def _connect_fault(self, _match: re.Match[str], body: Body) -> web.Response:
        """Set the Connect fault: {"fault": "DOWN"}."""
        self.sim.connect_fault = ConnectFault(str(body["fault"]).upper())
        return _json({"fault": str(self.sim.connect_fault)})

    async def _connect_latency(self, _match: re.Match[str], body: Body) -> web.Response:
        """Set the Connect latency: {"latency": 0.5}."""
        self.sim.connect_latency = float(body["latency"])
        return _json({"latency": self.sim.connect_latency})

    async def _add_connect_user(self, _match: re.Match[str], body: Body) -> web.Response:
        """Create a Connect account: {"name", "email"?, "password"}."""
        user = self.sim.add_connect_user(
            name=str(body["name"]), email=body.get("email"), password=str(body["password"])
        )
        return _json(
            {"id": user.id, "name": user.name, "email": user.email, "password": user.password},
            201,
        )

    async def _connect_requests(self, _match: re.Match[str], _body: Body) -> web.Response:
        """List the calls Connect received."""
        requests = self.sim.connect_requests
        return _json(
            {
                "count": len(requests),
                "requests": [
                    {"method": r.method, "path": r.path, "time": r.time.isoformat()}
                    for r in requests
                ],
            }
        )

    async def _link(self, _match: re.Match[str], body: Body) -> web.Response:
        """Link: {"user", "server", "local_user"?, "user_type"?}."""
        user = self.sim._connect_user(str(body["user"]))  # noqa: SLF001 - same package
        server = self.sim.find_server(str(body["server"]))
        if server is None:
            raise ControlError(404, f"no server {body['server']!r}")
        local_user = _local_user(server, body.get("local_user"))
        link = self.sim.link(
            user,
            server,
            local_user=local_user,
            user_type="Guest" if body.get("user_type") == "Guest" else "Linked",
        )
        return _json(
            {"link_id": link.link_id, "access_key": link.access_key, "user_type": link.user_type},
            201,
        )

    async def _unlink(self, _match: re.Match[str], body: Body) -> web.Response:
        """Unlink: {"user", "server"}."""
        user = self.sim._connect_user(str(body["user"]))  # noqa: SLF001 - same package
        server = self.sim.find_server(str(body["server"]))
        if server is None:
            raise ControlError(404, f"no server {body['server']!r}")
        self.sim.unlink(user, server)
        return _json({"unlinked": server.system_id})

    async def _pins(self, _match: re.Match[str], _body: Body) -> web.Response:
        """List the PINs Connect knows."""
        return _json(
            [
                {
                    "pin": pin.pin,
                    "device_id": pin.device_id,
                    "expired": pin.expired,
                    "confirmed": pin.confirmed_by is not None,
                }
                for pin in self.sim.pins.values()
            ]
        )

    async def _confirm_pin(self, _match: re.Match[str], body: Body) -> web.Response:
        """Confirm a PIN: {"pin", "user"} (user: name, e-mail or id)."""
        try:
            pin = self.sim.confirm_pin(str(body["pin"]), str(body["user"]))
        except KeyError as err:
            raise ControlError(404, str(err.args[0])) from err
        return _json({"pin": pin.pin, "confirmed": True})

    async def _expire_pin(self, _match: re.Match[str], body: Body) -> web.Response:
        """Expire a PIN: {"pin"}."""
        code = str(body["pin"])
        if code not in self.sim.pins:
            raise ControlError(404, f"no PIN {code!r}")
        self.sim.expire_pin(code)
        return _json({"pin": code, "expired": True})


def _describe(server: SimServer) -> dict[str, Any]:
    """Describe a server as summary() does."""
    from .simulator import server_summary  # noqa: PLC0415 - avoids an import cycle

    return server_summary(server)


def _listeners(server: SimServer, which: object) -> list[SimListener]:
    """Return the listeners a control call names (None: both)."""
    match which:
        case None | "both":
            return [server.local, server.remote]
        case "local":
            return [server.local]
        case "remote":
            return [server.remote]
        case _:
            raise ControlError(400, f"listener must be local, remote or both, not {which!r}")


def _local_user(server: SimServer, name: object) -> SimUser | None:
    """Return the local user a control call names (None when not given)."""
    if name is None:
        return None
    user = server.find_user(str(name))
    if user is None:
        raise ControlError(404, f"no user {name!r} on {server.name}")
    return user


def _json(data: object, status: int = 200) -> web.Response:
    """Answer JSON."""
    return web.json_response(data, status=status)
