"""Tests for push updates: the websocket listener, reconnects and the polling fallback."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import replace
from datetime import timedelta
import logging
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyMessage,
    EmbyResponseError,
    EmbyTimeoutError,
    Feed,
    ItemCounts,
    LibraryChangedMessage,
    OtherMessage,
    PlayState,
    RestartRequiredMessage,
    ServerRestartingMessage,
    ServerShuttingDownMessage,
    Session,
    SessionsMessage,
)
from custom_components.emby_connect.const import (
    DOMAIN,
    LIBRARY_CHANGED_COOLDOWN,
    PUSH_HEARTBEAT,
    PUSH_REFUSED_MIN_DELAY,
    PUSH_STATUS_INTERVAL,
    QUICK_PROBE_TIMEOUT,
    RECONNECT_FAST_WINDOW,
    RECONNECT_WINDOW,
    STATUS_INTERVAL,
)

from .conftest import HA_DEVICE_ID, LOCAL_ADDRESS, SERVER_TOKEN, Push, load_json
from .helpers import (
    ACTIVE_SESSIONS,
    CONNECTIVITY,
    FAILED,
    LOST,
    MOVIES,
    NOW_PLAYING,
    RECOVERED,
    RESTART_PENDING,
    forbidden,
    load_system_info as load_info,
    state as _state,
    tick,
)


def _session(session_id: str, device_id: str, *, playing: bool, position: int = 0) -> Session:
    """Return a session (playing something or idle)."""
    base = Session.list_from(load_json("sessions.json"))[1]
    return replace(
        base,
        id=session_id,
        device_id=device_id,
        now_playing=base.now_playing if playing else None,
        play_state=PlayState(position_ticks=position),
    )


async def test_websocket_opens_and_polling_slows(
    hass: HomeAssistant, push: Push, mock_websocket: MagicMock, mock_client_identity: object
) -> None:
    """After connecting, the websocket opens with the connection's token; polls every 5 min."""
    kwargs = mock_websocket.call_args.kwargs
    assert kwargs["url"] == LOCAL_ADDRESS
    assert kwargs["access_token"] == SERVER_TOKEN
    assert kwargs["device_id"] == HA_DEVICE_ID
    assert kwargs["verify_ssl"] is True
    # A ping after PUSH_HEARTBEAT seconds of silence: a frame, not an HTTP request.
    assert kwargs["heartbeat"] == PUSH_HEARTBEAT
    assert push.listener.connected
    assert push.status.update_interval == PUSH_STATUS_INTERVAL

    for _ in range(9):
        await push.tick(STATUS_INTERVAL.total_seconds())
    assert push.server.get_system_info.call_count == 1
    await push.tick(STATUS_INTERVAL.total_seconds())
    assert push.server.get_system_info.call_count == 2
    assert push.server.get_sessions.call_count == 2


async def test_sessions_are_pushed(hass: HomeAssistant, push: Push) -> None:
    """Sessions push updates the sensors at once, without a request; HA's own is left out."""
    assert _state(hass, ACTIVE_SESSIONS) == "3"
    sessions = [
        _session("own", HA_DEVICE_ID, playing=False),
        _session("a", "tv", playing=True),
        _session("b", "phone", playing=True),
    ]
    push.channel.push(SessionsMessage(sessions=sessions))
    await hass.async_block_till_done()
    assert _state(hass, ACTIVE_SESSIONS) == "2"
    assert _state(hass, NOW_PLAYING) == "2"
    coordinator = push.status
    assert [item.id for item in coordinator.data.sessions or []] == ["a", "b"]
    assert push.server.get_sessions.call_count == 1

    # Only the play position moved: the entities are not woken up; the position reaches
    # whoever follows the push messages.
    listener = MagicMock()
    coordinator.async_add_listener(listener)
    received: list[EmbyMessage] = []
    push.listener.async_subscribe(received.append)
    moved = [
        sessions[0],
        *(replace(item, play_state=PlayState(position_ticks=5)) for item in sessions[1:]),
    ]
    push.channel.push(SessionsMessage(sessions=moved))
    assert listener.call_count == 0
    assert received == [SessionsMessage(sessions=moved)]
    assert [item.id for item in coordinator.data.sessions or []] == ["a", "b"]
    push.channel.push(SessionsMessage(sessions=[]))
    assert listener.call_count == 1
    assert _state(hass, ACTIVE_SESSIONS) == "0"
    assert push.server.get_sessions.call_count == 1


