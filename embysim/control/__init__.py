"""The simulator's JSON control API (under /_sim), for tests and demos in other processes.

To add control calls: write `embysim/control/<concern>.py` with `CALLS = ControlTable(...)` and
decorated actions (see control/routing.py), then add it to `CONTROL_TABLES` below.
"""

from __future__ import annotations

from collections.abc import Iterable
import json

from aiohttp import web

from . import care, connect, servers, sessions
from .routing import Body, ControlCall, ControlContext, ControlError, ControlTable, json_response

__all__ = ["CONTROL_TABLES", "ControlApi", "ControlContext", "ControlError", "ControlTable"]

CONTROL_TABLES: tuple[ControlTable, ...] = (
    care.CALLS,
    connect.CALLS,
    servers.CALLS,
    sessions.CALLS,
)


class ControlApi:
    """Change the simulator over HTTP: servers, faults, sessions, Connect and PINs."""

    def __init__(
        self, context: ControlContext, tables: Iterable[ControlTable] = CONTROL_TABLES
    ) -> None:
        """Serve the calls of every table."""
        self._context = context
        self._routes = [route for table in tables for route in table.routes]

    async def handle(self, request: web.Request, path: str) -> web.Response:
        """Dispatch a control call; answer JSON."""
        body: Body = {}
        if request.body_exists:
            text = await request.text()
            if text.strip():
                try:
                    parsed = json.loads(text)
                except ValueError:
                    return json_response({"error": "the body must be JSON"}, 400)
                if not isinstance(parsed, dict):
                    return json_response({"error": "the body must be a JSON object"}, 400)
                body = parsed
        for route in self._routes:
            match = route.pattern.fullmatch(path.rstrip("/") or "/")
            if match is None or route.method != request.method:
                continue
            try:
                return await route.action(
                    ControlCall(context=self._context, match=match, body=body)
                )
            except ControlError as err:
                return json_response({"error": str(err)}, err.status)
            except (KeyError, ValueError, TypeError) as err:
                return json_response({"error": f"{type(err).__name__}: {err}"}, 400)
        return json_response({"error": f"no control call {request.method} {path}"}, 404)
