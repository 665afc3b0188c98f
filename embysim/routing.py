"""The server core's request routing: route tables, access levels and one call's context.

A route module (embysim/routes/*.py) makes a `RouteTable` and decorates its handlers:

    ROUTES = RouteTable("library")

    @ROUTES.get("/Items/Counts", auth="user")
    async def item_counts(call: Call) -> web.StreamResponse:
        return web.json_response(call.server.counts)

`Router` matches paths case-insensitively (as Emby does), checks access, and runs the handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
import re
from typing import TYPE_CHECKING, Literal

from aiohttp import web

from .httputil import lower_keys, text_response

if TYPE_CHECKING:
    from .auth import Credentials
    from .models import IssuedToken, ListenerName, SimLink
    from .state import ServerState

type AuthLevel = Literal["none", "identity", "access_key", "user", "admin"]
type Handler = Callable[["Call"], Awaitable[web.StreamResponse]]

IDENTITY_REQUIRED = "Authorization header with Client and DeviceId is required."
TOKEN_INVALID = "Access token is invalid or expired."  # noqa: S105 - an error message


@dataclass(kw_only=True)
class Call:
    """Carry one authorised request to its handler."""

    request: web.Request
    server: ServerState
    listener: ListenerName
    path: str
    match: re.Match[str]
    credentials: Credentials
    issued: IssuedToken | None = None
    link: SimLink | None = None

    @property
    def query(self) -> dict[str, str]:
        """Return the query string with lower-case keys."""
        return lower_keys(self.request.query)

    @property
    def token(self) -> IssuedToken:
        """Return the token a "user" or "admin" route was called with."""
        if self.issued is None:
            message = "this route does not check a token"
            raise RuntimeError(message)
        return self.issued


@dataclass(frozen=True, kw_only=True)
class Route:
    """Map a method and a path pattern to a handler and the access it needs."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: AuthLevel


@dataclass(eq=False)
class RouteTable:
    """Collect the routes of one concern (system, users, sessions, ...)."""

    name: str
    routes: list[Route] = field(default_factory=list)

    def route(self, method: str, pattern: str, *, auth: AuthLevel) -> Callable[[Handler], Handler]:
        """Register the decorated handler for a method and a path regex (below the base path)."""

        def register(handler: Handler) -> Handler:
            self.routes.append(
                Route(
                    method=method,
                    pattern=re.compile(pattern, re.IGNORECASE),
                    handler=handler,
                    auth=auth,
                )
            )
            return handler

        return register

    def get(self, pattern: str, *, auth: AuthLevel) -> Callable[[Handler], Handler]:
        """Register a GET route."""
        return self.route("GET", pattern, auth=auth)

    def post(self, pattern: str, *, auth: AuthLevel) -> Callable[[Handler], Handler]:
        """Register a POST route."""
        return self.route("POST", pattern, auth=auth)

    def delete(self, pattern: str, *, auth: AuthLevel) -> Callable[[Handler], Handler]:
        """Register a DELETE route."""
        return self.route("DELETE", pattern, auth=auth)


class Router:
    """Find the route of a request, check its access level, and run it."""

    def __init__(self, tables: Iterable[RouteTable]) -> None:
        """Use the routes of every table, in order."""
        self.routes: list[Route] = [route for table in tables for route in table.routes]

    async def dispatch(self, call_base: CallStart) -> web.StreamResponse:
        """Answer a request whose path is already below the base path."""
        path, method = call_base.path, call_base.request.method
        for route in self.routes:
            if route.method != method or (match := route.pattern.fullmatch(path)) is None:
                continue
            call = Call(
                request=call_base.request,
                server=call_base.server,
                listener=call_base.listener,
                path=path,
                match=match,
                credentials=call_base.credentials,
            )
            if (denied := authorise(route.auth, call)) is not None:
                return denied
            return await route.handler(call)
        if any(route.pattern.fullmatch(path) for route in self.routes):
            return text_response(405, "Method not allowed")
        return text_response(404, f"Unable to find the specified file: {path}")


@dataclass(frozen=True, kw_only=True)
class CallStart:
    """Describe a request before a route is found for it."""

    request: web.Request
    server: ServerState
    listener: ListenerName
    path: str
    credentials: Credentials


def authorise(level: AuthLevel, call: Call) -> web.Response | None:
    """Check identity and token as Emby does; return the refusal, or None to go on."""
    credentials = call.credentials
    if level == "none":
        return None
    if level in ("identity", "access_key") and credentials.identity is None:
        return text_response(400, IDENTITY_REQUIRED)
    if level == "identity":
        return None
    if not credentials.token:
        return text_response(401, "Access token is required.")
    if level == "access_key":
        if call.server.accept_access_keys:
            call.link = call.server.accounts.link_with_access_key(credentials.token)
        return text_response(401, TOKEN_INVALID) if call.link is None else None
    return _check_token(call, credentials.token, admin=level == "admin")


def _check_token(call: Call, token: str, *, admin: bool) -> web.Response | None:
    """Accept a valid issued token (and identity, unless the token came as api_key)."""
    identity = call.credentials.identity
    server = call.server
    if server.require_identity and identity is None and not call.credentials.token_in_query:
        return text_response(400, IDENTITY_REQUIRED)
    issued = server.accounts.valid_token(token)
    if issued is None:
        return text_response(401, TOKEN_INVALID)
    call.issued = issued
    if identity is not None:
        server.accounts.note_device(identity)
        server.note_caller(issued, identity, call.request.remote)
    if admin and not issued.is_admin:
        return text_response(403, "Administrator access is required.")
    return None


def strip_base_path(path: str, base_path: str) -> str | None:
    """Return the path below the base path (None when outside it), without a trailing /.

    Without a base path, `/emby/...` and bare paths both work, as on a real server.
    """
    lowered = path.lower()
    prefixes = [base_path.lower()] if base_path else ["/emby", ""]
    for prefix in prefixes:
        if prefix and (lowered == prefix or lowered.startswith(prefix + "/")):
            return path[len(prefix) :].rstrip("/") or "/"
        if not prefix:
            return path.rstrip("/") or "/"
    return None
