"""Tests for the event entities of Emby Connect: new media, playback, security."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import replace
from datetime import UTC, datetime
import json
from typing import Any
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import (
    LIBRARY_SCAN_KEY,
    ActivityLogEntry,
    ActivityLogEntryMessage,
    ActivityLogPage,
    AuthSource,
    EmbyConnectionError,
    EmbyForbiddenError,
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

from .conftest import ACCESS_KEY, CONNECT_TOKEN, SERVER_TOKEN, SYSTEM_ID, load_json
from .helpers import settle, tick
from .test_push import FakeChannel

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


@pytest.fixture(autouse=True)
def only_events() -> Generator[None]:
    """Load only the event platform."""
    with patch("custom_components.emby_connect.PLATFORMS", [Platform.EVENT]):
        yield


@pytest.fixture
def mock_library() -> Generator[MagicMock]:
    """Patch the library API the new media source reads items with."""
    with patch("custom_components.emby_connect.new_media.EmbyLibrary", autospec=True) as library:
        library.return_value.get_items_by_ids.return_value = [EPISODE, SEASON, MOVIE]
        yield library.return_value


@pytest.fixture
def channel(mock_websocket: MagicMock) -> FakeChannel:
    """Return the fake push channel."""
    return FakeChannel(mock_websocket)


@pytest.fixture
async def integration(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    channel: FakeChannel,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
) -> MockConfigEntry:
    """Set up the Connect entry with its websocket open."""
    freezer.move_to("2026-12-01 21:00:00+00:00")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await settle(hass)
    assert channel.is_open
    return mock_config_entry


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


async def test_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    integration: MockConfigEntry,
) -> None:
    """An administrator gets the three event entities on the server's device."""
    await snapshot_platform(hass, entity_registry, snapshot, integration.entry_id)


