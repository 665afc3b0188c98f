"""The push channel of an Emby server (`embywebsocket`): typed messages, keepalive, heartbeat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
import json
import logging
import random
from typing import Any
from urllib.parse import quote

from aiohttp import (
    ClientError,
    ClientWebSocketResponse,
    ClientWSTimeout,
    WebSocketError,
    WSCloseCode,
    WSMsgType,
    WSServerHandshakeError,
)
from yarl import URL

from ._fields import read_fields, wire
from ._http import MAX_RESPONSE_BYTES, SessionClient, join_url, parse_address, refusal
from ._wire import JsonObject, as_mapping, as_object, get_value, read_int, read_str, read_str_list
from .exceptions import (
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyTimeoutError,
)
from .messages import BUILDERS as ADMIN_BUILDERS, AdminMessage, Feed, feed_start_data
from .sessions import Session

_LOGGER = logging.getLogger(__package__)

# A ping goes out after HEARTBEAT seconds without any frame from the server, and the channel
# is given up when nothing (not even the pong every websocket server owes) comes within half
# of that: a silent loss (no FIN, no RST) is noticed within 30 s. (aiohttp's own heartbeat
# re-arms its timer when frames arrive during a close, leaving timers behind.)
HEARTBEAT = 20.0
CONNECT_TIMEOUT = 10.0
# A clean close waits this long for the server's close frame; a dead network must not hold up
# an unload.
CLOSE_TIMEOUT = 2.0
# Until the server sends ForceKeepAlive, send KeepAlive as often as Emby's apps do for its
# usual 60 s timeout: at half of it.
KEEPALIVE_INTERVAL = 30.0
_MIN_KEEPALIVE_INTERVAL = 1.0
# "<initial delay ms>,<interval ms>": what Emby's web app asks for.
SESSIONS_START = "0,1500"


class MessageType(StrEnum):
    """The message types an Emby server sends (and the ones a client sends)."""

    SESSIONS = "Sessions"
    SERVER_SHUTTING_DOWN = "ServerShuttingDown"
    SERVER_RESTARTING = "ServerRestarting"
    RESTART_REQUIRED = "RestartRequired"
    LIBRARY_CHANGED = "LibraryChanged"
    KEEP_ALIVE = "KeepAlive"
    FORCE_KEEP_ALIVE = "ForceKeepAlive"
    SESSIONS_START = "SessionsStart"
    PLAYBACK_START = "PlaybackStart"
    PLAYBACK_STOPPED = "PlaybackStopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionsMessage:
    """The sessions the user may see, sent after SessionsStart and on every change."""

    sessions: list[Session]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerShuttingDownMessage:
    """The server is shutting down."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerRestartingMessage:
    """The server is restarting."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RestartRequiredMessage:
    """The server needs a restart (after an update or a plugin install)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryChangedMessage:
    """Items were added, removed or updated (a library scan)."""

    items_added: list[str] = wire(read_str_list, "ItemsAdded", default_factory=list)
    items_removed: list[str] = wire(read_str_list, "ItemsRemoved", default_factory=list)
    items_updated: list[str] = wire(read_str_list, "ItemsUpdated", default_factory=list)
    folders_added_to: list[str] = wire(read_str_list, "FoldersAddedTo", default_factory=list)
    folders_removed_from: list[str] = wire(
        read_str_list, "FoldersRemovedFrom", default_factory=list
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackMessage:
    """A session started (PlaybackStart) or stopped (PlaybackStopped) playing an item.

    Emby sends these to the sessions of the user who plays, beside the Sessions feed; Data is
    the session (with the item it started or stopped), None when it cannot be read.
    """

    started: bool
    session: Session | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KeepAliveMessage:
    """KeepAlive (the answer to ours) or ForceKeepAlive (with the server's timeout)."""

    forced: bool = False
    timeout: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherMessage:
    """A message type this library does not model (UserDataChanged, ...)."""

    message_type: str
    data: Any = None


type EmbyMessage = (
    SessionsMessage
    | ServerShuttingDownMessage
    | ServerRestartingMessage
    | RestartRequiredMessage
    | LibraryChangedMessage
    | PlaybackMessage
    | KeepAliveMessage
    | OtherMessage
    | AdminMessage
)


def _library_changed(obj: JsonObject) -> LibraryChangedMessage:
    """Build LibraryChanged from its message."""
    changes = as_mapping(get_value(obj, "Data"))
    return LibraryChangedMessage(**read_fields(LibraryChangedMessage, changes))


def _playback(obj: JsonObject, *, started: bool) -> PlaybackMessage:
    """Build PlaybackStart or PlaybackStopped (Data: the session; unreadable -> None)."""
    try:
        session = Session.from_dict(get_value(obj, "Data"))
    except EmbyResponseError:
        session = None
    return PlaybackMessage(started=started, session=session)


def _force_keep_alive(obj: JsonObject) -> KeepAliveMessage:
    """Build ForceKeepAlive from its message (Data: the server's timeout in seconds)."""
    timeout = read_int(obj, "Data")
    return KeepAliveMessage(forced=True, timeout=timeout if timeout and timeout > 0 else None)


_BUILDERS: dict[str, Callable[[JsonObject], EmbyMessage]] = {
    MessageType.SESSIONS: lambda obj: SessionsMessage(
        sessions=Session.list_from(get_value(obj, "Data"))
    ),
    MessageType.SERVER_SHUTTING_DOWN: lambda _: ServerShuttingDownMessage(),
    MessageType.SERVER_RESTARTING: lambda _: ServerRestartingMessage(),
    MessageType.RESTART_REQUIRED: lambda _: RestartRequiredMessage(),
    MessageType.LIBRARY_CHANGED: _library_changed,
    MessageType.PLAYBACK_START: lambda obj: _playback(obj, started=True),
    MessageType.PLAYBACK_STOPPED: lambda obj: _playback(obj, started=False),
    MessageType.KEEP_ALIVE: lambda _: KeepAliveMessage(),
    MessageType.FORCE_KEEP_ALIVE: _force_keep_alive,
    **ADMIN_BUILDERS,
}


def parse_message(text: str | bytes) -> EmbyMessage:
    """Parse one websocket text frame; raise EmbyResponseError when it is no Emby message."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as err:
        # ValueError covers bad UTF-8 and integers too long to convert.
        message = "The websocket message is not valid JSON"
        raise EmbyResponseError(message) from err
    obj = as_object(raw, "websocket message")
    message_type = read_str(obj, "MessageType")
    if not message_type:
        message = "The websocket message has no MessageType"
        raise EmbyResponseError(message)
    if (builder := _BUILDERS.get(message_type)) is None:
        return OtherMessage(message_type=message_type, data=get_value(obj, "Data"))
    return builder(obj)


def backoff(
    *,
    initial: float = 1.0,
    maximum: float = 30.0,
    factor: float = 2.0,
    jitter: float = 0.2,
    rand: Callable[[], float] = random.random,
) -> Iterator[float]:
    """Yield retry delays: initial, times factor up to maximum, each spread by +/- jitter."""
    delay = initial
    while True:
        # Spread, so many clients of one restarted server do not all come back at once.
        yield delay * (1 + jitter * (2 * rand() - 1))
        delay = min(delay * factor, maximum)


def _websocket_url(base: URL) -> URL:
    """Return {address}/embywebsocket (ws or wss), where Emby's apps open the push channel.

    The web app's ApiClient turns `{address}/emby/socket` into `{address}/embywebsocket`, and
    an address that ends in /emby keeps it: `{host}/emby/embywebsocket`. Both are what real
    servers and a reverse proxy publishing only /emby and /embywebsocket accept.
    """
    url = join_url(base, "embywebsocket")
    return url.with_scheme("wss" if base.scheme == "https" else "ws")


@dataclass(kw_only=True)
class EmbyWebSocket(SessionClient):
    """Hold the push channel of one Emby server for one token."""

    url: str
    access_token: str = field(repr=False)
    device_id: str
    verify_ssl: bool = True
    connect_timeout: float = CONNECT_TIMEOUT
    heartbeat: float = HEARTBEAT
    _ws: ClientWebSocketResponse | None = field(default=None, init=False, repr=False)
    _what: str = field(default="Emby server", init=False, repr=False)
    _closing: bool = field(default=False, init=False, repr=False)
    _keepalive: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _pinger: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _last_frame: float = field(default=0.0, init=False, repr=False)

    @property
    def connected(self) -> bool:
        """Return whether the websocket is open."""
        return self._ws is not None and not self._ws.closed

    async def connect(self) -> None:
        """Open the websocket and ask for session updates.

        Raises EmbyAuthenticationError when the token is refused, EmbyForbiddenError when the
        user may not open one, EmbyResponseError when the address answers but refuses a
        websocket (a proxy without websocket support), EmbyConnectionError (EmbyTimeoutError)
        when it cannot be reached.
        """
        try:
            base = parse_address(self.url)
        except (TypeError, ValueError) as err:
            message = "The server address is not a valid http(s) address"
            raise EmbyConnectionError(message) from err
        what = self._what = f"Emby server {base} (websocket)"
        session = self.http_session()
        if session.closed:
            message = f"Cannot talk to {what}: the HTTP session is closed"
            raise EmbyConnectionError(message)
        self._closing = False
        # The token is in the query (browsers cannot send headers on a websocket, so Emby
        # takes it there): no message below may show the URL, and no aiohttp error that
        # carries it is chained.
        try:
            async with asyncio.timeout(self.connect_timeout):
                ws = await session.ws_connect(
                    _websocket_url(base),
                    params={"api_key": self.access_token, "deviceId": self.device_id},
                    # Pings and pongs come to listen(): they are its heartbeat.
                    autoping=False,
                    timeout=ClientWSTimeout(ws_close=CLOSE_TIMEOUT),
                    max_msg_size=MAX_RESPONSE_BYTES,
                    ssl=self.verify_ssl,
                )
        except WSServerHandshakeError as err:
            raise _handshake_error(what, err.status) from None
        except TimeoutError:
            message = f"Timeout while opening the websocket of {what}"
            raise EmbyTimeoutError(message) from None
        except (ClientError, OSError, ValueError) as err:
            message = f"Error opening the websocket of {what}: {self._redact(err)}"
            raise EmbyConnectionError(message) from None
        if self._closing:
            # close() came while the handshake was under way.
            with suppress(ClientError, OSError):
                await ws.close()
            message = f"The websocket of {what} was closed while opening"
            raise EmbyConnectionError(message)
        self._ws = ws
        try:
            await self._send(MessageType.SESSIONS_START, SESSIONS_START)
        except EmbyConnectionError:
            await self.close()
            raise
        _LOGGER.debug("Websocket of %s is open", what)

    async def listen(self, on_message: Callable[[EmbyMessage], None]) -> None:
        """Deliver every message but keepalives until close() is called.

        Raises EmbyConnectionError when the server closes the websocket or the connection
        breaks, EmbyTimeoutError when the server falls silent (the heartbeat goes unanswered).
        """
        if (ws := self._ws) is None:
            message = "The websocket is not open"
            raise EmbyConnectionError(message)
        loop = asyncio.get_running_loop()
        self._last_frame = loop.time()
        self._schedule_keepalive(KEEPALIVE_INTERVAL)
        self._pinger = asyncio.create_task(self._ping_when_idle(ws), name=f"Ping {self._what}")
        deadline = asyncio.timeout(None)
        try:
            async with deadline:
                while True:
                    deadline.reschedule(self._last_frame + self.heartbeat * 1.5)
                    received = await ws.receive()
                    self._last_frame = loop.time()
                    match received.type:
                        case WSMsgType.TEXT:
                            await self._handle(received.data, on_message)
                        case WSMsgType.PING:
                            # A broken connection shows in the next receive().
                            with suppress(ClientError, OSError, RuntimeError):
                                await ws.pong(received.data)
                        case WSMsgType.ERROR:
                            raise self._receive_error(received.data)
                        case WSMsgType.CLOSE | WSMsgType.CLOSING | WSMsgType.CLOSED:
                            break
                        case _:
                            # A pong, or a binary frame (not part of Emby's protocol).
                            continue
        except TimeoutError:
            if not deadline.expired():
                raise
            message = f"{self._what} did not answer the websocket heartbeat"
            raise EmbyTimeoutError(message) from None
        finally:
            await self._stop()
        if not self._closing:
            message = f"{self._what} closed the websocket"
            raise EmbyConnectionError(message)

    async def close(self) -> None:
        """Close the websocket (a running listen() returns) and a session created here."""
        self._closing = True
        await self._stop()
        await super().close()

    async def _stop(self) -> None:
        """Stop the periodic senders and close the websocket."""
        tasks = [task for task in (self._keepalive, self._pinger) if task is not None]
        self._keepalive = self._pinger = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if (ws := self._ws) is not None:
            self._ws = None
            with suppress(ClientError, OSError):
                await ws.close()

    async def _ping_when_idle(self, ws: ClientWebSocketResponse) -> None:
        """Ping after HEARTBEAT seconds without a frame; listen() waits for the answer."""
        loop = asyncio.get_running_loop()
        while True:
            if (idle := loop.time() - self._last_frame) < self.heartbeat:
                await asyncio.sleep(self.heartbeat - idle)
                continue
            with suppress(ClientError, OSError, RuntimeError):
                await ws.ping()
            await asyncio.sleep(self.heartbeat)

    async def _handle(self, text: str, on_message: Callable[[EmbyMessage], None]) -> None:
        """Parse one message; answer keepalives, hand everything else over."""
        try:
            message = parse_message(text)
        except EmbyResponseError as err:
            # A tolerant reader: one bad message does not end the channel.
            _LOGGER.debug("Ignoring a message from %s: %s", self._what, err)
            return
        if isinstance(message, KeepAliveMessage):
            if message.forced:
                # The server drops clients silent for `timeout` seconds; Emby's apps send
                # KeepAlive at half of it.
                timeout = message.timeout or KEEPALIVE_INTERVAL * 2
                await self._send(MessageType.KEEP_ALIVE)
                self._schedule_keepalive(max(timeout / 2, _MIN_KEEPALIVE_INTERVAL))
            return
        on_message(message)

    def _schedule_keepalive(self, interval: float) -> None:
        """Send KeepAlive every interval seconds from now on."""
        if self._keepalive is not None:
            self._keepalive.cancel()
        self._keepalive = asyncio.create_task(
            self._send_keepalives(interval), name=f"KeepAlive to {self._what}"
        )

    async def _send_keepalives(self, interval: float) -> None:
        """Send KeepAlive forever; a broken connection is left to listen() to report."""
        with suppress(EmbyConnectionError):
            while True:
                await asyncio.sleep(interval)
                await self._send(MessageType.KEEP_ALIVE)

    async def subscribe(
        self, feed: Feed, *, interval: float = 1.0, initial_delay: float = 0.0
    ) -> None:
        """Ask for a feed (e.g. ScheduledTasksInfo): `<feed>Start` with its timing.

        Subscriptions end with the websocket: send them again after every connect().
        """
        await self._send(
            f"{feed}Start", feed_start_data(interval=interval, initial_delay=initial_delay)
        )

    async def unsubscribe(self, feed: Feed) -> None:
        """End a feed: `<feed>Stop`."""
        await self._send(f"{feed}Stop")

    async def _send(self, message_type: str, data: object = None) -> None:
        """Send one message."""
        payload: dict[str, object] = {"MessageType": str(message_type)}
        if data is not None:
            payload["Data"] = data
        if (ws := self._ws) is None or ws.closed:
            message = f"The websocket of {self._what} is closed"
            raise EmbyConnectionError(message)
        try:
            await ws.send_str(json.dumps(payload))
        except (ClientError, OSError, RuntimeError) as err:
            message = f"Error sending to {self._what}: {self._redact(err)}"
            raise EmbyConnectionError(message) from None

    def _receive_error(self, error: object) -> EmbyConnectionError | EmbyResponseError:
        """Return the library error for an aiohttp receive error."""
        if isinstance(error, WebSocketError) and error.code == WSCloseCode.MESSAGE_TOO_BIG:
            message = (
                f"{self._what} sent a websocket message larger than {MAX_RESPONSE_BYTES} bytes"
            )
            return EmbyResponseError(message)
        message = f"The websocket of {self._what} broke: {self._redact(error)}"
        return EmbyConnectionError(message)

    def _redact(self, error: object) -> str:
        """Return an error's text without the token (aiohttp errors may show the URL)."""
        text = str(error) or type(error).__name__
        for secret in {self.access_token, quote(self.access_token, safe="")}:
            if secret:
                text = text.replace(secret, "**REDACTED**")
        return text


def _handshake_error(
    what: str, status: int
) -> EmbyAuthenticationError | EmbyForbiddenError | EmbyResponseError:
    """Return the library error for a refused websocket handshake."""
    refused = refusal(what, status, credentials="the token", access="the websocket")
    if refused is not None:
        return refused
    message = f"{what} does not accept websockets (HTTP {status})"
    return EmbyResponseError(message)
