"""Fuzzing: hostile answers over real HTTP and websockets, into the client and the coordinator.

Two layers, both with hypothesis:
- every call of the client library gets arbitrary answers over real HTTP on loopback (status,
  content type, JSON of wrong types, huge numbers, deep nesting, odd unicode, missing keys,
  bytes that are no JSON at all): only the library's own errors come out;
- the real integration's coordinator polls a hostile server and takes hostile websocket frames:
  no error other than the mapped ones, no crash of the push channel, entity states that are
  always valid, and the server shown again once it answers properly.

The pure parser properties (every model, the websocket message parser) are in tests/aioemby.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
import json
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import ClientSession, WSMsgType, web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.update_coordinator import UpdateFailed
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect import push as push_module
from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    ConnectionManager,
    EmbyConnect,
    EmbyError,
    EmbyServer,
    ServerRecord,
)
from custom_components.emby_connect.coordinator import EmbyRuntimeData

from .conftest import emby_path, report, serve_on_loopback, set_up_manual_entry

SYSTEM_ID = "0f9e8d7c6b5a49382716f5e4d3c2b1a0"
USER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TOKEN = "fuzz-token-5e4d3c2b1a09f8e7d6c5"

# Every wire name the models and the websocket parser read, so objects hit real fields.
WIRE_NAMES = [
    "AccessKey", "AccessToken", "AlbumCount", "ApplicationVersion", "Artists", "Client",
    "ConnectAccessToken", "ConnectUserId", "Data", "DeviceId", "DeviceName", "EpisodeCount",
    "FoldersAddedTo", "HasPendingRestart", "HasUpdateAvailable", "Id", "IsActive",
    "IsAdministrator", "IsConfirmed", "IsExpired", "IsPaused", "IsShuttingDown", "ItemsAdded",
    "LastActivityDate", "LocalAddress", "LocalAddresses", "LocalUserId", "MessageType",
    "MovieCount", "Name", "NowPlayingItem", "PlayMethod", "PlayState", "Pin", "Policy",
    "PositionTicks", "RemoteAddresses", "SeriesCount", "ServerId", "ServerName",
    "SessionInfo", "SystemId", "TranscodingInfo", "Url", "User", "UserId", "UserType",
    "Version", "WanAddress",
    "IsAudioDirect", "IsInMaintenanceMode", "IsVideoDirect", "ProductName", "TranscodeReasons",
]  # fmt: skip
MESSAGE_TYPES = [
    "Sessions", "ServerShuttingDown", "ServerRestarting", "RestartRequired", "LibraryChanged",
    "KeepAlive", "ForceKeepAlive", "UserDataChanged", "",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(
        ["true", "0", "Transcode", "Guest", "2026-11-29T01:02:03.1234567Z", "\u202e\ufeff\x00"]
    )
)
keys = (
    st.sampled_from(WIRE_NAMES) | st.sampled_from(WIRE_NAMES).map(str.lower) | st.text(max_size=6)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
objects = st.dictionaries(keys, json_values, max_size=10)


def _nested(depth: int) -> str:
    """Return JSON nested deeper than a recursive reader allows."""
    return "[" * depth + "]" * depth


# Texts no generator finds by chance: huge, deep, NaN, truncated, byte-order marks, not UTF-8.
HOSTILE_BODIES = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b'{"Id": NaN, "ServerName": Infinity}',
    b'{"Id": "' + b"9" * 5000 + b'"}',
    b'{"Id": ' + b"9" * 5000 + b"}",
    _nested(100_000).encode(),
    b'{"Id": "x", "NowPlayingItem": ' + _nested(3000).encode() + b"}",
    b'{"Id": "0123", "ServerName": "Living',
    b"\xef\xbb\xbf{}",
    b"\xff\xfe\x00\x00",
    b"<html><body>Sign in</body></html>",
    b'{"Id": "\\ud800", "ServerName": "\\u0000"}',
]

bodies = (
    objects.map(lambda value: json.dumps(value).encode())
    | json_values.map(lambda value: json.dumps(value).encode())
    | st.lists(objects, max_size=4).map(lambda value: json.dumps(value).encode())
    | st.sampled_from(HOSTILE_BODIES)
    | st.binary(max_size=200)
)
statuses = st.sampled_from([200, 200, 200, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503]) | (
    st.integers(min_value=200, max_value=599)
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/html", "text/plain", ""]
)


@dataclass(frozen=True)
class Answer:
    """One HTTP answer."""

    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"


answers = st.builds(Answer, statuses, bodies, content_types)


def _valid(payload: Any) -> Answer:
    """Return a valid JSON answer."""
    return Answer(body=json.dumps(payload).encode())


PUBLIC_INFO = {"Id": SYSTEM_ID, "ServerName": "Fuzzed", "Version": "4.8.11.0"}
VALID = {
    "/System/Info/Public": _valid(PUBLIC_INFO),
    "/System/Info": _valid({**PUBLIC_INFO, "HasUpdateAvailable": False}),
    "/Sessions": _valid([{"Id": "s1", "UserName": "alice", "NowPlayingItem": {"Name": "A"}}]),
    "/Items/Counts": _valid({"MovieCount": 3, "SeriesCount": 1}),
}


# Queued after a batch of frames: the server pings, and the pong (which the client sends from
# the loop that handles frames in order) says every frame before it was handled.
BARRIER = b"barrier"


@dataclass
class HostileEmby:
    """A server on 127.0.0.1 that answers whatever the current example says."""

    url: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    default: Answer = field(default_factory=Answer)
    frames: asyncio.Queue[str | bytes | None] = field(default_factory=asyncio.Queue)
    handled: asyncio.Event = field(default_factory=asyncio.Event)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Answer a call (or open the websocket) as the current example says."""
        path = emby_path(request.path)
        if path == "/embywebsocket" and "/embywebsocket" not in self.answers:
            return await self._websocket(request)
        answer = self.answers.get(path, self.default)
        return web.Response(
            status=answer.status,
            body=answer.body,
            headers={"Content-Type": answer.content_type} if answer.content_type else None,
        )

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        """Send the queued frames (None: ping) until the client closes the websocket."""
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        reader = asyncio.create_task(self._read(ws))
        try:
            while not ws.closed:
                frame = await self.frames.get()
                if frame is None:
                    await ws.ping(BARRIER)
                elif isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                else:
                    await ws.send_str(frame)
        except ConnectionError:
            pass
        finally:
            reader.cancel()
            # Whatever was left is for a websocket that is gone.
            while not self.frames.empty():
                self.frames.get_nowait()
            self.handled.set()
        return ws

    async def _read(self, ws: web.WebSocketResponse) -> None:
        """Note the pong that follows a batch; ignore what else the client sends."""
        async for message in ws:
            if message.type is WSMsgType.PONG and message.data == BARRIER:
                self.handled.set()


