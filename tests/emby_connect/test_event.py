"""Tests for the event entities of Emby Connect: new media, playback, security."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import replace
from datetime import UTC, datetime
import json
from typing import Any
from unittest.mock import MagicMock, patch

from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import (
    LIBRARY_SCAN_KEY,
    ActivityLogEntry,
    ActivityLogEntryMessage,
    ActivityLogPage,
    EmbyConnectionError,
    Feed,
    LibraryChangedMessage,
    MediaItem,
    PlaybackMessage,
    PlayState,
    RefreshProgressMessage,
    ScheduledTaskEndedMessage,
    Session,
    SessionsMessage,
    TaskResult,
    TaskStatus,
)
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.new_media import (
    BATCH_WINDOW,
    MAX_LISTED,
    SCAN_SILENCE,
    SCAN_TAIL,
)

from .conftest import (
    ACCESS_KEY,
    CONNECT_TOKEN,
    SERVER_TOKEN,
    SYSTEM_ID,
    EntitiesSnapshot,
    Push,
    load_json,
)
from .helpers import forbidden

NEW_MEDIA = "event.living_room_new_media"
PLAYBACK = "event.living_room_playback"
SECURITY = "event.living_room_security"
EPISODE = MediaItem.from_dict(
    {
        "Id": "ep-1",
        "Name": "Pilot",
        "Type": "Episode",
        "SeriesName": "Severance",
        "ParentIndexNumber": 2,
        "IndexNumber": 1,
        "ProductionYear": 2025,
    }
)
SEASON = MediaItem.from_dict(
    {"Id": "season-2", "Name": "Season 2", "Type": "Season", "IsFolder": True}
)
MOVIE = MediaItem.from_dict(
    {"Id": "movie-1", "Name": "Arrival", "Type": "Movie", "ProductionYear": 2016}
)
LOGGED = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
NOW = "2026-12-01 21:00:00+00:00"


pytestmark = pytest.mark.platforms(Platform.EVENT)


@pytest.fixture
def mock_library() -> Generator[MagicMock]:
    """Patch the library API the new media source reads items with."""
    with patch("custom_components.emby_connect.new_media.EmbyLibrary", autospec=True) as library:
        library.return_value.get_items_by_ids.return_value = [EPISODE, SEASON, MOVIE]
        yield library.return_value


@pytest.fixture
async def events(stack: Push) -> Push:
    """Return the Connect entry set up at a known moment, with its websocket open."""
    stack.freezer.move_to(NOW)
    await stack.set_up()
    assert stack.channel.is_open
    return stack


class Fired:
    """Record the events an event entity shows, in order."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        """Follow the state of one entity."""
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._entity_id = entity_id
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._changed)

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        """Note a new event (not an entity going away and coming back)."""
        if event.data["entity_id"] != self._entity_id:
            return
        old, new = event.data["old_state"], event.data["new_state"]
        if new is None or new.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            return
        if old is not None and old.state == STATE_UNAVAILABLE:
            return
        attributes = dict(new.attributes)
        for key in ("event_types", "friendly_name", "icon"):
            attributes.pop(key, None)
        self.events.append((attributes.pop("event_type"), attributes))

    @property
    def types(self) -> list[str]:
        """Return the event types, in order."""
        return [event_type for event_type, _data in self.events]


def _entry(entry_id: int, kind: str, name: str = "Entry") -> ActivityLogEntry:
    """Return an activity log entry."""
    return ActivityLogEntry(
        id=entry_id,
        name=name,
        type=kind,
        date=LOGGED.replace(minute=entry_id),
        severity="Error",
        short_overview="IP address: 192.168.1.66",
        user_id="user-1",
    )


def _sessions() -> list[Session]:
    """Return the recorded sessions: alice plays an episode, bob's movie is paused."""
    return Session.list_from(load_json("sessions.json"))


async def test_entities(snapshot_entities: EntitiesSnapshot, events: Push) -> None:
    """An administrator gets the three event entities on the server's device."""
    await snapshot_entities(events.entry)


