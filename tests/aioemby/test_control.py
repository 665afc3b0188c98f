"""Remote control over real HTTP: each command reaches the simulated app once, or is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ClientCapabilities,
    ClientIdentity,
    EmbyAuthenticationError,
    EmbyCommandError,
    EmbyConnectionError,
    EmbyControl,
    EmbyResponseError,
    EmbyServer,
    EmbyWebSocket,
    GeneralCommand,
    MediaType,
    PlayCommand,
    PlaystateCommand,
    RepeatMode,
    SessionsMessage,
)
from custom_components.emby_connect.aioemby._http import MAX_RESPONSE_BYTES
from custom_components.emby_connect.aioemby.media_models import NAVIGATION_COMMANDS
from embysim import EmbySimulator, Fault, SimServer, SimSession
from tests.living_room import add_living_room

from .conftest import HostileServer

TPS = 10_000_000


@dataclass
class Rig:
    """A simulated server with a library, a signed-in client and its control API."""

    server: SimServer
    client: EmbyServer
    control: EmbyControl

    def ids(self, kind: str) -> list[str]:
        """Return the library's item ids of a type."""
        return [item.id for item in self.server.library.items.values() if item.type == kind]

    async def settled(self) -> None:
        """Let the apps obey what they received."""
        await asyncio.sleep(self.server.client_delay + 0.02)


@pytest.fixture
async def rig(emby_sim: EmbySimulator, session: ClientSession, identity: ClientIdentity) -> Rig:
    """Return a server with a library and an administrator signed in."""
    server = await add_living_room(emby_sim, library=True)
    server.client_delay = 0
    client = EmbyServer(url=server.url, identity=identity, session=session, request_timeout=2)
    await client.authenticate_by_name("admin", "admin-pw")
    return Rig(server, client, EmbyControl(client))


def _one(rig: Rig, session: SimSession) -> tuple[str, str, dict[str, str]]:
    """Return the one command a session received: kind, name, arguments."""
    (command,) = rig.server.client_commands(session.id)
    return command.kind, command.name, command.arguments


# -- each command, once, with its parameters ----------------------------------------------------


async def test_play_reaches_the_app_once_with_its_parameters(rig: Rig) -> None:
    session = rig.server.add_idle_session(user=None, profile="theater")
    movies = rig.ids("Movie")[:2]
    await rig.control.play(
        session.id,
        movies,
        start_position_ticks=90 * TPS,
        start_index=1,
        media_source_id="ms1",
        audio_stream_index=2,
        subtitle_stream_index=3,
    )
    assert _one(rig, session) == (
        "Play",
        "PlayNow",
        {
            "ItemIds": ",".join(movies),
            "PlayCommand": "PlayNow",
            "StartPositionTicks": str(90 * TPS),
            "StartIndex": "1",
            "MediaSourceId": "ms1",
            "AudioStreamIndex": "2",
            "SubtitleStreamIndex": "3",
        },
    )
    await rig.settled()
    (seen,) = await rig.client.get_sessions(device_id=session.device_id)
    assert seen.now_playing is not None
    assert seen.now_playing.id == movies[1]
    assert seen.now_playing.image_tags["Primary"]
    assert seen.play_state.position_ticks == 90 * TPS


async def test_play_next_and_last(rig: Rig) -> None:
    session = rig.server.add_idle_session(user=None, profile="web")
    songs = rig.ids("Audio")[:3]
    await rig.control.play(session.id, songs[:1])
    await rig.control.play(session.id, songs[1:2], command=PlayCommand.PLAY_LAST)
    await rig.control.play(session.id, songs[2:], command=PlayCommand.PLAY_NEXT)
    await rig.settled()
    assert session.queue == [songs[0], songs[2], songs[1]]
    (seen,) = await rig.client.get_sessions(device_id=session.device_id)
    assert seen.now_playing is not None
    assert seen.now_playing.album_id
    assert seen.now_playing.album_primary_image_tag
    assert seen.now_playing.album_artist


