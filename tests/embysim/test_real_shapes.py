"""What real Emby servers do that the simulator copies (issue #14): own sessions, websocket
paths, id formats, version profiles, counts and session shapes, token forms, a reverse proxy."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from embysim import EmbySimulator, Proxy, SimServer, Transcode
from tests.living_room import add_living_room

from .helpers import APP, DEVICE_ID, IDENTITY, connect_login, exchange, sign_in, with_token
from .openapi import SPEC_PATH, validate_response

needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason="Emby's OpenAPI spec is missing")


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a running server with an admin and a plain user."""
    return await add_living_room(emby_sim, admin=("alice", "pw"))


async def _sessions(http: aiohttp.ClientSession, server: SimServer, token: str) -> list[Any]:
    async with http.get(f"{server.url}/Sessions", headers=with_token(token)) as response:
        assert response.status == 200
        return await response.json()


def _own(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in sessions if s["DeviceId"] == DEVICE_ID]


# -- the caller's own session ---------------------------------------------------------------------


async def test_sessions_list_the_device_that_signed_in(http, server, freezer) -> None:
    token = await sign_in(http, server, "alice", "pw")
    (own,) = _own(await _sessions(http, server, token))
    assert (own["Client"], own["DeviceName"], own["ApplicationVersion"]) == (
        "pytest",
        "runner",
        "1.0",
    )
    assert own["UserName"] == "alice"
    assert own["SupportsRemoteControl"] is False
    assert "NowPlayingItem" not in own
    first_seen = own["LastActivityDate"]
    freezer.tick(90)
    (again,) = _own(await _sessions(http, server, token))
    assert again["Id"] == own["Id"]  # one session per device
    assert again["LastActivityDate"] > first_seen  # time travel moves it on


async def test_sign_in_answers_with_the_session_it_lists(http, server) -> None:
    async with http.post(
        f"{server.url}/Users/AuthenticateByName",
        json={"Username": "alice", "Pw": "pw"},
        headers=IDENTITY,
    ) as response:
        answer = await response.json()
    (own,) = _own(await _sessions(http, server, answer["AccessToken"]))
    assert answer["SessionInfo"]["Id"] == own["Id"]


async def test_connect_exchange_makes_the_session_too(http, emby_sim, server) -> None:
    account = emby_sim.add_connect_user("demo")
    link = emby_sim.link(account, server, local_user=server.find_user("alice"))
    token = (await exchange(http, server, link))["AccessToken"]
    assert server.request_count("/Sessions") == 0
    (own,) = _own(await _sessions(http, server, token))
    assert own["UserId"] == link.local_user.id


async def test_own_session_ends_with_its_token(http, server) -> None:
    key = server.create_api_key()

    async def own_listed() -> int:
        async with http.get(f"{server.url}/Sessions", params={"api_key": key}) as response:
            return len(_own(await response.json()))

    token = await sign_in(http, server, "alice", "pw")
    assert await own_listed() == 1
    server.revoke_token(token)
    assert await own_listed() == 0
    token = await sign_in(http, server, "alice", "pw")
    assert await own_listed() == 1
    async with http.post(f"{server.url}/Sessions/Logout", headers=with_token(token)) as response:
        assert response.status == 204
    assert await own_listed() == 0


async def test_api_keys_and_bare_tokens_make_no_session(http, server) -> None:
    key = server.create_api_key()
    token = server.issue_token(server.find_user("bob"))
    async with http.get(f"{server.url}/Sessions", headers={**IDENTITY, "X-Emby-Token": key}):
        pass
    async with http.get(f"{server.url}/Sessions", headers={"X-Emby-Token": token}) as response:
        assert await response.json() == []  # no identity headers: no device to list
    assert server.sessions == {}


async def test_caller_sessions_can_be_turned_off(http, server) -> None:
    server.caller_sessions = False
    token = await sign_in(http, server, "alice", "pw")
    assert await _sessions(http, server, token) == []


async def test_default_demo_world_lists_the_caller(http, emby_sim) -> None:
    await emby_sim.load_demo(servers=1)
    (server,) = emby_sim.servers
    token = await sign_in(http, server, "admin", "admin-password")
    sessions = await _sessions(http, server, token)
    assert len(sessions) == 4
    assert len(_own(sessions)) == 1


# -- the websocket at every path Emby's clients use -----------------------------------------------


