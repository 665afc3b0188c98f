"""Tests for EmbyWebSocket against the simulator and hostile servers (real websockets on 127.0.0.1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import itertools
import json
import logging
from typing import Any
from unittest.mock import AsyncMock, MagicMock

from aiohttp import ClientConnectionResetError, ClientSession, WSMessage, WSMsgType, web
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.emby_connect.aioemby import (
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyError,
    EmbyForbiddenError,
    EmbyMessage,
    EmbyResponseError,
    EmbyTimeoutError,
    EmbyWebSocket,
    Feed,
    LibraryChangedMessage,
    OtherMessage,
    RestartRequiredMessage,
    ServerRestartingMessage,
    ServerShuttingDownMessage,
    SessionsMessage,
    backoff,
    websocket as websocket_module,
)
from custom_components.emby_connect.aioemby.websocket import KeepAliveMessage, parse_message
from embysim import EmbySimulator, Fault, SimServer
from embysim.proxy import BlackHoleProxy

from .conftest import assert_no_secret, error_texts

DEVICE_ID = "ha-device-1"


class Received(list[Any]):
    """What a hostile server received: JSON messages, or the type of other frames."""

    def __init__(self) -> None:
        """Start empty."""
        super().__init__()
        self.changed = asyncio.Event()

    def add(self, item: Any) -> None:
        """Record one frame."""
        self.append(item)
        self.changed.set()

    async def wait_for(self, predicate: Callable[[Received], bool]) -> None:
        """Wait until the frames received satisfy predicate."""
        async with asyncio.timeout(2):
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()


type Script = Callable[[web.WebSocketResponse, Received], Awaitable[None]]


class Inbox:
    """Collect delivered messages; wait for the next one of a kind."""

    def __init__(self) -> None:
        """Start empty."""
        self.queue: asyncio.Queue[EmbyMessage] = asyncio.Queue()

    def __call__(self, message: EmbyMessage) -> None:
        """Take one message (the listen() callback)."""
        self.queue.put_nowait(message)

    async def next[T](self, kind: type[T]) -> T:
        """Return the next message of a kind, skipping others."""
        async with asyncio.timeout(2):
            while not isinstance(message := await self.queue.get(), kind):
                pass
            return message


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a running server behind an /emby base path."""
    return await emby_sim.add_server(name="Living Room", base_path="/emby")


def _token(server: SimServer, *, admin: bool = True) -> str:
    """Return a fresh token of a new user."""
    user = server.add_user(f"user{len(server.users)}", "pw", is_admin=admin)
    return server.issue_token(user)


def _websocket(url: str, token: str, session: ClientSession | None, **kwargs: Any) -> EmbyWebSocket:
    """Return a websocket client."""
    return EmbyWebSocket(
        url=url, access_token=token, device_id=DEVICE_ID, session=session, **kwargs
    )


@contextlib.asynccontextmanager
async def _listening(websocket: EmbyWebSocket) -> AsyncIterator[tuple[Inbox, asyncio.Task[None]]]:
    """Connect and listen in a task; stop cleanly afterwards."""
    inbox = Inbox()
    await websocket.connect()
    task = asyncio.create_task(websocket.listen(inbox))
    try:
        yield inbox, task
    finally:
        await websocket.close()
        with contextlib.suppress(EmbyError):
            await task


