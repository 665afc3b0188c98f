"""Faults, latency, lifecycle and records of simulated servers."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from embysim import EmbySimulator, Fault

from .helpers import IDENTITY, exchange, sign_in, with_token


@pytest.fixture
async def server(emby_sim: EmbySimulator):
    """Return a running server with an admin."""
    server = await emby_sim.add_server(name="Living Room")
    server.add_user("alice", "pw", is_admin=True)
    return server


async def _public(http: aiohttp.ClientSession, url: str) -> tuple[int, str, str]:
    async with http.get(f"{url}/System/Info/Public") as response:
        return response.status, response.content_type, await response.text()


@pytest.mark.parametrize(
    ("fault", "status", "content_type"),
    [
        (Fault.HTTP_500, 500, "text/plain"),
        (Fault.HTTP_503, 503, "text/plain"),
        (Fault.HTTP_404, 404, "text/plain"),
        (Fault.UNAUTHORIZED, 401, "text/plain"),
        (Fault.HTML_ERROR, 502, "text/html"),
        (Fault.HTML_200, 200, "text/html"),
        (Fault.MALFORMED_JSON, 200, "application/json"),
    ],
)
async def test_answering_faults(http, server, fault, status, content_type) -> None:
    server.fault = fault
    got_status, got_type, text = await _public(http, server.url)
    assert (got_status, got_type) == (status, content_type)
    assert (await _public(http, server.remote.url))[0] == status
    if fault is Fault.MALFORMED_JSON:
        with pytest.raises(ValueError):  # noqa: PT011 - json's own error
            json.loads(text)
    server.fault = Fault.NONE
    assert (await _public(http, server.url))[0] == 200


async def test_fault_on_one_listener_only(http, server) -> None:
    server.local.fault = Fault.HTTP_500
    assert (await _public(http, server.url))[0] == 500
    assert (await _public(http, server.remote.url))[0] == 200
    assert server.fault is Fault.HTTP_500


async def test_stopped_refuses_connections_then_recovers_on_same_port(http, server) -> None:
    port = server.local.port
    server.fault = Fault.STOPPED
    with pytest.raises(aiohttp.ClientConnectorError):
        await _public(http, server.url)
    with pytest.raises(aiohttp.ClientConnectorError):
        await _public(http, server.remote.url)
    server.fault = Fault.NONE
    assert server.local.port == port
    assert (await _public(http, server.url))[0] == 200


async def test_stopped_drops_kept_alive_connections(http, server) -> None:
    assert (await _public(http, server.url))[0] == 200
    server.local.fault = Fault.STOPPED
    with pytest.raises(aiohttp.ClientConnectionError):
        await _public(http, server.url)


async def test_hanging_accepts_and_never_answers(http, server) -> None:
    server.fault = Fault.HANGING
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await _public(http, server.url)
    assert server.request_count("/System/Info/Public") == 1
    server.fault = Fault.NONE
    assert (await _public(http, server.url))[0] == 200


async def test_hanging_request_is_dropped_when_fault_clears(http, server) -> None:
    server.fault = Fault.HANGING
    pending = asyncio.ensure_future(_public(http, server.url))
    await asyncio.sleep(0.1)
    server.fault = Fault.NONE
    # The connection is dropped; aiohttp may retry it once on a fresh connection, which answers.
    async with asyncio.timeout(1):
        result = await asyncio.gather(pending, return_exceptions=True)
    assert isinstance(result[0], aiohttp.ClientConnectionError) or result[0][0] == 200


async def test_reset_closes_without_answer(http, server) -> None:
    server.fault = Fault.RESET
    with pytest.raises(aiohttp.ClientConnectionError):
        await _public(http, server.url)


async def test_latency(http, server) -> None:
    server.latency = 0.15
    start = time.monotonic()
    assert (await _public(http, server.url))[0] == 200
    assert time.monotonic() - start >= 0.15
    server.remote.latency = 0
    start = time.monotonic()
    await _public(http, server.remote.url)
    assert time.monotonic() - start < 0.15


async def test_stop_and_start_keep_ports(http, server) -> None:
    ports = (server.local.port, server.remote.port)
    await server.stop()
    assert not server.running
    for url in (server.url, server.remote.url):
        with pytest.raises(aiohttp.ClientConnectorError):
            await _public(http, url)
    await server.start()
    assert (server.local.port, server.remote.port) == ports
    assert (await _public(http, server.url))[0] == 200


async def test_stop_keeps_fault_stopped_listener_closed_after_start(http, server) -> None:
    server.remote.fault = Fault.STOPPED
    await server.stop()
    await server.start()
    assert (await _public(http, server.url))[0] == 200
    with pytest.raises(aiohttp.ClientConnectorError):
        await _public(http, server.remote.url)


async def test_move_changes_ports_and_connect_addresses(http, emby_sim, server) -> None:
    user = emby_sim.add_connect_user(name="demo")
    emby_sim.link(user, server, local_user=server.find_user("alice"))
    old_local, old_remote = server.local.url, server.remote.url
    await server.move()
    assert server.local.url != old_local
    assert server.remote.url != old_remote
    for url in (old_local, old_remote):
        with pytest.raises(aiohttp.ClientConnectorError):
            await _public(http, url)
    assert (await _public(http, server.url))[0] == 200
    (listed,) = emby_sim.connect_servers(user)
    assert (listed["LocalAddress"], listed["Url"]) == (server.local.url, server.remote.url)


async def test_restart_keeps_tokens(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    await server.restart()
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as response:
        assert response.status == 200


async def test_records_and_secrets(http, emby_sim, server) -> None:
    user = emby_sim.add_connect_user(name="demo")
    link = emby_sim.link(user, server, local_user=server.find_user("alice"))
    other = await emby_sim.add_server(name="Other")
    token = (await exchange(http, server, link))["AccessToken"]
    await sign_in(http, server, "alice", "pw")
    async with http.get(f"{server.url}/Sessions", params={"api_key": token}) as response:
        assert response.status == 200
    assert server.request_count() == 3
    assert server.request_count("/connect/exchange") == 1
    assert server.request_count("/Sessions", method="GET") == 1
    (record,) = [r for r in server.requests if r.path == "/Connect/Exchange"]
    assert record.token == link.access_key
    assert record.listener == "local"
    assert record.query["ConnectUserId"] == user.id
    received = server.received_secrets()
    assert {link.access_key, token, "pw"} <= received
    assert received <= server.own_secrets()
    assert not other.received_secrets() & server.own_secrets()
    async with http.get(f"{other.url}/System/Info", headers=with_token(link.access_key)) as r:
        assert r.status == 401
    assert link.access_key in other.received_secrets() & server.own_secrets()
    async with http.get(f"{other.url}/System/Info/Public", headers=IDENTITY) as response:
        assert response.status == 200


async def test_restart_downtime_refuses_connections_meanwhile(http, server) -> None:
    server.restart_downtime = 0.2
    restart = asyncio.ensure_future(server.restart())
    await asyncio.sleep(0.05)
    with pytest.raises(aiohttp.ClientConnectorError):
        await _public(http, server.url)
    await restart
    assert (await _public(http, server.url))[0] == 200
