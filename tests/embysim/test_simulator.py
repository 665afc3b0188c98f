"""The simulator as a whole: lifecycle, demo account, summary, plugin and helpers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
import pytest

from embysim import EmbySimulator, Fault, RecordedRequest, check_loopback
from embysim.auth import parse_authorization, read_credentials
from embysim.records import secrets_in

from .helpers import APP, DEVICE_ID, connect_login, connect_servers, exchange, sign_in, with_token


async def test_fixture_gives_a_started_empty_simulator(http, emby_sim) -> None:
    assert emby_sim.servers == []
    assert emby_sim.connect_users == []
    assert emby_sim.control.is_listening
    assert emby_sim.connect_url == f"http://127.0.0.1:{emby_sim.port}/service"
    assert emby_sim.control_url == f"http://127.0.0.1:{emby_sim.port}/_sim"
    async with http.get(f"{emby_sim.control_url}/summary") as response:
        assert await response.json() == {
            "connect_url": emby_sim.connect_url,
            "control_url": emby_sim.control_url,
            "wake_port": emby_sim.wake.port,
            "connect_users": [],
            "servers": [],
        }


async def test_context_manager_stops_everything(http, socket_enabled) -> None:
    async with EmbySimulator() as sim:
        server = await sim.add_server(name="A")
        server.fault = Fault.HANGING
        hanging = asyncio.ensure_future(http.get(f"{server.url}/System/Info/Public"))
        await asyncio.sleep(0.05)
    with pytest.raises(aiohttp.ClientConnectionError):
        await hanging
    for url in (server.url, server.remote.url, sim.connect_url):
        with pytest.raises(aiohttp.ClientConnectorError):
            await http.get(f"{url}/System/Info/Public")


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "192.168.1.2", "example.com", "::"],  # noqa: S104 - checks that they are refused
)
def test_only_loopback_hosts(host) -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmbySimulator(host=host)


def test_loopback_hosts() -> None:
    assert check_loopback("localhost") == "127.0.0.1"
    assert check_loopback("127.0.0.2") == "127.0.0.2"
    assert check_loopback("::1") == "::1"


async def test_ipv6_loopback(socket_enabled) -> None:
    sim = EmbySimulator(host="::1")
    try:
        await sim.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert sim.connect_url.startswith("http://[::1]:")
    finally:
        await sim.stop()


async def test_seed_makes_ids_reproducible(socket_enabled) -> None:
    ids = []
    for _ in range(2):
        async with EmbySimulator(seed=42) as sim:
            await sim.load_demo(servers=1)
            server = sim.servers[0]
            ids.append((server.system_id, server.links[0].access_key, sim.connect_users[0].id))
    assert ids[0] == ids[1]


async def test_load_demo(http, emby_sim) -> None:
    summary = await emby_sim.load_demo(servers=3)
    assert summary == emby_sim.summary()
    (demo,) = summary["connect_users"]
    assert (demo["name"], demo["email"], demo["password"]) == (
        "demo",
        "demo@example.com",
        "demo-password",
    )
    assert [s["name"] for s in summary["servers"]] == ["Living Room", "Basement", "Cabin"]
    types = [s["links"][0]["user_type"] for s in summary["servers"]]
    assert types == ["Linked", "Linked", "Guest"]
    for described, server in zip(summary["servers"], emby_sim.servers, strict=True):
        users = {u["name"]: u for u in described["users"]}
        assert users["admin"]["is_admin"] is True
        assert users["kid"]["is_admin"] is False
        assert users["family"]["password"] is None
        assert len(described["api_keys"]) == 1
        sessions = list(server.sessions.values())
        assert [s.is_playing and not s.paused for s in sessions].count(True) == 1
        assert [s.paused for s in sessions].count(True) == 1
        assert [s.is_playing for s in sessions].count(False) == 1
        assert server.counts["MovieCount"] > 0
        assert server.counts["ArtistCount"] == 0

    user = emby_sim.connect_users[0]
    listed = await connect_servers(http, emby_sim, user)
    assert [s["UserType"] for s in listed] == ["Linked", "Linked", "Guest"]
    guest_server = emby_sim.servers[2]
    token = (await exchange(http, guest_server, guest_server.links[0]))["AccessToken"]
    async with http.get(f"{guest_server.url}/ScheduledTasks", headers=with_token(token)) as r:
        assert r.status == 403
    async with http.get(f"{guest_server.url}/Sessions", headers=with_token(token)) as r:
        # A guest sees no one else's session: only its own device.
        assert [s["DeviceId"] for s in await r.json()] == [DEVICE_ID]


async def test_load_demo_is_additive(emby_sim) -> None:
    await emby_sim.load_demo(servers=1)
    await emby_sim.load_demo(servers=7)
    assert len(emby_sim.connect_users) == 1
    assert emby_sim.servers[-1].name == "Server 7"


async def test_add_server_without_starting(emby_sim) -> None:
    server = await emby_sim.add_server(name="Later", start=False, system_id="abc")
    assert not server.running
    assert emby_sim.find_server("ABC") is None
    assert emby_sim.find_server("abc") is server
    assert emby_sim.find_server("later") is server
    await server.start()
    assert server.running


async def test_duplicate_names_are_refused(emby_sim) -> None:
    emby_sim.add_connect_user(name="demo")
    with pytest.raises(ValueError, match="exists"):
        emby_sim.add_connect_user(name="DEMO")
    server = await emby_sim.add_server()
    server.add_user("alice")
    with pytest.raises(ValueError, match="exists"):
        server.add_user("Alice")


async def test_connect_user_defaults(emby_sim) -> None:
    user = emby_sim.add_connect_user(name="Zed")
    assert (user.email, user.password) == ("zed@example.com", "Zed-password")
    assert emby_sim.find_connect_user(user.id) is user
    assert emby_sim.find_connect_user("ZED@EXAMPLE.COM") is user


async def test_revoke_connect_tokens(http, emby_sim) -> None:
    user = emby_sim.add_connect_user(name="demo")
    login = await connect_login(http, emby_sim, user)
    emby_sim.revoke_connect_tokens(user)
    async with http.get(
        f"{emby_sim.connect_url}/user",
        params={"id": user.id},
        headers={**APP, "X-Connect-UserToken": login["AccessToken"]},
    ) as response:
        assert response.status == 401
    assert emby_sim.issued_connect_tokens(user) == set()


async def test_disabled_user_cannot_sign_in_or_use_tokens(http, emby_sim) -> None:
    server = await emby_sim.add_server()
    user = server.add_user("alice", "pw", is_admin=True)
    token = await sign_in(http, server, "alice", "pw")
    user.is_disabled = True
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as response:
        assert response.status == 401


async def test_ping_and_method_not_allowed(http, emby_sim) -> None:
    server = await emby_sim.add_server()
    async with http.get(f"{server.url}/System/Ping") as response:
        assert await response.text() == "Emby Server"
    async with http.delete(f"{server.url}/System/Info/Public") as response:
        assert response.status == 405


async def test_secret_leaks_are_visible(http, emby_sim) -> None:
    user = emby_sim.add_connect_user(name="demo")
    first = await emby_sim.add_server(name="First")
    second = await emby_sim.add_server(name="Second")
    link = emby_sim.link(user, first, local_user=first.add_user("alice", "alice-secret"))
    login = await connect_login(http, emby_sim, user)
    await exchange(http, first, link)
    assert not second.received_secrets() & first.own_secrets()
    # A careless client sends the first server's AccessKey to the second, in a URL.
    async with http.get(f"{second.url}/System/Info/Public", params={"x": link.access_key}):
        pass
    # ... and the Connect token in a header the server has no use for.
    async with http.get(
        f"{second.url}/System/Info/Public", headers={"X-Connect-UserToken": login["AccessToken"]}
    ):
        pass
    assert link.access_key in second.received_secrets() & first.own_secrets()
    assert login["AccessToken"] in second.received_secrets()


def test_parse_authorization() -> None:
    assert parse_authorization('Emby UserId="u", Client="c, d", DeviceId=x, Token="t"') == {
        "userid": "u",
        "client": "c, d",
        "deviceid": "x",
        "token": "t",
    }
    assert parse_authorization("Bearer abc") is None
    assert parse_authorization('mediabrowser Client="c"') == {"client": "c"}


def test_read_credentials_prefers_headers_then_query() -> None:
    credentials = read_credentials(
        {"x-emby-token": "h", "X-Emby-Client": "c", "X-Emby-Device-Id": "d"}, {"api_key": "q"}
    )
    assert (credentials.token, credentials.token_in_query) == ("h", False)
    assert credentials.identity is not None
    assert credentials.identity.device_id == "d"
    query_only = read_credentials({}, {"API_KEY": "q"})
    assert (query_only.token, query_only.token_in_query, query_only.identity) == ("q", True, None)
    missing_device = read_credentials({"X-Emby-Authorization": 'Emby Client="c"'}, {})
    assert missing_device.identity is None


def test_secrets_in_request_fields() -> None:
    record = RecordedRequest(
        method="POST",
        path="/Users/AuthenticateByName",
        query={"api_key": "qkey"},
        headers={
            "X-Emby-Authorization": 'Emby Client="c", DeviceId="d", Token="htoken"',
            "X-MediaBrowser-Token": "mbtoken",
        },
        listener="local",
        token="mbtoken",
        time=datetime.now(UTC),
        body='{"Username": "a", "Pw": "pw1", "Nested": [{"Password": "pw2"}]}',
    )
    assert secrets_in(record, known={"k" * 32, "short"}) == {
        "qkey",
        "htoken",
        "mbtoken",
        "pw1",
        "pw2",
    }
    form = RecordedRequest(
        method="POST",
        path="/user/authenticate",
        query={},
        headers={},
        listener="connect",
        token=None,
        time=datetime.now(UTC),
        body=f"nameOrEmail=demo&rawpw=secret&note={'k' * 32}",
    )
    assert secrets_in(form, known={"k" * 32}) == {"secret", "k" * 32}