@pytest.mark.parametrize(
    ("call", "name", "arguments", "check"),
    [
        (lambda c, s: c.playstate(s, PlaystateCommand.PAUSE), "Pause", {}, lambda s: s.paused),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.PLAY_PAUSE),
            "PlayPause",
            {},
            lambda s: s.paused,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.UNPAUSE),
            "Unpause",
            {},
            lambda s: not s.paused,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.STOP),
            "Stop",
            {},
            lambda s: not s.is_playing,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.NEXT_TRACK),
            "NextTrack",
            {},
            lambda s: s.queue_index == 1,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.PREVIOUS_TRACK),
            "PreviousTrack",
            {},
            lambda s: s.position_seconds == 0,
        ),
        (
            lambda c, s: c.seek(s, 42 * TPS),
            "Seek",
            {"SeekPositionTicks": str(42 * TPS)},
            lambda s: s.position_seconds == 42,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.SEEK_RELATIVE, seek_position_ticks=-TPS),
            "SeekRelative",
            {"SeekPositionTicks": str(-TPS)},
            lambda s: s.position_seconds == 119,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.FAST_FORWARD),
            "FastForward",
            {},
            lambda s: s.position_seconds == 150,
        ),
        (
            lambda c, s: c.playstate(s, PlaystateCommand.REWIND),
            "Rewind",
            {},
            lambda s: s.position_seconds == 110,
        ),
    ],
)
async def test_playstate_commands(
    rig: Rig,
    call: Callable[[EmbyControl, str], Awaitable[None]],
    name: str,
    arguments: dict[str, str],
    check: Callable[[SimSession], bool],
) -> None:
    session = rig.server.add_idle_session(user=None, profile="theater")
    songs = rig.ids("Audio")[:2]
    rig.server.play_item(session.id, rig.server.library.items[songs[0]], position_seconds=120)
    session.queue = songs
    if name == "Unpause":
        session.paused = True
    await call(rig.control, session.id)
    assert _one(rig, session) == ("Playstate", name, arguments)
    await rig.settled()
    assert check(session)


@pytest.mark.parametrize(
    ("call", "name", "arguments", "field", "value"),
    [
        (lambda c, s: c.set_volume(s, 30), "SetVolume", {"Volume": "30"}, "volume_level", 30),
        (
            lambda c, s: c.send_command(s, GeneralCommand.VOLUME_UP),
            "VolumeUp",
            {},
            "volume_level",
            100,
        ),
        (
            lambda c, s: c.send_command(s, GeneralCommand.VOLUME_DOWN),
            "VolumeDown",
            {},
            "volume_level",
            98,
        ),
        (lambda c, s: c.send_command(s, GeneralCommand.MUTE), "Mute", {}, "muted", True),
        (lambda c, s: c.send_command(s, GeneralCommand.UNMUTE), "Unmute", {}, "muted", False),
        (
            lambda c, s: c.send_command(s, GeneralCommand.TOGGLE_MUTE),
            "ToggleMute",
            {},
            "muted",
            True,
        ),
        (
            lambda c, s: c.set_repeat_mode(s, RepeatMode.ALL),
            "SetRepeatMode",
            {"RepeatMode": "RepeatAll"},
            "repeat_mode",
            "RepeatAll",
        ),
        (
            lambda c, s: c.set_shuffle(s, shuffle=True),
            "SetShuffleQueue",
            {"ShuffleMode": "Shuffle"},
            "shuffle",
            True,
        ),
        (
            lambda c, s: c.set_shuffle(s, shuffle=False),
            "SetShuffleQueue",
            {"ShuffleMode": "Sorted"},
            "shuffle",
            False,
        ),
        (
            lambda c, s: c.send_command(s, GeneralCommand.SEND_STRING, {"String": "a", "X": True}),
            "SendString",
            {"String": "a", "X": "true"},
            "muted",
            False,
        ),
    ],
)
async def test_general_commands(
    rig: Rig,
    *,
    call: Callable[[EmbyControl, str], Awaitable[None]],
    name: str,
    arguments: dict[str, str],
    field: str,
    value: Any,
) -> None:
    session = rig.server.add_idle_session(user=None, profile="theater")
    await call(rig.control, session.id)
    assert _one(rig, session) == ("GeneralCommand", name, arguments)
    await rig.settled()
    assert getattr(session, field) == value
    (seen,) = await rig.client.get_sessions(device_id=session.device_id)
    assert seen.play_state.volume_level == session.volume_level
    assert seen.play_state.is_muted is session.muted
    assert seen.play_state.repeat_mode == session.repeat_mode
    assert seen.play_state.shuffle is session.shuffle


