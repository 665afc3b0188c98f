"""HTTP plumbing shared by the clients: the session, addresses, header values, bounded reads."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
import json
from ssl import SSLCertVerificationError
from typing import Any, Protocol, Self
from urllib.parse import quote

from aiohttp import ClientConnectorCertificateError, ClientError, ClientSession, StreamReader
from yarl import URL

from .exceptions import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyCertificateError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyTimeoutError,
)

# The largest answer these APIs give is /Sessions: a few kB per session, tens of kB when a
# NowPlayingItem carries its media streams. 8 MiB is far beyond any real answer and keeps a
# hostile or broken server from filling memory (the parsed JSON takes several times more).
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024

# Printable ASCII that cannot end a quoted parameter or split Emby's naive `Key="value", ...`
# parser. Quote, backslash, comma, percent and plus are encoded, and so is everything outside
# ASCII: HTTP header values are bytes, and a device name like "Wohnzimmer Müller" must not
# depend on how a server or proxy decodes them.
_HEADER_SAFE = " !#$&'()*/:;<=>?@[]^`{|}"


@dataclass(kw_only=True)
class SessionClient:
    """Send on the aiohttp session given, or on one created here and closed by close().

    The one owner of "the session I created" for every client of the library: Home Assistant
    passes its shared session, which no client may ever close.
    """

    session: ClientSession | None = None
    _created: ClientSession | None = field(default=None, init=False, repr=False)

    def http_session(self) -> ClientSession:
        """Return the session to send on, creating one (owned here) when none was given."""
        if self.session is None:
            self.session = self._created = ClientSession()
        return self.session

    async def close(self) -> None:
        """Close the session if this client created it; a session given to it stays open."""
        created, self._created = self._created, None
        if created is None:
            return
        if self.session is created:
            self.session = None
        await created.close()

    async def __aenter__(self) -> Self:
        """Enter the async context."""
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Close on exit."""
        await self.close()


class Login(Protocol):
    """A successful sign-in: who signed in, and the token to send as them."""

    @property
    def user_id(self) -> str:
        """Return the id of the user signed in."""
        ...

    @property
    def access_token(self) -> str:
        """Return the token to send as that user."""
        ...


@dataclass(kw_only=True)
class SignedInClient(SessionClient):
    """A client that sends as the user of its last sign-in; the token never shows in a repr."""

    user_id: str | None = None
    access_token: str | None = field(default=None, repr=False)

    def _keep[L: Login](self, login: L) -> L:
        """Keep the user and token of a successful sign-in; return the sign-in."""
        self.user_id = login.user_id
        self.access_token = login.access_token
        return login


def header_value(value: str) -> str:
    """Return value percent-encoded where it could break a header or a quoted parameter."""
    return quote(value, safe=_HEADER_SAFE)


def parse_url(text: str) -> URL:
    """Parse an http(s) URL with a host; raise ValueError for anything else."""
    url = URL(text.strip())
    if url.scheme not in {"http", "https"} or not url.host:
        message = "An address needs an http or https scheme and a host"
        raise ValueError(message)
    if url.user is not None or url.password is not None:
        # Credentials in an address would end up in logs, reprs and messages.
        message = "An address must not contain a user name or password"
        raise ValueError(message)
    return url


def parse_address(address: str) -> URL:
    """Parse a server address into scheme, host, port and base path; raise ValueError if unusable."""
    text = address.strip()
    url = parse_url(text if "://" in text else f"http://{text}")
    segments = [segment for segment in url.path.split("/") if segment]
    if "web" in segments:
        # People paste the browser's address: http://host:8096/web/index.html#!/home.
        segments = segments[: len(segments) - 1 - segments[::-1].index("web")]
    path = "/".join(segments)
    return url.with_path(f"/{path}" if path else "").with_query(None).with_fragment(None)


def address_key(url: URL) -> tuple[str, str, int | None, str]:
    """Return what makes two addresses the same place (default ports made explicit)."""
    return (url.scheme, (url.host or "").lower(), url.port, url.path.rstrip("/"))


def join_url(base: URL, path: str) -> URL:
    """Append a path to a base address, keeping its base path (e.g. /emby)."""
    return base.with_path(f"{base.path.rstrip('/')}/{path.lstrip('/')}")


