"""Simulated Emby apps: they take remote control, change their play state, push, and refuse."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
import functools
import time
from typing import Any

import aiohttp
import freezegun
import freezegun.api
import pytest

from embysim import EmbySimulator, SimServer, SimSession
from embysim.clients import ANDROID_TV, DLNA, PROFILES, THEATER, WEB, find_profile
from embysim.models import TICKS_PER_SECOND
from embysim.playback import PLAYSTATE_COMMANDS, plan_playstate
from tests.living_room import add_living_room

from .helpers import sign_in, with_token
from .openapi import SPEC_PATH, validate_response

TPS = TICKS_PER_SECOND
# freezegun replaces time.monotonic; a partial of clock_gettime stays the real clock.
_real_monotonic = functools.partial(time.clock_gettime, time.CLOCK_MONOTONIC)


@contextmanager
def _frozen_wall_clock() -> Iterator[freezegun.api.FrozenDateTimeFactory]:
    """Freeze the wall clock (time travel), keeping the event loop on real time."""
    loop = asyncio.get_running_loop()
    with freezegun.freeze_time("2026-01-01 12:00:00") as frozen:
        frozen_loop_time = loop.time
        loop.time = _real_monotonic  # type: ignore[method-assign]
        try:
            yield frozen
        finally:
            loop.time = frozen_loop_time  # type: ignore[method-assign]


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a server with a library, an admin, a plain user and no delay in its apps."""
    server = await add_living_room(emby_sim, library=True)
    server.client_delay = 0
    return server


@pytest.fixture
async def token(http: aiohttp.ClientSession, server: SimServer) -> str:
    """Return an administrator's token."""
    return await sign_in(http, server, "admin", "admin-pw")


def _items(server: SimServer, kind: str) -> list[str]:
    """Return the ids of the library's items of a type, in generation order."""
    return [item.id for item in server.library.items.values() if item.type == kind]


async def _post(
    http: aiohttp.ClientSession,
    server: SimServer,
    token: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    json: Any = None,
) -> tuple[int, str]:
    """POST a remote-control call; return the status and the body text."""
    async with http.post(
        f"{server.url}{path}", params=params, json=json, headers=with_token(token)
    ) as response:
        return response.status, await response.text()


async def _settled(server: SimServer) -> None:
    """Let the apps obey what they received (their delay, then one loop turn)."""
    await asyncio.sleep(server.client_delay + 0.01)


async def _session_json(
    http: aiohttp.ClientSession, server: SimServer, token: str, session: SimSession
) -> dict[str, Any]:
    """Return a session as GET /Sessions shows it."""
    async with http.get(
        f"{server.url}/Sessions", params={"Id": session.id}, headers=with_token(token)
    ) as response:
        (data,) = await response.json()
    return data


# -- client profiles ----------------------------------------------------------------------------


async def test_sessions_show_their_apps_capabilities(http, server, token) -> None:
    sessions = {key: server.add_idle_session(user=None, profile=key) for key in PROFILES}
    async with http.get(f"{server.url}/Sessions", headers=with_token(token)) as response:
        answer = {data["Id"]: data for data in await response.json()}
    for key, session in sessions.items():
        data, profile = answer[session.id], PROFILES[key]
        assert data["Client"] == profile.client
        assert data["DeviceName"] == profile.device_name
        assert data["ApplicationVersion"] == profile.application_version
        assert data["SupportsRemoteControl"] is profile.supports_remote_control
        assert data["SupportedCommands"] == list(profile.supported_commands)
        assert data["PlayableMediaTypes"] == list(profile.playable_media_types)
        assert data["PlayState"]["VolumeLevel"] == 100
        assert data["PlayState"]["IsMuted"] is False
        assert data["PlayState"]["RepeatMode"] == "RepeatNone"
        assert data["PlayState"]["Shuffle"] is False
    assert "SetVolume" not in answer[sessions["android_tv"].id]["SupportedCommands"]
    assert answer[sessions["dlna"].id]["SupportedCommands"] == []
    if SPEC_PATH.exists():
        validate_response("GET", "/Sessions", list(answer.values()))