@pytest.fixture
async def hostile_emby(socket_enabled: None) -> AsyncIterator[HostileEmby]:
    """Run a hostile Emby server for one test."""
    async with serve_on_loopback(HostileEmby()) as server:
        yield server


@pytest.fixture
def counts(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Count what a hypothesis test saw and report it."""
    seen: Counter[str] = Counter()
    yield seen
    outcomes = ", ".join(f"{key} {value}" for key, value in sorted(seen.items()))
    report("fuzzing (examples run)", f"{request.node.name}: {outcomes}")


# -- the client library -----------------------------------------------------------------------

IDENTITY = ClientIdentity(
    client="Home Assistant", device_name="Home", device_id="fuzz-device", version="0.1.0"
)

type Call = Callable[[HostileEmby, ClientSession], Awaitable[object]]


def _server(hostile: HostileEmby, session: ClientSession) -> EmbyServer:
    """Return a signed-in client of the hostile server."""
    return EmbyServer(
        url=hostile.url,
        identity=IDENTITY,
        session=session,
        access_token=TOKEN,
        user_id=USER_ID,
        request_timeout=2.0,
    )


def _connect(hostile: HostileEmby, session: ClientSession) -> EmbyConnect:
    """Return a signed-in Emby Connect client of the hostile server."""
    return EmbyConnect(
        app_name="Home Assistant",
        app_version="0.1.0",
        session=session,
        base_url=f"{hostile.url}/service",
        user_id=USER_ID,
        access_token=TOKEN,
        request_timeout=2.0,
    )


def _manager(session: ClientSession) -> ConnectionManager:
    """Return a connection manager on the session."""
    return ConnectionManager(session=session, identity=IDENTITY, request_timeout=2.0)


CALLS: dict[str, Call] = {
    "server.get_public_info": lambda h, s: _server(h, s).get_public_info(),
    "server.get_system_info": lambda h, s: _server(h, s).get_system_info(),
    "server.get_sessions": lambda h, s: _server(h, s).get_sessions(),
    "server.get_item_counts": lambda h, s: _server(h, s).get_item_counts(),
    "server.exchange": lambda h, s: _server(h, s).exchange("access-key", USER_ID),
    "server.authenticate_by_name": lambda h, s: _server(h, s).authenticate_by_name("a", "b"),
    "server.logout": lambda h, s: _server(h, s).logout(),
    "connect.authenticate": lambda h, s: _connect(h, s).authenticate("alice", "password"),
    "connect.get_servers": lambda h, s: _connect(h, s).get_servers(),
    "connect.get_user": lambda h, s: _connect(h, s).get_user(),
    "connect.create_pin": lambda h, s: _connect(h, s).create_pin("device"),
    "connect.get_pin": lambda h, s: _connect(h, s).get_pin("device", "1234"),
    "connect.authenticate_pin": lambda h, s: _connect(h, s).authenticate_pin("device", "1234"),
    "manager.connect (AccessKey)": lambda h, s: _manager(s).connect(
        ServerRecord(
            system_id=SYSTEM_ID, local_address=h.url, access_key="key", connect_user_id=USER_ID
        )
    ),
    "manager.connect (token)": lambda h, s: _manager(s).connect(
        ServerRecord(system_id=SYSTEM_ID, manual_address=h.url, access_token=TOKEN)
    ),
}


@pytest.fixture
async def http_session(socket_enabled: None) -> AsyncIterator[ClientSession]:
    """Return an aiohttp session for the client library."""
    async with ClientSession() as session:
        yield session


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(call=st.sampled_from(sorted(CALLS)), answer=answers, public=st.booleans())
async def test_client_calls_raise_only_library_errors(
    hostile_emby: HostileEmby,
    *,
    http_session: ClientSession,
    counts: Counter[str],
    call: str,
    answer: Answer,
    public: bool,
) -> None:
    """Any answer to any call gives a result or an EmbyError; nothing else escapes."""
    # Half the time the server says who it is properly, so the manager gets past probing.
    hostile_emby.answers = {"/System/Info/Public": VALID["/System/Info/Public"]} if public else {}
    hostile_emby.default = answer
    counts["examples"] += 1
    try:
        await CALLS[call](hostile_emby, http_session)
    except EmbyError:
        counts["library errors"] += 1
    else:
        counts["results"] += 1


# -- the coordinator ----------------------------------------------------------------------------

CONNECTIVITY = "connectivity"
frames = (
    st.fixed_dictionaries(
        {"MessageType": st.sampled_from(MESSAGE_TYPES) | json_values},
        optional={"Data": json_values | st.lists(objects, max_size=3)},
    ).map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(max_size=60)
    | st.binary(max_size=60)
    | st.sampled_from([_nested(100_000), '{"MessageType": "Sessions", "Data": ' + _nested(3000)])
)
endpoint_answers = st.fixed_dictionaries(
    {},
    optional={
        "/System/Info": answers,
        "/Sessions": answers,
        "/Items/Counts": answers,
        "/System/Info/Public": answers,
    },
)


@pytest.fixture
def quick_push_reconnects() -> Iterator[None]:
    """Reopen the push channel at once: examples close it far more often than any server.

    Reconnects wait 10 ms instead of 1 to 4 s, and a websocket counts as stable at once, so
    the backoff for a flapping proxy does not slow the examples down.
    """
    with (
        patch.object(push_module, "RECONNECT_MIN_DELAY", 0.01),
        patch.object(push_module, "RECONNECT_MAX_DELAY", 0.01),
        patch.object(push_module, "PUSH_STABLE_AFTER", timedelta(0)),
    ):
        yield


@pytest.fixture
async def fuzzed_entry(
    quick_push_reconnects: None,
    hass: HomeAssistant,
    hostile_emby: HostileEmby,
    enable_custom_integrations: None,
) -> MockConfigEntry:
    """Set up the real integration against the hostile server, answering properly at first."""
    hostile_emby.answers = dict(VALID)
    entry = await set_up_manual_entry(
        hass,
        title="Fuzzed",
        system_id=SYSTEM_ID,
        url=hostile_emby.url,
        user_id=USER_ID,
        token=TOKEN,
    )
    assert entry.state is ConfigEntryState.LOADED
    return entry


def _states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the states of the entry's entities by key."""
    registry = er.async_get(hass)
    found: dict[str, str] = {}
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if (state := hass.states.get(entity.entity_id)) is not None:
            found[entity.unique_id.removeprefix(f"{SYSTEM_ID}_")] = state.state
    return found


def _assert_valid_states(states: dict[str, str]) -> None:
    """Fail on a state no entity of this integration may take."""
    assert states[CONNECTIVITY] in {STATE_ON, STATE_OFF}
    for key in ("active_sessions", "now_playing", "transcoding", "movies", "series"):
        value = states[key]
        assert value in {STATE_UNAVAILABLE, STATE_UNKNOWN} or (value.isdigit()), (key, value)


async def _push_connected(runtime: EmbyRuntimeData) -> bool:
    """Wait a moment for the push channel to be open; return whether it is."""
    for _ in range(100):
        if runtime.push.connected:
            return True
        await asyncio.sleep(0.005)
    return runtime.push.connected


async def _deliver(hostile: HostileEmby, batch: list[str | bytes]) -> None:
    """Send frames down the open websocket; return once the client handled them all."""
    hostile.handled.clear()
    for frame in batch:
        hostile.frames.put_nowait(frame)
    hostile.frames.put_nowait(None)
    # A frame that ends the channel (ServerShuttingDown) ends the wait too.
    async with asyncio.timeout(5):
        await hostile.handled.wait()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(endpoints=endpoint_answers, batch=st.lists(frames, max_size=6))
async def test_coordinator_survives_hostile_answers_and_frames(
    hass: HomeAssistant,
    *,
    hostile_emby: HostileEmby,
    fuzzed_entry: MockConfigEntry,
    counts: Counter[str],
    caplog: pytest.LogCaptureFixture,
    endpoints: dict[str, Answer],
    batch: list[str | bytes],
) -> None:
    """Hostile polls and pushes end in a mapped error at worst, and the server comes back."""
    runtime: EmbyRuntimeData = fuzzed_entry.runtime_data
    coordinator, library = runtime.status, runtime.library
    counts["examples"] += 1

    # Frames come down an open websocket, while the server answers polls properly.
    if await _push_connected(runtime):
        await _deliver(hostile_emby, batch)
        counts["frames delivered"] += len(batch)
    else:
        counts["push not open"] += 1
    _assert_valid_states(_states(hass, fuzzed_entry))

    # Then the polls (status, then library counts) get hostile answers.
    hostile_emby.answers = {**VALID, **endpoints}
    for polled in (coordinator, library):
        await polled.async_refresh()
        await hass.async_block_till_done()
        error = polled.last_exception
        assert polled.last_update_success or isinstance(
            error, UpdateFailed | ConfigEntryAuthFailed
        ), repr(error)
    counts["polls failed" if not coordinator.last_update_success else "polls succeeded"] += 1
    _assert_valid_states(_states(hass, fuzzed_entry))

    # Answering properly again shows the server again: nothing got stuck.
    hostile_emby.answers = dict(VALID)
    for polled in (coordinator, library):
        await polled.async_refresh()
        await hass.async_block_till_done()
        assert polled.last_update_success, repr(polled.last_exception)
    assert _states(hass, fuzzed_entry)[CONNECTIVITY] == STATE_ON
    assert fuzzed_entry.state is ConfigEntryState.LOADED
    assert not [
        record
        for record in caplog.get_records("call")
        if record.levelno >= logging.ERROR and "Unexpected" in record.getMessage()
    ]