async def test_every_message_type(server: SimServer, session: ClientSession) -> None:
    """Sessions after SessionsStart and on change; restart, library, other; clean stop."""
    websocket = _websocket(server.local.url, _token(server), session)
    assert not websocket.connected
    async with _listening(websocket) as (inbox, task):
        assert websocket.connected
        assert (await inbox.next(SessionsMessage)).sessions == []
        assert server.websocket_count == 1

        played = server.play(user=server.users[0], item_name="Sintel", transcoding=True)
        (session_,) = (await inbox.next(SessionsMessage)).sessions
        assert (session_.id, session_.is_transcoding) == (played.id, True)
        assert session_.now_playing is not None
        assert session_.now_playing.name == "Sintel"

        server.require_restart()
        assert await inbox.next(RestartRequiredMessage) == RestartRequiredMessage()
        server.library_changed(["4711"])
        assert (await inbox.next(LibraryChangedMessage)).items_added == ["4711"]
        server.push("UserDataChanged", {"UserId": "u"})
        assert await inbox.next(OtherMessage) == OtherMessage(
            message_type="UserDataChanged", data={"UserId": "u"}
        )
        # Keepalives are the channel's own business.
        server.push("ForceKeepAlive", 60)
        server.push("KeepAlive")
        server.push("ServerRestarting")
        assert await inbox.next(ServerRestartingMessage) == ServerRestartingMessage()
        assert inbox.queue.empty()

        await websocket.close()
        await task  # a requested stop returns quietly
    assert not websocket.connected
    await asyncio.sleep(0.05)
    assert server.websocket_count == 0


async def test_shutdown_then_closed(server: SimServer, session: ClientSession) -> None:
    """A graceful stop is announced, then the end of the channel is an error."""
    websocket = _websocket(server.local.url, _token(server), session)
    async with _listening(websocket) as (inbox, task):
        await inbox.next(SessionsMessage)
        await server.stop()
        await inbox.next(ServerShuttingDownMessage)
        with pytest.raises(EmbyConnectionError, match="closed the websocket"):
            await task
    with pytest.raises(EmbyConnectionError, match="Error opening the websocket"):
        await websocket.connect()


async def test_killed_server_ends_at_once(server: SimServer, session: ClientSession) -> None:
    """A process that dies resets its connections: listen() ends with no message."""
    websocket = _websocket(server.local.url, _token(server), session)
    async with _listening(websocket) as (inbox, task):
        await inbox.next(SessionsMessage)
        server.local.fault = Fault.STOPPED
        async with asyncio.timeout(1):
            with pytest.raises(EmbyConnectionError):
                await task


async def test_heartbeat_notices_a_black_hole(server: SimServer, session: ClientSession) -> None:
    """Silence (no FIN, no RST) is noticed by the heartbeat, as a timeout."""
    async with BlackHoleProxy(server.local.port) as proxy:
        url = proxy.origin() + server.base_path
        websocket = _websocket(url, _token(server), session, heartbeat=0.2)
        async with _listening(websocket) as (inbox, task):
            await inbox.next(SessionsMessage)
            await asyncio.sleep(0.4)  # pings are answered while the network works
            assert not task.done()
            proxy.black_hole = True
            async with asyncio.timeout(1):
                with pytest.raises(EmbyTimeoutError, match="heartbeat"):
                    await task
        # New connections vanish as well.
        with pytest.raises(EmbyTimeoutError):
            await _websocket(url, "token", session, connect_timeout=0.2).connect()


async def test_https_and_own_session(emby_sim: EmbySimulator) -> None:
    """wss:// for an https address; a session created here is closed by close()."""
    server = await emby_sim.add_server(https=True)
    websocket = _websocket(server.local.url, _token(server), None, verify_ssl=False)
    async with websocket, _listening(websocket) as (inbox, _task):
        await inbox.next(SessionsMessage)
        own_session = websocket.session
        assert own_session is not None
    assert own_session.closed
    assert websocket.session is None


@pytest.mark.parametrize(
    ("prepare", "error", "match"),
    [
        (lambda server: server.revoke_tokens(), EmbyAuthenticationError, "refused the token"),
        (lambda server: setattr(server.local, "fault", Fault.HTTP_404), EmbyResponseError, "404"),
        (
            lambda server: setattr(server.local, "fault", Fault.STOPPED),
            EmbyConnectionError,
            "Error opening",
        ),
        (lambda server: setattr(server.local, "fault", Fault.HANGING), EmbyTimeoutError, "Timeout"),
    ],
    ids=["revoked", "not-found", "refused", "hanging"],
)
async def test_connect_errors(
    server: SimServer,
    session: ClientSession,
    *,
    caplog: pytest.LogCaptureFixture,
    prepare: Callable[[SimServer], object],
    error: type[EmbyError],
    match: str,
) -> None:
    """Every way a connect fails is one library error, and none shows the token."""
    caplog.set_level(logging.DEBUG)
    token = _token(server)
    prepare(server)
    websocket = _websocket(server.local.url, token, session, connect_timeout=0.3)
    with pytest.raises(error, match=match) as raised:
        await websocket.connect()
    # The simulator logs its requests; only the library's own lines matter here.
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("custom")]
    assert_no_secret([token], *error_texts(raised.value), *lines, repr(websocket))
    assert not websocket.connected


