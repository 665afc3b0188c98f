"""The embywebsocket push channel."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from embysim import EmbySimulator
from tests.living_room import add_living_room

from .care_helpers import next_message, ws_url
from .helpers import DEVICE_ID, sign_in


@pytest.fixture
async def server(emby_sim: EmbySimulator):
    """Return a running server with an admin and a plain user."""
    return await add_living_room(emby_sim, admin=("alice", "pw"), base_path="/emby")


def _others(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave out the test's own session (the device that signed in)."""
    return [s for s in sessions if s["DeviceId"] != DEVICE_ID]


async def _closed(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Wait until the server closes the websocket (skipping messages)."""
    async with asyncio.timeout(2):
        while True:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return


async def test_keepalive_and_sessions(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        assert await next_message(ws, "ForceKeepAlive", limit=2) == 60
        await ws.send_json({"MessageType": "KeepAlive"})
        assert await next_message(ws, "KeepAlive", limit=2) is None
        assert server.websocket_count == 1

        await ws.send_json({"MessageType": "SessionsStart", "Data": "0,1500"})
        assert [s["DeviceId"] for s in await next_message(ws, "Sessions", limit=2)] == [
            DEVICE_ID
        ]  # our own
        session = server.play(user=server.find_user("bob"), item_name="Sintel")
        (pushed,) = _others(await next_message(ws, "Sessions", limit=2))
        assert pushed["Id"] == session.id
        assert pushed["NowPlayingItem"]["Name"] == "Sintel"
        server.stop_playback(session.id)
        (pushed,) = _others(await next_message(ws, "Sessions", limit=2))
        assert "NowPlayingItem" not in pushed
        server.remove_session(session.id)
        assert _others(await next_message(ws, "Sessions", limit=2)) == []

        await ws.send_json({"MessageType": "SessionsStop"})
        server.add_idle_session(user=None)
        server.library_changed(["123"])
        assert (await next_message(ws, "LibraryChanged", limit=2))["ItemsAdded"] == ["123"]


async def test_sessions_push_respects_user_view(http, server) -> None:
    token = await sign_in(http, server, "bob", "bob-pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await ws.send_json({"MessageType": "SessionsStart", "Data": "0,1500"})
        assert _others(await next_message(ws, "Sessions", limit=2)) == []
        server.play(user=server.find_user("alice"))
        assert _others(await next_message(ws, "Sessions", limit=2)) == []
        mine = server.play(user=server.find_user("bob"))
        assert [s["Id"] for s in _others(await next_message(ws, "Sessions", limit=2))] == [mine.id]


async def test_periodic_force_keepalive(http, server) -> None:
    server.keepalive_interval = 0.05
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        for _ in range(3):
            assert await next_message(ws, "ForceKeepAlive", limit=2) == 60


async def test_restart_required(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        server.require_restart()
        assert await next_message(ws, "RestartRequired", limit=2) is None
    assert server.has_pending_restart


async def test_stop_sends_shutting_down_and_closes(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await next_message(ws, "ForceKeepAlive", limit=2)
        await server.stop()
        assert await next_message(ws, "ServerShuttingDown", limit=2) is None
        await _closed(ws)
    assert server.websocket_count == 0
    with pytest.raises(aiohttp.ClientConnectorError):
        await http.ws_connect(ws_url(server, token))


async def test_restart_sends_restarting_and_comes_back(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        restart = asyncio.ensure_future(server.restart())
        assert await next_message(ws, "ServerRestarting", limit=2) is None
        await _closed(ws)
        await restart
    async with http.ws_connect(ws_url(server, token)) as ws:
        assert await next_message(ws, "ForceKeepAlive", limit=2) == 60


async def test_system_restart_endpoint_restarts(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    server.require_restart()
    async with http.ws_connect(ws_url(server, token)) as ws:
        async with http.post(f"{server.url}/System/Restart", params={"api_key": token}) as response:
            assert response.status == 204
        assert await next_message(ws, "ServerRestarting", limit=2) is None
        await _closed(ws)
    async with asyncio.timeout(2):
        await server.wait_background()  # the restart may have finished already
    assert not server.has_pending_restart
    assert server.running


async def test_revoked_token_closes_and_refuses(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await next_message(ws, "ForceKeepAlive", limit=2)
        server.revoke_tokens()
        await _closed(ws)
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await http.ws_connect(ws_url(server, token))
    assert err.value.status == 401


async def test_garbage_messages_are_ignored(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await ws.send_str("not json")
        await ws.send_str("[1, 2]")
        await ws.send_json({"MessageType": "Unknown"})
        await ws.send_bytes(b"\x00")
        await ws.send_json({"MessageType": "KeepAlive"})
        assert await next_message(ws, "KeepAlive", limit=2) is None


async def test_move_drops_websockets_without_a_message(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        assert await next_message(ws, "ForceKeepAlive", limit=2) == 60
        await server.move()
        async with asyncio.timeout(2):
            message = await ws.receive()
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    async with http.ws_connect(ws_url(server, token)) as ws:
        assert await next_message(ws, "ForceKeepAlive", limit=2) == 60


async def test_logout_closes_only_that_tokens_websocket(http, server) -> None:
    first = await sign_in(http, server, "alice", "pw")
    second = await sign_in(http, server, "alice", "pw")
    async with (
        http.ws_connect(ws_url(server, first)) as ws1,
        http.ws_connect(ws_url(server, second)) as ws2,
    ):
        await next_message(ws1, "ForceKeepAlive", limit=2)
        await next_message(ws2, "ForceKeepAlive", limit=2)
        async with http.post(
            f"{server.url}/Sessions/Logout", params={"api_key": first}
        ) as response:
            assert response.status == 204
        await _closed(ws1)
        await ws2.send_json({"MessageType": "KeepAlive"})
        assert await next_message(ws2, "KeepAlive", limit=2) is None
