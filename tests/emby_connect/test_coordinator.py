"""Tests for the server coordinator of Emby Connect: polling, outages, tokens, entry data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import logging
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_REAUTH,
    ConfigEntryState,
)
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.emby_connect.aioemby import (
    AuthSource,
    ConnectionMode,
    ConnectionResult,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyServerMismatchError,
    EmbyTimeoutError,
    SystemInfo,
)
from custom_components.emby_connect.const import (
    CONF_ACCESS_KEY,
    CONF_LAST_MODE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_SYSTEM_ID,
    CONNECT_INTERVAL,
    COUNTS_INTERVAL,
    DOMAIN,
    STATUS_INTERVAL,
)
from custom_components.emby_connect.coordinator import DATA_ACCOUNTS

from .conftest import OTHER_SYSTEM_ID, REMOTE_ADDRESS, SYSTEM_ID, load_json

CONNECTIVITY = "binary_sensor.living_room_connectivity"
ACTIVE_SESSIONS = "sensor.living_room_active_sessions"
CONNECTION = "sensor.living_room_connection"


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta = STATUS_INTERVAL
) -> None:
    """Let time pass and the polls it triggers finish."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _unauthorized() -> EmbyAuthenticationError:
    """Return the error of a token the server no longer accepts."""
    return EmbyAuthenticationError("Unauthorized", source=AuthSource.SERVER, status=401)


