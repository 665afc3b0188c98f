"""Tests for the sensors of Emby Connect."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import MagicMock, patch

from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import AuthSource, EmbyForbiddenError

from .conftest import SYSTEM_ID

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


def _forbidden() -> EmbyForbiddenError:
    """Return the error of a call the user may not make."""
    return EmbyForbiddenError("Forbidden", source=AuthSource.SERVER, status=403)


@pytest.fixture(autouse=True)
def only_sensors() -> Generator[None]:
    """Load only the sensor platform."""
    with patch("custom_components.emby_connect.PLATFORMS", [Platform.SENSOR]):
        yield


async def test_sensors(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Snapshot the sensors of a server seen by an administrator."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    device = device_registry.async_get_device_by_identifier(
        ("emby_connect", SYSTEM_ID), init_integration.entry_id
    )
    assert device == snapshot(name="device")


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_sensors_guest(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
) -> None:
    """A guest who may read nothing but the public info keeps version and connection."""
    mock_emby_server.get_system_info.side_effect = _forbidden()
    mock_emby_server.get_sessions.side_effect = _forbidden()
    mock_emby_server.get_item_counts.side_effect = _forbidden()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
    assert hass.states.get("sensor.living_room_movies").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.living_room_active_sessions").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.living_room_version").state == "4.8.11.0"