async def test_seek_on_the_client_is_pushed(hass: HomeAssistant, push: Push) -> None:
    """A position jump (a seek on the client) shows at once; ordinary ticks wake nothing."""
    pixel = "media_player.alice_s_pixel"
    second = 10_000_000

    def pushed(position: float, *, paused: bool = False) -> None:
        session = _session("a", "android-device-123", playing=True, position=int(position * second))
        play_state = replace(session.play_state, is_paused=paused)
        push.channel.push(SessionsMessage(sessions=[replace(session, play_state=play_state)]))

    pushed(100)
    await hass.async_block_till_done()
    shown = hass.states.get(pixel)
    assert shown is not None
    assert shown.attributes["media_position"] == 100
    listener = MagicMock()
    push.status.async_add_listener(listener)

    # Positions as clients report them: still for a while, then on by the time since.
    for position in (100, 101.5, 101.5, 101.5, 106, 107.5):
        await push.tick(1.5)
        pushed(position)
    assert listener.call_count == 0

    await push.tick(1.5)
    pushed(600)
    await hass.async_block_till_done()
    assert listener.call_count == 1
    shown = hass.states.get(pixel)
    assert shown is not None
    assert shown.attributes["media_position"] == 600
    assert shown.attributes["media_position_updated_at"] == dt_util.utcnow()

    await push.tick(1.5)
    pushed(30)
    assert listener.call_count == 2
    # Paused, the position stands: a seek while paused is a jump too.
    await push.tick(1.5)
    pushed(30, paused=True)
    assert listener.call_count == 3
    await push.tick(60)
    pushed(30, paused=True)
    assert listener.call_count == 3
    await push.tick(1.5)
    pushed(40, paused=True)
    assert listener.call_count == 4
    assert hass.states.get(pixel).attributes["media_position"] == 40  # type: ignore[union-attr]


async def test_sessions_ignored_when_not_readable(hass: HomeAssistant, stack: Push) -> None:
    """A user who may not list sessions gets none by push either."""
    stack.server.get_sessions.side_effect = forbidden()
    await stack.set_up()
    stack.channel.push(SessionsMessage(sessions=[_session("a", "tv", playing=True)]))
    await hass.async_block_till_done()
    # Sensors the user can never read are not created, and a push does not bring them.
    assert hass.states.get(ACTIVE_SESSIONS) is None
    # Other messages the integration does not use change nothing.
    stack.channel.push(OtherMessage(message_type="UserDataChanged"))
    assert _state(hass, CONNECTIVITY) == STATE_ON


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (ServerShuttingDownMessage(), "is shutting down"),
        (ServerRestartingMessage(), "is restarting"),
    ],
)
async def test_announced_outage(
    hass: HomeAssistant,
    push: Push,
    caplog: pytest.LogCaptureFixture,
    message: EmbyMessage,
    reason: str,
) -> None:
    """Shutdown/restart turns connectivity off at once; reconnected as soon as it answers."""
    caplog.set_level(logging.INFO)
    push.refuse()
    push.channel.push(message)
    await hass.async_block_till_done()
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    assert _state(hass, ACTIVE_SESSIONS) == STATE_UNAVAILABLE
    assert caplog.text.count(LOST) == 1
    assert reason in caplog.text
    # The server closes the websocket; nobody is asked before the first delay.
    push.channel.end()
    await push.settle()
    assert push.manager.connect.call_count == 1
    coordinator = push.status
    assert coordinator.update_interval == STATUS_INTERVAL

    # Asked every second (+/- 20 %) for the first minute: refused connections cost nothing.
    fast = int(RECONNECT_FAST_WINDOW.total_seconds() / 1.2)
    for attempt in range(fast):
        await push.tick(1.2)
        assert push.manager.connect.call_count == 2 + attempt
    # Then after 2 and 4 s, and every 4 s (each +/- 20 %): 5 to 7 attempts in 24 s.
    await push.tick(1.2)
    attempts = push.manager.connect.call_count
    for _ in range(20):
        await push.tick(1.2)
    assert 5 <= push.manager.connect.call_count - attempts <= 7
    assert _state(hass, CONNECTIVITY) == STATE_OFF

    # It answers again: connected within the next delay (at most 4.8 s), websocket reopened.
    push.answer()
    await push.tick(4.8)
    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert _state(hass, ACTIVE_SESSIONS) == "3"
    assert push.channel.is_open
    assert push.channel.opened == 2
    assert coordinator.update_interval == PUSH_STATUS_INTERVAL
    # Logged once when lost, once when back.
    assert caplog.text.count(LOST) == 1
    assert caplog.text.count(FAILED) == 0
    assert caplog.text.count(RECOVERED) == 1