async def test_close_while_opening(server: SimServer, session: ClientSession) -> None:
    """close() during the handshake wins: connect() fails and nothing stays open."""
    server.latency = 0.2
    websocket = _websocket(server.local.url, _token(server), session)
    opening = asyncio.create_task(websocket.connect())
    await asyncio.sleep(0.05)
    await websocket.close()
    with pytest.raises(EmbyConnectionError, match="closed while opening"):
        await opening
    assert not websocket.connected
    await asyncio.sleep(0.05)
    assert server.websocket_count == 0


async def test_unusable_address_and_closed_session(session: ClientSession) -> None:
    """Bad input and a closed session fail as connection errors, before any I/O."""
    with pytest.raises(EmbyConnectionError, match="not a valid"):
        await _websocket("ftp://host", "t", session).connect()
    async with ClientSession() as closed:
        pass
    with pytest.raises(EmbyConnectionError, match="session is closed"):
        await _websocket("http://127.0.0.1:1", "t", closed).connect()
    with pytest.raises(EmbyConnectionError, match="not open"):
        await _websocket("http://127.0.0.1:1", "t", session).listen(Inbox())


# -- a hostile websocket server ---------------------------------------------------------------


@pytest.fixture
async def hostile_ws(socket_enabled: None) -> AsyncIterator[Callable[[Script], Awaitable[str]]]:
    """Serve websockets that run a test's script; return a factory of their addresses."""
    runners: list[web.AppRunner] = []

    async def serve(script: Script, status: int | None = None) -> str:
        async def handler(request: web.Request) -> web.StreamResponse:
            if status is not None:
                return web.Response(status=status)
            # Pongs come to the script too.
            ws = web.WebSocketResponse(autoping=False)
            await ws.prepare(request)
            received = Received()

            async def read() -> None:
                async for message in ws:
                    text = message.type is WSMsgType.TEXT
                    received.add(json.loads(message.data) if text else message.type)

            reader = asyncio.create_task(read())
            await script(ws, received)
            reader.cancel()
            return ws

        app = web.Application()
        app.router.add_get("/embywebsocket", handler)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1
        )
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield serve  # type: ignore[misc]
    for runner in runners:
        await runner.cleanup()


async def test_tolerant_reader(hostile_ws: Any, session: ClientSession) -> None:
    """Garbage, binary frames and unknown shapes are skipped; the channel goes on."""

    async def script(ws: web.WebSocketResponse, _received: Received) -> None:
        for text in ["not json", "[1, 2]", '{"MessageType": 5}', '{"Data": 1}', "1e999999"]:
            await ws.send_str(text)
        await ws.send_bytes(b"\x00\x01")
        await ws.send_str('{"MessageType": "Sessions", "Data": {"not": "a list"}}')
        await ws.send_json({"MessageType": "RestartRequired"})
        await ws.close()

    websocket = _websocket(await hostile_ws(script), "t", session)
    async with _listening(websocket) as (inbox, task):
        assert await inbox.next(RestartRequiredMessage) == RestartRequiredMessage()
        with pytest.raises(EmbyConnectionError, match="closed the websocket"):
            await task
        assert inbox.queue.empty()


async def test_pings_are_answered(hostile_ws: Any, session: ClientSession) -> None:
    """A ping from the server is answered with a pong carrying its data."""

    async def script(ws: web.WebSocketResponse, received: Received) -> None:
        await ws.ping(b"are you there")
        await received.wait_for(lambda frames: WSMsgType.PONG in frames)
        await ws.send_json({"MessageType": "RestartRequired"})
        await asyncio.sleep(10)

    websocket = _websocket(await hostile_ws(script), "t", session)
    async with _listening(websocket) as (inbox, _task):
        assert await inbox.next(RestartRequiredMessage) == RestartRequiredMessage()