@pytest.mark.parametrize("command", sorted(NAVIGATION_COMMANDS))
async def test_every_navigation_command(rig: Rig, command: GeneralCommand) -> None:
    session = rig.server.add_idle_session(user=None, profile="theater")
    await rig.control.send_command(session.id, command)
    assert _one(rig, session) == ("GeneralCommand", str(command), {})


async def test_display_message(rig: Rig) -> None:
    session = rig.server.add_idle_session(user=None, profile="theater")
    await rig.control.display_message(
        session.id, "Dinner is ready", header="Kitchen", timeout_ms=8000
    )
    await rig.control.display_message(session.id, "No timeout")
    first, second = rig.server.client_commands(session.id)
    assert (first.kind, first.name) == ("Message", "DisplayMessage")
    assert first.arguments == {"Header": "Kitchen", "Text": "Dinner is ready", "TimeoutMs": "8000"}
    assert second.arguments == {"Header": "", "Text": "No timeout"}


async def test_a_command_comes_back_as_a_push(rig: Rig) -> None:
    session = rig.server.add_idle_session(user=None, profile="web")
    rig.server.client_delay = 0.05
    assert rig.client.access_token is not None
    websocket = EmbyWebSocket(
        url=rig.server.url,
        access_token=rig.client.access_token,
        device_id="push-test",
        session=rig.client.session,
    )
    pushed: asyncio.Queue[SessionsMessage] = asyncio.Queue()
    async with websocket:
        await websocket.connect()
        listening = asyncio.create_task(
            websocket.listen(
                lambda m: pushed.put_nowait(m) if isinstance(m, SessionsMessage) else None
            )
        )
        await asyncio.wait_for(pushed.get(), 2)  # the answer to SessionsStart
        await rig.control.send_command(session.id, GeneralCommand.MUTE)
        message = await asyncio.wait_for(pushed.get(), 2)
        listening.cancel()
    (muted,) = [s for s in message.sessions if s.id == session.id]
    assert muted.play_state.is_muted is True


# -- capabilities ---------------------------------------------------------------------------------


async def test_capabilities_come_from_the_session(rig: Rig) -> None:
    for profile in ("theater", "web", "android_tv", "android", "ios", "dlna"):
        rig.server.add_idle_session(user=None, profile=profile, device_id=profile)
    by_device = {
        s.device_id: ClientCapabilities.from_session(s) for s in await rig.client.get_sessions()
    }
    theater, tv, dlna = by_device["theater"], by_device["android_tv"], by_device["dlna"]
    assert theater.supports(GeneralCommand.SET_VOLUME)
    assert theater.can_play(MediaType.VIDEO)
    assert GeneralCommand.SELECT in theater.navigation_commands
    assert not tv.supports(GeneralCommand.SET_VOLUME)
    assert tv.supports(GeneralCommand.MOVE_UP)
    assert not dlna.supports_remote_control
    assert not dlna.supports(GeneralCommand.DISPLAY_MESSAGE)
    assert not dlna.can_play(MediaType.AUDIO)
    assert dlna.navigation_commands == frozenset()
    assert not theater.can_play(None)
    assert not by_device["android"].navigation_commands
    assert not by_device["web"].can_play(MediaType.PHOTO)


# -- refusals -------------------------------------------------------------------------------------


async def test_refused_commands_raise_command_errors(rig: Rig) -> None:
    dlna = rig.server.add_idle_session(user=None, profile="dlna")
    tv = rig.server.add_idle_session(user=None, profile="android_tv")
    web = rig.server.add_idle_session(user=None, profile="web")
    photo = rig.ids("Photo")[0]
    cases: list[tuple[Callable[[], Awaitable[None]], str, str, int]] = [
        (lambda: rig.control.playstate(dlna.id, PlaystateCommand.PAUSE), dlna.id, "Pause", 400),
        (lambda: rig.control.play(dlna.id, rig.ids("Audio")[:1]), dlna.id, "PlayNow", 400),
        (lambda: rig.control.set_volume(tv.id, 10), tv.id, "SetVolume", 400),
        (lambda: rig.control.play(web.id, [photo]), web.id, "PlayNow", 400),
        (lambda: rig.control.play(web.id, ["999"]), web.id, "PlayNow", 400),
        (lambda: rig.control.send_command("gone", GeneralCommand.MUTE), "gone", "Mute", 404),
    ]
    for call, session_id, command, status in cases:
        with pytest.raises(EmbyCommandError) as caught:
            await call()
        assert (caught.value.session_id, caught.value.command, caught.value.status) == (
            session_id,
            command,
            status,
        )
    assert "is gone" in str(caught.value)
    await rig.settled()
    assert rig.server.client_commands(dlna.id) == []
    assert len(rig.server.client_commands(dlna.id, include_refused=True)) == 2
    assert (tv.volume_level, web.is_playing) == (100, False)