def test_profiles_are_found_by_key_or_client_name() -> None:
    assert find_profile("theater") is THEATER
    assert find_profile("EMBY THEATER") is THEATER
    assert find_profile("nope") is None


async def test_sessions_take_their_profile_from_the_client_name(server) -> None:
    assert server.add_idle_session(user=None).client == THEATER.client
    tv = server.play(user=None, client="Emby for Android TV", device_name="Den")
    assert tv.supported_commands == ANDROID_TV.supported_commands
    assert tv.device_name == "Den"
    unknown = server.play(user=None, client="Some Fork")
    assert unknown.client == "Some Fork"
    assert unknown.supported_commands == WEB.supported_commands
    with pytest.raises(ValueError, match="no client profile"):
        server.add_idle_session(user=None, profile="toaster")


# -- play -----------------------------------------------------------------------------------------


async def test_play_now_plays_library_items_and_pushes(http, server, token) -> None:
    movies = _items(server, "Movie")[:3]
    session = server.add_idle_session(user=server.find_user("bob"), profile="theater")
    server.client_delay = 0.05
    ws_url = f"{server.url.replace('http', 'ws', 1)}/embywebsocket?api_key={token}&deviceId=ws"
    async with http.ws_connect(ws_url) as ws:
        await ws.send_json({"MessageType": "SessionsStart", "Data": "0,1500"})
        await _next_sessions(ws)
        status, _ = await _post(
            http,
            server,
            token,
            f"/Sessions/{session.id}/Playing",
            params={
                "ItemIds": ",".join(movies),
                "PlayCommand": "PlayNow",
                "StartPositionTicks": str(120 * TPS),
            },
        )
        assert status == 204
        assert session.is_playing is False  # the app obeys a moment later
        (pushed,) = [s for s in await _next_sessions(ws) if s["Id"] == session.id]
    assert pushed["NowPlayingItem"]["Id"] == movies[0]
    assert pushed["NowPlayingItem"]["Type"] == "Movie"
    assert pushed["NowPlayingItem"]["ImageTags"]["Primary"]
    assert pushed["PlayState"]["PositionTicks"] == 120 * TPS
    assert pushed["PlayState"]["IsPaused"] is False
    assert (pushed["PlaylistIndex"], pushed["PlaylistLength"]) == (0, 3)
    (command,) = server.client_commands(session.id)
    assert (command.kind, command.name) == ("Play", "PlayNow")
    assert command.arguments == {
        "ItemIds": ",".join(movies),
        "PlayCommand": "PlayNow",
        "StartPositionTicks": str(120 * TPS),
    }
    assert command.user_id == server.find_user("admin").id
    assert command.accepted
    if SPEC_PATH.exists():
        validate_response("GET", "/Sessions", [pushed])