async def test_closed_socket_reconnects_at_once(
    hass: HomeAssistant, push: Push, caplog: pytest.LogCaptureFixture
) -> None:
    """A websocket that ends is followed by a connect at once; a working server stays on."""
    push.channel.end(EmbyTimeoutError("did not answer the websocket heartbeat"))
    await push.settle()
    assert push.manager.connect.call_count == 2
    assert push.channel.is_open
    assert push.channel.opened == 2
    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert LOST not in caplog.text
    assert FAILED not in caplog.text


async def test_silent_socket_probes_once(
    hass: HomeAssistant, push: Push, caplog: pytest.LogCaptureFixture
) -> None:
    """A silent websocket whose address does not answer one quick probe: offline at once."""
    caplog.set_level(logging.INFO)
    connecting = asyncio.Event()

    async def _black_hole(_record: object) -> None:
        # The full reconnect waits for its probes to time out.
        connecting.set()
        await asyncio.Event().wait()

    push.server.get_public_info.side_effect = EmbyTimeoutError("no answer")
    push.manager.connect.side_effect = _black_hole
    push.channel.end(EmbyTimeoutError("did not answer the websocket heartbeat"))
    await push.settle()
    probe = push.server.get_public_info.call_args
    assert probe.kwargs == {"timeout": QUICK_PROBE_TIMEOUT}
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    assert _state(hass, ACTIVE_SESSIONS) == STATE_UNAVAILABLE
    assert caplog.text.count(LOST) == 1
    assert "could not be reached on any of its addresses" in caplog.text
    # The reconnect goes on behind it.
    assert connecting.is_set()


async def test_subscribers_get_every_message(hass: HomeAssistant, push: Push) -> None:
    """Other parts follow the push messages (those the integration uses and others) typed."""
    received: list[EmbyMessage] = []
    unsubscribe = push.listener.async_subscribe(received.append)
    messages: list[EmbyMessage] = [
        OtherMessage(message_type="UserDataChanged", data={"UserId": "a"}),
        LibraryChangedMessage(items_added=["1"]),
        SessionsMessage(sessions=[]),
    ]
    for message in messages:
        push.channel.push(message)
    assert received == messages

    unsubscribe()
    push.channel.push(OtherMessage(message_type="ScheduledTasksInfo"))
    assert received == messages


@pytest.fixture
def without_platforms() -> Generator[None]:
    """Load no entity platform: no entity subscribes to a feed of its own."""
    with patch("custom_components.emby_connect.PLATFORMS", []):
        yield


@pytest.mark.usefixtures("without_platforms")
async def test_subscribers_feeds_are_asked_for(hass: HomeAssistant, push: Push) -> None:
    """A feed is asked for while a subscriber needs it, on every websocket opened."""
    websocket = push.channel.websocket
    listener = push.listener
    first = listener.async_subscribe(lambda _: None, feeds=[Feed.SCHEDULED_TASKS])
    second = listener.async_subscribe(
        lambda _: None, feeds=[Feed.SCHEDULED_TASKS, Feed.ACTIVITY_LOG]
    )
    await push.settle()
    assert [call.args for call in websocket.subscribe.await_args_list] == [
        (Feed.SCHEDULED_TASKS,),
        (Feed.ACTIVITY_LOG,),
    ]

    # A new websocket asks for them again.
    websocket.subscribe.reset_mock()
    push.channel.end()
    await push.settle()
    assert push.channel.is_open
    assert {call.args for call in websocket.subscribe.await_args_list} == {
        (Feed.SCHEDULED_TASKS,),
        (Feed.ACTIVITY_LOG,),
    }

    # A feed ends when its last subscriber goes.
    first()
    await push.settle()
    websocket.unsubscribe.assert_not_awaited()
    second()
    await push.settle()
    assert {call.args for call in websocket.unsubscribe.await_args_list} == {
        (Feed.SCHEDULED_TASKS,),
        (Feed.ACTIVITY_LOG,),
    }

    # Asked for while no websocket is open: the next one asks.
    push.channel.websocket.connect.side_effect = _never_open
    push.channel.end()
    await push.settle()
    websocket.subscribe.reset_mock()
    listener.async_subscribe(lambda _: None, feeds=[Feed.ACTIVITY_LOG])
    await push.settle()
    websocket.subscribe.assert_not_awaited()