async def test_non_admin_has_no_security_events(
    hass: HomeAssistant, stack: Push, mock_emby_admin: MagicMock
) -> None:
    """A user who does not administer the server gets no security entity, and no error."""
    mock_emby_admin.get_scheduled_tasks.side_effect = forbidden()
    await stack.set_up()
    assert hass.states.get(NEW_MEDIA) is not None
    assert hass.states.get(PLAYBACK) is not None
    assert hass.states.get(SECURITY) is None
    mock_emby_admin.get_activity_log.assert_not_called()


async def test_new_media_once_per_batch(
    hass: HomeAssistant, events: Push, mock_library: MagicMock, snapshot: SnapshotAssertion
) -> None:
    """The LibraryChanged messages of one moment make one event listing the playable items."""
    fired = Fired(hass, NEW_MEDIA)
    events.channel.push(LibraryChangedMessage(items_added=["ep-1", "season-2"]))
    events.channel.push(LibraryChangedMessage(items_updated=["other"]))
    events.channel.push(LibraryChangedMessage(items_added=["movie-1", "ep-1"]))
    await events.tick(BATCH_WINDOW)
    mock_library.get_items_by_ids.assert_called_once_with(["ep-1", "season-2", "movie-1", "ep-1"])
    assert fired.events == snapshot
    assert fired.types == ["new_media"]
    _event_type, data = fired.events[0]
    assert data["series"] == ["Severance"]
    assert data["count"] == 2
    state = hass.states.get(NEW_MEDIA)
    assert state is not None
    for secret in (SERVER_TOKEN, ACCESS_KEY, CONNECT_TOKEN):
        assert secret not in json.dumps(dict(state.attributes))

    # Nothing more comes of it; a message adding nothing fires nothing.
    events.channel.push(LibraryChangedMessage(items_removed=["movie-1"]))
    await events.tick(60)
    assert fired.types == ["new_media"]


async def test_new_media_lists_a_bounded_number(
    hass: HomeAssistant, events: Push, mock_library: MagicMock
) -> None:
    """A big scan is told in one event: the first items, and how many there were."""
    many = [replace(MOVIE, id=f"movie-{number}") for number in range(60)]
    mock_library.get_items_by_ids.return_value = many
    fired = Fired(hass, NEW_MEDIA)
    events.channel.push(LibraryChangedMessage(items_added=[item.id for item in many]))
    await events.tick(BATCH_WINDOW)
    [(_event_type, data)] = fired.events
    assert data["count"] == 60
    assert len(data["items"]) == MAX_LISTED


async def test_new_media_waits_for_the_scan(
    hass: HomeAssistant, events: Push, mock_library: MagicMock
) -> None:
    """While a scan runs, its items wait for its end and its last LibraryChanged: one event."""
    fired = Fired(hass, NEW_MEDIA)
    events.channel.push(RefreshProgressMessage(item_id="movies", progress=40.0))
    events.channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    await events.tick(30)
    assert fired.types == []
    events.channel.push(
        ScheduledTaskEndedMessage(
            result=TaskResult(status=TaskStatus.COMPLETED, key=LIBRARY_SCAN_KEY)
        )
    )
    await events.tick(1)
    assert fired.types == []
    events.channel.push(LibraryChangedMessage(items_added=["movie-1"]))
    await events.tick(BATCH_WINDOW)
    mock_library.get_items_by_ids.assert_called_once_with(["ep-1", "movie-1"])
    assert fired.types == ["new_media"]

    # A scan whose end brings no last message: what it added goes out a moment later.
    events.channel.push(RefreshProgressMessage(item_id="movies", progress=10.0))
    events.channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    events.channel.push(
        ScheduledTaskEndedMessage(
            result=TaskResult(status=TaskStatus.COMPLETED, key=LIBRARY_SCAN_KEY)
        )
    )
    await events.tick(SCAN_TAIL)
    assert fired.types == ["new_media", "new_media"]

    # A scan that falls silent (its end lost with a websocket): what it added goes out then.
    events.channel.push(RefreshProgressMessage(item_id="movies", progress=10.0))
    events.channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    await events.tick(SCAN_SILENCE / 2)
    events.channel.push(RefreshProgressMessage(item_id="movies", progress=20.0))
    await events.tick(SCAN_SILENCE / 2 + 1)
    assert fired.types == ["new_media", "new_media"]
    await events.tick(SCAN_SILENCE / 2)
    assert fired.types == ["new_media", "new_media", "new_media"]