def has_emby_base(base: URL) -> bool:
    """Return whether an address already ends in /emby (typed so, or a Connect URL)."""
    return base.path.rstrip("/").lower().endswith("/emby")


def api_url(base: URL, path: str, *, prefixed: bool = True) -> URL:
    """Return the URL of an API path: {address}/emby/{path}, as Emby's apps build it.

    An address that already ends in /emby is not doubled; prefixed=False gives the bare
    {address}/{path} that servers (and the published documentation) accept as well.
    """
    if prefixed and not has_emby_base(base):
        return join_url(base, f"emby/{path.lstrip('/')}")
    return join_url(base, path)


@dataclass(frozen=True, slots=True)
class RawResponse:
    """An HTTP answer read within the size bound."""

    status: int
    body: bytes
    content_type: str


async def send(
    session: ClientSession,
    method: str,
    url: URL,
    *,
    what: str,
    time_limit: float,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    json_body: Any = None,
    ssl: bool = True,
) -> RawResponse:
    """Send one request and read its body; map every transport failure to aioemby errors."""
    if session.closed:
        # aiohttp would raise RuntimeError; the owner (e.g. Home Assistant) is shutting down.
        message = f"Cannot talk to {what}: the HTTP session is closed"
        raise EmbyConnectionError(message)
    # aiohttp raises ValueError for a URL or header it refuses to send.
    with transport_errors(what, also=(ValueError,)):
        async with (
            asyncio.timeout(time_limit),
            session.request(
                method,
                url,
                headers=dict(headers),
                params=params,
                data=data,
                json=json_body,
                ssl=ssl,
                # A redirect would carry the token headers to wherever it points.
                allow_redirects=False,
            ) as response,
        ):
            body = await _read_bounded(response.content_length, response.content, what)
            return RawResponse(response.status, body, response.content_type)


@contextmanager
def transport_errors(what: str, *, also: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Map a timeout, a failed certificate or a broken connection to the library's errors.

    also: further exception types that mean the request could not be sent.
    """
    broken: tuple[type[Exception], ...] = (ClientError, OSError, *also)
    try:
        yield
    except TimeoutError as err:
        message = f"Timeout while talking to {what}"
        raise EmbyTimeoutError(message) from err
    except (ClientConnectorCertificateError, SSLCertVerificationError) as err:
        message = f"The TLS certificate of {what} failed verification: {err}"
        raise EmbyCertificateError(message) from err
    except broken as err:
        message = f"Error talking to {what}: {err or type(err).__name__}"
        raise EmbyConnectionError(message) from err


def refusal(
    what: str, status: int, *, credentials: str = "the credentials", access: str = "access"
) -> EmbyAuthenticationError | EmbyForbiddenError | None:
    """Return the error for an Emby server refusing the credentials (401) or the user (403).

    credentials, access: what the messages say was refused and denied.
    """
    if status == HTTPStatus.UNAUTHORIZED:
        message = f"{what} refused {credentials} (HTTP {status})"
        return EmbyAuthenticationError(message, source=AuthSource.SERVER, status=status)
    if status == HTTPStatus.FORBIDDEN:
        message = f"{what} denied {access} to this user (HTTP {status})"
        return EmbyForbiddenError(message, source=AuthSource.SERVER, status=status)
    return None


async def _read_bounded(length: int | None, content: StreamReader, what: str) -> bytes:
    """Read a body, refusing one larger than MAX_RESPONSE_BYTES before holding it all."""
    message = f"{what} sent an answer larger than {MAX_RESPONSE_BYTES} bytes"
    if length is not None and length > MAX_RESPONSE_BYTES:
        raise EmbyResponseError(message)
    body = bytearray()
    async for chunk in content.iter_chunked(_CHUNK_BYTES):
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            raise EmbyResponseError(message)
    return bytes(body)


def decode_json(raw: RawResponse, what: str) -> Any:
    """Decode a JSON body; HTML pages, empty bodies and invalid JSON raise EmbyResponseError."""
    body = raw.body.strip()
    if "html" in raw.content_type or body[:1] == b"<":
        message = f"{what} answered with an HTML page instead of JSON"
        raise EmbyResponseError(message)
    if not body:
        message = f"{what} answered with an empty body instead of JSON"
        raise EmbyResponseError(message)
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        # ValueError covers bad UTF-8 and integers too long to convert.
        message = f"{what} answered with invalid JSON"
        raise EmbyResponseError(message) from err
