"""Tests for the buttons of Emby Connect: waking a server."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import MagicMock

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.emby_connect.aioemby import (
    EmbyConnectionError,
    SystemInfo,
    WakeOnLanInfo,
)
from custom_components.emby_connect.const import (
    CONF_WAKE_ON_LAN,
    WAKE_RETRY_WINDOW,
)

from .conftest import REPORTED, EntitiesSnapshot, Runtime, load_json
from .helpers import (
    CONNECTIVITY,
    RESTART,
    SCAN_ALL,
    WAKE,
    assert_sent_to_reported,
    forbidden,
    press,
    state,
)

pytestmark = pytest.mark.platforms(Platform.BUTTON)


# Connectivity shows a woken server come back.
WITH_CONNECTIVITY = pytest.mark.parametrize(
    "platforms", [[Platform.BINARY_SENSOR, Platform.BUTTON]]
)


@pytest.fixture
def reporting_admin(mock_emby_admin: MagicMock) -> MagicMock:
    """Make the server report its Wake-on-LAN target."""
    mock_emby_admin.get_wake_on_lan_info.return_value = [REPORTED]
    return mock_emby_admin


@pytest.mark.usefixtures("reporting_admin")
async def test_wake_button(
    snapshot_entities: EntitiesSnapshot, init_integration: MockConfigEntry
) -> None:
    """A server that reported where to wake it gets a "Wake server" button, kept in its entry."""
    await snapshot_entities(init_integration)
    assert init_integration.data[CONF_WAKE_ON_LAN] == [REPORTED.as_dict()]


async def test_no_wake_button_without_targets(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A server that reported no target has no button, and its entry gets no wake data."""
    assert hass.states.get(WAKE) is None
    assert CONF_WAKE_ON_LAN not in init_integration.data


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_stored_targets_survive_a_failed_read(
    hass: HomeAssistant, stored_entry: MockConfigEntry, mock_emby_admin: MagicMock
) -> None:
    """Targets kept from an earlier run stay (and give the button) when the server refuses the read."""
    mock_emby_admin.get_wake_on_lan_info.side_effect = forbidden()
    await hass.config_entries.async_setup(stored_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(WAKE) is not None
    assert stored_entry.data[CONF_WAKE_ON_LAN] == [REPORTED.as_dict()]


@pytest.mark.usefixtures("reporting_admin")
async def test_changed_targets_are_stored(loaded: Runtime, mock_emby_admin: MagicMock) -> None:
    """After a reconnect the targets are read again, and stored only when they changed."""
    moved = WakeOnLanInfo(mac_address="0A:1B:2C:3D:4E:60", broadcast_address="127.0.0.1", port=9)
    mock_emby_admin.get_wake_on_lan_info.return_value = [moved]
    loaded.server.get_system_info.side_effect = EmbyConnectionError("gone")
    await loaded.tick()
    assert loaded.entry.data[CONF_WAKE_ON_LAN] == [REPORTED.as_dict()]

    loaded.server.get_system_info.side_effect = None
    await loaded.tick()
    assert loaded.entry.data[CONF_WAKE_ON_LAN] == [moved.as_dict()]


@WITH_CONNECTIVITY
@pytest.mark.usefixtures("reporting_admin")
async def test_wake_sends_to_the_reported_target_and_reconnects(
    hass: HomeAssistant, loaded: Runtime, mock_send_magic_packet: MagicMock
) -> None:
    """Waking a sleeping server sends to its target, then looks for it every second."""
    loaded.server.get_system_info.side_effect = EmbyConnectionError("asleep")
    await loaded.tick()
    assert state(hass, CONNECTIVITY) == STATE_OFF
    assert state(hass, WAKE) != STATE_UNAVAILABLE

    await press(hass, WAKE)
    assert_sent_to_reported(mock_send_magic_packet)

    # Still asleep a second later; up the second after: connectivity turns on at once.
    await loaded.tick(1)
    assert state(hass, CONNECTIVITY) == STATE_OFF
    loaded.server.get_system_info.side_effect = None
    await loaded.tick(1)
    assert state(hass, CONNECTIVITY) == STATE_ON

    # Found: no more attempts than the poll's.
    calls = loaded.server.get_system_info.call_count
    await loaded.tick(5)
    assert loaded.server.get_system_info.call_count == calls


@pytest.mark.usefixtures("reporting_admin")
async def test_wake_attempts_end_after_the_window(
    hass: HomeAssistant, loaded: Runtime, mock_send_magic_packet: MagicMock
) -> None:
    """A server that does not wake is looked for only during the window, then by the poll."""
    loaded.server.get_system_info.side_effect = EmbyConnectionError("asleep")
    await press(hass, WAKE)
    await loaded.tick(WAKE_RETRY_WINDOW + timedelta(seconds=1))
    calls = loaded.server.get_system_info.call_count
    for _ in range(5):
        await loaded.tick(1)
    assert loaded.server.get_system_info.call_count == calls


@pytest.mark.usefixtures("reporting_admin")
async def test_wake_failure_is_translated(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_send_magic_packet: MagicMock
) -> None:
    """A packet that cannot be sent is a translated error naming the server."""
    mock_send_magic_packet.side_effect = OSError(101, "Network is unreachable")
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, WAKE)
    assert err.value.translation_key == "wake_failed"
    assert str(err.value) == (
        "Could not wake the Emby server Living Room: "
        "Cannot send the Wake-on-LAN packet: Network is unreachable"
    )