async def _next_sessions(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
    """Return the next Sessions push."""
    async with asyncio.timeout(2):
        while True:
            data = (await ws.receive()).json()
            if data["MessageType"] == "Sessions":
                return data["Data"]


async def test_play_next_and_last_queue_and_tracks_skip(http, server, token) -> None:
    songs = _items(server, "Audio")
    session = server.add_idle_session(user=None, profile="web")
    playing = f"/Sessions/{session.id}/Playing"

    await _post(
        http, server, token, playing, params={"ItemIds": songs[0], "PlayCommand": "PlayNext"}
    )
    await _settled(server)
    assert session.queue == [songs[0]]  # nothing was playing: PlayNext plays now
    await _post(
        http, server, token, playing, params={"ItemIds": songs[1], "PlayCommand": "PlayLast"}
    )
    await _post(
        http, server, token, playing, params={"ItemIds": songs[2], "PlayCommand": "PlayNext"}
    )
    await _settled(server)
    assert session.queue == [songs[0], songs[2], songs[1]]
    assert session.item_id == songs[0]

    for expected in (songs[2], songs[1], songs[1]):  # the last NextTrack has nowhere to go
        await _post(http, server, token, f"{playing}/NextTrack")
        await _settled(server)
        assert session.item_id == expected
    session.repeat_mode = "RepeatAll"
    await _post(http, server, token, f"{playing}/NextTrack")
    await _settled(server)
    assert session.item_id == songs[0]

    await _post(http, server, token, f"{playing}/Seek", params={"SeekPositionTicks": str(60 * TPS)})
    await _post(http, server, token, f"{playing}/PreviousTrack")  # 60 s in: restart
    await _settled(server)
    assert (session.item_id, session.position_seconds) == (songs[0], 0)
    session.queue_index = 2
    await _post(http, server, token, f"{playing}/PreviousTrack")
    await _settled(server)
    assert session.item_id == songs[2]

    data = await _session_json(http, server, token, session)
    assert data["NowPlayingItem"]["Album"]
    assert data["NowPlayingItem"]["AlbumPrimaryImageTag"]
    assert data["NowPlayingItem"]["MediaType"] == "Audio"


async def test_play_accepts_a_json_body_and_shuffle(http, server, token) -> None:
    songs = _items(server, "Audio")[:6]
    session = server.add_idle_session(user=None, profile="web")
    status, _ = await _post(
        http,
        server,
        token,
        f"/Sessions/{session.id}/Playing",
        params={"ItemIds": ",".join(songs), "PlayCommand": "PlayShuffle"},
        json={"StartIndex": 2, "ControllingUserId": "x"},
    )
    assert status == 204
    await _settled(server)
    assert sorted(session.queue) == sorted(songs)
    assert session.queue != songs
    assert session.shuffle is True
    assert session.queue_index == 2
    assert server.client_commands(session.id)[0].arguments["StartIndex"] == "2"


async def test_play_item_directly_and_the_queue_survives_removal(server) -> None:
    episode = server.library.items[_items(server, "Episode")[0]]
    session = server.add_idle_session(user=None, profile="theater")
    server.play_item(session.id, episode, position_seconds=30, paused=True)
    assert session.position_seconds == 30
    assert session.now_playing is not None
    assert session.now_playing["SeriesName"] == episode.series_name
    assert session.paused is True
    del server.library.items[episode.id]  # the item left the library: the app stops
    session.queue = [episode.id, episode.id]
    plan_playstate("NextTrack", None, server.library)(session)
    assert session.is_playing is False


# -- playstate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "params", "paused", "position"),
    [
        ("Pause", None, True, 600),
        ("Unpause", None, False, 600),
        ("PlayPause", None, True, 600),
        ("Seek", {"SeekPositionTicks": str(1234 * TPS)}, False, 1234),
        ("SeekRelative", {"SeekPositionTicks": str(-100 * TPS)}, False, 500),
        ("Rewind", None, False, 590),
        ("FastForward", None, False, 630),
        ("seek", {"SeekPositionTicks": str(99_999 * TPS)}, False, 5400),  # clamped to the end
    ],
)
async def test_playstate_commands(
    http, server, token, *, command, params, paused, position
) -> None:
    with _frozen_wall_clock():
        session = server.play(user=None, client="Emby Theater", position_seconds=600)
        status, _ = await _post(
            http, server, token, f"/Sessions/{session.id}/Playing/{command}", params=params
        )
        assert status == 204
        await _settled(server)
        assert (session.paused, session.current_position()) == (paused, position)
    (received,) = server.client_commands(session.id)
    assert received.name.lower() == command.lower()
    assert received.name in PLAYSTATE_COMMANDS  # the canonical spelling


async def test_stop_and_idle_apps_ignore_playstate(http, server, token) -> None:
    session = server.play(user=None, client="Emby Web")
    await _post(http, server, token, f"/Sessions/{session.id}/Playing/Stop")
    await _settled(server)
    assert session.is_playing is False
    data = await _session_json(http, server, token, session)
    assert "NowPlayingItem" not in data
    assert data["PlaylistLength"] == 0
    status, _ = await _post(http, server, token, f"/Sessions/{session.id}/Playing/Pause")
    await _settled(server)
    assert status == 204
    assert session.paused is False