async def test_new_media_unreadable_fires_nothing(
    hass: HomeAssistant, events: Push, mock_library: MagicMock
) -> None:
    """Items that cannot be read (server away, only folders) fire no event, and no error."""
    fired = Fired(hass, NEW_MEDIA)
    mock_library.get_items_by_ids.side_effect = EmbyConnectionError("gone")
    events.channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    await events.tick(BATCH_WINDOW)
    mock_library.get_items_by_ids.side_effect = None
    mock_library.get_items_by_ids.return_value = [SEASON]
    events.channel.push(LibraryChangedMessage(items_added=["season-2"]))
    await events.tick(BATCH_WINDOW)
    assert fired.types == []


async def test_playback_events(
    hass: HomeAssistant, events: Push, snapshot: SnapshotAssertion
) -> None:
    """Each change of a session's playback fires once, however the news came."""
    fired = Fired(hass, PLAYBACK)
    ha, alice, bob, web = _sessions()
    # What played at the start is not news.
    events.channel.push(SessionsMessage(sessions=[ha, alice, bob, web]))
    await events.settle()
    assert fired.types == []

    resumed = replace(bob, play_state=replace(bob.play_state, is_paused=False))
    events.channel.push(SessionsMessage(sessions=[ha, alice, resumed, web]))
    events.freezer.tick(1)
    paused = replace(alice, play_state=replace(alice.play_state, is_paused=True))
    events.channel.push(SessionsMessage(sessions=[ha, paused, resumed, web]))
    events.freezer.tick(1)
    # Emby's own message, then the sessions saying the same: one event.
    assert bob.now_playing is not None
    playing = replace(web, now_playing=bob.now_playing, play_state=PlayState())
    events.channel.push(PlaybackMessage(started=True, session=playing))
    events.freezer.tick(1)
    events.channel.push(SessionsMessage(sessions=[ha, paused, resumed, playing]))
    events.freezer.tick(1)
    events.channel.push(PlaybackMessage(started=False, session=playing))
    events.freezer.tick(1)
    events.channel.push(SessionsMessage(sessions=[ha, paused, resumed, web]))
    events.freezer.tick(1)
    events.channel.push(PlaybackMessage(started=False, session=web))
    # Another item in the same session: the first stopped, the next started.
    assert alice.now_playing is not None
    next_item = replace(alice.now_playing, id="next-episode", name="The Dawn", index_number=4)
    events.channel.push(
        SessionsMessage(sessions=[ha, replace(paused, now_playing=next_item), resumed])
    )
    events.freezer.tick(1)
    # Emby's stop of the first item, late: the sessions told of it already.
    events.channel.push(PlaybackMessage(started=False, session=paused))
    # Home Assistant's own session is no one watching.
    events.channel.push(PlaybackMessage(started=True, session=replace(ha, now_playing=next_item)))
    await events.settle()
    assert fired.types == [
        "resumed",
        "paused",
        "started",
        "stopped",
        "stopped",
        "started",
    ]
    assert fired.events == snapshot


async def test_playback_after_a_reconnect(
    hass: HomeAssistant, events: Push, mock_emby_server: MagicMock
) -> None:
    """After the server was away, only what changed meanwhile fires."""
    fired = Fired(hass, PLAYBACK)
    ha, alice, bob, web = _sessions()
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    mock_emby_server.get_sessions.side_effect = EmbyConnectionError("gone")
    events.channel.end()
    await events.tick(1)
    assert hass.states.get(PLAYBACK).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    mock_emby_server.get_system_info.side_effect = None
    mock_emby_server.get_sessions.side_effect = None
    mock_emby_server.get_sessions.return_value = [ha, alice, web]
    await events.tick(2)
    await events.tick(2)
    assert events.channel.is_open
    assert fired.types == ["stopped"]
    assert fired.events[0][1]["user"] == bob.user_name