@pytest.mark.usefixtures("without_platforms")
async def test_feed_refused_as_it_opens_closes_the_websocket(push: Push) -> None:
    """A websocket that opened but broke while its feeds were asked for is closed, then again."""
    websocket = push.channel.websocket
    push.listener.async_subscribe(lambda _: None, feeds=[Feed.SCHEDULED_TASKS])
    await push.settle()
    websocket.close.reset_mock()
    opened = push.channel.opened
    websocket.subscribe.side_effect = [EmbyConnectionError("reset while asking"), None]
    push.channel.end()
    await push.settle()
    # The broken one was closed (nothing else held it) and a new one opened.
    websocket.close.assert_awaited()
    await push.tick(STATUS_INTERVAL.total_seconds())
    assert push.channel.opened == opened + 2
    assert push.channel.is_open


async def _never_open() -> None:
    """Wait forever, like a websocket that never opens."""
    await asyncio.Event().wait()


async def test_pushed_sessions_keep_system_info_polled(hass: HomeAssistant, push: Push) -> None:
    """Sessions that change every minute do not keep System/Info from its 5-minute poll."""
    for minute in range(6):
        await push.tick(60)
        playing = [_session(str(index), f"tv{index}", playing=True) for index in range(minute)]
        push.channel.push(SessionsMessage(sessions=playing))
        await push.settle()
    assert _state(hass, ACTIVE_SESSIONS) == "5"
    assert push.server.get_system_info.call_count == 2
    assert push.server.get_sessions.call_count == 2


async def test_a_push_does_not_postpone_the_poll(hass: HomeAssistant, push: Push) -> None:
    """A lone push late in the slow period leaves the next poll where it was.

    A server whose HTTP breaks while its websocket stays open is seen within one slow period.
    """
    period = PUSH_STATUS_INTERVAL.total_seconds()
    await push.tick(period - 60)
    push.channel.push(SessionsMessage(sessions=[_session("1", "tv1", playing=True)]))
    await push.settle()
    assert _state(hass, ACTIVE_SESSIONS) == "1"
    push.server.get_system_info.side_effect = EmbyResponseError("an HTML page")
    await push.tick(59)
    assert push.server.get_system_info.call_count == 1
    assert _state(hass, CONNECTIVITY) == STATE_ON
    await push.tick(2)
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    assert _state(hass, ACTIVE_SESSIONS) == STATE_UNAVAILABLE


async def test_failed_socket_and_unreachable_server(
    hass: HomeAssistant, push: Push, caplog: pytest.LogCaptureFixture
) -> None:
    """When the manager cannot reach the server after a loss it is offline at once."""
    caplog.set_level(logging.INFO)
    push.refuse()
    push.channel.end()
    await push.settle()
    assert push.manager.connect.call_count == 2
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    assert caplog.text.count(FAILED) == 1

    push.answer()
    await push.tick(1.2)
    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert push.channel.is_open
    assert caplog.text.count(RECOVERED) == 1
    assert caplog.text.count(FAILED) == 1


async def test_broken_server_is_left_to_polling(hass: HomeAssistant, push: Push) -> None:
    """A server that answers with errors is not asked every few seconds, only polled."""
    push.server.get_system_info.side_effect = EmbyResponseError("HTTP 500")
    push.channel.end()
    await push.settle()
    assert push.server.get_system_info.call_count == 2
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    # No reconnect loop: nothing is asked before the next poll.
    await push.tick(10)
    assert push.server.get_system_info.call_count == 2
    push.server.get_system_info.side_effect = None
    await push.tick(STATUS_INTERVAL.total_seconds())
    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert push.channel.is_open


async def test_long_outage_is_left_to_polling(hass: HomeAssistant, push: Push) -> None:
    """After the reconnect window, polling every 30 s finds the server, days later too."""
    push.refuse()
    push.channel.end()
    await push.settle()
    elapsed = 0.0
    while elapsed <= RECONNECT_WINDOW.total_seconds():
        await push.tick(4.8)
        elapsed += 4.8
    coordinator = push.status

    # The reconnects stopped: a poll every 30 s, nothing more, a day later too.
    attempts = push.manager.connect.call_count
    for _ in range(10):
        await push.tick(STATUS_INTERVAL.total_seconds())
    assert push.manager.connect.call_count == attempts + 10
    push.freezer.tick(timedelta(days=1))

    push.answer()
    await push.tick(STATUS_INTERVAL.total_seconds())
    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert push.channel.is_open
    assert coordinator.update_interval == PUSH_STATUS_INTERVAL


