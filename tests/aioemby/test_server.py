"""Tests for EmbyServer against the simulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    AuthSource,
    ClientIdentity,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyServer,
    EmbyTimeoutError,
)
from embysim import EmbySimulator, Fault, SimServer

PASSWORD = "s3cret-local-password"


def _client(
    server: SimServer, identity: ClientIdentity, session: ClientSession | None, **kwargs: object
) -> EmbyServer:
    """Return a server client for the simulator's local listener."""
    return EmbyServer(url=server.local.url, identity=identity, session=session, **kwargs)  # type: ignore[arg-type]


async def test_public_info_sends_no_token(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server(name="Living Room", version="4.8.11.0")
    client = _client(server, identity, session, access_token="tok", user_id="u")
    info = await client.get_public_info()
    assert (info.id, info.server_name, info.version) == (
        server.system_id,
        "Living Room",
        "4.8.11.0",
    )
    assert info.local_address == server.local_address
    assert info.wan_address == server.remote_address

    (request,) = server.requests
    assert request.path == "/System/Info/Public"
    assert request.token is None
    assert "X-Emby-Token" not in request.headers
    assert "Token=" not in request.headers["X-Emby-Authorization"]
    assert request.headers["X-Emby-Device-Id"] == "ha-device-1"


@pytest.mark.parametrize("suffix", ["", "/", "/web/index.html"])
async def test_address_forms(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity, suffix: str
) -> None:
    server = await emby_sim.add_server()
    client = EmbyServer(url=server.local.url + suffix, identity=identity, session=session)
    assert client.url == server.local.url
    assert (await client.get_public_info()).id == server.system_id


async def test_base_path(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server(base_path="/emby")
    user = server.add_user("bob", PASSWORD)
    assert server.local.url.endswith("/emby")
    client = _client(server, identity, session)
    assert (await client.get_public_info()).id == server.system_id
    login = await client.authenticate_by_name("bob", PASSWORD)
    assert login.user_id == user.id
    assert (await client.get_system_info()).id == server.system_id
    assert {request.path for request in server.requests} == {
        "/System/Info/Public",
        "/Users/AuthenticateByName",
        "/System/Info",
    }

    # The bare host works too: every call goes below /emby, as Emby's apps send it.
    bare_host = EmbyServer(url=server.local.origin, identity=identity, session=session)
    assert (await bare_host.get_public_info()).id == server.system_id
    assert bare_host.emby_prefix is True


async def test_authenticate_by_name(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    user = server.add_user("bob", PASSWORD, is_admin=True)
    client = _client(server, identity, session)
    login = await client.authenticate_by_name("bob", PASSWORD)
    assert (login.user_id, login.user_name, login.is_admin) == (user.id, "bob", True)
    assert login.server_id == server.system_id
    assert (client.user_id, client.access_token) == (user.id, login.access_token)
    assert login.access_token in server.valid_tokens()

    request = server.requests[-1]
    assert (request.method, request.path) == ("POST", "/Users/AuthenticateByName")
    assert json.loads(request.body) == {"Username": "bob", "Pw": PASSWORD}
    assert request.headers["Content-Type"].startswith("application/json")
    assert "X-Emby-Token" not in request.headers
    authorization = request.headers["X-Emby-Authorization"]
    assert authorization == (
        'Emby Client="Home Assistant", Device="Home", DeviceId="ha-device-1", Version="0.1.0"'
    )

    await client.get_system_info()
    request = server.requests[-1]
    assert request.headers["X-Emby-Token"] == login.access_token
    assert f'UserId="{user.id}"' in request.headers["X-Emby-Authorization"]
    assert f'Token="{login.access_token}"' in request.headers["X-Emby-Authorization"]
    assert request.headers["X-Emby-Client"] == "Home Assistant"
    assert request.headers["X-Emby-Device-Name"] == "Home"
    assert request.headers["X-Emby-Client-Version"] == "0.1.0"


@pytest.mark.parametrize("password", [None, ""])
async def test_authenticate_without_password(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity, password: str | None
) -> None:
    server = await emby_sim.add_server()
    user = server.add_user("kid", None)
    login = await _client(server, identity, session).authenticate_by_name("kid", password)
    assert login.user_id == user.id
    assert json.loads(server.requests[-1].body) == {"Username": "kid", "Pw": ""}


async def test_authenticate_wrong_password(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    server.add_user("bob", PASSWORD)
    client = _client(server, identity, session)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await client.authenticate_by_name("bob", "wrong")
    assert (caught.value.source, caught.value.status) == (AuthSource.SERVER, 401)
    assert not isinstance(caught.value, EmbyForbiddenError)
    assert client.access_token is None


async def test_exchange(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    alice = emby_sim.add_connect_user(name="alice")
    local = server.add_user("alice-local")
    link = emby_sim.link(alice, server, local_user=local)
    client = _client(server, identity, session)
    login = await client.exchange(link.access_key, alice.id)
    assert login.user_id == local.id
    assert (client.user_id, client.access_token) == (local.id, login.access_token)

    request = server.requests[-1]
    assert (request.method, request.path) == ("GET", "/Connect/Exchange")
    assert request.query == {"format": "json", "ConnectUserId": alice.id}
    assert request.headers["X-Emby-Token"] == link.access_key
    assert "UserId=" not in request.headers["X-Emby-Authorization"]

    second = await client.exchange(link.access_key, alice.id)
    assert second.access_token != login.access_token
    assert (await client.get_system_info()).id == server.system_id


@pytest.mark.parametrize("case", ["wrong key", "wrong user", "unlinked"])
async def test_exchange_refused(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity, case: str
) -> None:
    server = await emby_sim.add_server()
    alice = emby_sim.add_connect_user(name="alice")
    link = emby_sim.link(alice, server)
    key, user_id = link.access_key, alice.id
    if case == "wrong key":
        key = "0" * 32
    elif case == "wrong user":
        user_id = "999"
    else:
        emby_sim.unlink(alice, server)
    client = _client(server, identity, session)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await client.exchange(key, user_id)
    assert (caught.value.source, caught.value.status) == (AuthSource.SERVER, 401)
    assert client.access_token is None


async def test_status_calls(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server(name="Living Room")
    admin = server.add_user("bob", PASSWORD, is_admin=True)
    server.has_update_available = True
    server.counts.update({"MovieCount": 12, "SongCount": 3400, "ItemCount": 3412})
    server.play(user=admin, item_name="Big Buck Bunny", paused=True, transcoding=True)
    server.add_idle_session(user=admin)
    client = _client(server, identity, session)
    await client.authenticate_by_name("bob", PASSWORD)

    info = await client.get_system_info()
    assert info.server_name == "Living Room"
    assert info.has_update_available
    assert info.can_self_restart
    assert info.http_port == server.local.port

    sessions = await client.get_sessions()
    playing = [s for s in sessions if s.has_media]
    # The third is this client's own session, as a real server lists it.
    assert len(sessions) == 3
    assert [s.device_id for s in sessions].count(identity.device_id) == 1
    assert len(playing) == 1
    assert not playing[0].is_playing
    assert playing[0].is_paused
    assert playing[0].is_transcoding
    assert playing[0].now_playing is not None
    assert playing[0].now_playing.name == "Big Buck Bunny"
    assert playing[0].user_name == "bob"

    counts = await client.get_item_counts()
    assert (counts.movie_count, counts.song_count, counts.item_count) == (12, 3400, 3412)
    assert server.requests[-1].query == {"UserId": admin.id}

    mine = await client.get_sessions(device_id="nobody")
    assert mine == []
    assert server.requests[-1].query == {"DeviceId": "nobody"}


async def test_users_for_administrators_only(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    admin = server.add_user("bob", PASSWORD, is_admin=True)
    carol = server.add_user("carol", is_disabled=True)
    server.add_user("dave")
    client = _client(server, identity, session)
    await client.authenticate_by_name("bob", PASSWORD)

    users = await client.get_users()
    assert [(user.id, user.name, user.is_disabled) for user in users[:2]] == [
        (admin.id, "bob", False),
        (carol.id, "carol", True),
    ]
    assert [user.name for user in users] == ["bob", "carol", "dave"]
    assert server.requests[-1].path == "/Users/Query"

    guest = _client(server, identity, session)
    await guest.authenticate_by_name("dave", None)
    with pytest.raises(EmbyForbiddenError):
        await guest.get_users()


async def test_user_calls_need_a_token(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    client = _client(server, identity, session)
    for call in (client.get_system_info, client.get_sessions, client.get_item_counts):
        with pytest.raises(EmbyAuthenticationError) as caught:
            await call()
        assert (caught.value.source, caught.value.status) == (AuthSource.SERVER, None)
    await client.logout()
    assert server.requests == []


async def test_logout(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    server.add_user("bob", PASSWORD)
    client = _client(server, identity, session)
    login = await client.authenticate_by_name("bob", PASSWORD)
    await client.logout()
    assert client.access_token is None
    assert login.access_token not in server.valid_tokens()
    assert server.request_count("/Sessions/Logout", method="POST") == 1

    # Logging out a token the server already revoked is no error.
    await client.authenticate_by_name("bob", PASSWORD)
    server.revoke_tokens()
    await client.logout()
    assert client.access_token is None


async def test_revoked_token(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    server.add_user("bob", PASSWORD)
    client = _client(server, identity, session)
    await client.authenticate_by_name("bob", PASSWORD)
    server.revoke_tokens()
    with pytest.raises(EmbyAuthenticationError) as caught:
        await client.get_sessions()
    assert (caught.value.source, caught.value.status) == (AuthSource.SERVER, 401)


@pytest.mark.parametrize(
    "case",
    [
        (Fault.STOPPED, EmbyConnectionError, "Error talking to"),
        (Fault.RESET, EmbyConnectionError, "Error talking to"),
        (Fault.HANGING, EmbyTimeoutError, "Timeout"),
        (Fault.HTTP_500, EmbyResponseError, "HTTP 500"),
        (Fault.HTTP_503, EmbyResponseError, "HTTP 503"),
        (Fault.HTTP_404, EmbyResponseError, "HTTP 404"),
        (Fault.UNAUTHORIZED, EmbyAuthenticationError, "HTTP 401"),
        (Fault.MALFORMED_JSON, EmbyResponseError, "invalid JSON"),
        (Fault.HTML_ERROR, EmbyResponseError, "HTTP 502"),
        (Fault.HTML_200, EmbyResponseError, "HTML page"),
    ],
    ids=lambda case: str(case[0]),
)
async def test_faults(
    emby_sim: EmbySimulator,
    session: ClientSession,
    identity: ClientIdentity,
    case: tuple[Fault, type[EmbyError], str],
) -> None:
    fault, error, match = case
    server = await emby_sim.add_server()
    server.add_user("bob", PASSWORD)
    alice = emby_sim.add_connect_user(name="alice")
    link = emby_sim.link(alice, server)
    client = _client(server, identity, session, request_timeout=0.3)
    await client.authenticate_by_name("bob", PASSWORD)
    server.local.fault = fault
    calls = [
        client.get_public_info,
        lambda: client.authenticate_by_name("bob", PASSWORD),
        client.get_system_info,
        client.get_sessions,
        client.get_item_counts,
    ]
    for call in calls:
        with pytest.raises(error, match=match):
            await call()
    if fault in {Fault.UNAUTHORIZED, Fault.HTTP_404}:
        # Emby answers a refused exchange with 401, 403 or 404.
        with pytest.raises(EmbyAuthenticationError, match="AccessKey"):
            await client.exchange(link.access_key, alice.id)
    else:
        with pytest.raises(error, match=match):
            await client.exchange(link.access_key, alice.id)
    server.local.fault = Fault.NONE


async def test_public_info_timeout_per_call(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    server.local.latency = 0.3
    client = _client(server, identity, session, request_timeout=5.0)
    with pytest.raises(EmbyTimeoutError):
        await client.get_public_info(timeout=0.1)
    assert (await client.get_public_info()).id == server.system_id


async def test_self_signed_tls(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server(https=True)
    assert server.local.url.startswith("https://")
    verified = _client(server, identity, session)
    with pytest.raises(EmbyConnectionError, match="certificate"):
        await verified.get_public_info()
    unverified = _client(server, identity, session, verify_ssl=False)
    assert (await unverified.get_public_info()).id == server.system_id


@pytest.mark.parametrize("url", ["", "ftp://host", "http://user:pw@host:8096", "http://[::1"])
async def test_invalid_address(identity: ClientIdentity, url: str) -> None:
    client = EmbyServer(url=url, identity=identity)
    assert client.url == url
    with pytest.raises(EmbyConnectionError, match="not a valid"):
        await client.get_public_info()
    assert client.session is None


async def test_owns_session_only_when_created(
    emby_sim: EmbySimulator, identity: ClientIdentity
) -> None:
    server = await emby_sim.add_server()
    async with _client(server, identity, None) as client:
        await client.get_public_info()
        own = client.session
        assert own is not None
    assert own.closed
    assert client.session is None
    await client.close()

    async with ClientSession() as shared:
        async with _client(server, identity, shared) as client:
            await client.get_public_info()
        assert not shared.closed


async def test_closed_session(identity: ClientIdentity) -> None:
    closed = ClientSession()
    await closed.close()
    client = EmbyServer(url="http://127.0.0.1:9", identity=identity, session=closed)
    with pytest.raises(EmbyConnectionError, match="session is closed"):
        await client.get_public_info()