async def test_non_admin_has_no_security_events(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_admin: MagicMock,
) -> None:
    """A user who does not administer the server gets no security entity, and no error."""
    mock_emby_admin.get_scheduled_tasks.side_effect = EmbyForbiddenError(
        "Forbidden", source=AuthSource.SERVER, status=403
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await settle(hass)
    assert hass.states.get(NEW_MEDIA) is not None
    assert hass.states.get(PLAYBACK) is not None
    assert hass.states.get(SECURITY) is None
    mock_emby_admin.get_activity_log.assert_not_called()


async def test_new_media_once_per_batch(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    integration: MockConfigEntry,
    channel: FakeChannel,
    mock_library: MagicMock,
    snapshot: SnapshotAssertion,
) -> None:
    """The LibraryChanged messages of one moment make one event listing the playable items."""
    fired = Fired(hass, NEW_MEDIA)
    channel.push(LibraryChangedMessage(items_added=["ep-1", "season-2"]))
    channel.push(LibraryChangedMessage(items_updated=["other"]))
    channel.push(LibraryChangedMessage(items_added=["movie-1", "ep-1"]))
    await tick(hass, freezer, BATCH_WINDOW)
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
    channel.push(LibraryChangedMessage(items_removed=["movie-1"]))
    await tick(hass, freezer, 60)
    assert fired.types == ["new_media"]


async def test_new_media_lists_a_bounded_number(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    integration: MockConfigEntry,
    channel: FakeChannel,
    mock_library: MagicMock,
) -> None:
    """A big scan is told in one event: the first items, and how many there were."""
    many = [replace(MOVIE, id=f"movie-{number}") for number in range(60)]
    mock_library.get_items_by_ids.return_value = many
    fired = Fired(hass, NEW_MEDIA)
    channel.push(LibraryChangedMessage(items_added=[item.id for item in many]))
    await tick(hass, freezer, BATCH_WINDOW)
    [(_event_type, data)] = fired.events
    assert data["count"] == 60
    assert len(data["items"]) == MAX_LISTED


async def test_new_media_waits_for_the_scan(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    integration: MockConfigEntry,
    channel: FakeChannel,
    mock_library: MagicMock,
) -> None:
    """While a scan runs, its items wait for its end and its last LibraryChanged: one event."""
    fired = Fired(hass, NEW_MEDIA)
    channel.push(RefreshProgressMessage(item_id="movies", progress=40.0))
    channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    await tick(hass, freezer, 30)
    assert fired.types == []
    channel.push(
        ScheduledTaskEndedMessage(
            result=TaskResult(status=TaskStatus.COMPLETED, key=LIBRARY_SCAN_KEY)
        )
    )
    await tick(hass, freezer, 1)
    assert fired.types == []
    channel.push(LibraryChangedMessage(items_added=["movie-1"]))
    await tick(hass, freezer, BATCH_WINDOW)
    mock_library.get_items_by_ids.assert_called_once_with(["ep-1", "movie-1"])
    assert fired.types == ["new_media"]

    # A scan whose end brings no last message: what it added goes out a moment later.
    channel.push(RefreshProgressMessage(item_id="movies", progress=10.0))
    channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    channel.push(
        ScheduledTaskEndedMessage(
            result=TaskResult(status=TaskStatus.COMPLETED, key=LIBRARY_SCAN_KEY)
        )
    )
    await tick(hass, freezer, SCAN_TAIL)
    assert fired.types == ["new_media", "new_media"]

    # A scan that falls silent (its end lost with a websocket): what it added goes out then.
    channel.push(RefreshProgressMessage(item_id="movies", progress=10.0))
    channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    await tick(hass, freezer, SCAN_SILENCE / 2)
    channel.push(RefreshProgressMessage(item_id="movies", progress=20.0))
    await tick(hass, freezer, SCAN_SILENCE / 2 + 1)
    assert fired.types == ["new_media", "new_media"]
    await tick(hass, freezer, SCAN_SILENCE / 2)
    assert fired.types == ["new_media", "new_media", "new_media"]


async def test_new_media_unreadable_fires_nothing(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    integration: MockConfigEntry,
    channel: FakeChannel,
    mock_library: MagicMock,
) -> None:
    """Items that cannot be read (server away, only folders) fire no event, and no error."""
    fired = Fired(hass, NEW_MEDIA)
    mock_library.get_items_by_ids.side_effect = EmbyConnectionError("gone")
    channel.push(LibraryChangedMessage(items_added=["ep-1"]))
    await tick(hass, freezer, BATCH_WINDOW)
    mock_library.get_items_by_ids.side_effect = None
    mock_library.get_items_by_ids.return_value = [SEASON]
    channel.push(LibraryChangedMessage(items_added=["season-2"]))
    await tick(hass, freezer, BATCH_WINDOW)
    assert fired.types == []


async def test_playback_events(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    integration: MockConfigEntry,
    channel: FakeChannel,
    snapshot: SnapshotAssertion,
) -> None:
    """Each change of a session's playback fires once, however the news came."""
    fired = Fired(hass, PLAYBACK)
    ha, alice, bob, web = _sessions()
    # What played at the start is not news.
    channel.push(SessionsMessage(sessions=[ha, alice, bob, web]))
    await settle(hass)
    assert fired.types == []

    resumed = replace(bob, play_state=replace(bob.play_state, is_paused=False))
    channel.push(SessionsMessage(sessions=[ha, alice, resumed, web]))
    freezer.tick(1)
    paused = replace(alice, play_state=replace(alice.play_state, is_paused=True))
    channel.push(SessionsMessage(sessions=[ha, paused, resumed, web]))
    freezer.tick(1)
    # Emby's own message, then the sessions saying the same: one event.
    assert bob.now_playing is not None
    playing = replace(web, now_playing=bob.now_playing, play_state=PlayState())
    channel.push(PlaybackMessage(started=True, session=playing))
    freezer.tick(1)
    channel.push(SessionsMessage(sessions=[ha, paused, resumed, playing]))
    freezer.tick(1)
    channel.push(PlaybackMessage(started=False, session=playing))
    freezer.tick(1)
    channel.push(SessionsMessage(sessions=[ha, paused, resumed, web]))
    freezer.tick(1)
    channel.push(PlaybackMessage(started=False, session=web))
    # Another item in the same session: the first stopped, the next started.
    assert alice.now_playing is not None
    next_item = replace(alice.now_playing, id="next-episode", name="The Dawn", index_number=4)
    channel.push(SessionsMessage(sessions=[ha, replace(paused, now_playing=next_item), resumed]))
    freezer.tick(1)
    # Emby's stop of the first item, late: the sessions told of it already.
    channel.push(PlaybackMessage(started=False, session=paused))
    # Home Assistant's own session is no one watching.
    channel.push(PlaybackMessage(started=True, session=replace(ha, now_playing=next_item)))
    await settle(hass)
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
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    integration: MockConfigEntry,
    channel: FakeChannel,
    mock_emby_server: MagicMock,
) -> None:
    """After the server was away, only what changed meanwhile fires."""
    fired = Fired(hass, PLAYBACK)
    ha, alice, bob, web = _sessions()
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    mock_emby_server.get_sessions.side_effect = EmbyConnectionError("gone")
    channel.end()
    await tick(hass, freezer, 1)
    assert hass.states.get(PLAYBACK).state == STATE_UNAVAILABLE  # type: ignore[union-attr]

    mock_emby_server.get_system_info.side_effect = None
    mock_emby_server.get_sessions.side_effect = None
    mock_emby_server.get_sessions.return_value = [ha, alice, web]
    await tick(hass, freezer, 2)
    await tick(hass, freezer, 2)
    assert channel.is_open
    assert fired.types == ["stopped"]
    assert fired.events[0][1]["user"] == bob.user_name


