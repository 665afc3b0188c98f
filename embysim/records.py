"""Record requests and find the secrets they carried."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import json
from urllib.parse import parse_qsl

from aiohttp import web

from .auth import parse_authorization
from .models import RecordedRequest, utcnow

SECRET_HEADERS = frozenset({"x-emby-token", "x-mediabrowser-token", "x-connect-usertoken"})
SECRET_QUERY = frozenset({"api_key", "apikey", "x-emby-token", "accesskey", "token"})
SECRET_FIELDS = frozenset({"pw", "password", "rawpw", "accesskey", "token", "accesstoken"})
# Tokens and access keys are 32 hex characters: long enough to search for anywhere.
MIN_SCANNED_SECRET = 16


async def record_request(
    request: web.Request, *, path: str, listener: str, token: str | None
) -> RecordedRequest:
    """Build the record of a request (reads and caches the body)."""
    body = ""
    if request.body_exists:
        raw = await request.read()
        body = raw.decode("utf-8", errors="replace")
    return RecordedRequest(
        method=request.method,
        path=path,
        query=dict(request.query),
        headers=dict(request.headers),
        listener=listener,
        token=token,
        time=utcnow(),
        body=body,
    )


def _body_fields(body: str) -> Iterable[tuple[str, str]]:
    """Yield (key, value) string pairs of a JSON or form body."""
    stripped = body.strip()
    if not stripped:
        return
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except ValueError:
            return
        yield from _walk(data)
        return
    yield from parse_qsl(stripped, keep_blank_values=False)


def _walk(data: object) -> Iterable[tuple[str, str]]:
    """Yield (key, value) pairs of every string leaf of decoded JSON."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str):
                yield str(key), value
            else:
                yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def secrets_in(record: RecordedRequest, known: Iterable[str] = ()) -> set[str]:
    """Return every secret a request carried: in secret fields, or any known long secret."""
    found: set[str] = set()
    for name, value in record.headers.items():
        lowered = name.lower()
        if lowered in SECRET_HEADERS and value:
            found.add(value)
        elif lowered in {"x-emby-authorization", "authorization"}:
            token = (parse_authorization(value) or {}).get("token")
            if token:
                found.add(token)
    for name, value in record.query.items():
        if name.lower() in SECRET_QUERY and value:
            found.add(value)
    for name, value in _body_fields(record.body):
        if name.lower() in SECRET_FIELDS and value:
            found.add(value)
    haystack = _haystack(record)
    found.update(
        secret for secret in known if len(secret) >= MIN_SCANNED_SECRET and secret in haystack
    )
    return found


def _haystack(record: RecordedRequest) -> str:
    """Join everything a request carried into one searchable string."""
    parts: list[str] = [record.path, record.body]
    parts.extend(_pairs(record.headers))
    parts.extend(_pairs(record.query))
    return "\n".join(parts)


def _pairs(mapping: Mapping[str, str]) -> Iterable[str]:
    """Yield "key=value" for each item."""
    return (f"{key}={value}" for key, value in mapping.items())