def _reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[object]:
    """Return the reauth flows in progress for an entry."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"].get("entry_id") == entry.entry_id
    ]


@pytest.mark.usefixtures("init_integration")
async def test_polling_intervals(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_emby_server: MagicMock
) -> None:
    """Status is read every 30 seconds, library counts at most every 30 minutes."""
    assert mock_emby_server.get_system_info.call_count == 1
    assert mock_emby_server.get_sessions.call_count == 1
    assert mock_emby_server.get_item_counts.call_count == 1

    await _tick(hass, freezer)
    assert mock_emby_server.get_system_info.call_count == 2
    assert mock_emby_server.get_sessions.call_count == 2
    assert mock_emby_server.get_item_counts.call_count == 1

    for _ in range(COUNTS_INTERVAL // STATUS_INTERVAL - 2):
        await _tick(hass, freezer)
    assert mock_emby_server.get_item_counts.call_count == 1

    await _tick(hass, freezer)
    assert mock_emby_server.get_system_info.call_count == COUNTS_INTERVAL // STATUS_INTERVAL + 1
    assert mock_emby_server.get_item_counts.call_count == 2


@pytest.mark.usefixtures("init_integration")
async def test_forbidden_counts_not_asked_every_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_emby_server: MagicMock
) -> None:
    """A user who may not read counts is not asked again at every poll."""
    mock_emby_server.get_item_counts.side_effect = EmbyForbiddenError(
        "Forbidden", source=AuthSource.SERVER, status=403
    )
    await _tick(hass, freezer, COUNTS_INTERVAL)
    assert mock_emby_server.get_item_counts.call_count == 2
    assert hass.states.get("sensor.living_room_movies").state == STATE_UNAVAILABLE

    await _tick(hass, freezer)
    assert mock_emby_server.get_item_counts.call_count == 2
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"


async def test_connection_lost_and_back(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """A lost server is logged once, probed again at every poll, and logged once when back."""
    caplog.set_level(logging.INFO)
    data_before = dict(init_integration.data)
    assert mock_connection_manager.connect.call_count == 1

    mock_emby_server.get_system_info.side_effect = EmbyTimeoutError("timeout")
    mock_connection_manager.connect.side_effect = EmbyConnectionError("unreachable")
    for _ in range(3):
        await _tick(hass, freezer)

    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    # The client was dropped at the first failure, and every later poll probed again.
    assert mock_connection_manager.connect.call_count == 3
    assert caplog.text.count("Error fetching Emby server Living Room data") == 1
    assert "could not be reached on any of its addresses" in caplog.text
    assert init_integration.data == data_before

    mock_emby_server.get_system_info.side_effect = None
    mock_connection_manager.connect.side_effect = None
    await _tick(hass, freezer)
    await _tick(hass, freezer)

    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"
    assert caplog.text.count("Fetching Emby server Living Room data recovered") == 1
    assert caplog.text.count("Error fetching Emby server Living Room data") == 1


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            EmbyServerMismatchError("other server", expected_id=SYSTEM_ID, actual_id="x"),
            "now answer as a different server",
        ),
        (EmbyResponseError("garbage"), "could not read"),
    ],
)
async def test_other_errors_are_update_failures(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    init_integration: MockConfigEntry,
    mock_emby_server: MagicMock,
    error: Exception,
    message: str,
) -> None:
    """A server answering as another or talking nonsense makes entities unavailable."""
    mock_emby_server.get_sessions.side_effect = error
    await _tick(hass, freezer)

    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    assert message in caplog.text
    assert init_integration.state is ConfigEntryState.LOADED
    assert not _reauth_flows(hass, init_integration)


async def test_revoked_token_reconnects_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """A 401 drops the client and exchanges the AccessKey again; success needs no reauth."""
    mock_emby_server.get_system_info.side_effect = [_unauthorized(), load_system_info()]
    await _tick(hass, freezer)

    assert mock_connection_manager.connect.call_count == 2
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert not _reauth_flows(hass, init_integration)


async def test_refused_again_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """Refused again after one new exchange: reauth starts, the entry data stays as it was."""
    data_before = dict(init_integration.data)
    mock_emby_server.get_system_info.side_effect = _unauthorized()
    await _tick(hass, freezer)

    assert mock_connection_manager.connect.call_count == 2
    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    assert len(_reauth_flows(hass, init_integration)) == 1
    assert init_integration.data == data_before


async def test_refused_exchange_starts_reauth(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
    mock_emby_connect: MagicMock,
) -> None:
    """When the AccessKey itself is refused and Connect knows no newer one, reauth starts."""
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("restarting")
    await _tick(hass, freezer)
    mock_connection_manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    await _tick(hass, freezer, timedelta(minutes=6))

    # Connect was asked for a newer AccessKey, which did not change.
    assert mock_emby_connect.get_servers.call_count == 2
    assert len(_reauth_flows(hass, init_integration)) == 1


async def test_refused_exchange_while_connect_is_down_retries(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
    mock_emby_connect: MagicMock,
) -> None:
    """A refused AccessKey is no reason to sign in again while Connect cannot be asked."""
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("restarting")
    await _tick(hass, freezer)
    mock_connection_manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    mock_emby_connect.get_servers.side_effect = EmbyConnectionError("Connect is down")
    await _tick(hass, freezer, timedelta(minutes=6))

    assert not _reauth_flows(hass, init_integration)
    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    error = init_integration.runtime_data.coordinator.last_exception
    assert "refused its Emby Connect AccessKey, and Emby Connect cannot be reached" in str(error)

    # Connect answers again with a renewed AccessKey: the server is back, no sign-in needed.
    mock_emby_connect.get_servers.side_effect = None
    mock_emby_connect.get_servers.return_value = ConnectServer.list_from(
        load_json("connect_servers_changed.json")
    )
    mock_emby_server.get_system_info.side_effect = None
    mock_connection_manager.connect.side_effect = None
    await _tick(hass, freezer, timedelta(minutes=6))

    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert init_integration.data[CONF_ACCESS_KEY] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert not _reauth_flows(hass, init_integration)


async def test_manual_revoked_token_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_manual_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """A server added by address has no AccessKey to exchange: a 401 goes straight to reauth."""
    mock_manual_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_manual_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CONNECTION).state == "local"

    mock_emby_server.get_system_info.side_effect = _unauthorized()
    await _tick(hass, freezer)

    assert mock_connection_manager.connect.call_count == 1
    assert len(_reauth_flows(hass, mock_manual_config_entry)) == 1


async def test_last_mode_follows_the_connection(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
    connection_result: ConnectionResult,
) -> None:
    """The mode that won is stored without a reload; a failed poll changes nothing."""
    assert init_integration.data[CONF_LAST_MODE] == "local"
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.record.last_mode is ConnectionMode.LOCAL

    mock_emby_server.get_sessions.side_effect = EmbyConnectionError("lan down")
    await _tick(hass, freezer)
    assert init_integration.data[CONF_LAST_MODE] == "local"

    mock_emby_server.get_sessions.side_effect = None
    mock_connection_manager.connect.return_value = (
        mock_emby_server,
        replace(connection_result, mode=ConnectionMode.REMOTE, address=REMOTE_ADDRESS),
    )
    await _tick(hass, freezer)

    assert init_integration.data[CONF_LAST_MODE] == "remote"
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTION).state == "remote"
    assert coordinator.record.last_mode is ConnectionMode.REMOTE
    # The device follows the address in use.
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, SYSTEM_ID), init_integration.entry_id
    )
    assert device is not None
    assert device.configuration_url == f"{REMOTE_ADDRESS}/web/index.html"


async def test_device_follows_the_version(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_server: MagicMock,
) -> None:
    """After a server update the device shows the new version."""
    mock_emby_server.get_system_info.return_value = replace(
        load_system_info(), version="4.9.0.0", has_update_available=False
    )
    await _tick(hass, freezer)

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, SYSTEM_ID), init_integration.entry_id
    )
    assert device is not None
    assert device.sw_version == "4.9.0.0"
    assert hass.states.get("sensor.living_room_version").state == "4.9.0.0"
    assert hass.states.get("binary_sensor.living_room_update").state == STATE_OFF


def load_system_info() -> SystemInfo:
    """Return the recorded System/Info of the server."""
    return SystemInfo.from_dict(load_json("system_info.json"))


# The Emby Connect account coordinator, shared by the entries of one account.


def _second_entry(
    mock_config_entry: MockConfigEntry, system_id: str, title: str
) -> MockConfigEntry:
    """Return another server entry of the same Emby Connect account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=system_id,
        data={**mock_config_entry.data, CONF_SYSTEM_ID: system_id},
    )