def _ws_url(server: SimServer, path: str, token: str) -> str:
    origin = server.local.origin.replace("http", "ws", 1)
    return f"{origin}{path}?api_key={token}&deviceId=dev-ws"


async def _first_message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    async with asyncio.timeout(2):
        return (await ws.receive()).json()


@pytest.mark.parametrize("path", ["/embywebsocket", "/emby/embywebsocket", "/", "/emby/"])
async def test_websocket_paths(http, server, path) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(_ws_url(server, path, token)) as ws:
        assert (await _first_message(ws))["MessageType"] == "ForceKeepAlive"
        assert server.websocket_count == 1


async def test_root_without_websocket_is_the_web_app_and_needs_a_token(http, server) -> None:
    async with http.get(f"{server.url}/", allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == "/web/index.html"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(f"{server.local.origin.replace('http', 'ws', 1)}/?deviceId=x")
    assert refused.value.status == 401


# -- ids and formats ------------------------------------------------------------------------------


async def test_connect_ids_and_formats(http, emby_sim, server) -> None:
    account = emby_sim.add_connect_user("demo")
    link = emby_sim.link(account, server, local_user=server.find_user("alice"))
    assert account.id.isdecimal()
    assert len(account.id) == 5
    assert len(link.link_id) == 32
    int(link.link_id, 16)
    login = await connect_login(http, emby_sim, account)
    assert login["User"]["IsActive"] == "true"
    assert login["User"]["Id"] == account.id


async def test_pins_are_digit_strings_that_may_start_with_zero(http, socket_enabled) -> None:
    async with EmbySimulator(seed=3) as sim:
        account = sim.add_connect_user("demo")
        pins = [sim.connect.create_pin(f"device-{index}") for index in range(60)]
        assert all(len(pin.pin) == 5 and pin.pin.isdecimal() for pin in pins)
        assert len({pin.pin for pin in pins}) == len(pins)
        leading = next(pin for pin in pins if pin.pin.startswith("0"))
        sim.confirm_pin(leading.pin, account)
        async with http.post(
            f"{sim.connect_url}/pin/authenticate",
            data={"deviceId": leading.device_id, "pin": leading.pin},
            headers=APP,
        ) as response:
            assert (await response.json())["UserId"] == account.id


# -- server profiles ------------------------------------------------------------------------------


async def _public(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(f"{url}/System/Info/Public") as response:
        assert response.status == 200
        return await response.json()


@pytest.mark.parametrize(
    ("profile", "version"),
    [("4.6", "4.6.7.0"), ("4.7", "4.7.14.0"), ("4.8", "4.8.11.0"), ("4.9", "4.9.1.80")],
)
async def test_emby_profiles_set_the_version(http, emby_sim, profile, version) -> None:
    server = await emby_sim.add_server(profile=profile)
    info = await _public(http, server.url)
    assert info["Version"] == version
    assert info["LocalAddress"] == server.local_address
    assert ("IsInMaintenanceMode" in info) is (profile == "4.9")


async def test_version_beside_a_profile_wins(emby_sim) -> None:
    server = await emby_sim.add_server(profile="4.7", version="4.7.0.1")
    assert (server.profile.name, server.version) == ("4.7", "4.7.0.1")
    server.use_profile("4.9")
    assert server.version == "4.9.1.80"


@needs_spec
async def test_4_9_reached_remotely_hides_its_addresses(http, emby_sim) -> None:
    server = await emby_sim.add_server(profile="4.9")
    server.is_in_maintenance_mode = True
    remote = await _public(http, server.remote.url)
    assert remote["LocalAddresses"] == remote["RemoteAddresses"] == []
    assert "LocalAddress" not in remote
    assert "WanAddress" not in remote
    assert remote["IsInMaintenanceMode"] is True
    local = await _public(http, server.url)
    assert local["LocalAddresses"] == [server.local_address]
    assert local["WanAddress"] == server.remote_address
    token = await sign_in(http, server, *_admin(server))
    async with http.get(f"{server.remote.url}/System/Info", headers=with_token(token)) as r:
        system = await r.json()
    assert system["RemoteAddresses"] == []
    assert system["IsInMaintenanceMode"] is True
    for answer in (remote, local):
        # IsInMaintenanceMode is newer than the 4.8 spec; everything else must match it.
        known = {key: value for key, value in answer.items() if key != "IsInMaintenanceMode"}
        validate_response("GET", "/System/Info/Public", known)


def _admin(server: SimServer) -> tuple[str, str]:
    server.add_user("root", "root-pw", is_admin=True)
    return "root", "root-pw"


async def test_jellyfin_profile_answers_as_jellyfin(http, emby_sim) -> None:
    server = await emby_sim.add_server(profile="jellyfin")
    info = await _public(http, server.url)
    assert info["ProductName"] == "Jellyfin Server"
    assert info["Version"] == "10.8.13"
    assert int(info["Version"].split(".")[0]) >= 8  # how Emby's apps tell it is not Emby
    assert info["Id"] == server.system_id
    assert "LocalAddresses" not in info
    token = await sign_in(http, server, *_admin(server))
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as response:
        assert (await response.json())["ProductName"] == "Jellyfin Server"


async def test_unknown_profile_is_refused(emby_sim) -> None:
    with pytest.raises(ValueError, match=r"known: 4\.6, 4\.7, 4\.8, 4\.9, jellyfin"):
        await emby_sim.add_server(profile="5.0")


async def test_profile_through_the_control_api(http, emby_sim) -> None:
    url = emby_sim.control_url
    async with http.post(f"{url}/servers", json={"name": "New", "profile": "4.9"}) as response:
        added = await response.json()
    assert (added["profile"], added["version"]) == ("4.9", "4.9.1.80")
    async with http.patch(f"{url}/servers/New", json={"profile": "jellyfin"}) as response:
        assert (await response.json())["version"] == "10.8.13"
    async with http.patch(
        f"{url}/servers/New", json={"profile": "4.7", "version": "4.7.1.0"}
    ) as response:
        assert ((await response.json())["profile"], emby_sim.servers[0].version) == (
            "4.7",
            "4.7.1.0",
        )
    async with http.patch(f"{url}/servers/New", json={"profile": "3.0"}) as response:
        assert response.status == 400


# -- counts and session shapes --------------------------------------------------------------------


async def test_item_counts_as_real_servers_send_them(http, server) -> None:
    server.counts.update({"MovieCount": 5})
    token = await sign_in(http, server, "alice", "pw")
    async with http.get(f"{server.url}/Items/Counts", headers=with_token(token)) as response:
        counts = await response.json()
    assert counts["MovieCount"] == 5
    assert counts["ItemCount"] == 0
    assert {"GameCount", "ProgramCount", "GameSystemCount"} <= set(counts)


async def _sessions_by_id(
    http, server: SimServer, user: tuple[str, str] = ("alice", "pw")
) -> dict[str, dict[str, Any]]:
    token = await sign_in(http, server, *user)
    sessions = await _sessions(http, server, token)
    if SPEC_PATH.exists():
        validate_response("GET", "/Sessions", sessions)
    return {s["Id"]: s for s in sessions}


async def test_sessions_carry_device_and_playlist_fields(http, server) -> None:
    playing = server.play(user=None, client="Emby for Android")
    idle = server.add_idle_session(user=None, client="Some Other App")
    sessions = await _sessions_by_id(http, server)
    shown, quiet = sessions[playing.id], sessions[idle.id]
    assert isinstance(shown["InternalDeviceId"], int)
    assert shown["InternalDeviceId"] != quiet["InternalDeviceId"]
    assert shown["DeviceType"] == "Android"
    assert shown["AppIconUrl"].endswith(".png")
    assert (shown["PlaylistIndex"], shown["PlaylistLength"]) == (0, 1)
    assert (quiet["DeviceType"], quiet["PlaylistLength"]) == ("Other", 0)
    assert "AppIconUrl" not in quiet


async def test_transcoding_shapes(http, server) -> None:
    video = server.play(user=None, transcoding=True, bitrate=12_000_000)
    audio = server.play(user=None, transcoding=True, transcode=Transcode.AUDIO, bitrate=None)
    paused = server.play(user=None, transcoding=True, paused=True, transcoding_info=False)
    reasons = server.play(user=None, transcoding=True, transcode_reasons=("ContainerNotSupported",))
    direct = server.play(user=None)
    sessions = await _sessions_by_id(http, server)

    info = sessions[video.id]["TranscodingInfo"]
    assert (info["IsVideoDirect"], info["IsAudioDirect"]) == (False, False)
    assert info["VideoDecoderIsHardware"] is info["VideoEncoderIsHardware"] is True
    assert info["TranscodeReasons"] == ["VideoCodecNotSupported"]
    assert info["Bitrate"] == 12_000_000

    info = sessions[audio.id]["TranscodingInfo"]
    assert (info["IsVideoDirect"], info["IsAudioDirect"]) == (True, False)
    assert info["TranscodeReasons"] == ["AudioCodecNotSupported"]
    assert info["VideoEncoderIsHardware"] is False
    assert "Bitrate" not in info
    assert sessions[audio.id]["PlayState"]["PlayMethod"] == "Transcode"

    assert "TranscodingInfo" not in sessions[paused.id]
    assert sessions[paused.id]["PlayState"]["PlayMethod"] == "Transcode"
    assert sessions[paused.id]["PlayState"]["IsPaused"] is True

    assert sessions[reasons.id]["TranscodingInfo"]["TranscodeReasons"] == ["ContainerNotSupported"]
    assert "TranscodingInfo" not in sessions[direct.id]


async def test_demo_has_a_paused_transcode_without_transcoding_info(http, emby_sim) -> None:
    await emby_sim.load_demo(servers=1)
    (server,) = emby_sim.servers
    (paused,) = [s for s in server.sessions.values() if s.paused]
    sessions = await _sessions_by_id(http, server, ("admin", "admin-password"))
    assert sessions[paused.id]["PlayState"]["PlayMethod"] == "Transcode"
    assert "TranscodingInfo" not in sessions[paused.id]


# -- token forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "params"),
    [({"X-Emby-Token": "{t}"}, {}), ({}, {"api_key": "{t}"}), ({}, {"ApiKey": "{t}"})],
)
async def test_token_alone_is_accepted(http, server, headers, params) -> None:
    token = await sign_in(http, server, "alice", "pw")
    filled = {key: value.replace("{t}", token) for key, value in headers.items()}
    query = {key: value.replace("{t}", token) for key, value in params.items()}
    async with http.get(f"{server.url}/System/Info", headers=filled, params=query) as response:
        assert response.status == 200


# -- a reverse proxy that publishes only Emby's app paths ----------------------------------------


@pytest.mark.parametrize("proxied", ["local", "remote"])
async def test_emby_paths_proxy_on_one_listener(http, server, proxied) -> None:
    proxy_listener = server.local if proxied == "local" else server.remote
    other = server.remote if proxied == "local" else server.local
    proxy_listener.proxy = Proxy.EMBY_PATHS
    async with http.get(f"{proxy_listener.url}/System/Info/Public") as response:
        assert response.status == 404
        assert response.content_type == "text/html"
        assert response.headers["Server"] == "nginx"
        assert "<center>nginx</center>" in await response.text()
    assert (await _public(http, f"{proxy_listener.url}/emby"))["Id"] == server.system_id
    assert (await _public(http, other.url))["Id"] == server.system_id  # the other is direct
    token = await sign_in(http, server, "alice", "pw") if proxied == "remote" else None
    if token is None:
        async with http.post(
            f"{proxy_listener.url}/emby/Users/AuthenticateByName",
            json={"Username": "alice", "Pw": "pw"},
            headers=IDENTITY,
        ) as response:
            token = (await response.json())["AccessToken"]
    origin = proxy_listener.origin.replace("http", "ws", 1)
    for path in ("/embywebsocket", "/emby/embywebsocket"):
        async with http.ws_connect(f"{origin}{path}?api_key={token}&deviceId=d") as ws:
            assert (await _first_message(ws))["MessageType"] == "ForceKeepAlive"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(f"{origin}/?api_key={token}&deviceId=d")
    assert refused.value.status == 404


async def test_proxy_through_the_control_api(http, emby_sim, server) -> None:
    url = f"{emby_sim.control_url}/servers/{server.name}"
    async with http.post(f"{url}/proxy", json={"proxy": "emby_paths", "listener": "remote"}) as r:
        described = await r.json()
    assert (described["local_proxy"], described["remote_proxy"]) == ("NONE", "EMBY_PATHS")
    async with http.patch(url, json={"proxy": "EMBY_PATHS"}) as response:
        assert (await response.json())["local_proxy"] == "EMBY_PATHS"
    assert server.proxy is Proxy.EMBY_PATHS
    server.proxy = Proxy.NONE
    assert server.remote.proxy is Proxy.NONE
