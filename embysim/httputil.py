"""Small HTTP helpers every service of the simulator shares: bodies, queries, plain answers."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web


def parse_body(text: str) -> dict[str, Any]:
    """Parse a JSON object or a form-encoded body into a dict (empty when neither)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(stripped, keep_blank_values=True))


async def read_body(request: web.Request) -> dict[str, Any]:
    """Read a JSON or form body into a dict (empty when absent or unreadable)."""
    if not request.body_exists:
        return {}
    return parse_body(await request.text())


def lower_keys(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Return the mapping with lower-case keys (Emby reads names case-insensitively)."""
    return {key.lower(): value for key, value in mapping.items()}


def text_response(status: int, message: str) -> web.Response:
    """Return a plain-text answer like Emby's errors."""
    return web.Response(status=status, text=message, content_type="text/plain")


def int_param(value: str | None, default: int) -> int:
    """Parse an optional non-negative integer query parameter."""
    if value is None:
        return default
    try:
        return max(int(value), 0)
    except ValueError:
        return default