@pytest.mark.usefixtures("mock_connection_manager")
async def test_account_shared_and_hourly(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """Three entries of one account share one server list read per hour."""
    entries = [
        mock_config_entry,
        _second_entry(mock_config_entry, "1" * 32, "Basement"),
        _second_entry(mock_config_entry, "2" * 32, "Office"),
    ]
    for entry in entries:
        entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)

    accounts = hass.data[DATA_ACCOUNTS]
    assert len(accounts) == 1
    account = next(iter(accounts.values()))
    assert account.entry_ids == {entry.entry_id for entry in entries}
    assert all(entry.runtime_data.account is account for entry in entries)
    assert mock_emby_connect.get_servers.call_count == 1

    for _ in range(CONNECT_INTERVAL // STATUS_INTERVAL - 1):
        freezer.tick(STATUS_INTERVAL)
        async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_emby_connect.get_servers.call_count == 1

    await _tick(hass, freezer)
    assert mock_emby_connect.get_servers.call_count == 2
    await _tick(hass, freezer, CONNECT_INTERVAL)
    assert mock_emby_connect.get_servers.call_count == 3

    # The account lives until its last entry goes.
    await hass.config_entries.async_unload(entries[0].entry_id)
    await hass.config_entries.async_unload(entries[1].entry_id)
    assert account.entry_ids == {entries[2].entry_id}
    assert accounts
    await hass.config_entries.async_unload(entries[2].entry_id)
    await hass.async_block_till_done()
    assert not accounts

    await _tick(hass, freezer, CONNECT_INTERVAL)
    assert mock_emby_connect.get_servers.call_count == 3


async def test_account_refreshes_entries_and_offers_new_servers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """Moved addresses and a new AccessKey are stored; a newly linked server is offered."""
    coordinator = init_integration.runtime_data.coordinator
    mock_emby_connect.get_servers.return_value = ConnectServer.list_from(
        load_json("connect_servers_changed.json")
    )
    await _tick(hass, freezer, CONNECT_INTERVAL)

    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.data[CONF_LOCAL_ADDRESS] == "http://192.168.1.30:8096"
    assert init_integration.data[CONF_REMOTE_ADDRESS] == "https://emby.example.org:8920"
    assert init_integration.data[CONF_ACCESS_KEY] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert coordinator.record.local_address == "http://192.168.1.30:8096"
    assert coordinator.record.access_key == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]
    assert len(flows) == 1
    assert flows[0]["context"]["unique_id"] == OTHER_SYSTEM_ID

    # Read again an hour later, the same server is not offered twice.
    await _tick(hass, freezer, CONNECT_INTERVAL)
    assert len(hass.config_entries.flow.async_progress_by_handler(DOMAIN)) == 1


