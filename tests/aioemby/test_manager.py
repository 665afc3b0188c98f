"""Tests for the connection manager against the simulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import time

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    AuthSource,
    ClientIdentity,
    ConnectionManager,
    ConnectionMode,
    ConnectionResult,
    EmbyAuthenticationError,
    EmbyCertificateError,
    EmbyConnectionError,
    EmbyServerMismatchError,
    EmbyTimeoutError,
    EmbyUnsupportedServerError,
    ProbeSchedule,
    ServerRecord,
    UnsupportedReason,
    manager as manager_module,
)
from embysim import EmbySimulator, Fault, SimConnectUser, SimLink, SimServer

from .conftest import HostileServer

PUBLIC = "/System/Info/Public"
EXCHANGE = "/Connect/Exchange"


async def _connect_server(
    sim: EmbySimulator, **server_options: object
) -> tuple[SimServer, SimConnectUser, SimLink]:
    """Add a server linked to a Connect account."""
    server = await sim.add_server(**server_options)  # type: ignore[arg-type]
    user = sim.add_connect_user(name=f"user{len(sim.connect_users)}")
    return server, user, sim.link(user, server)


def _record(
    server: SimServer, user: SimConnectUser, link: SimLink, **changes: object
) -> ServerRecord:
    """Return what the integration stores for a Connect server."""
    record = ServerRecord(
        system_id=server.system_id,
        name=server.name,
        local_address=server.local_address,
        remote_address=server.remote_address,
        access_key=link.access_key,
        connect_user_id=user.id,
    )
    for key, value in changes.items():
        setattr(record, key, value)
    return record


async def _timed_connect(
    manager: ConnectionManager, record: ServerRecord
) -> tuple[ConnectionResult, float]:
    """Connect to a server; return the result and how many seconds it took."""
    started = time.monotonic()
    _, result = await manager.connect(record)
    return result, time.monotonic() - started


def _probe_tasks() -> list[asyncio.Task[object]]:
    """Return the probe tasks still alive."""
    return [
        task
        for task in asyncio.all_tasks()
        if "get_public_info" in getattr(task.get_coro(), "__qualname__", "")
    ]


@pytest.fixture
def manager(session: ClientSession, identity: ClientIdentity) -> ConnectionManager:
    """Return a connection manager on the test session."""
    return ConnectionManager(session=session, identity=identity)


@pytest.fixture
def slow_manager(session: ClientSession, identity: ClientIdentity) -> ConnectionManager:
    """Return a manager whose slots are far apart, so starting early or late is beyond doubt."""
    schedule = ProbeSchedule(offsets=(0.0, 1.5, 3.0))
    return ConnectionManager(session=session, identity=identity, schedule=schedule)


async def test_local_first_then_exchange(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim, name="Living Room")
    client, result = await manager.connect(_record(server, user, link))

    assert result.mode is ConnectionMode.LOCAL
    assert result.address == server.local.url
    assert result.info.id == server.system_id
    assert result.info.server_name == "Living Room"
    assert result.user_id == link.local_user.id
    assert result.access_token in server.valid_tokens()
    assert (client.url, client.user_id, client.access_token) == (
        server.local.url,
        result.user_id,
        result.access_token,
    )
    assert client.session is manager.session
    assert [(r.listener, r.path) for r in server.requests] == [
        ("local", PUBLIC),
        ("local", EXCHANGE),
    ]
    assert (await client.get_system_info()).id == server.system_id


async def test_exchange_on_every_connect(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    record = _record(server, user, link)
    tokens = set()
    for _ in range(3):
        _, result = await manager.connect(record)
        tokens.add(result.access_token)
    assert len(tokens) == 3
    assert server.request_count(PUBLIC) == 3
    assert server.request_count(EXCHANGE) == 3
    assert len(server.requests) == 6


async def test_local_first_whatever_the_last_mode(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    """As in Emby's web app, the LAN is tried first even when remote worked last time."""
    server, user, link = await _connect_server(emby_sim)
    _, result = await manager.connect(_record(server, user, link, last_mode=ConnectionMode.REMOTE))
    assert result.mode is ConnectionMode.LOCAL
    assert {r.listener for r in server.requests} == {"local"}
    assert len(server.requests) == 2