async def test_time_travel_moves_the_position_only_while_playing(http, server, token) -> None:
    with _frozen_wall_clock() as frozen:
        session = server.play(user=None, client="Emby Theater", position_seconds=10)
        frozen.tick(60)
        assert session.current_position() == 70
        await _post(http, server, token, f"/Sessions/{session.id}/Playing/Pause")
        await _settled(server)
        frozen.tick(600)
        assert session.current_position() == 70
        data = await _session_json(http, server, token, session)
        assert data["PlayState"]["PositionTicks"] == 70 * TPS
        await _post(http, server, token, f"/Sessions/{session.id}/Playing/Unpause")
        await _settled(server)
        frozen.tick(5)
        assert session.current_position() == 75


# -- general commands and messages ---------------------------------------------------------------


async def test_general_commands_change_volume_mute_repeat_and_shuffle(http, server, token) -> None:
    session = server.add_idle_session(user=None, profile="theater")
    command = f"/Sessions/{session.id}/Command"
    steps: list[tuple[str, dict[str, Any] | None, dict[str, Any]]] = [
        ("", {"Name": "SetVolume", "Arguments": {"Volume": "35"}}, {"volume_level": 35}),
        ("/VolumeUp", None, {"volume_level": 37}),
        ("/VolumeDown", None, {"volume_level": 35}),
        ("/Mute", None, {"muted": True}),
        ("/Unmute", None, {"muted": False}),
        ("/ToggleMute", None, {"muted": True}),
        (
            "/SetRepeatMode",
            {"Arguments": {"RepeatMode": "RepeatOne"}},
            {"repeat_mode": "RepeatOne"},
        ),
        (
            "",
            {"Name": "SetShuffleQueue", "Arguments": {"ShuffleMode": "Shuffle"}},
            {"shuffle": True},
        ),
        ("/MoveUp", None, {}),
        ("/GoHome", None, {}),
    ]
    for suffix, body, expected in steps:
        status, text = await _post(http, server, token, command + suffix, json=body)
        assert status == 204, text
        await _settled(server)
        for name, value in expected.items():
            assert getattr(session, name) == value, (suffix, body)
    names = [c.name for c in server.client_commands(session.id)]
    assert names == [
        "SetVolume",
        "VolumeUp",
        "VolumeDown",
        "Mute",
        "Unmute",
        "ToggleMute",
        "SetRepeatMode",
        "SetShuffleQueue",
        "MoveUp",
        "GoHome",
    ]
    assert server.client_commands(session.id)[0].arguments == {"Volume": "35"}
    assert server.client_commands(session.id)[0].kind == "GeneralCommand"
    data = await _session_json(http, server, token, session)
    assert (
        data["PlayState"] | {"VolumeLevel": 35, "IsMuted": True, "RepeatMode": "RepeatOne"}
        == data["PlayState"]
    )
    assert data["PlayState"]["Shuffle"] is True


async def test_volume_takes_query_arguments_and_stays_in_range(http, server, token) -> None:
    session = server.add_idle_session(user=None, profile="web")
    await _post(
        http, server, token, f"/Sessions/{session.id}/Command/SetVolume", params={"Volume": "99"}
    )
    await _post(http, server, token, f"/Sessions/{session.id}/Command/VolumeUp")
    await _post(http, server, token, f"/Sessions/{session.id}/Command/VolumeUp")
    await _settled(server)
    assert session.volume_level == 100
    await _post(
        http, server, token, f"/Sessions/{session.id}/Command/SetVolume", params={"Volume": "1"}
    )
    await _post(http, server, token, f"/Sessions/{session.id}/Command/VolumeDown")
    await _settled(server)
    assert session.volume_level == 0


async def test_message_is_recorded_with_its_arguments(http, server, token) -> None:
    session = server.add_idle_session(user=None, profile="theater")
    status, _ = await _post(
        http,
        server,
        token,
        f"/Sessions/{session.id}/Message",
        params={"Header": "Doorbell", "Text": "Someone is at the door", "TimeoutMs": "5000"},
    )
    assert status == 204
    (command,) = server.client_commands(session.id)
    assert (command.kind, command.name) == ("Message", "DisplayMessage")
    assert command.arguments == {
        "Header": "Doorbell",
        "Text": "Someone is at the door",
        "TimeoutMs": "5000",
    }