async def test_moved_server_found_through_connect(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_server: MagicMock,
    connection_result: ConnectionResult,
) -> None:
    """A server that moved while Home Assistant was off is found at setup through Connect."""
    mock_connection_manager.connect.side_effect = [
        EmbyConnectionError("nothing at the old address"),
        (mock_emby_server, connection_result),
    ]
    mock_emby_connect.get_servers.return_value = ConnectServer.list_from(
        load_json("connect_servers_changed.json")
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_connection_manager.connect.call_count == 2
    record = mock_connection_manager.connect.call_args.args[0]
    assert record.local_address == "http://192.168.1.30:8096"
    assert mock_config_entry.data[CONF_LOCAL_ADDRESS] == "http://192.168.1.30:8096"
    # The read during setup counts: no second read right after.
    assert mock_emby_connect.get_servers.call_count == 1


async def test_reconnect_after_loss_reads_the_list_sparingly(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """Outages ask Connect for fresh addresses, at most once per few minutes per account."""
    await _tick(hass, freezer, timedelta(minutes=10))
    assert mock_emby_connect.get_servers.call_count == 1

    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    mock_connection_manager.connect.side_effect = EmbyConnectionError("gone")
    for _ in range(6):
        await _tick(hass, freezer)
    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert mock_emby_connect.get_servers.call_count == 2

    mock_emby_server.get_system_info.side_effect = None
    mock_connection_manager.connect.side_effect = None
    await _tick(hass, freezer, timedelta(minutes=5))
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    # Back after the loss: the list is read again, in the background.
    assert mock_emby_connect.get_servers.call_count == 3


async def test_connect_down_keeps_servers_running(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """When Emby Connect is down the servers keep working with what is stored."""
    data_before = dict(init_integration.data)
    mock_emby_connect.get_servers.side_effect = EmbyConnectionError("Connect is down")
    await _tick(hass, freezer, CONNECT_INTERVAL)

    assert mock_emby_connect.get_servers.call_count == 2
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"
    assert init_integration.data == data_before
    assert not ir.async_get(hass).issues


async def test_connect_refused_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """A refused Connect token asks to sign in again, while the server keeps running."""
    # An entry of the domain outside this account is left alone.
    other = MockConfigEntry(domain=DOMAIN, unique_id=OTHER_SYSTEM_ID, data={})
    other.add_to_hass(hass)
    mock_emby_connect.get_servers.side_effect = EmbyAuthenticationError(
        "Unauthorized", source=AuthSource.CONNECT, status=401
    )
    await _tick(hass, freezer, CONNECT_INTERVAL)
    await _tick(hass, freezer, CONNECT_INTERVAL)

    assert len(_reauth_flows(hass, init_integration)) == 1
    assert not _reauth_flows(hass, other)
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"

    # Signed in again: the next refusal asks again.
    mock_emby_connect.get_servers.side_effect = None
    await _tick(hass, freezer, CONNECT_INTERVAL)
    assert init_integration.runtime_data.account._auth_failed is False


async def test_removed_server_raises_issue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """A server the account no longer lists raises a repair issue, gone when it is back."""
    issue_registry = ir.async_get(hass)
    issue_id = f"server_removed_{init_integration.entry_id}"
    mock_emby_connect.get_servers.return_value = []
    await _tick(hass, freezer, CONNECT_INTERVAL)

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "server_removed"
    assert issue.translation_placeholders == {"name": "Living Room"}
    assert hass.states.get(CONNECTIVITY).state == STATE_ON

    mock_emby_connect.get_servers.return_value = ConnectServer.list_from(
        load_json("connect_servers.json")
    )
    await _tick(hass, freezer, CONNECT_INTERVAL)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_entry_has_no_update_listener(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Flows reload the entries whose data they change; nothing listens for updates besides.

    Home Assistant reports an update listener on an entry a flow updates and reloads (it stops
    working in 2026.12); the running server takes up its own changes (mode, addresses) itself.
    """
    assert init_integration.state is ConfigEntryState.LOADED
    assert not init_integration.update_listeners
