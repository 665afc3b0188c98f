"""What a route module needs from the server's router: the call, route specs, small answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import json
import re
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl

from aiohttp import web

from .models import IssuedToken

type RouteAuth = Literal["none", "user", "admin"]
type RouteHandler = Callable[["RouteCall"], Awaitable[web.StreamResponse]]
type RouteSpec = tuple[str, str, RouteHandler, RouteAuth]


class RouteCall(Protocol):
    """One authorised request, as the server's router hands it to an endpoint."""

    @property
    def request(self) -> web.Request:
        """Return the HTTP request."""
        ...

    @property
    def match(self) -> re.Match[str]:
        """Return the path pattern's match (its named groups are the path parameters)."""
        ...

    @property
    def issued(self) -> IssuedToken | None:
        """Return the token the call presented (set for every route that needs a user)."""
        ...


def text(status: int, message: str) -> web.Response:
    """Return a plain-text answer like Emby's errors."""
    return web.Response(status=status, text=message, content_type="text/plain")


def lowered_query(request: web.Request) -> dict[str, str]:
    """Return the query parameters with lower-case names (Emby reads them case-insensitively)."""
    return {key.lower(): value for key, value in request.query.items()}


async def read_json(request: web.Request) -> dict[str, Any]:
    """Read a JSON object (or form) body; an absent or unreadable body reads as empty."""
    if not request.body_exists:
        return {}
    stripped = (await request.text()).strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(stripped, keep_blank_values=True))


def lowered(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Return a mapping with lower-case keys."""
    return {str(key).lower(): value for key, value in mapping.items()}