# -- refusals -------------------------------------------------------------------------------------


async def test_an_app_without_remote_control_refuses_everything(http, server, token) -> None:
    session = server.add_idle_session(user=None, profile=DLNA)
    song = _items(server, "Audio")[0]
    calls = [
        ("/Playing", {"ItemIds": song, "PlayCommand": "PlayNow"}),
        ("/Playing/Pause", None),
        ("/Command/Mute", None),
        ("/Message", {"Text": "hi", "Header": "h"}),
    ]
    for suffix, params in calls:
        status, text = await _post(
            http, server, token, f"/Sessions/{session.id}{suffix}", params=params
        )
        assert status == 400
        assert "does not support remote control" in text
    await _settled(server)
    assert server.client_commands(session.id) == []
    refused = server.client_commands(session.id, include_refused=True)
    assert [c.name for c in refused] == ["PlayNow", "Pause", "Mute", "DisplayMessage"]
    assert all(not c.accepted and c.refused for c in refused)
    assert session.is_playing is False


@pytest.mark.parametrize(
    ("profile", "suffix", "params", "body", "message"),
    [
        ("android_tv", "/Command/SetVolume", {"Volume": "5"}, None, "does not support the command"),
        ("android_tv", "/Command", None, {"Name": "ToggleMute"}, "does not support the command"),
        ("web", "/Command/Teleport", None, None, "does not support the command"),
        ("web", "/Command", None, {"Name": "SetVolume", "Arguments": {"Volume": "x"}}, "Volume"),
        ("web", "/Command", None, {"Name": "SetVolume", "Arguments": {"Volume": "101"}}, "Volume"),
        ("web", "/Command/SetRepeatMode", {"RepeatMode": "Forever"}, None, "RepeatMode"),
        ("web", "/Command/SetShuffleQueue", {"ShuffleMode": "Maybe"}, None, "ShuffleMode"),
        ("web", "/Playing/Jump", None, None, "not a playstate command"),
        ("web", "/Playing/Seek", None, None, "needs SeekPositionTicks"),
        ("web", "/Playing/Seek", {"SeekPositionTicks": "soon"}, None, "integer"),
        ("web", "/Playing", {"ItemIds": "", "PlayCommand": "PlayNow"}, None, "names no item"),
        ("web", "/Playing", {"ItemIds": "999", "PlayCommand": "PlayNow"}, None, "not found"),
        (
            "web",
            "/Playing",
            {"ItemIds": "{movie}", "PlayCommand": "PlayLater"},
            None,
            "PlayCommand",
        ),
        ("web", "/Playing", {"ItemIds": "{photo}", "PlayCommand": "PlayNow"}, None, "cannot play"),
        ("web", "/Playing", {"ItemIds": "{series}", "PlayCommand": "PlayNow"}, None, "cannot play"),
        ("web", "/Playing", {"ItemIds": "{movie}", "StartIndex": "3"}, None, "outside"),
        ("web", "/Playing", {"ItemIds": "{movie}", "StartPositionTicks": "-1"}, None, "negative"),
        ("web", "/Message", {"Header": "no text"}, None, "Text is required"),
        ("web", "/Message", {"Text": "t", "TimeoutMs": "later"}, None, "integer"),
        ("android", "/Command/MoveUp", None, None, "does not support the command"),
    ],
)
async def test_refused_commands_answer_400_and_change_nothing(
    http, server, token, *, profile, suffix, params, body, message
) -> None:
    ids = {
        "{movie}": _items(server, "Movie")[0],
        "{photo}": _items(server, "Photo")[0],
        "{series}": _items(server, "Series")[0],
    }
    params = {k: ids.get(v, v) for k, v in (params or {}).items()}
    session = server.add_idle_session(user=None, profile=profile)
    status, text = await _post(
        http, server, token, f"/Sessions/{session.id}{suffix}", params=params, json=body
    )
    assert status == 400
    assert message in text
    await _settled(server)
    (refused,) = server.client_commands(session.id, include_refused=True)
    assert refused.refused == text
    assert server.client_commands(session.id) == []
    assert (session.is_playing, session.volume_level, session.muted) == (False, 100, False)