async def test_security_events(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_emby_admin: MagicMock,
    channel: FakeChannel,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    snapshot: SnapshotAssertion,
) -> None:
    """Security entries logged after setup fire once each; older ones and others never."""
    freezer.move_to("2026-12-01 21:00:00+00:00")
    mock_emby_admin.get_activity_log.return_value = ActivityLogPage(
        entries=[_entry(5, "AuthenticationFailed")], total=5
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await settle(hass)
    assert Feed.ACTIVITY_LOG in [call.args[0] for call in channel.websocket.subscribe.mock_calls]
    fired = Fired(hass, SECURITY)
    mock_emby_admin.get_activity_since.return_value = [
        _entry(6, "AuthenticationFailed", "Failed login attempt from mallory"),
        _entry(7, "DeviceAdded", "New device Pixel 8 (Emby for Android)"),
        _entry(8, "UserLockedOut", "alice has been locked out"),
        _entry(9, "VideoPlayback", "bob is playing Arrival"),
    ]
    channel.push(ActivityLogEntryMessage())
    await settle(hass)
    assert mock_emby_admin.get_activity_since.call_args.args == (LOGGED.replace(minute=5),)
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 5}
    assert fired.events == snapshot

    # The server lists an entry seen already beside a new one: only the new one fires.
    freezer.tick(1)
    mock_emby_admin.get_activity_since.return_value = [
        _entry(8, "UserLockedOut"),
        _entry(10, "AuthenticationFailed", "Failed login attempt from eve"),
    ]
    channel.push(ActivityLogEntryMessage())
    await settle(hass)
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 9}
    assert fired.types == ["failed_sign_in", "new_device", "user_locked_out", "failed_sign_in"]

    # Lost and back: the log is read once to catch up, and nothing seen fires again.
    freezer.tick(1)
    mock_emby_admin.get_activity_since.reset_mock()
    channel.end()
    await tick(hass, freezer, 2)
    await tick(hass, freezer, 2)
    assert channel.is_open
    mock_emby_admin.get_activity_since.assert_called_once()
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 10}
    assert len(fired.events) == 4


async def test_security_log_unreadable(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_emby_admin: MagicMock,
    channel: FakeChannel,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
) -> None:
    """An unreadable log fires nothing; the next push reads from the same place."""
    mock_emby_admin.get_activity_log.side_effect = EmbyConnectionError("gone")
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await settle(hass)
    fired = Fired(hass, SECURITY)
    # The first read that works only notes where the log stands.
    mock_emby_admin.get_activity_log.side_effect = None
    mock_emby_admin.get_activity_since.return_value = [_entry(6, "AuthenticationFailed")]
    channel.push(ActivityLogEntryMessage())
    await settle(hass)
    mock_emby_admin.get_activity_since.assert_not_called()
    mock_emby_admin.get_activity_since.side_effect = EmbyConnectionError("gone")
    channel.push(ActivityLogEntryMessage())
    await settle(hass)
    mock_emby_admin.get_activity_since.side_effect = None
    channel.push(ActivityLogEntryMessage())
    await settle(hass)
    assert mock_emby_admin.get_activity_since.call_args.kwargs == {"after_id": 0}
    assert fired.types == ["failed_sign_in"]


async def test_disabled_security_entity_reads_nothing(
    hass: HomeAssistant,
    *,
    entity_registry: er.EntityRegistry,
    mock_emby_admin: MagicMock,
    channel: FakeChannel,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
) -> None:
    """A disabled Security entity asks for no activity feed and reads no log."""
    entity_registry.async_get_or_create(
        "event",
        DOMAIN,
        f"{SYSTEM_ID}_security",
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await settle(hass)
    assert channel.is_open
    channel.push(ActivityLogEntryMessage())
    await settle(hass)
    assert Feed.ACTIVITY_LOG not in [
        call.args[0] for call in channel.websocket.subscribe.mock_calls
    ]
    mock_emby_admin.get_activity_log.assert_not_called()
    mock_emby_admin.get_activity_since.assert_not_called()


async def test_security_pushes_during_a_read(
    hass: HomeAssistant,
    *,
    mock_emby_admin: MagicMock,
    channel: FakeChannel,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
) -> None:
    """Pushes while the log is being read make one more read, not one each."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await settle(hass)
    fired = Fired(hass, SECURITY)
    release = asyncio.Event()

    async def slow_read(*_args: object, **_kwargs: object) -> list[ActivityLogEntry]:
        await release.wait()
        return [_entry(1, "UserLockedOut")]

    mock_emby_admin.get_activity_since.side_effect = slow_read
    for _ in range(3):
        channel.push(ActivityLogEntryMessage())
        await settle(hass)
    release.set()
    await settle(hass)
    assert mock_emby_admin.get_activity_since.call_count == 2
    assert fired.types == ["user_locked_out"]
