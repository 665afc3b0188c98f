"""The JSON control API under /_sim, as other processes use it."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from embysim import ConnectFault, EmbySimulator, Fault

from .helpers import APP, connect_login, sign_in, with_token


@pytest.fixture
async def demo(emby_sim: EmbySimulator):
    """Load the demo account."""
    await emby_sim.load_demo(servers=2)
    return emby_sim


async def _call(
    http: aiohttp.ClientSession, sim: EmbySimulator, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, f"{sim.control_url}{path}", json=body) as response:
        return response.status, await response.json()


async def test_summary_and_servers(http, demo) -> None:
    status, summary = await _call(http, demo, "GET", "/summary")
    assert status == 200
    assert summary == demo.summary()
    assert (await _call(http, demo, "GET", ""))[1] == summary
    status, servers = await _call(http, demo, "GET", "/servers")
    assert [s["name"] for s in servers] == ["Living Room", "Basement"]
    status, one = await _call(http, demo, "GET", "/servers/living room")
    assert one["system_id"] == demo.servers[0].system_id
    assert (await _call(http, demo, "GET", f"/servers/{one['system_id']}"))[1] == one
    assert (await _call(http, demo, "GET", "/servers/1"))[1]["name"] == "Basement"
    assert (await _call(http, demo, "GET", "/servers/nowhere"))[0] == 404


async def test_add_server_user_api_key(http, demo) -> None:
    status, created = await _call(
        http, demo, "POST", "/servers", {"name": "Cabin", "base_path": "/emby"}
    )
    assert status == 201
    assert created["url"].endswith("/emby")
    status, user = await _call(
        http, demo, "POST", "/servers/Cabin/users", {"name": "zoe", "password": "z"}
    )
    assert (status, user["is_admin"]) == (201, False)
    status, key = await _call(http, demo, "POST", "/servers/Cabin/api_keys", {})
    server = demo.find_server("Cabin")
    async with http.get(f"{server.url}/Sessions", params={"api_key": key["api_key"]}) as r:
        assert r.status == 200


async def test_fault_and_latency(http, demo) -> None:
    server = demo.servers[0]
    status, described = await _call(
        http,
        demo,
        "POST",
        "/servers/Living Room/fault",
        {"fault": "http_500", "listener": "remote"},
    )
    assert status == 200
    assert (server.local.fault, server.remote.fault) == (Fault.NONE, Fault.HTTP_500)
    assert described["remote_fault"] == "HTTP_500"
    await _call(http, demo, "POST", "/servers/0/fault", {"fault": "STOPPED"})
    assert server.fault is Fault.STOPPED
    assert not server.local.is_listening
    await _call(http, demo, "POST", "/servers/0/fault", {"fault": "NONE"})
    await _call(http, demo, "POST", "/servers/0/latency", {"latency": 0.25})
    assert (server.local.latency, server.remote.latency) == (0.25, 0.25)
    assert (await _call(http, demo, "POST", "/servers/0/fault", {"fault": "BOGUS"}))[0] == 400
    assert (
        await _call(http, demo, "POST", "/servers/0/fault", {"fault": "NONE", "listener": "x"})
    )[0] == 400


async def test_lifecycle_actions(http, demo) -> None:
    server = demo.servers[0]
    old_url = server.url
    assert (await _call(http, demo, "POST", "/servers/0/stop"))[1]["running"] is False
    assert not server.running
    assert (await _call(http, demo, "POST", "/servers/0/start"))[1]["running"] is True
    assert server.url == old_url
    await _call(http, demo, "POST", "/servers/0/restart")
    assert server.running
    moved = (await _call(http, demo, "POST", "/servers/0/move"))[1]
    assert moved["url"] != old_url
    assert moved["local_address"] == moved["url"]
    token = await sign_in(http, server, "admin", "admin-password")
    await _call(http, demo, "POST", "/servers/0/revoke_tokens")
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as response:
        assert response.status == 401
    await _call(http, demo, "POST", "/servers/0/require_restart")
    assert server.has_pending_restart
    assert (await _call(http, demo, "POST", "/servers/0/library_changed"))[0] == 200


async def test_patch_server(http, demo) -> None:
    server = demo.servers[0]
    other = demo.servers[1]
    status, described = await _call(
        http,
        demo,
        "PATCH",
        "/servers/0",
        {
            "local_address": other.url,
            "remote_address": None,
            "has_update_available": True,
            "counts": {"MovieCount": 5},
            "version": "4.9.0.0",
        },
    )
    assert status == 200
    assert server.local_address == other.url
    assert described["remote_address"] is None
    assert server.has_update_available
    assert server.counts["MovieCount"] == 5
    assert server.version == "4.9.0.0"
    await _call(http, demo, "POST", "/servers/0/reset_addresses")
    assert server.local_address == server.local.url
    assert (await _call(http, demo, "PATCH", "/servers/0", {"system_id": "x"}))[0] == 400


async def test_sessions(http, demo) -> None:
    server = demo.servers[0]
    status, session = await _call(
        http,
        demo,
        "POST",
        "/servers/0/play",
        {"user": "kid", "item_name": "Elephants Dream", "item_type": "Movie", "paused": True},
    )
    assert status == 201
    assert session["NowPlayingItem"]["Name"] == "Elephants Dream"
    assert server.sessions[session["Id"]].paused
    path = f"/servers/0/sessions/{session['Id']}"
    resumed = (await _call(http, demo, "POST", f"{path}/pause", {"paused": False}))[1]
    assert resumed["PlayState"]["IsPaused"] is False
    stopped = (await _call(http, demo, "POST", f"{path}/stop"))[1]
    assert "NowPlayingItem" not in stopped
    assert (await _call(http, demo, "DELETE", path))[0] == 200
    assert session["Id"] not in server.sessions
    assert (await _call(http, demo, "DELETE", path))[0] == 404
    idle = (await _call(http, demo, "POST", "/servers/0/idle", {"user": "family"}))[1]
    assert idle["UserName"] == "family"
    assert (await _call(http, demo, "POST", "/servers/0/play", {"user": "nobody"}))[0] == 404


async def test_play_transcodes(http, demo) -> None:
    status, audio = await _call(
        http,
        demo,
        "POST",
        "/servers/0/play",
        {"transcoding": True, "transcode": "audio", "bitrate": None},
    )
    assert status == 201
    assert audio["TranscodingInfo"]["IsVideoDirect"] is True
    assert "Bitrate" not in audio["TranscodingInfo"]
    _status, paused = await _call(
        http,
        demo,
        "POST",
        "/servers/0/play",
        {"transcoding": True, "paused": True, "transcoding_info": False},
    )
    assert "TranscodingInfo" not in paused
    _status, reasons = await _call(
        http,
        demo,
        "POST",
        "/servers/0/play",
        {"transcoding": True, "transcode_reasons": ["ContainerNotSupported"], "bitrate": 4000},
    )
    assert reasons["TranscodingInfo"]["TranscodeReasons"] == ["ContainerNotSupported"]
    assert reasons["TranscodingInfo"]["Bitrate"] == 4000


async def test_requests_listing_has_no_secrets(http, demo) -> None:
    server = demo.servers[0]
    await sign_in(http, server, "admin", "admin-password")
    _status, listing = await _call(http, demo, "GET", "/servers/0/requests")
    assert listing["count"] == 1
    assert listing["requests"][0]["path"] == "/Users/AuthenticateByName"
    assert "admin-password" not in str(listing)
    await connect_login(http, demo, demo.connect_users[0])
    assert (await _call(http, demo, "GET", "/connect/requests"))[1]["count"] == 1


async def test_connect_controls(http, demo) -> None:
    status, body = await _call(http, demo, "POST", "/connect/fault", {"fault": "unauthorized"})
    assert (status, body) == (200, {"fault": "UNAUTHORIZED"})
    assert demo.connect_fault is ConnectFault.UNAUTHORIZED
    await _call(http, demo, "POST", "/connect/fault", {"fault": "NONE"})
    await _call(http, demo, "POST", "/connect/latency", {"latency": 0.01})
    assert demo.connect_latency == 0.01
    status, friend = await _call(
        http, demo, "POST", "/connect/users", {"name": "friend", "password": "friend-pw"}
    )
    assert (status, friend["name"], friend["password"]) == (201, "friend", "friend-pw")
    status, link = await _call(
        http,
        demo,
        "POST",
        "/link",
        {"user": "friend", "server": "Basement", "local_user": "kid", "user_type": "Guest"},
    )
    assert (status, link["user_type"]) == (201, "Guest")
    user = demo.find_connect_user("friend")
    assert [s["Name"] for s in demo.connect_servers(user)] == ["Basement"]
    await _call(http, demo, "POST", "/unlink", {"user": "friend", "server": "Basement"})
    assert demo.connect_servers(user) == []
    assert (await _call(http, demo, "POST", "/link", {"user": "friend", "server": "x"}))[0] == 404


async def test_pins(http, demo) -> None:
    async with http.post(f"{demo.connect_url}/pin", data={"deviceId": "tv"}, headers=APP) as r:
        pin = (await r.json())["Pin"]
    status, pins = await _call(http, demo, "GET", "/pins")
    assert pins == [{"pin": pin, "device_id": "tv", "expired": False, "confirmed": False}]
    status, body = await _call(http, demo, "POST", "/pin/confirm", {"pin": pin, "user": "demo"})
    assert (status, body) == (200, {"pin": pin, "confirmed": True})
    assert (await _call(http, demo, "POST", "/pin/confirm", {"pin": "0000", "user": "demo"}))[
        0
    ] == 404
    assert (await _call(http, demo, "POST", "/pin/confirm", {"pin": pin, "user": "x"}))[0] == 404
    assert (await _call(http, demo, "POST", "/pin/expire", {"pin": pin}))[1]["expired"] is True
    assert (await _call(http, demo, "POST", "/pin/expire", {"pin": "0000"}))[0] == 404


async def test_bad_requests(http, demo) -> None:
    async with http.post(f"{demo.control_url}/connect/fault", data="not json") as response:
        assert response.status == 400
    async with http.post(f"{demo.control_url}/connect/fault", json=[1]) as response:
        assert response.status == 400
    assert (await _call(http, demo, "POST", "/connect/fault", {}))[0] == 400
    assert (await _call(http, demo, "GET", "/nothing"))[0] == 404
    async with http.get(f"{demo.control.origin}/elsewhere") as response:
        assert response.status == 404


async def test_control_api_ignores_connect_faults(http, demo) -> None:
    demo.connect_fault = ConnectFault.DOWN
    assert (await _call(http, demo, "GET", "/summary"))[0] == 200