async def test_unknown_sessions_and_other_users_sessions(http, server, token) -> None:
    bob = server.find_user("bob")
    admin_session = server.add_idle_session(user=server.find_user("admin"))
    own = server.add_idle_session(user=bob)
    bob_token = await sign_in(http, server, "bob", "bob-pw")
    status, text = await _post(http, server, token, "/Sessions/nope/Playing/Pause")
    assert (status, text) == (404, "Session nope not found.")
    status, _ = await _post(http, server, bob_token, f"/Sessions/{admin_session.id}/Command/Mute")
    assert status == 403
    status, _ = await _post(http, server, bob_token, f"/Sessions/{own.id}/Command/Mute")
    assert status == 204
    api_key = server.create_api_key()
    status, _ = await _post(http, server, api_key, f"/Sessions/{own.id}/Command/Unmute")
    assert status == 204
    assert [c.user_id for c in server.client_commands(own.id)] == [bob.id, None]
    status, _ = await _post(http, server, "0" * 32, f"/Sessions/{own.id}/Command/Mute")
    assert status == 401


async def test_a_bob_may_play_only_what_bob_may_see(http, server) -> None:
    bob = server.find_user("bob")
    bob.enabled_folders = frozenset({server.library.find_view("Music").id})
    bob_token = await sign_in(http, server, "bob", "bob-pw")
    session = server.add_idle_session(user=bob, profile="web")
    movie, song = _items(server, "Movie")[0], _items(server, "Audio")[0]
    status, _ = await _post(
        http, server, bob_token, f"/Sessions/{session.id}/Playing", params={"ItemIds": movie}
    )
    assert status == 400
    status, _ = await _post(
        http, server, bob_token, f"/Sessions/{session.id}/Playing", params={"ItemIds": song}
    )
    assert status == 204


# -- timing ---------------------------------------------------------------------------------------


async def test_the_app_obeys_after_its_delay_and_not_after_leaving(http, server, token) -> None:
    server.client_delay = 0.2
    assert server.client_delay == 0.2
    session = server.add_idle_session(user=None, profile="web")
    await _post(http, server, token, f"/Sessions/{session.id}/Command/Mute")
    await asyncio.sleep(0.05)
    assert session.muted is False
    await asyncio.sleep(0.25)
    assert session.muted is True

    gone = server.add_idle_session(user=None, profile="web")
    await _post(http, server, token, f"/Sessions/{gone.id}/Command/Mute")
    server.remove_session(gone.id)
    await asyncio.sleep(0.3)
    assert gone.muted is False
    assert len(server.client_commands(gone.id)) == 1
    received = server.client_commands(gone.id)[0]
    assert received.loop_time <= asyncio.get_running_loop().time()


async def test_command_bodies_as_forms_and_broken_json(http, server, token) -> None:
    session = server.add_idle_session(user=None, profile="web")
    url = f"{server.url}/Sessions/{session.id}/Command"
    async with http.post(url, data={"Name": "Mute"}, headers=with_token(token)) as response:
        assert response.status == 204
    headers = {**with_token(token), "Content-Type": "application/json"}
    for broken in ("{not json", "[1, 2]"):
        async with http.post(url, data=broken, headers=headers) as response:
            assert response.status == 400
    session.supported_commands = ("MoveUp",)
    status, text = await _post(
        http, server, token, f"/Sessions/{session.id}/Message", params={"Text": "hi"}
    )
    assert (status, "DisplayMessage" in text) == (400, True)
    names = [c.name for c in server.client_commands(session.id, include_refused=True)]
    assert names == ["Mute", "", "", "DisplayMessage"]