async def test_callback_errors_are_not_swallowed(hostile_ws: Any, session: ClientSession) -> None:
    """An error raised by the callback ends listen() with that error."""

    async def script(ws: web.WebSocketResponse, _received: Received) -> None:
        await ws.send_json({"MessageType": "RestartRequired"})
        await asyncio.sleep(10)

    def callback(_message: EmbyMessage) -> None:
        raise TimeoutError

    websocket = _websocket(await hostile_ws(script), "t", session)
    await websocket.connect()
    with pytest.raises(TimeoutError):
        await websocket.listen(callback)
    assert not websocket.connected


async def test_keepalive_follows_force_keepalive(
    hostile_ws: Any, session: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SessionsStart first; ForceKeepAlive is answered at once, then at half its timeout."""
    monkeypatch.setattr(websocket_module, "_MIN_KEEPALIVE_INTERVAL", 0.01)
    done = asyncio.Event()

    async def script(ws: web.WebSocketResponse, received: Received) -> None:
        await ws.send_json({"MessageType": "ForceKeepAlive", "Data": 1})
        await received.wait_for(
            lambda frames: (
                [item["MessageType"] for item in frames]
                == ["SessionsStart", "KeepAlive", "KeepAlive", "KeepAlive"]
            )
        )
        done.set()
        await ws.send_json({"MessageType": "LibraryChanged"})
        await asyncio.sleep(10)

    websocket = _websocket(await hostile_ws(script), "t", session)
    async with _listening(websocket) as (inbox, _task):
        assert await inbox.next(LibraryChangedMessage) == LibraryChangedMessage()
        assert done.is_set()


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, EmbyAuthenticationError), (403, EmbyForbiddenError), (502, EmbyResponseError)],
)
async def test_handshake_refusals(
    hostile_ws: Any, session: ClientSession, status: int, error: type[EmbyError]
) -> None:
    """401 asks for a new token, 403 is a forbidden user, anything else: no websocket here."""
    url = await hostile_ws(AsyncMock(), status)
    token = "secret-token-1"
    with pytest.raises(error, match=str(status)) as raised:
        await _websocket(url, token, session).connect()
    assert_no_secret([token], *error_texts(raised.value))


async def test_oversized_message(
    hostile_ws: Any, session: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message beyond the size bound ends the channel as a response error."""
    monkeypatch.setattr(websocket_module, "MAX_RESPONSE_BYTES", 1000)

    async def script(ws: web.WebSocketResponse, _received: Received) -> None:
        await ws.send_str("x" * 2000)
        await asyncio.sleep(10)

    websocket = _websocket(await hostile_ws(script), "t", session)
    async with _listening(websocket) as (_inbox, task):
        with pytest.raises(EmbyResponseError, match="larger than 1000 bytes"):
            await task


async def test_transport_errors_while_open() -> None:
    """A receive error and a failed send are connection errors."""
    ws = MagicMock(closed=False)
    ws.close = AsyncMock()
    ws.send_str = AsyncMock()
    ws.receive = AsyncMock(return_value=WSMessage(WSMsgType.ERROR, RuntimeError("tok"), None))
    session = MagicMock(closed=False)
    session.ws_connect = AsyncMock(return_value=ws)
    websocket = _websocket("http://127.0.0.1:1", "tok", session)
    await websocket.connect()
    with pytest.raises(EmbyConnectionError, match="broke") as raised:
        await websocket.listen(Inbox())
    assert "tok" not in str(raised.value)

    await websocket.connect()
    ws.send_str = AsyncMock(side_effect=ClientConnectionResetError("reset"))
    with pytest.raises(EmbyConnectionError, match="Error sending"):
        await websocket.subscribe(Feed.SCHEDULED_TASKS)
    ws.closed = True
    with pytest.raises(EmbyConnectionError, match="is closed"):
        await websocket.unsubscribe(Feed.SCHEDULED_TASKS)


async def test_sessions_start_failure_closes(session: ClientSession) -> None:
    """When SessionsStart cannot be sent the websocket is closed and the error raised."""
    websocket = _websocket("http://127.0.0.1:1", "tok", session)
    ws = MagicMock(closed=False)
    ws.close = AsyncMock()
    ws.send_str = AsyncMock(side_effect=ClientConnectionResetError("reset"))
    session_mock = MagicMock(closed=False)
    session_mock.ws_connect = AsyncMock(return_value=ws)
    websocket.session = session_mock
    with pytest.raises(EmbyConnectionError):
        await websocket.connect()
    ws.close.assert_awaited_once()
    assert not websocket.connected


# -- pure parts ---------------------------------------------------------------------------------


def test_backoff_doubles_to_a_cap_with_jitter() -> None:
    """Delays double up to the cap, each spread by the jitter."""
    middle = list(itertools.islice(backoff(rand=lambda: 0.5), 7))
    assert middle == [1, 2, 4, 8, 16, 30, 30]
    low = list(itertools.islice(backoff(initial=2, maximum=4, rand=lambda: 0.0), 3))
    assert low == pytest.approx([1.6, 3.2, 3.2])
    high = next(backoff(jitter=0.5, rand=lambda: 1.0))
    assert high == pytest.approx(1.5)
    spread = list(itertools.islice(backoff(maximum=1), 200))
    assert min(spread) >= 0.8
    assert max(spread) <= 1.2
    assert len(set(spread)) > 100


@pytest.mark.parametrize(
    ("data", "timeout"), [(60, 60), ("30", 30), (0, None), (-5, None), (None, None), ("x", None)]
)
def test_force_keepalive_timeout(data: object, timeout: int | None) -> None:
    """ForceKeepAlive carries the server's timeout, when it is a usable one."""
    text = json.dumps({"MessageType": "ForceKeepAlive", "Data": data})
    assert parse_message(text) == KeepAliveMessage(forced=True, timeout=timeout)


def test_parse_known_shapes() -> None:
    """Each message type becomes its dataclass; missing data gives empty defaults."""
    assert parse_message(b'{"MessageType": "ServerShuttingDown"}') == ServerShuttingDownMessage()
    assert parse_message('{"MessageType": "KeepAlive"}') == KeepAliveMessage()
    assert parse_message('{"MessageType": "Sessions", "Data": []}') == SessionsMessage(sessions=[])
    changed = parse_message(
        json.dumps(
            {
                "MessageType": "LibraryChanged",
                "Data": {
                    "ItemsAdded": ["1", 2],
                    "ItemsRemoved": ["3"],
                    "ItemsUpdated": ["4"],
                    "FoldersAddedTo": ["5"],
                    "FoldersRemovedFrom": "6",
                },
            }
        )
    )
    assert changed == LibraryChangedMessage(
        items_added=["1"], items_removed=["3"], items_updated=["4"], folders_added_to=["5"]
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
message_types = st.sampled_from(
    [
        "Sessions",
        "ServerShuttingDown",
        "ServerRestarting",
        "RestartRequired",
        "LibraryChanged",
        "KeepAlive",
        "ForceKeepAlive",
        "UserDataChanged",
        "",
    ]
)
messages = st.fixed_dictionaries(
    {"MessageType": message_types | json_values}, optional={"Data": json_values}
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text() | messages.map(json.dumps) | json_values.map(json.dumps) | st.binary())
def test_parser_only_raises_response_error(text: str | bytes) -> None:
    """Hostile input becomes a message or EmbyResponseError, never anything else."""
    with contextlib.suppress(EmbyResponseError):
        parse_message(text)


def test_parser_survives_deep_nesting() -> None:
    """Nesting deeper than the JSON decoder allows is a response error."""
    with pytest.raises(EmbyResponseError):
        parse_message("[" * 100_000 + "]" * 100_000)
    deep = '{"MessageType": "Sessions", "Data": ' + "[" * 500 + "]" * 500 + "}"
    assert parse_message(deep) == SessionsMessage(sessions=[])