async def test_controlling_another_users_session_is_a_refusal(
    rig: Rig, session: ClientSession, identity: ClientIdentity
) -> None:
    admins = rig.server.add_idle_session(user=rig.server.find_user("admin"), profile="web")
    bob = EmbyServer(url=rig.server.url, identity=identity, session=session)
    await bob.authenticate_by_name("bob", "bob-pw")
    with pytest.raises(EmbyCommandError) as caught:
        await EmbyControl(bob).playstate(admins.id, PlaystateCommand.PAUSE)
    assert caught.value.status == 403


async def test_server_and_transport_failures(rig: Rig) -> None:
    session = rig.server.add_idle_session(user=None, profile="web")
    rig.server.fault = Fault.HTTP_500
    with pytest.raises(EmbyCommandError) as caught:
        await rig.control.send_command(session.id, GeneralCommand.MUTE)
    assert caught.value.status == 500
    rig.server.fault = Fault.HTML_200  # a captive portal answers instead of Emby
    with pytest.raises(EmbyResponseError, match="a web page answered"):
        await rig.control.send_command(session.id, GeneralCommand.MUTE)
    rig.server.fault = Fault.HTML_ERROR
    with pytest.raises(EmbyCommandError) as caught:
        await rig.control.send_command(session.id, GeneralCommand.MUTE)
    assert caught.value.status == 502
    rig.server.fault = Fault.STOPPED
    with pytest.raises(EmbyConnectionError):
        await rig.control.send_command(session.id, GeneralCommand.MUTE)
    rig.server.fault = Fault.NONE
    rig.server.revoke_tokens()
    with pytest.raises(EmbyAuthenticationError):
        await rig.control.send_command(session.id, GeneralCommand.MUTE)
    signed_out = EmbyControl(EmbyServer(url=rig.server.url, identity=rig.client.identity))
    with pytest.raises(EmbyAuthenticationError):
        await signed_out.send_command(session.id, GeneralCommand.MUTE)
    assert rig.server.client_commands(session.id, include_refused=True) == []


async def test_bad_arguments_never_reach_the_server(rig: Rig) -> None:
    before = len(rig.server.requests)
    for call in (
        lambda: rig.control.set_volume("s", 101),
        lambda: rig.control.set_volume("s", -1),
        lambda: rig.control.play("s", []),
        lambda: rig.control.seek("s", -5),
        lambda: rig.control.playstate("s", PlaystateCommand.SEEK),
        lambda: rig.control.display_message("s", ""),
    ):
        with pytest.raises(ValueError):  # noqa: PT011 - each message differs
            await call()
    assert len(rig.server.requests) == before


async def test_session_ids_cannot_leave_their_path_segment(rig: Rig) -> None:
    with pytest.raises(EmbyCommandError):
        await rig.control.send_command("../../System/Restart", GeneralCommand.MUTE)
    assert rig.server.requests[-1].path.startswith("/Sessions/..%2F")


async def test_an_oversized_answer_is_a_response_error(
    hostile: HostileServer, session: ClientSession, identity: ClientIdentity
) -> None:
    hostile.answer("/Sessions/s/Command", body=b"x" * (MAX_RESPONSE_BYTES + 1))
    client = EmbyServer(url=hostile.url, identity=identity, session=session, access_token="t")
    with pytest.raises(EmbyResponseError) as caught:
        await EmbyControl(client).send_command("s", GeneralCommand.MUTE)
    assert not isinstance(caught.value, EmbyCommandError)
    assert caught.value.status is None
