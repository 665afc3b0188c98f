"""Tests for a server asleep when its entry loads: it loads to be woken, and finishes when it answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyUnsupportedServerError,
    UnsupportedReason,
)
from custom_components.emby_connect.const import DOMAIN, STATUS_INTERVAL
from custom_components.emby_connect.diagnostics import async_get_config_entry_diagnostics

from .conftest import SYSTEM_ID
from .helpers import (
    ACTIVE_SESSIONS as SESSIONS,
    CONNECTIVITY,
    RESTART_PENDING,
    SCAN_ALL,
    WAKE,
    assert_sent_to_reported,
    press,
)


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return the state of an entity, None when it has none."""
    state = hass.states.get(entity_id)
    return None if state is None else state.state


async def _settle(hass: HomeAssistant) -> None:
    """Let the work a poll started finish, the late platforms' setup (a background task) too."""
    for _ in range(10):
        await hass.async_block_till_done()
        await asyncio.sleep(0)


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry and set it up again, as a Home Assistant restart does."""
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)


@pytest.mark.usefixtures("mock_emby_connect")
async def test_asleep_after_a_restart_then_woken(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    stored_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_send_magic_packet: MagicMock,
) -> None:
    """A server asleep at a restart keeps its device and Wake server; waking it brings all back."""
    await _restart(hass, stored_entry)
    assert _state(hass, SESSIONS) == "3"

    mock_connection_manager.connect.side_effect = EmbyConnectionError("asleep")
    await _restart(hass, stored_entry)

    assert stored_entry.state is ConfigEntryState.LOADED
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    assert _state(hass, WAKE) not in (None, STATE_UNAVAILABLE)
    # The others wait for the server: not provided yet, so unavailable.
    assert _state(hass, SESSIONS) == STATE_UNAVAILABLE
    assert _state(hass, RESTART_PENDING) == STATE_UNAVAILABLE
    assert _state(hass, SCAN_ALL) == STATE_UNAVAILABLE
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, SYSTEM_ID), stored_entry.entry_id
    )
    assert device is not None
    # What the registry kept from the last run stays while the server sleeps.
    assert device.sw_version == "4.8.11.0"

    await press(hass, WAKE)
    assert_sent_to_reported(mock_send_magic_packet)
    freezer.tick(timedelta(seconds=1))
    async_fire_time_changed(hass)
    await _settle(hass)
    assert _state(hass, CONNECTIVITY) == STATE_OFF

    mock_connection_manager.connect.side_effect = None
    freezer.tick(timedelta(seconds=1))
    async_fire_time_changed(hass)
    await _settle(hass)

    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert _state(hass, SESSIONS) == "3"
    assert _state(hass, RESTART_PENDING) == STATE_OFF
    assert _state(hass, SCAN_ALL) not in (None, STATE_UNAVAILABLE)
    assert _state(hass, "sensor.living_room_movies") is not None

    # Unloading after the late platforms came unloads them too.
    assert await hass.config_entries.async_unload(stored_entry.entry_id)
    assert stored_entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.usefixtures("mock_emby_connect")
async def test_asleep_server_answering_a_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stored_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
) -> None:
    """A server that wakes up by itself is found by the next poll, without a wake."""
    mock_connection_manager.connect.side_effect = EmbyConnectionError("asleep")
    await _restart(hass, stored_entry)
    assert _state(hass, CONNECTIVITY) == STATE_OFF
    assert _state(hass, SESSIONS) is None

    mock_connection_manager.connect.side_effect = None
    freezer.tick(STATUS_INTERVAL)
    async_fire_time_changed(hass)
    await _settle(hass)
    assert _state(hass, CONNECTIVITY) == STATE_ON
    assert _state(hass, SESSIONS) == "3"


@pytest.mark.usefixtures("mock_emby_connect")
async def test_unload_while_asleep(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    stored_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
) -> None:
    """An entry still waiting for its server unloads only the platforms it loaded."""
    mock_connection_manager.connect.side_effect = EmbyConnectionError("asleep")
    await _restart(hass, stored_entry)
    with caplog.at_level(logging.WARNING):
        assert await hass.config_entries.async_unload(stored_entry.entry_id)
    assert stored_entry.state is ConfigEntryState.NOT_LOADED
    assert "never set up" not in caplog.text


@pytest.mark.usefixtures("mock_emby_connect")
async def test_diagnostics_while_asleep(
    hass: HomeAssistant, stored_entry: MockConfigEntry, mock_connection_manager: MagicMock
) -> None:
    """Diagnostics of an entry whose server has not answered yet say so."""
    mock_connection_manager.connect.side_effect = EmbyConnectionError("asleep")
    await _restart(hass, stored_entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, stored_entry)
    assert diagnostics["last_update_success"] is False
    assert diagnostics["connection"] is None
    assert diagnostics["public_info"] is None
    assert diagnostics["sessions"] is None


@pytest.mark.usefixtures("mock_emby_connect")
async def test_asleep_without_stored_targets_waits(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
) -> None:
    """Without a Wake-on-LAN target nothing could be offered meanwhile: setup is retried."""
    mock_config_entry.add_to_hass(hass)
    mock_connection_manager.connect.side_effect = EmbyConnectionError("asleep")
    await _restart(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert _state(hass, WAKE) is None


@pytest.mark.usefixtures("mock_emby_connect")
async def test_refused_credentials_still_ask_to_sign_in(
    hass: HomeAssistant, stored_entry: MockConfigEntry, mock_connection_manager: MagicMock
) -> None:
    """A server that answers and refuses the token is not asleep: re-authentication starts."""
    mock_connection_manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    await _restart(hass, stored_entry)
    assert stored_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.usefixtures("mock_emby_connect")
async def test_unsupported_server_is_not_asleep(
    hass: HomeAssistant, stored_entry: MockConfigEntry, mock_connection_manager: MagicMock
) -> None:
    """A server that answers as too old is not loaded to be woken: waking would not help."""
    mock_connection_manager.connect.side_effect = EmbyUnsupportedServerError(
        "too old", reason=UnsupportedReason.TOO_OLD, version="4.6.7.0"
    )
    await _restart(hass, stored_entry)
    assert stored_entry.state is ConfigEntryState.SETUP_RETRY
