"""Tests for the binary sensors of Emby Connect."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyConnectionError,
    EmbyForbiddenError,
)
from custom_components.emby_connect.const import STATUS_INTERVAL

CONNECTIVITY = "binary_sensor.living_room_connectivity"
RESTART = "binary_sensor.living_room_restart_pending"


@pytest.fixture(autouse=True)
def only_binary_sensors() -> Generator[None]:
    """Load only the binary sensor platform."""
    with patch("custom_components.emby_connect.PLATFORMS", [Platform.BINARY_SENSOR]):
        yield


async def test_binary_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Snapshot the binary sensors of a server seen by an administrator."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_binary_sensors_non_admin(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
) -> None:
    """A user who may not read System/Info gets only whether the server is reachable."""
    mock_emby_server.get_system_info.side_effect = EmbyForbiddenError(
        "Forbidden", source=AuthSource.SERVER, status=403
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    # What the user can never read is not created, rather than unavailable forever.
    assert hass.states.get(RESTART) is None


@pytest.mark.usefixtures("init_integration")
async def test_connectivity_stays_available(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """The connectivity sensor turns off, not unavailable, while the server is away."""
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    mock_connection_manager.connect.side_effect = EmbyConnectionError("gone")
    freezer.tick(STATUS_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert hass.states.get(RESTART).state == STATE_UNAVAILABLE

    mock_emby_server.get_system_info.side_effect = None
    mock_connection_manager.connect.side_effect = None
    freezer.tick(STATUS_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(RESTART).state == STATE_OFF
