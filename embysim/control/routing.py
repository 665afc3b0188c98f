"""The control API's building blocks: call tables, one call's context, refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from embysim.connect import ConnectService
    from embysim.listener import SimListener
    from embysim.models import SimSession, SimUser
    from embysim.server import SimServer
    from embysim.world import SimWorld

type Body = dict[str, Any]
type Action = Callable[["ControlCall"], Awaitable[web.Response]]

SERVER = r"/servers/(?P<server>[^/]+)"
SESSION = SERVER + r"/sessions/(?P<session>[^/]+)"


class ControlError(Exception):
    """Refuse a control call with an HTTP status and a message."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the status with the message."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True)
class ControlContext:
    """What control calls may change: the world, Connect, and the simulator's summary."""

    world: SimWorld
    connect: ConnectService
    summary: Callable[[], dict[str, Any]]


@dataclass(kw_only=True)
class ControlCall:
    """Carry one control call: its context, path match and JSON body."""

    context: ControlContext
    match: re.Match[str]
    body: Body

    @property
    def world(self) -> SimWorld:
        """Return the simulated world."""
        return self.context.world

    def server(self, key: str | None = None) -> SimServer:
        """Return the server the path (or key) names: SystemId, name or index."""
        name = key if key is not None else self.match.group("server")
        server = self.world.find_server(name)
        if server is None:
            raise ControlError(404, f"no server {name!r}")
        return server

    def session(self, server: SimServer) -> SimSession:
        """Return the session the path names."""
        session = server.sessions.get(self.match.group("session"))
        if session is None:
            raise ControlError(404, f"no session {self.match.group('session')!r}")
        return session


@dataclass(frozen=True, kw_only=True)
class ControlRoute:
    """Map a method and a path pattern to a control action."""

    method: str
    pattern: re.Pattern[str]
    action: Action


@dataclass(eq=False)
class ControlTable:
    """Collect the control calls of one concern."""

    name: str
    routes: list[ControlRoute] = field(default_factory=list)

    def route(self, method: str, pattern: str) -> Callable[[Action], Action]:
        """Register the decorated action for a method and a path regex (below /_sim)."""

        def register(action: Action) -> Action:
            self.routes.append(
                ControlRoute(method=method, pattern=re.compile(pattern), action=action)
            )
            return action

        return register


def listeners(server: SimServer, which: object) -> list[SimListener]:
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


def local_user(server: SimServer, name: object) -> SimUser | None:
    """Return the local user a control call names (None when not given)."""
    if name is None:
        return None
    user = server.find_user(str(name))
    if user is None:
        raise ControlError(404, f"no user {name!r} on {server.name}")
    return user


def json_response(data: object, status: int = 200) -> web.Response:
    """Answer JSON."""
    return web.json_response(data, status=status)