async def test_last_mode_first_when_scheduled(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    schedule = ProbeSchedule(last_mode_first=True)
    manager = ConnectionManager(session=session, identity=identity, schedule=schedule)
    server, user, link = await _connect_server(emby_sim)
    _, result = await manager.connect(_record(server, user, link, last_mode=ConnectionMode.REMOTE))
    assert result.mode is ConnectionMode.REMOTE
    assert result.address == server.remote.url
    assert {r.listener for r in server.requests} == {"remote"}
    assert len(server.requests) == 2


async def test_manual_slot_comes_before_remote(
    emby_sim: EmbySimulator,
    session: ClientSession,
    identity: ClientIdentity,
    hostile: HostileServer,
) -> None:
    """Local at 0, manual next, remote last: a manual address that answers beats the remote."""
    schedule = ProbeSchedule(offsets=(0.0, 0.3, 1.5))
    manager = ConnectionManager(session=session, identity=identity, schedule=schedule)
    server, user, link = await _connect_server(emby_sim)
    server.local.fault = Fault.HANGING
    # The remote address is another door to the same server; it must never be knocked on.
    hostile.answer_json(PUBLIC, {"Id": server.system_id, "Version": "4.8.11.0"})
    record = _record(
        server, user, link, manual_address=server.remote.url, remote_address=hostile.url
    )
    result, elapsed = await _timed_connect(manager, record)
    assert result.mode is ConnectionMode.MANUAL
    assert 0.3 <= elapsed < 1.5
    assert hostile.requests == []
    assert [(r.listener, r.path) for r in server.requests] == [
        ("local", PUBLIC),
        ("remote", PUBLIC),
        ("remote", EXCHANGE),
    ]


async def test_local_refused_starts_remote_at_once(
    emby_sim: EmbySimulator, slow_manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    server.local.fault = Fault.STOPPED
    result, elapsed = await _timed_connect(slow_manager, _record(server, user, link))
    assert result.mode is ConnectionMode.REMOTE
    assert elapsed < 1.5
    assert [(r.listener, r.path) for r in server.requests] == [
        ("remote", PUBLIC),
        ("remote", EXCHANGE),
    ]


async def test_local_black_hole_remote_wins_in_its_slot(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    """The remote probe starts 200 ms after the local one, as in Emby's web app."""
    server, user, link = await _connect_server(emby_sim)
    server.local.fault = Fault.HANGING
    result, elapsed = await _timed_connect(manager, _record(server, user, link))
    assert result.mode is ConnectionMode.REMOTE
    assert 0.2 <= elapsed < manager_module.LOCAL_PROBE_TIMEOUT / 2
    assert _probe_tasks() == []
    assert server.request_count(PUBLIC) == 2
    assert server.request_count(EXCHANGE) == 1
    assert [r.listener for r in server.requests if r.path == EXCHANGE] == ["remote"]


async def test_slow_local_loses_to_remote(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    server.local.latency = 1.5
    _, result = await manager.connect(_record(server, user, link))
    assert result.mode is ConnectionMode.REMOTE
    assert _probe_tasks() == []


async def test_answer_within_its_slot_wins_alone(
    emby_sim: EmbySimulator, slow_manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    server.local.latency = 0.2
    _, result = await slow_manager.connect(_record(server, user, link))
    assert result.mode is ConnectionMode.LOCAL
    assert server.remote.fault is Fault.NONE
    assert [r.listener for r in server.requests] == ["local", "local"]


async def test_other_server_gets_no_secret(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    other, _, _ = await _connect_server(emby_sim)
    # The LAN address now belongs to another Emby server (DHCP gave it away).
    record = _record(server, user, link, local_address=other.local.url)
    _, result = await manager.connect(record)
    assert result.mode is ConnectionMode.REMOTE
    assert [r.path for r in other.requests] == [PUBLIC]
    assert other.received_secrets() == set()
    assert link.access_key in server.received_secrets()


async def test_only_other_servers_answer(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    other, _, _ = await _connect_server(emby_sim)
    record = _record(
        server, user, link, local_address=other.local.url, remote_address=other.remote.url
    )
    with pytest.raises(EmbyServerMismatchError) as caught:
        await manager.connect(record)
    assert caught.value.expected_id == server.system_id
    assert caught.value.actual_id == other.system_id
    assert other.received_secrets() == set()
    assert server.requests == []
    assert _probe_tasks() == []


async def test_mismatch_and_dead_address(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    other, _, _ = await _connect_server(emby_sim)
    server.fault = Fault.STOPPED
    record = _record(server, user, link, local_address=other.local.url)
    with pytest.raises(EmbyServerMismatchError):
        await manager.connect(record)


async def test_broken_answer_beats_mismatch(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    other, _, _ = await _connect_server(emby_sim)
    server.fault = Fault.HTTP_500
    record = _record(server, user, link, local_address=other.local.url)
    with pytest.raises(EmbyConnectionError, match="HTTP 500") as caught:
        await manager.connect(record)
    assert not isinstance(caught.value, EmbyServerMismatchError)


async def test_nothing_answers(emby_sim: EmbySimulator, manager: ConnectionManager) -> None:
    server, user, link = await _connect_server(emby_sim)
    server.fault = Fault.STOPPED
    with pytest.raises(EmbyConnectionError) as caught:
        await manager.connect(_record(server, user, link))
    assert not isinstance(caught.value, EmbyTimeoutError)
    assert server.local.url in str(caught.value)
    assert server.remote.url in str(caught.value)


async def test_everything_times_out(
    emby_sim: EmbySimulator, manager: ConnectionManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager_module, "LOCAL_PROBE_TIMEOUT", 0.2)
    monkeypatch.setattr(manager_module, "REMOTE_PROBE_TIMEOUT", 0.3)
    server, user, link = await _connect_server(emby_sim)
    server.fault = Fault.HANGING
    started = time.monotonic()
    with pytest.raises(EmbyTimeoutError):
        await manager.connect(_record(server, user, link))
    # Remote started in its slot (0.2 s) while local still waited: both gave up in time.
    assert time.monotonic() - started < 1.5
    assert _probe_tasks() == []


async def test_exchange_refused(emby_sim: EmbySimulator, manager: ConnectionManager) -> None:
    server, user, link = await _connect_server(emby_sim)
    record = _record(server, user, link)
    emby_sim.unlink(user, server)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await manager.connect(record)
    assert caught.value.source is AuthSource.SERVER


async def test_system_id_compared_loosely(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(
        emby_sim, system_id="3F2B5A7C-9D1E-4F60-A8B7-C6D5E4F3A2B1"
    )
    record = _record(server, user, link, system_id="3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1")
    _, result = await manager.connect(record)
    assert result.mode is ConnectionMode.LOCAL


async def test_equal_addresses_probed_once(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    server.remote.fault = Fault.HTTP_500
    record = _record(server, user, link, local_address=server.remote.url + "/")
    with pytest.raises(EmbyConnectionError):
        await manager.connect(record)
    assert server.request_count(PUBLIC) == 1


async def test_base_path_and_tls(emby_sim: EmbySimulator, manager: ConnectionManager) -> None:
    server, user, link = await _connect_server(emby_sim, base_path="/emby", https=True)
    record = _record(server, user, link, local_address=None)
    # A typed error: what to change is certificate checking, not waiting for the server.
    with pytest.raises(EmbyCertificateError, match="certificate"):
        await manager.connect(record)
    record.verify_ssl = False
    client, result = await manager.connect(record)
    assert result.address == server.remote.url
    assert result.address.startswith("https://")
    assert result.address.endswith("/emby")
    assert client.verify_ssl is False
    assert (await client.get_system_info()).id == server.system_id


async def test_manual_server_reuses_token(
    emby_sim: EmbySimulator, manager: ConnectionManager, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    bob = server.add_user("bob", "pw")
    token = server.issue_token(bob)
    record = ServerRecord(
        system_id=server.system_id,
        manual_address=server.remote.url,
        user_id=bob.id,
        access_token=token,
    )
    client, result = await manager.connect(record)
    assert result.mode is ConnectionMode.MANUAL
    assert (result.user_id, result.access_token) == (bob.id, token)
    assert (client.user_id, client.access_token) == (bob.id, token)
    assert [r.path for r in server.requests] == [PUBLIC]
    # Like a real server, the simulator lists the calling device's own session.
    assert [s.device_id for s in await client.get_sessions()] == [identity.device_id]


async def test_manual_server_finds_user_of_token(
    emby_sim: EmbySimulator, manager: ConnectionManager, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    bob = server.add_user("bob", "pw")
    token = server.issue_token(bob)
    # Emby lists the session of a device once it calls with a token, as the simulator does.
    server.add_idle_session(user=bob, device_id="someone-else")
    record = ServerRecord(system_id=server.system_id, manual_address=server.url, access_token=token)
    client, result = await manager.connect(record)
    assert result.user_id == bob.id
    assert client.user_id == bob.id
    assert [r.path for r in server.requests] == [PUBLIC, "/Sessions"]
    assert server.requests[-1].query == {"DeviceId": identity.device_id}


async def test_manual_server_without_session(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server = await emby_sim.add_server()
    server.caller_sessions = False  # a server that does not list the calling device
    token = server.issue_token(server.add_user("bob", "pw"))
    record = ServerRecord(system_id=server.system_id, manual_address=server.url, access_token=token)
    _, result = await manager.connect(record)
    assert result.user_id == ""


async def test_manual_server_revoked_token(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server = await emby_sim.add_server()
    token = server.issue_token(server.add_user("bob", "pw"))
    server.revoke_tokens()
    record = ServerRecord(system_id=server.system_id, manual_address=server.url, access_token=token)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await manager.connect(record)
    assert caught.value.source is AuthSource.SERVER


@pytest.mark.parametrize(
    ("changes", "source"),
    [
        ({"access_key": None, "access_token": None}, AuthSource.SERVER),
        ({"connect_user_id": None}, AuthSource.CONNECT),
    ],
)
async def test_missing_credentials(
    emby_sim: EmbySimulator,
    manager: ConnectionManager,
    changes: dict[str, object],
    source: AuthSource,
) -> None:
    server, user, link = await _connect_server(emby_sim)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await manager.connect(_record(server, user, link, **changes))
    assert caught.value.source is source
    assert server.requests == []


async def test_no_address(manager: ConnectionManager) -> None:
    record = ServerRecord(system_id="abc", access_token="t", manual_address="ftp://nope")
    with pytest.raises(EmbyConnectionError, match="No address"):
        await manager.connect(record)


async def test_cancelled_connect_leaves_no_task(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server, user, link = await _connect_server(emby_sim)
    server.fault = Fault.HANGING
    task = asyncio.create_task(manager.connect(_record(server, user, link)))
    await asyncio.sleep(0.5)
    assert len(_probe_tasks()) == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _probe_tasks() == []


@pytest.mark.parametrize(
    ("version", "reason"),
    [("4.6.7.0", UnsupportedReason.TOO_OLD), ("10.8.13", UnsupportedReason.NOT_EMBY)],
)
async def test_unsupported_server_gets_no_secret(
    emby_sim: EmbySimulator,
    manager: ConnectionManager,
    version: str,
    reason: UnsupportedReason,
) -> None:
    """The version gate runs on every connect, before the AccessKey is sent."""
    server, user, link = await _connect_server(emby_sim, version=version)
    with pytest.raises(EmbyUnsupportedServerError) as caught:
        await manager.connect(_record(server, user, link))
    assert (caught.value.reason, caught.value.version) == (reason, version)
    assert link.access_key not in str(caught.value)
    assert [r.path for r in server.requests] == [PUBLIC]
    assert server.received_secrets() == set()


async def test_unsupported_manual_server_keeps_its_token(
    emby_sim: EmbySimulator, manager: ConnectionManager
) -> None:
    server = await emby_sim.add_server(version="4.5.4.0")
    token = server.issue_token(server.add_user("bob", "pw"))
    record = ServerRecord(system_id=server.system_id, manual_address=server.url, access_token=token)
    with pytest.raises(EmbyUnsupportedServerError, match=r"4\.5\.4\.0.*oldest supported is 4\.7"):
        await manager.connect(record)
    assert server.received_secrets() == set()


@pytest.mark.parametrize("version", ["4.7.0.0", "4.8.11.0", "4.9.1.90"])
async def test_supported_versions_connect(
    emby_sim: EmbySimulator, manager: ConnectionManager, version: str
) -> None:
    server, user, link = await _connect_server(emby_sim, version=version)
    _, result = await manager.connect(_record(server, user, link))
    assert result.info.version == version
