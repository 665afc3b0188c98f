"""Tests for the sensors of Emby Connect."""

from __future__ import annotations

from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import Session
from custom_components.emby_connect.const import DOMAIN
from tests.fixtures import load_fixture

from .conftest import HA_DEVICE_ID, SYSTEM_ID, EntitiesSnapshot, Runtime
from .helpers import forbidden, tick

pytestmark = [
    pytest.mark.platforms(Platform.SENSOR),
    pytest.mark.usefixtures("entity_registry_enabled_by_default"),
]

ACTIVE_SESSIONS = "sensor.living_room_active_sessions"


async def test_sensors(
    snapshot_entities: EntitiesSnapshot,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Snapshot the sensors of a server seen by an administrator."""
    await snapshot_entities(init_integration)
    device = device_registry.async_get_device_by_identifier(
        ("emby_connect", SYSTEM_ID), init_integration.entry_id
    )
    assert device == snapshot(name="device")


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_session_counts_of_a_real_server(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_emby_server: MagicMock
) -> None:
    """Count what a real server lists: our own session left out, paused and audio-only apart."""
    payload = load_fixture("sessions.json")
    assert payload[0]["Client"] == "Home Assistant"
    payload[0]["DeviceId"] = HA_DEVICE_ID  # the server lists Home Assistant's own session
    mock_emby_server.get_sessions.return_value = Session.list_from(payload)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    # Six sessions listed; the five other clients are counted.
    assert hass.states.get(ACTIVE_SESSIONS).state == "5"
    # Four play, the paused Emby Web stream is counted apart.
    assert hass.states.get("sensor.living_room_now_playing").state == "4"
    assert hass.states.get("sensor.living_room_paused").state == "1"
    # The paused transcode without TranscodingInfo, the audio-only and the hardware one.
    assert hass.states.get("sensor.living_room_transcoding").state == "3"
    # Playing streams with a known rate: two transcodes and a remux (8.64 + 3.616 + 9.8 Mbit/s);
    # the direct play names none, the paused one sends nothing.
    assert hass.states.get("sensor.living_room_stream_bitrate").state == "22.056"
    # Of the two clients outside the LAN (documentation addresses), only one plays.
    assert hass.states.get("sensor.living_room_streams_outside_the_lan").state == "1"


async def test_sensors_guest(
    hass: HomeAssistant,
    snapshot_entities: EntitiesSnapshot,
    *,
    entity_registry: er.EntityRegistry,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
) -> None:
    """A guest who may read nothing but the public info gets only version and connection."""
    runtime.server.get_system_info.side_effect = forbidden()
    runtime.server.get_sessions.side_effect = forbidden()
    runtime.server.get_item_counts.side_effect = forbidden()
    mock_emby_admin.get_scheduled_tasks.side_effect = forbidden()
    await runtime.set_up()

    await snapshot_entities(runtime.entry)
    # What the user can never read is not created, rather than unavailable forever.
    assert hass.states.get("sensor.living_room_movies") is None
    assert hass.states.get("sensor.living_room_active_sessions") is None
    assert hass.states.get("sensor.living_room_library_scan") is None
    assert hass.states.get("sensor.living_room_stream_bitrate") is None
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, f"{SYSTEM_ID}_movies") is None
    mock_emby_admin.get_library_scan_task.assert_not_called()
    assert hass.states.get("sensor.living_room_version").state == "4.8.11.0"

    # Given the rights, the user gets the sensors when the entry is set up again.
    runtime.server.get_sessions.side_effect = None
    runtime.server.get_item_counts.side_effect = None
    await hass.config_entries.async_reload(runtime.entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get("sensor.living_room_movies").state == "1284"
    assert hass.states.get("sensor.living_room_active_sessions").state == "3"


@pytest.mark.usefixtures("init_integration")
async def test_sensors_rights_taken_away(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_emby_server: MagicMock
) -> None:
    """A sensor whose value the user may no longer read goes unavailable, and comes back."""
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"
    mock_emby_server.get_sessions.side_effect = forbidden()
    await tick(hass, freezer)

    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.living_room_version").state == "4.8.11.0"

    mock_emby_server.get_sessions.side_effect = None
    await tick(hass, freezer)

    assert hass.states.get(ACTIVE_SESSIONS).state == "3"


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
async def test_counts_of_a_kind_share_a_unit(hass: HomeAssistant) -> None:
    """Counts of one kind share a unit, so history draws them in one graph."""
    kinds = {
        "sessions": ("active_sessions", "now_playing", "transcoding"),
        "items": (
            "movies",
            "series",
            "episodes",
            "songs",
            "albums",
            "music_videos",
            "books",
            "trailers",
        ),
    }
    state_classes = {"sessions": SensorStateClass.MEASUREMENT, "items": SensorStateClass.TOTAL}
    for unit, keys in kinds.items():
        for key in keys:
            state = hass.states.get(f"sensor.living_room_{key}")
            assert state is not None, key
            assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == unit, key
            assert state.attributes[ATTR_STATE_CLASS] == state_classes[unit], key
