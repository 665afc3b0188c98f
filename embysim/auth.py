"""Read who is calling and with which token, the way Emby Server does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import re

_PAIR = re.compile(r'(\w+)\s*=\s*"([^"]*)"|(\w+)\s*=\s*([^,\s]*)')
_PREFIXES = ("emby", "mediabrowser")
TOKEN_HEADERS = ("X-Emby-Token", "X-MediaBrowser-Token")
TOKEN_QUERY = ("api_key", "ApiKey", "X-Emby-Token")


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Describe the calling client."""

    client: str
    device_name: str
    device_id: str
    version: str


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """Hold what a request presented: identity, token and where the token came from."""

    identity: Identity | None
    token: str | None
    token_in_query: bool


def parse_authorization(value: str) -> dict[str, str] | None:
    """Parse an `Emby Key="value", ...` header; return None when it is not one."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() not in _PREFIXES:
        return None
    pairs: dict[str, str] = {}
    for match in _PAIR.finditer(rest):
        key = match.group(1) or match.group(3)
        pairs[key.lower()] = match.group(2) if match.group(1) else match.group(4)
    return pairs


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Return a header case-insensitively (aiohttp's mapping already is, dicts are not)."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def read_credentials(headers: Mapping[str, str], query: Mapping[str, str]) -> Credentials:
    """Read identity and token from headers and the query string."""
    auth: dict[str, str] = {}
    for name in ("X-Emby-Authorization", "Authorization"):
        if (raw := _header(headers, name)) is not None and (
            parsed := parse_authorization(raw)
        ) is not None:
            auth = parsed
            break
    identity: Identity | None = None
    if auth.get("client") and auth.get("deviceid"):
        identity = Identity(
            client=auth["client"],
            device_name=auth.get("device", ""),
            device_id=auth["deviceid"],
            version=auth.get("version", ""),
        )
    elif (client := _header(headers, "X-Emby-Client")) and (
        device_id := _header(headers, "X-Emby-Device-Id")
    ):
        identity = Identity(
            client=client,
            device_name=_header(headers, "X-Emby-Device-Name") or "",
            device_id=device_id,
            version=_header(headers, "X-Emby-Client-Version") or "",
        )
    token: str | None = None
    for name in TOKEN_HEADERS:
        if value := _header(headers, name):
            token = value
            break
    if token is None and auth.get("token"):
        token = auth["token"]
    token_in_query = False
    if token is None:
        lowered = {key.lower(): value for key, value in query.items()}
        for name in TOKEN_QUERY:
            if value := lowered.get(name.lower()):
                token = value
                token_in_query = True
                break
    return Credentials(identity=identity, token=token, token_in_query=token_in_query)