async def test_refused_websocket_falls_back_to_polling(hass: HomeAssistant, stack: Push) -> None:
    """A proxy without websockets: polling every 30 s, the websocket asked again later."""
    stack.channel.connect_error = EmbyResponseError("does not accept websockets (HTTP 400)")
    await stack.set_up()
    assert stack.channel.opened == 1
    assert stack.status.update_interval == STATUS_INTERVAL
    assert not stack.listener.connected

    await stack.tick(STATUS_INTERVAL.total_seconds())
    assert stack.server.get_system_info.call_count == 2
    assert stack.channel.opened == 1
    assert _state(hass, CONNECTIVITY) == STATE_ON

    stack.channel.connect_error = None
    await stack.tick(PUSH_REFUSED_MIN_DELAY * 1.2)
    assert stack.channel.is_open
    assert stack.channel.opened == 2
    assert stack.manager.connect.call_count == 1


async def test_websocket_blocked_falls_back_to_polling(hass: HomeAssistant, push: Push) -> None:
    """Websockets that fail to open while HTTP works (a firewall): no reconnect loop."""
    push.channel.connect_error = EmbyConnectionError("reset")
    push.channel.end()
    await push.settle()
    await push.tick(1.2)
    # The end and the first failed open each asked the manager; the second failed open did not.
    assert push.manager.connect.call_count == 3
    assert push.channel.opened == 3
    assert push.status.update_interval == STATUS_INTERVAL
    assert _state(hass, CONNECTIVITY) == STATE_ON
    # No reconnect loop: nothing more until the websocket is asked for again.
    await push.tick(10)
    assert push.manager.connect.call_count == 3
    assert push.channel.opened == 3


async def test_refused_token_exchanges_again(hass: HomeAssistant, push: Push) -> None:
    """A websocket refusing the token: the manager exchanges a new one, push goes on."""
    push.channel.end(
        EmbyAuthenticationError("refused the token", source=AuthSource.SERVER, status=401)
    )
    await push.settle()
    assert push.manager.connect.call_count == 2
    assert push.channel.is_open


async def test_revoked_for_good_stops_push(hass: HomeAssistant, push: Push) -> None:
    """When the reconnect is refused too, reauth starts and the push task ends."""
    push.manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    push.channel.end()
    await push.settle()
    attempts = push.manager.connect.call_count
    await push.tick(10)
    assert push.manager.connect.call_count == attempts
    assert push.channel.opened == 1
    assert any(
        flow["context"]["source"] == SOURCE_REAUTH
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )


async def test_flapping_websocket_waits(hass: HomeAssistant, push: Push) -> None:
    """A websocket that keeps closing right after opening is reopened after a delay."""
    push.channel.end()
    await push.settle()
    assert push.channel.opened == 2
    push.channel.end()
    await push.settle()
    assert push.channel.opened == 2
    await push.tick(1.2)
    assert push.channel.opened == 3
    # Open for longer than a minute: the next close reconnects at once again.
    await push.tick(61)
    push.channel.end()
    await push.settle()
    assert push.channel.opened == 4


async def test_flapping_websocket_lost_while_waiting(hass: HomeAssistant, push: Push) -> None:
    """A server lost while a flapping websocket waits is connected again before it reopens."""
    push.channel.end()
    await push.settle()
    push.channel.end()
    await push.settle()
    assert push.channel.opened == 2
    push.server.get_system_info.side_effect = [EmbyConnectionError("reset"), load_info()]
    await push.status.async_refresh()
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    attempts = push.manager.connect.call_count

    await push.tick(1.2)
    assert push.manager.connect.call_count == attempts + 1
    assert _state(hass, CONNECTIVITY) == STATE_ON
    await push.tick(2.4)
    assert push.channel.opened == 3
    assert push.channel.is_open


async def test_poll_failure_closes_the_websocket(hass: HomeAssistant, push: Push) -> None:
    """A poll that drops the client closes its websocket, and the next connect reopens it."""
    push.server.get_system_info.side_effect = [EmbyConnectionError("reset"), load_info()]
    await push.tick(PUSH_STATUS_INTERVAL.total_seconds())
    push.channel.websocket.close.assert_awaited()
    assert push.manager.connect.call_count == 2
    assert push.channel.is_open
    assert _state(hass, CONNECTIVITY) == STATE_ON


