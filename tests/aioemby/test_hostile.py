"""Answers the simulator does not give: odd statuses, redirects, huge and broken bodies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import ClientSession, web
import pytest

from custom_components.emby_connect.aioemby import (
    AuthSource,
    ClientIdentity,
    ConnectionManager,
    EmbyAuthenticationError,
    EmbyConnect,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyPinExpiredError,
    EmbyResponseError,
    EmbyServer,
    ServerRecord,
)
from custom_components.emby_connect.aioemby._http import MAX_RESPONSE_BYTES

from .conftest import HostileServer, load_fixture

PUBLIC = "/System/Info/Public"


@pytest.fixture
def client(hostile: HostileServer, session: ClientSession, identity: ClientIdentity) -> EmbyServer:
    """Return a signed-in server client for the hostile server."""
    return EmbyServer(
        url=hostile.url, identity=identity, session=session, access_token="t", user_id="u"
    )


@pytest.fixture
def connect(hostile: HostileServer, session: ClientSession) -> EmbyConnect:
    """Return a signed-in Connect client for the hostile server."""
    return EmbyConnect(
        app_name="a",
        app_version="1",
        session=session,
        base_url=f"{hostile.url}/service",
        user_id="u",
        access_token="t",
    )


type Refused = Callable[[EmbyServer, EmbyConnect], Awaitable[object]]


@pytest.mark.parametrize(
    ("path", "status", "reply", "call", "error", "source"),
    [
        # A server's 403 is a call the user may not make, no refused sign-in.
        pytest.param(
            "/Sessions",
            403,
            {"body": "Access denied.", "content_type": "text/plain"},
            lambda client, _connect: client.get_sessions(),
            EmbyForbiddenError,
            AuthSource.SERVER,
            id="server_403_is_forbidden",
        ),
        pytest.param(
            "/Connect/Exchange",
            403,
            {},
            lambda client, _connect: client.exchange("key", "u"),
            EmbyAuthenticationError,
            AuthSource.SERVER,
            id="exchange_403_is_refusal_not_forbidden",
        ),
        pytest.param(
            "/service/servers",
            403,
            {},
            lambda _client, connect: connect.get_servers(),
            EmbyAuthenticationError,
            AuthSource.CONNECT,
            id="connect_403_is_authentication",
        ),
        pytest.param(
            "/service/user/authenticate",
            404,
            {},
            lambda _client, connect: connect.authenticate("alice", "pw"),
            EmbyAuthenticationError,
            AuthSource.CONNECT,
            id="connect_authenticate_404_is_wrong_credentials",
        ),
    ],
)
async def test_refusal_is_typed(
    hostile: HostileServer,
    client: EmbyServer,
    connect: EmbyConnect,
    *,
    path: str,
    status: int,
    reply: dict[str, str],
    call: Refused,
    error: type[EmbyAuthenticationError | EmbyForbiddenError],
    source: AuthSource,
) -> None:
    """A refusing status becomes the library's error of that kind, naming who refused."""
    hostile.answer(path, status=status, **reply)
    with pytest.raises(error) as caught:
        await call(client, connect)
    assert isinstance(caught.value, EmbyForbiddenError) is (error is EmbyForbiddenError)
    assert (caught.value.source, caught.value.status) == (source, status)


async def test_connect_other_404_is_response_error(
    hostile: HostileServer, connect: EmbyConnect
) -> None:
    with pytest.raises(EmbyResponseError, match="HTTP 404"):
        await connect.get_user()


async def test_connect_pin_authenticate_404_is_expired(
    hostile: HostileServer, connect: EmbyConnect
) -> None:
    with pytest.raises(EmbyPinExpiredError):
        await connect.authenticate_pin("d", "1234")


async def test_connect_accepts_documented_login_shape(
    hostile: HostileServer, connect: EmbyConnect
) -> None:
    hostile.answer_json(
        "/service/user/authenticate", {"ConnectAccessToken": "new", "ConnectUserId": "42"}
    )
    login = await connect.authenticate("alice", "pw")
    assert (
        (connect.user_id, connect.access_token)
        == ("42", "new")
        == (
            login.user_id,
            login.access_token,
        )
    )


async def test_redirect_is_not_followed(hostile: HostileServer, client: EmbyServer) -> None:
    hostile.answer(
        "/System/Info", status=302, headers={"Location": f"{hostile.url}/elsewhere/System/Info"}
    )
    hostile.answer_json("/elsewhere/System/Info", load_fixture("system_info.json"))
    with pytest.raises(EmbyResponseError, match="HTTP 302"):
        await client.get_system_info()
    assert [path for _, path, _ in hostile.requests] == ["/emby/System/Info"]


async def test_body_too_large_by_content_length(hostile: HostileServer, client: EmbyServer) -> None:
    hostile.answer(PUBLIC, body=b" " * (MAX_RESPONSE_BYTES + 1))
    with pytest.raises(EmbyResponseError, match="larger than"):
        await client.get_public_info()


async def test_body_too_large_when_streamed(hostile: HostileServer, client: EmbyServer) -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"[" + b"0," * 32767 + b"0"
        try:
            for _ in range(MAX_RESPONSE_BYTES // len(chunk) * 4):
                await response.write(chunk)
        except ConnectionError:
            pass
        return response

    hostile.handlers["/Sessions"] = endless
    with pytest.raises(EmbyResponseError, match="larger than"):
        await client.get_sessions()


async def test_truncated_body(hostile: HostileServer, client: EmbyServer) -> None:
    async def truncated(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b'{"Id": "x"')
        assert request.transport is not None
        request.transport.close()
        return response

    hostile.handlers[PUBLIC] = truncated
    with pytest.raises(EmbyConnectionError):
        await client.get_public_info()


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe{}", b"[" * 50_000 + b"]" * 50_000, b'{"Id": 1' + b"1" * 5000 + b"}"],
    ids=["empty", "bad-utf8", "deep", "long-int"],
)
async def test_unusable_bodies(hostile: HostileServer, client: EmbyServer, body: bytes) -> None:
    hostile.answer(PUBLIC, body=body)
    with pytest.raises(EmbyResponseError):
        await client.get_public_info()


async def test_json_with_odd_content_type(hostile: HostileServer, client: EmbyServer) -> None:
    hostile.answer(PUBLIC, body=b'{"Id": "abc"}', content_type="text/plain")
    assert (await client.get_public_info()).id == "abc"


async def test_wrong_json_shape(hostile: HostileServer, client: EmbyServer) -> None:
    hostile.answer_json("/Sessions", {"Items": []})
    with pytest.raises(EmbyResponseError, match="JSON array"):
        await client.get_sessions()


async def test_manual_token_user_from_unfiltered_sessions(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """An old server that ignores the DeviceId filter still yields this device's user."""
    hostile.answer_json(PUBLIC, {"Id": "abc", "ServerName": "Old"})
    hostile.answer_json(
        "/Sessions",
        [
            {"Id": "1", "UserId": "someone", "DeviceId": "other-device"},
            {"Id": "2", "DeviceId": identity.device_id},
            {"Id": "3", "UserId": "me", "DeviceId": identity.device_id},
        ],
    )
    manager = ConnectionManager(session=session, identity=identity)
    record = ServerRecord(system_id="ABC", manual_address=hostile.url, access_token="t")
    _, result = await manager.connect(record)
    assert result.user_id == "me"
