"""Servers are addressed as Emby's apps address them: {address}/emby/{path}, {address}/embywebsocket.

Against the simulator (which serves both /emby/... and the bare paths, or only a base path, or
sits behind its reverse proxy publishing only /emby and /embywebsocket, as people put in front
of Emby) and hostile loopback servers (to see the raw paths and to serve only the bare ones).
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import ClientSession, web
import pytest

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    ConnectionManager,
    ConnectionMode,
    EmbyAuthenticationError,
    EmbyResponseError,
    EmbyServer,
    EmbyTimeoutError,
    EmbyWebSocket,
    ServerRecord,
    SessionsMessage,
)
from embysim import EmbySimulator, Proxy

from .conftest import HostileServer

PUBLIC = "/System/Info/Public"
SYSTEM_ID = "3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1"
PUBLIC_INFO = {"Id": SYSTEM_ID, "ServerName": "Hostile", "Version": "4.8.11.0"}


def _paths(hostile: HostileServer) -> list[str]:
    """Return the raw paths the hostile server was asked for."""
    return [path for _, path, _ in hostile.requests]


def _client(url: str, identity: ClientIdentity, session: ClientSession) -> EmbyServer:
    """Return a signed-in client."""
    return EmbyServer(url=url, identity=identity, session=session, access_token="t", user_id="u")


# -- what goes on the wire ------------------------------------------------------------------


async def test_every_call_goes_below_emby(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    hostile.answer_json(PUBLIC, PUBLIC_INFO)
    hostile.answer_json("/System/Info", PUBLIC_INFO)
    hostile.answer_json("/Sessions", [])
    hostile.answer_json("/Items/Counts", {})
    hostile.answer_json("/Connect/Exchange", {"LocalUserId": "u", "AccessToken": "x"})
    hostile.answer_json("/Users/AuthenticateByName", {"User": {"Id": "u"}, "AccessToken": "x"})
    hostile.answer("/Sessions/Logout", status=204)
    client = _client(hostile.url, identity, session)
    await client.get_public_info()
    await client.get_system_info()
    await client.get_sessions()
    await client.get_item_counts()
    await client.exchange("key", "79718")
    await client.authenticate_by_name("bob", "pw")
    await client.logout()
    assert _paths(hostile) == [
        "/emby/System/Info/Public",
        "/emby/System/Info",
        "/emby/Sessions",
        "/emby/Items/Counts",
        "/emby/Connect/Exchange",
        "/emby/Users/AuthenticateByName",
        "/emby/Sessions/Logout",
    ]
    assert client.emby_prefix is True


@pytest.mark.parametrize("suffix", ["/emby", "/emby/", "/EMBY", "/emby/web/index.html"])
async def test_address_ending_in_emby_is_not_doubled(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity, suffix: str
) -> None:
    hostile.answer_json(PUBLIC, PUBLIC_INFO)
    client = _client(hostile.url + suffix, identity, session)
    assert (await client.get_public_info()).id == SYSTEM_ID
    assert [path.lower() for path in _paths(hostile)] == ["/emby/system/info/public"]


async def test_base_path_keeps_its_place(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    hostile.answer_json("/media/emby/System/Info/Public", PUBLIC_INFO)
    client = _client(f"{hostile.url}/media", identity, session)
    assert (await client.get_public_info()).id == SYSTEM_ID
    assert _paths(hostile) == ["/media/emby/System/Info/Public"]


# -- the one fallback to the bare path ------------------------------------------------------


async def test_bare_only_server_falls_back_once(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """A 404 below /emby tries the bare path once; the bare path is kept from then on."""
    hostile.emby_prefix = False
    hostile.answer_json(PUBLIC, PUBLIC_INFO)
    hostile.answer_json("/Sessions", [])
    client = _client(hostile.url, identity, session)
    assert (await client.get_public_info()).id == SYSTEM_ID
    assert client.emby_prefix is False
    assert await client.get_sessions() == []
    assert await client.get_sessions() == []
    assert _paths(hostile) == ["/emby/System/Info/Public", PUBLIC, "/Sessions", "/Sessions"]


async def test_not_found_everywhere_decides_nothing(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    client = _client(hostile.url, identity, session)
    for _ in range(2):
        with pytest.raises(EmbyResponseError, match="HTTP 404"):
            await client.get_public_info()
    assert client.emby_prefix is None
    assert _paths(hostile) == ["/emby/System/Info/Public", PUBLIC] * 2


async def test_other_errors_below_emby_do_not_fall_back(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """Any answer but 404 shows the prefixed path is served: no second request."""
    hostile.emby_prefix = False
    hostile.answer("/emby/System/Info/Public", status=500, body="oops", content_type="text/plain")
    hostile.answer_json(PUBLIC, PUBLIC_INFO)
    client = _client(hostile.url, identity, session)
    with pytest.raises(EmbyResponseError, match="HTTP 500"):
        await client.get_public_info()
    assert client.emby_prefix is True
    assert _paths(hostile) == ["/emby/System/Info/Public"]


async def test_known_prefix_is_not_probed_again(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """Once below /emby is known to work, a 404 there (a refused exchange) is final."""
    hostile.answer_json(PUBLIC, PUBLIC_INFO)
    hostile.answer("/emby/Connect/Exchange", status=404)
    client = _client(hostile.url, identity, session)
    await client.get_public_info()
    with pytest.raises(EmbyAuthenticationError, match="refused the Emby Connect AccessKey"):
        await client.exchange("key", "79718")
    assert _paths(hostile) == ["/emby/System/Info/Public", "/emby/Connect/Exchange"]


async def test_fallback_shares_the_time_limit(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """The bare retry gets what is left of the call's time, not a second full limit."""

    async def slow_not_found(_request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.3)
        return web.Response(status=404)

    release = asyncio.Event()

    async def hang(_request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response(status=200)

    hostile.emby_prefix = False
    hostile.handlers["/emby/System/Info/Public"] = slow_not_found
    hostile.handlers[PUBLIC] = hang
    client = _client(hostile.url, identity, session)
    started = time.monotonic()
    try:
        with pytest.raises(EmbyTimeoutError):
            await client.get_public_info(timeout=0.5)
        assert time.monotonic() - started < 0.9
    finally:
        release.set()


async def test_custom_base_path_served_bare(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    """A server below its own base path that does not serve /emby there: found by the fallback."""
    server = await emby_sim.add_server(base_path="/media")
    client = _client(server.local.url, identity, session)
    assert server.local.url.endswith("/media")
    assert (await client.get_public_info()).id == server.system_id
    assert client.emby_prefix is False


async def test_manager_remembers_per_address(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """The second connect to a bare-only address asks the bare path straight away."""
    hostile.emby_prefix = False
    hostile.answer_json(PUBLIC, PUBLIC_INFO)
    hostile.answer_json("/Connect/Exchange", {"LocalUserId": "u", "AccessToken": "x"})
    manager = ConnectionManager(session=session, identity=identity)
    record = ServerRecord(
        system_id=SYSTEM_ID, local_address=hostile.url, access_key="k", connect_user_id="79718"
    )
    server, _ = await manager.connect(record)
    assert server.emby_prefix is False
    assert _paths(hostile) == ["/emby/System/Info/Public", PUBLIC, "/Connect/Exchange"]
    hostile.requests.clear()
    await manager.connect(record)
    assert _paths(hostile) == [PUBLIC, "/Connect/Exchange"]


# -- behind a reverse proxy that publishes only /emby and /embywebsocket --------------------


async def test_connect_server_behind_proxy_with_dead_lan(
    emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity
) -> None:
    """Connect Url = bare host of a proxy publishing /emby + /embywebsocket; LAN address dead."""
    server = await emby_sim.add_server(name="Proxied")
    server.remote.proxy = Proxy.EMBY_PATHS
    user = emby_sim.add_connect_user(name="alice")
    link = emby_sim.link(user, server)
    # The bare root is the proxy's own 404 page: only the apps' paths get through.
    async with session.get(f"{server.remote.url}/System/Info/Public") as answer:
        assert answer.status == 404
    server.requests.clear()
    record = ServerRecord(
        system_id=server.system_id,
        local_address="http://127.0.0.1:1",
        remote_address=server.remote.url,
        access_key=link.access_key,
        connect_user_id=user.id,
    )
    client, result = await ConnectionManager(session=session, identity=identity).connect(record)
    assert (result.mode, result.address) == (ConnectionMode.REMOTE, server.remote.url)
    assert (await client.get_system_info()).id == server.system_id
    assert await client.get_sessions() is not None
    websocket = EmbyWebSocket(
        url=result.address,
        access_token=result.access_token,
        device_id=identity.device_id,
        session=session,
    )
    received: asyncio.Queue[object] = asyncio.Queue()
    await websocket.connect()
    listening = asyncio.create_task(websocket.listen(received.put_nowait))
    try:
        async with asyncio.timeout(5):
            while not isinstance(await received.get(), SessionsMessage):
                pass
    finally:
        await websocket.close()
        await listening
    assert [(r.listener, r.path) for r in server.requests] == [
        ("remote", PUBLIC),
        ("remote", "/Connect/Exchange"),
        ("remote", "/System/Info"),
        ("remote", "/Sessions"),
        ("remote", "/embywebsocket"),
    ]
