"""Tests for the binary sensors of Emby Connect."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from .conftest import EntitiesSnapshot, Runtime
from .helpers import CONNECTIVITY, RESTART_PENDING as RESTART, forbidden

pytestmark = pytest.mark.platforms(Platform.BINARY_SENSOR)


async def test_binary_sensors(
    snapshot_entities: EntitiesSnapshot, init_integration: MockConfigEntry
) -> None:
    """Snapshot the binary sensors of a server seen by an administrator."""
    await snapshot_entities(init_integration)


async def test_binary_sensors_non_admin(
    hass: HomeAssistant, snapshot_entities: EntitiesSnapshot, runtime: Runtime
) -> None:
    """A user who may not read System/Info gets only whether the server is reachable."""
    runtime.server.get_system_info.side_effect = forbidden()
    await runtime.set_up()

    await snapshot_entities(runtime.entry)
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    # What the user can never read is not created, rather than unavailable forever.
    assert hass.states.get(RESTART) is None


async def test_connectivity_stays_available(hass: HomeAssistant, loaded: Runtime) -> None:
    """The connectivity sensor turns off, not unavailable, while the server is away."""
    loaded.lose()
    await loaded.tick()

    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert hass.states.get(RESTART).state == STATE_UNAVAILABLE

    loaded.find()
    await loaded.tick()

    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(RESTART).state == STATE_OFF
