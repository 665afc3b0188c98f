"""Tests for the binary sensors of Emby Connect."""

from __future__ import annotations

from collections.abc import Generator
from unittest.mock import patch

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyForbiddenError,
)

from .conftest import Runtime
from .helpers import CONNECTIVITY, RESTART_PENDING as RESTART


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


async def test_binary_sensors_non_admin(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    runtime: Runtime,
) -> None:
    """A user who may not read System/Info gets only whether the server is reachable."""
    runtime.server.get_system_info.side_effect = EmbyForbiddenError(
        "Forbidden", source=AuthSource.SERVER, status=403
    )
    await runtime.set_up()

    await snapshot_platform(hass, entity_registry, snapshot, runtime.entry.entry_id)
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