@pytest.mark.parametrize(
    ("entity_id", "method"), [(RESTART, "restart"), (SCAN_ALL, "refresh_library")]
)
async def test_admin_buttons(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_emby_admin: MagicMock,
    entity_id: str,
    method: str,
) -> None:
    """An administrator restarts the server and scans its libraries from a button."""
    await press(hass, entity_id)
    getattr(mock_emby_admin, method).assert_awaited_once_with()


@pytest.mark.parametrize(
    ("entity_id", "method", "message"),
    [
        (RESTART, "restart", "Could not restart the Emby server Living Room: refused"),
        (
            SCAN_ALL,
            "refresh_library",
            "Could not start a library scan on the Emby server Living Room: refused",
        ),
    ],
)
async def test_admin_button_failure_is_translated(
    hass: HomeAssistant,
    *,
    init_integration: MockConfigEntry,
    mock_emby_admin: MagicMock,
    entity_id: str,
    method: str,
    message: str,
) -> None:
    """A refused command is a translated error; the entry stays loaded."""
    getattr(mock_emby_admin, method).side_effect = EmbyConnectionError("refused")
    with pytest.raises(HomeAssistantError, match=message):
        await press(hass, entity_id)
    assert init_integration.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    "refusal",
    [
        # A guest or non-admin user: scheduled tasks are refused.
        forbidden(),
        # An odd answer to the admin check.
        EmbyConnectionError("odd"),
    ],
    ids=["for_a_user", "when_the_admin_check_fails"],
)
async def test_no_admin_buttons(
    hass: HomeAssistant, runtime: Runtime, mock_emby_admin: MagicMock, refusal: Exception
) -> None:
    """Without a yes to the admin check the admin buttons are left out, and setup does not fail."""
    mock_emby_admin.get_scheduled_tasks.side_effect = refusal
    await runtime.set_up()

    assert runtime.entry.state is ConfigEntryState.LOADED
    assert hass.states.get(RESTART) is None
    assert hass.states.get(SCAN_ALL) is None


async def test_no_restart_button_when_the_server_cannot_restart_itself(
    hass: HomeAssistant, runtime: Runtime
) -> None:
    """A server that cannot restart itself (CanSelfRestart false) has no restart button."""
    data = load_json("system_info.json") | {"CanSelfRestart": False}
    runtime.server.get_system_info.return_value = SystemInfo.from_dict(data)
    await runtime.set_up()

    assert hass.states.get(RESTART) is None
    assert hass.states.get(SCAN_ALL) is not None


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
@pytest.mark.parametrize("stored_targets", ["garbage"])
async def test_unreadable_stored_targets_give_no_button(
    hass: HomeAssistant, stored_entry: MockConfigEntry
) -> None:
    """Wake-on-LAN data that cannot be read (edited by hand) gives no button, and no error."""
    await hass.config_entries.async_setup(stored_entry.entry_id)
    await hass.async_block_till_done()

    assert stored_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(WAKE) is None