async def test_security_events(
    hass: HomeAssistant, stack: Push, mock_emby_admin: MagicMock, snapshot: SnapshotAssertion
) -> None:
    """Security entries logged after setup fire once each; older ones and others never."""
    stack.freezer.move_to(NOW)
    mock_emby_admin.get_activity_log.return_value = ActivityLogPage(
        entries=[_entry(5, "AuthenticationFailed")], total=5
    )
    await stack.set_up()
    assert Feed.ACTIVITY_LOG in [
        call.args[0] for call in stack.channel.websocket.subscribe.mock_calls
    ]
    fired = Fired(hass, SECURITY)
    mock_emby_admin.get_activity_since.return_value = [
        _entry(6, "AuthenticationFailed", "Failed login attempt from mallory"),
        _entry(7, "DeviceAdded", "New device Pixel 8 (Emby for Android)"),
        _entry(8, "UserLockedOut", "alice has been locked out"),
        _entry(9, "VideoPlayback", "bob is playing Arrival"),
    ]
    stack.channel.push(ActivityLogEntryMessage())
    await stack.settle()
    assert mock_emby_admin.get_activity_since.call_args.args == (LOGGED.replace(minute=5),)
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 5}
    assert fired.events == snapshot

    # The server lists an entry seen already beside a new one: only the new one fires.
    stack.freezer.tick(1)
    mock_emby_admin.get_activity_since.return_value = [
        _entry(8, "UserLockedOut"),
        _entry(10, "AuthenticationFailed", "Failed login attempt from eve"),
    ]
    stack.channel.push(ActivityLogEntryMessage())
    await stack.settle()
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 9}
    assert fired.types == ["failed_sign_in", "new_device", "user_locked_out", "failed_sign_in"]

    # Lost and back: the log is read once to catch up, and nothing seen fires again.
    stack.freezer.tick(1)
    mock_emby_admin.get_activity_since.reset_mock()
    stack.channel.end()
    await stack.tick(2)
    await stack.tick(2)
    assert stack.channel.is_open
    mock_emby_admin.get_activity_since.assert_called_once()
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 10}
    assert len(fired.events) == 4


async def test_security_log_unreadable(
    hass: HomeAssistant, stack: Push, mock_emby_admin: MagicMock
) -> None:
    """An unreadable log fires nothing; the next push reads from the same place."""
    mock_emby_admin.get_activity_log.side_effect = EmbyConnectionError("gone")
    await stack.set_up()
    fired = Fired(hass, SECURITY)
    # The first read that works only notes where the log stands.
    mock_emby_admin.get_activity_log.side_effect = None
    mock_emby_admin.get_activity_since.return_value = [_entry(6, "AuthenticationFailed")]
    stack.channel.push(ActivityLogEntryMessage())
    await stack.settle()
    mock_emby_admin.get_activity_since.assert_not_called()
    mock_emby_admin.get_activity_since.side_effect = EmbyConnectionError("gone")
    stack.channel.push(ActivityLogEntryMessage())
    await stack.settle()
    mock_emby_admin.get_activity_since.side_effect = None
    stack.channel.push(ActivityLogEntryMessage())
    await stack.settle()
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 0}
    assert fired.types == ["failed_sign_in"]


async def test_disabled_security_entity_reads_nothing(
    entity_registry: er.EntityRegistry, stack: Push, mock_emby_admin: MagicMock
) -> None:
    """A disabled Security entity asks for no activity feed and reads no log."""
    entity_registry.async_get_or_create(
        "event",
        DOMAIN,
        f"{SYSTEM_ID}_security",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    await stack.set_up()
    assert stack.channel.is_open
    stack.channel.push(ActivityLogEntryMessage())
    await stack.settle()
    assert Feed.ACTIVITY_LOG not in [
        call.args[0] for call in stack.channel.websocket.subscribe.mock_calls
    ]
    mock_emby_admin.get_activity_log.assert_not_called()
    mock_emby_admin.get_activity_since.assert_not_called()


async def test_security_pushes_during_a_read(
    hass: HomeAssistant, stack: Push, mock_emby_admin: MagicMock
) -> None:
    """Pushes while the log is being read make one more read, not one each."""
    await stack.set_up()
    fired = Fired(hass, SECURITY)
    release = asyncio.Event()

    async def slow_read(*_args: object, **_kwargs: object) -> list[ActivityLogEntry]:
        await release.wait()
        return [_entry(1, "UserLockedOut")]

    mock_emby_admin.get_activity_since.side_effect = slow_read
    for _ in range(3):
        stack.channel.push(ActivityLogEntryMessage())
        await stack.settle()
    release.set()
    await stack.settle()
    assert mock_emby_admin.get_activity_since.call_count == 2
    assert fired.types == ["user_locked_out"]