async def test_shutting_down_in_system_info(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_server: MagicMock,
) -> None:
    """A server answering while it shuts down counts as gone."""
    mock_emby_server.get_system_info.return_value = replace(load_info(), is_shutting_down=True)
    await tick(hass, freezer, STATUS_INTERVAL.total_seconds())
    assert _state(hass, CONNECTIVITY) == STATE_OFF


async def test_restart_required_reads_system_info(hass: HomeAssistant, push: Push) -> None:
    """RestartRequired refreshes the status at once: restart pending turns on."""
    assert _state(hass, RESTART_PENDING) == STATE_OFF
    push.server.get_system_info.return_value = replace(load_info(), has_pending_restart=True)
    push.channel.push(RestartRequiredMessage())
    await push.settle()
    assert push.server.get_system_info.call_count == 2
    assert _state(hass, RESTART_PENDING) == STATE_ON

    # Another moments later is read once the refresh cooldown (10 s) is over; a read that
    # fails then is a failed poll like any other.
    push.server.get_system_info.side_effect = EmbyConnectionError("gone")
    push.channel.push(RestartRequiredMessage())
    await push.settle()
    assert push.server.get_system_info.call_count == 2
    assert _state(hass, RESTART_PENDING) == STATE_ON
    await push.tick(10)
    assert push.server.get_system_info.call_count >= 3
    assert _state(hass, CONNECTIVITY) == STATE_OFF


async def test_library_changed_reads_counts_once(hass: HomeAssistant, push: Push) -> None:
    """A burst of LibraryChanged reads the counts once, a while after the first."""
    push.server.get_item_counts.return_value = ItemCounts(movie_count=99)
    for _ in range(5):
        push.channel.push(LibraryChangedMessage(items_added=["1"]))
    await push.tick(LIBRARY_CHANGED_COOLDOWN / 2)
    assert push.server.get_item_counts.call_count == 1
    await push.tick(LIBRARY_CHANGED_COOLDOWN / 2 + 1)
    assert push.server.get_item_counts.call_count == 2
    assert _state(hass, MOVIES) == "99"

    push.server.get_item_counts.side_effect = EmbyConnectionError("gone")
    push.channel.push(LibraryChangedMessage())
    await push.tick(LIBRARY_CHANGED_COOLDOWN + 1)
    assert push.server.get_item_counts.call_count == 3
    assert _state(hass, MOVIES) == "99"


async def test_reads_skipped_while_offline(hass: HomeAssistant, push: Push) -> None:
    """Reads asked for before an outage do nothing once the server is gone."""
    push.channel.push(LibraryChangedMessage())
    push.refuse()
    push.channel.push(ServerShuttingDownMessage())
    push.channel.push(RestartRequiredMessage())
    push.channel.push(SessionsMessage(sessions=[]))
    await push.tick(LIBRARY_CHANGED_COOLDOWN + 1)
    assert push.server.get_item_counts.call_count == 1
    assert push.server.get_system_info.call_count == 1
    assert _state(hass, ACTIVE_SESSIONS) == STATE_UNAVAILABLE


async def test_unload_stops_push(hass: HomeAssistant, push: Push) -> None:
    """Unloading closes the websocket and cancels pending reads; nothing is left running."""
    push.channel.push(LibraryChangedMessage())
    listener, status = push.listener, push.status
    await hass.config_entries.async_unload(push.entry.entry_id)
    await hass.async_block_till_done()
    assert push.entry.state is ConfigEntryState.NOT_LOADED
    assert not push.channel.is_open
    assert not listener.connected
    # The read the library change asked for is not made.
    await push.tick(LIBRARY_CHANGED_COOLDOWN + 1)
    assert push.server.get_item_counts.call_count == 1
    # An unloaded entry does not open a websocket again.
    status.async_update_listeners()
    await push.settle()
    assert push.channel.opened == 1


async def test_unload_while_opening_closes_the_websocket(hass: HomeAssistant, push: Push) -> None:
    """Unloading while a websocket is being opened closes it: no channel is left behind."""
    push.channel.end()
    opening = asyncio.Event()

    async def _slow_connect() -> None:
        opening.set()
        await asyncio.Event().wait()

    push.channel.websocket.connect.side_effect = _slow_connect
    push.channel.websocket.close.reset_mock()
    coordinator = push.status
    await coordinator.async_refresh()
    await push.settle()
    assert opening.is_set()

    await hass.config_entries.async_unload(push.entry.entry_id)
    await hass.async_block_till_done()

    push.channel.websocket.close.assert_awaited()
