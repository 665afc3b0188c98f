"""Tests for EmbyConnect against the simulator (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from urllib.parse import parse_qs

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    DEFAULT_CONNECT_URL,
    AuthSource,
    ConnectUserType,
    EmbyAuthenticationError,
    EmbyConnect,
    EmbyConnectionError,
    EmbyError,
    EmbyPinExpiredError,
    EmbyResponseError,
    EmbyTimeoutError,
)
from embysim import ConnectFault, EmbySimulator

PASSWORD = "correct horse battery staple"


def _client(sim: EmbySimulator, session: ClientSession | None, **kwargs: object) -> EmbyConnect:
    """Return a Connect client pointed at the simulator."""
    return EmbyConnect(
        app_name="Home Assistant",
        app_version="0.1.0",
        session=session,
        base_url=sim.connect_url,
        **kwargs,  # type: ignore[arg-type]
    )


def test_default_url_is_emby_connect() -> None:
    assert DEFAULT_CONNECT_URL == "https://connect.emby.media/service"


async def test_authenticate_sends_form_and_stores_token(
    emby_sim: EmbySimulator, session: ClientSession
) -> None:
    user = emby_sim.add_connect_user(name="alice", email="alice@example.com", password=PASSWORD)
    connect = _client(emby_sim, session)
    login = await connect.authenticate("alice@example.com", PASSWORD)
    assert login.user_id == user.id
    assert login.user is not None
    assert login.user.name == "alice"
    assert (connect.user_id, connect.access_token) == (user.id, login.access_token)
    assert login.access_token in emby_sim.issued_connect_tokens(user)
    assert login.access_token not in repr(connect)

    (request,) = emby_sim.connect_requests
    assert (request.method, request.path) == ("POST", "/user/authenticate")
    assert request.headers["X-Application"] == "Home Assistant/0.1.0"
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(request.body) == {"nameOrEmail": ["alice@example.com"], "rawpw": [PASSWORD]}
    assert "X-Connect-UserToken" not in request.headers


async def test_authenticate_wrong_password(emby_sim: EmbySimulator, session: ClientSession) -> None:
    emby_sim.add_connect_user(name="alice", password=PASSWORD)
    connect = _client(emby_sim, session)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await connect.authenticate("alice", "wrong")
    assert caught.value.source is AuthSource.CONNECT
    assert caught.value.status == 401
    assert connect.access_token is None


async def test_servers_and_user(emby_sim: EmbySimulator, session: ClientSession) -> None:
    user = emby_sim.add_connect_user(name="alice", password=PASSWORD)
    living = await emby_sim.add_server(name="Living Room")
    friend = await emby_sim.add_server(name="Friend")
    link = emby_sim.link(user, living)
    emby_sim.link(user, friend, user_type="Guest")
    connect = _client(emby_sim, session)
    login = await connect.authenticate("alice", PASSWORD)

    servers = await connect.get_servers()
    assert [(s.name, s.user_type) for s in servers] == [
        ("Living Room", ConnectUserType.LINKED),
        ("Friend", ConnectUserType.GUEST),
    ]
    first = servers[0]
    assert first.system_id == living.system_id
    assert first.access_key == link.access_key
    assert first.link_id == link.link_id
    assert first.local_address == living.local_address
    assert first.remote_address == living.remote_address

    account = await connect.get_user()
    assert (account.id, account.name, account.is_active) == (user.id, "alice", True)

    servers_request = emby_sim.connect_requests[1]
    assert servers_request.query == {"userId": user.id}
    assert servers_request.headers["X-Connect-UserToken"] == login.access_token
    assert servers_request.headers["X-Application"] == "Home Assistant/0.1.0"
    assert emby_sim.connect_requests[2].query == {"id": user.id}


async def test_stored_token_is_used(emby_sim: EmbySimulator, session: ClientSession) -> None:
    user = emby_sim.add_connect_user(name="alice", password=PASSWORD)
    token = emby_sim.connect.issue_token(user)
    connect = _client(emby_sim, session, user_id=user.id, access_token=token)
    assert await connect.get_servers() == []


async def test_revoked_token(emby_sim: EmbySimulator, session: ClientSession) -> None:
    user = emby_sim.add_connect_user(name="alice", password=PASSWORD)
    connect = _client(emby_sim, session)
    await connect.authenticate("alice", PASSWORD)
    emby_sim.revoke_connect_tokens(user)
    with pytest.raises(EmbyAuthenticationError) as caught:
        await connect.get_servers()
    assert (caught.value.source, caught.value.status) == (AuthSource.CONNECT, 401)


async def test_calls_need_a_token(emby_sim: EmbySimulator, session: ClientSession) -> None:
    connect = _client(emby_sim, session)
    for call in (connect.get_servers, connect.get_user):
        with pytest.raises(EmbyAuthenticationError) as caught:
            await call()
        assert caught.value.source is AuthSource.CONNECT
        assert caught.value.status is None
    connect.user_id = "123"
    with pytest.raises(EmbyAuthenticationError):
        await connect.get_user()
    assert emby_sim.connect_requests == []


async def test_pin_flow(emby_sim: EmbySimulator, session: ClientSession) -> None:
    user = emby_sim.add_connect_user(name="alice", password=PASSWORD)
    connect = _client(emby_sim, session)
    pin = await connect.create_pin("ha-device-1")
    assert pin.device_id == "ha-device-1"
    assert not pin.is_confirmed
    assert parse_qs(emby_sim.connect_requests[0].body) == {"deviceId": ["ha-device-1"]}

    polled = await connect.get_pin("ha-device-1", pin.pin)
    assert not polled.is_confirmed
    assert emby_sim.connect_requests[1].query == {"deviceId": "ha-device-1", "pin": pin.pin}

    emby_sim.confirm_pin(pin.pin, user)
    assert (await connect.get_pin("ha-device-1", pin.pin)).is_confirmed

    login = await connect.authenticate_pin("ha-device-1", pin.pin)
    assert login.user_id == user.id
    assert connect.access_token == login.access_token
    request = emby_sim.connect_requests[-1]
    assert (request.method, request.path) == ("POST", "/pin/authenticate")
    assert parse_qs(request.body) == {"deviceId": ["ha-device-1"], "pin": [pin.pin]}
    assert await connect.get_servers() == []


async def test_pin_expired(emby_sim: EmbySimulator, session: ClientSession) -> None:
    connect = _client(emby_sim, session)
    pin = await connect.create_pin("ha-device-1")
    emby_sim.expire_pin(pin.pin)
    with pytest.raises(EmbyPinExpiredError):
        await connect.get_pin("ha-device-1", pin.pin)


async def test_pin_unknown_is_expired(emby_sim: EmbySimulator, session: ClientSession) -> None:
    connect = _client(emby_sim, session)
    with pytest.raises(EmbyPinExpiredError):
        await connect.get_pin("ha-device-1", "0000")


async def test_pin_not_confirmed_yet(emby_sim: EmbySimulator, session: ClientSession) -> None:
    connect = _client(emby_sim, session)
    pin = await connect.create_pin("ha-device-1")
    with pytest.raises(EmbyResponseError, match="HTTP 400"):
        await connect.authenticate_pin("ha-device-1", pin.pin)


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (ConnectFault.DOWN, EmbyConnectionError),
        (ConnectFault.UNAUTHORIZED, EmbyAuthenticationError),
        (ConnectFault.HTTP_500, EmbyResponseError),
        (ConnectFault.HANGING, EmbyTimeoutError),
        (ConnectFault.MALFORMED_JSON, EmbyResponseError),
    ],
)
async def test_faults(
    emby_sim: EmbySimulator, session: ClientSession, fault: ConnectFault, error: type[EmbyError]
) -> None:
    user = emby_sim.add_connect_user(name="alice", password=PASSWORD)
    token = emby_sim.connect.issue_token(user)
    emby_sim.connect_fault = fault
    connect = _client(emby_sim, session, request_timeout=0.3, user_id=user.id, access_token=token)
    calls = [
        lambda: connect.authenticate("alice", PASSWORD),
        lambda: connect.create_pin("d"),
        lambda: connect.get_pin("d", "1234"),
        lambda: connect.authenticate_pin("d", "1234"),
        connect.get_servers,
        connect.get_user,
    ]
    for call in calls:
        with pytest.raises(error) as caught:
            await call()
        if isinstance(caught.value, EmbyAuthenticationError):
            assert caught.value.source is AuthSource.CONNECT
    emby_sim.connect_fault = ConnectFault.NONE


async def test_connect_unreachable(session: ClientSession, socket_enabled: None) -> None:
    connect = EmbyConnect(
        app_name="Home Assistant",
        app_version="0.1.0",
        session=session,
        base_url="http://127.0.0.1:9/service",
    )
    with pytest.raises(EmbyConnectionError):
        await connect.create_pin("d")


@pytest.mark.parametrize("base_url", ["not a url", "ftp://x/service", "http://user:pw@x/service"])
async def test_invalid_base_url(base_url: str) -> None:
    connect = EmbyConnect(app_name="a", app_version="1", base_url=base_url)
    with pytest.raises(EmbyConnectionError, match="not a valid URL"):
        await connect.create_pin("d")
    assert connect.session is None


async def test_owns_session_only_when_created(emby_sim: EmbySimulator) -> None:
    async with _client(emby_sim, None) as connect:
        await connect.create_pin("d")
        own = connect.session
        assert own is not None
    assert own.closed
    assert connect.session is None

    async with ClientSession() as shared:
        async with _client(emby_sim, shared) as connect:
            await connect.create_pin("d")
        assert not shared.closed
        assert connect.session is shared
