"""Tests for Emby Connect accounts: the shared server list, its registry, moved servers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.emby_connect.account import async_get_account_registry
from custom_components.emby_connect.aioemby import (
    AuthSource,
    ConnectionResult,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyConnectionError,
    ServerRecord,
)
from custom_components.emby_connect.const import (
    CONF_ACCESS_KEY,
    CONF_CONNECT_TOKEN,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONNECT_INTERVAL,
    CONNECT_READ_EVERY,
    DOMAIN,
    STATUS_INTERVAL,
)
from custom_components.emby_connect.errors import EmbyUpdateFailed, ErrorReason

from .conftest import OTHER_SYSTEM_ID, Runtime, load_json
from .helpers import (
    ACTIVE_SESSIONS,
    CONNECTIVITY,
    reauth_flows,
    sibling_entry,
    state,
    tick,
    unauthorized,
)

MOVED_LOCAL_ADDRESS = "http://192.168.1.30:8096"
RENEWED_ACCESS_KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _changed_servers() -> list[ConnectServer]:
    """Return the account's list after the server moved and got a new AccessKey."""
    return ConnectServer.list_from(load_json("connect_servers_changed.json"))


async def _set_up_all(hass: HomeAssistant, entries: list[MockConfigEntry]) -> None:
    """Add the entries of one account; setting the first up sets up the others too."""
    for entry in entries:
        entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entries[0].entry_id)
    await hass.async_block_till_done()


async def _store(hass: HomeAssistant, entry: MockConfigEntry, changes: dict[str, Any]) -> None:
    """Change an entry's data as a flow would, and let what follows run."""
    hass.config_entries.async_update_entry(entry, data={**entry.data, **changes})
    await hass.async_block_till_done()


async def _add_with_new_sign_in(
    hass: HomeAssistant, sibling_of: MockConfigEntry
) -> MockConfigEntry:
    """Set up the entry a flow adds for another server of the account, with a newer token."""
    added = sibling_entry(sibling_of, "2" * 32, "Office")
    added.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        added, data={**added.data, CONF_CONNECT_TOKEN: "connect-token-newer"}
    )
    await hass.config_entries.async_setup(added.entry_id)
    await hass.async_block_till_done()
    return added


def _refuse_servers(
    manager: MagicMock, server: MagicMock, result: ConnectionResult, *system_ids: str | None
) -> set[str | None]:
    """Let the servers named refuse their sign-in (until taken out of the returned set)."""
    refused = set(system_ids)

    async def _connect(record: ServerRecord) -> tuple[MagicMock, ConnectionResult]:
        if record.system_id in refused:
            raise unauthorized()
        return server, result

    manager.connect.side_effect = _connect
    return refused


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
        sibling_entry(mock_config_entry, "1" * 32, "Basement"),
        sibling_entry(mock_config_entry, "2" * 32, "Office"),
    ]
    await _set_up_all(hass, entries)
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)

    registry = async_get_account_registry(hass)
    (account,) = registry.accounts
    assert account.entry_ids == {entry.entry_id for entry in entries}
    assert all(entry.runtime_data.account is account for entry in entries)
    assert mock_emby_connect.get_servers.call_count == 1

    for _ in range(CONNECT_INTERVAL // STATUS_INTERVAL - 1):
        freezer.tick(STATUS_INTERVAL)
        async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_emby_connect.get_servers.call_count == 1

    await tick(hass, freezer)
    assert mock_emby_connect.get_servers.call_count == 2
    await tick(hass, freezer, CONNECT_INTERVAL)
    assert mock_emby_connect.get_servers.call_count == 3

    # The account lives until its last entry goes.
    await hass.config_entries.async_unload(entries[0].entry_id)
    await hass.config_entries.async_unload(entries[1].entry_id)
    assert account.entry_ids == {entries[2].entry_id}
    assert registry.accounts == [account]
    await hass.config_entries.async_unload(entries[2].entry_id)
    await hass.async_block_till_done()
    assert not registry.accounts

    await tick(hass, freezer, CONNECT_INTERVAL)
    assert mock_emby_connect.get_servers.call_count == 3


async def test_account_refreshes_entries_and_offers_new_servers(
    hass: HomeAssistant, loaded: Runtime
) -> None:
    """Moved addresses and a new AccessKey are stored; a newly linked server is offered."""
    connection = loaded.entry.runtime_data.connection
    loaded.connect.get_servers.return_value = _changed_servers()
    await loaded.tick(CONNECT_INTERVAL)

    assert loaded.entry.state is ConfigEntryState.LOADED
    assert loaded.entry.data[CONF_LOCAL_ADDRESS] == MOVED_LOCAL_ADDRESS
    assert loaded.entry.data[CONF_REMOTE_ADDRESS] == "https://emby.example.org:8920"
    assert loaded.entry.data[CONF_ACCESS_KEY] == RENEWED_ACCESS_KEY
    assert connection.record.local_address == MOVED_LOCAL_ADDRESS
    assert connection.record.access_key == RENEWED_ACCESS_KEY

    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]
    assert len(flows) == 1
    assert flows[0]["context"]["unique_id"] == OTHER_SYSTEM_ID

    # Read again an hour later, the same server is not offered twice.
    await loaded.tick(CONNECT_INTERVAL)
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
    mock_emby_connect.get_servers.return_value = _changed_servers()
    await _set_up_all(hass, [mock_config_entry])

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert mock_connection_manager.connect.call_count == 2
    record = mock_connection_manager.connect.call_args.args[0]
    assert record.local_address == MOVED_LOCAL_ADDRESS
    assert mock_config_entry.data[CONF_LOCAL_ADDRESS] == MOVED_LOCAL_ADDRESS
    # The read during setup counts: no second read right after.
    assert mock_emby_connect.get_servers.call_count == 1


async def test_moved_server_found_at_once(
    hass: HomeAssistant, loaded: Runtime, connection_result: ConnectionResult
) -> None:
    """A running server that moves is found within the same poll, moments after a read."""
    await loaded.tick(20)
    assert loaded.connect.get_servers.call_count == 1
    loaded.server.get_system_info.side_effect = [EmbyConnectionError("moved"), None]
    loaded.manager.connect.side_effect = [
        EmbyConnectionError("nothing at the old address"),
        (loaded.server, connection_result),
    ]
    loaded.connect.get_servers.return_value = _changed_servers()

    # The poll that loses the server drops its client; the next one connects.
    await loaded.tick()
    assert state(hass, CONNECTIVITY) == STATE_OFF
    await loaded.tick()
    assert state(hass, CONNECTIVITY) == STATE_ON
    assert loaded.connect.get_servers.call_count == 2
    assert loaded.manager.connect.call_args.args[0].local_address == (MOVED_LOCAL_ADDRESS)
    assert loaded.entry.data[CONF_LOCAL_ADDRESS] == MOVED_LOCAL_ADDRESS


async def test_reconnect_after_loss_reads_the_list_once_per_outage(
    hass: HomeAssistant, loaded: Runtime
) -> None:
    """An outage asks Connect for fresh addresses once; back, only if it was not asked."""
    await loaded.tick(timedelta(minutes=10))
    assert loaded.connect.get_servers.call_count == 1

    loaded.server.get_system_info.side_effect = EmbyConnectionError("gone")
    loaded.manager.connect.side_effect = EmbyConnectionError("gone")
    for _ in range(6):
        await loaded.tick()
    assert state(hass, CONNECTIVITY) == STATE_OFF
    assert loaded.connect.get_servers.call_count == 2

    loaded.server.get_system_info.side_effect = None
    loaded.manager.connect.side_effect = None
    await loaded.tick(timedelta(minutes=5))
    assert state(hass, CONNECTIVITY) == STATE_ON
    # Back: the list read during the outage answers for its end too.
    assert loaded.connect.get_servers.call_count == 2

    # A loss only the poll saw (the next connect worked): back, the list is read.
    loaded.server.get_system_info.side_effect = [EmbyConnectionError("blip"), None]
    await loaded.tick()
    assert state(hass, CONNECTIVITY) == STATE_OFF
    assert loaded.connect.get_servers.call_count == 2
    loaded.server.get_system_info.side_effect = None
    await loaded.tick()
    assert state(hass, CONNECTIVITY) == STATE_ON
    assert loaded.connect.get_servers.call_count == 3


async def test_lost_servers_share_one_read(hass: HomeAssistant, runtime: Runtime) -> None:
    """Servers of one account lost at the same time ask Emby Connect once between them."""
    entries = [runtime.entry, sibling_entry(runtime.entry, "1" * 32, "Basement")]
    await _set_up_all(hass, entries)
    await runtime.tick(timedelta(minutes=10))
    assert runtime.connect.get_servers.call_count == 1

    # Emby Connect answers slowly: the second server waits for the read the first started.
    answer = asyncio.Event()
    listed = runtime.connect.get_servers.return_value

    async def _slow_list() -> list[ConnectServer]:
        await answer.wait()
        return listed

    runtime.connect.get_servers.side_effect = _slow_list
    runtime.server.get_system_info.side_effect = EmbyConnectionError("network down")
    runtime.manager.connect.side_effect = EmbyConnectionError("network down")
    await runtime.tick()
    runtime.freezer.tick(STATUS_INTERVAL)
    async_fire_time_changed(hass)
    for _ in range(30):
        await asyncio.sleep(0)
    assert runtime.manager.connect.call_count == 2 + 2
    answer.set()
    await hass.async_block_till_done()
    assert all(not entry.runtime_data.status.last_update_success for entry in entries)
    assert runtime.connect.get_servers.call_count == 2

    # Moments later, a third failure uses the read just made.
    await runtime.tick()
    assert runtime.connect.get_servers.call_count == 2


async def test_flapping_server_cannot_hammer_connect(
    hass: HomeAssistant, loaded: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """Outage after outage, Connect is asked a few times at once, then once per few minutes."""
    caplog.set_level(logging.DEBUG)
    reads = []
    for _ in range(8):
        # Lost (the poll fails), not found (the connect fails), back.
        loaded.server.get_system_info.side_effect = EmbyConnectionError("gone")
        loaded.manager.connect.side_effect = EmbyConnectionError("gone")
        await loaded.tick()
        await loaded.tick()
        loaded.server.get_system_info.side_effect = None
        loaded.manager.connect.side_effect = None
        await loaded.tick()
        assert state(hass, CONNECTIVITY) == STATE_ON
        reads.append(loaded.connect.get_servers.call_count)
    # Eight outages in twelve minutes, each asking once: the budget the read at setup left
    # (two), then one per five minutes.
    assert reads == [2, 3, 3, 4, 4, 4, 5, 5]
    assert "Emby Connect was asked often lately" in caplog.text

    # The budget comes back with time.
    await loaded.tick(CONNECT_READ_EVERY)
    loaded.server.get_system_info.side_effect = EmbyConnectionError("gone")
    loaded.manager.connect.side_effect = EmbyConnectionError("gone")
    await loaded.tick()
    await loaded.tick()
    assert loaded.connect.get_servers.call_count == reads[-1] + 1


async def test_connect_down_keeps_servers_running(hass: HomeAssistant, loaded: Runtime) -> None:
    """When Emby Connect is down the servers keep working with what is stored."""
    data_before = dict(loaded.entry.data)
    loaded.connect.get_servers.side_effect = EmbyConnectionError("Connect is down")
    await loaded.tick(CONNECT_INTERVAL)

    assert loaded.connect.get_servers.call_count == 2
    assert loaded.entry.state is ConfigEntryState.LOADED
    assert state(hass, CONNECTIVITY) == STATE_ON
    assert state(hass, ACTIVE_SESSIONS) == "3"
    assert loaded.entry.data == data_before
    assert not ir.async_get(hass).issues


async def test_connect_refused_starts_reauth(hass: HomeAssistant, loaded: Runtime) -> None:
    """A refused Connect token asks to sign in again, while the server keeps running."""
    # An entry of the domain outside this account is left alone.
    other = MockConfigEntry(domain=DOMAIN, unique_id=OTHER_SYSTEM_ID, data={})
    other.add_to_hass(hass)
    loaded.connect.get_servers.side_effect = EmbyAuthenticationError(
        "Unauthorized", source=AuthSource.CONNECT, status=401
    )
    await loaded.tick(CONNECT_INTERVAL)
    await loaded.tick(CONNECT_INTERVAL)

    (flow,) = reauth_flows(hass, loaded.entry)
    assert not reauth_flows(hass, other)
    assert loaded.entry.state is ConfigEntryState.LOADED
    assert state(hass, CONNECTIVITY) == STATE_ON
    assert state(hass, ACTIVE_SESSIONS) == "3"
    account = loaded.entry.runtime_data.account
    assert account is not None
    assert isinstance(account.last_exception, EmbyUpdateFailed)
    assert account.last_exception.reason is ErrorReason.CONNECT_AUTHENTICATION_FAILED

    # Accepted again (the person left the flow), then refused: the person is asked again.
    hass.config_entries.flow.async_abort(flow["flow_id"])  # type: ignore[index]
    loaded.connect.get_servers.side_effect = None
    await loaded.tick(CONNECT_INTERVAL)
    assert not reauth_flows(hass, loaded.entry)
    loaded.connect.get_servers.side_effect = EmbyAuthenticationError(
        "Unauthorized", source=AuthSource.CONNECT, status=401
    )
    await loaded.tick(CONNECT_INTERVAL)
    assert len(reauth_flows(hass, loaded.entry)) == 1


async def test_removed_server_raises_issue(hass: HomeAssistant, loaded: Runtime) -> None:
    """A server the account no longer lists raises a repair issue, gone when it is back."""
    issue_registry = ir.async_get(hass)
    issue_id = f"server_removed_{loaded.entry.entry_id}"
    loaded.connect.get_servers.return_value = []
    await loaded.tick(CONNECT_INTERVAL)

    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "server_removed"
    assert issue.translation_placeholders == {"name": "Living Room"}
    assert state(hass, CONNECTIVITY) == STATE_ON

    loaded.connect.get_servers.return_value = ConnectServer.list_from(
        load_json("connect_servers.json")
    )
    await loaded.tick(CONNECT_INTERVAL)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


# The registry adopts the newest sign-in of an account.


@pytest.mark.usefixtures("mock_connection_manager")
async def test_new_sign_in_reaches_every_entry_of_the_account(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    mock_config_entry: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """An entry set up with a newer token: the account uses it, the siblings store it."""
    caplog.set_level(logging.INFO)
    running = mock_config_entry
    failed = sibling_entry(mock_config_entry, "1" * 32, "Basement")
    await _set_up_all(hass, [running, failed])
    assert failed.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(failed.entry_id)
    await tick(hass, freezer, 60)
    reads = mock_emby_connect.get_servers.call_count

    # A server added by a new sign-in (a flow stored its token in its entry).
    added = await _add_with_new_sign_in(hass, mock_config_entry)

    account = added.runtime_data.account
    assert account is not None
    assert account is running.runtime_data.account
    assert account.client.access_token == "connect-token-newer"
    assert running.data[CONF_CONNECT_TOKEN] == "connect-token-newer"
    assert failed.data[CONF_CONNECT_TOKEN] == "connect-token-newer"
    # The running entry took it without a reload; the list was read with the new sign-in.
    assert running.state is ConfigEntryState.LOADED
    assert mock_emby_connect.get_servers.call_count == reads + 1
    assert "Office brought a new sign-in of its account; 2 other server(s)" in caplog.text
    assert "connect-token-newer" not in caplog.text


@pytest.mark.usefixtures("mock_emby_connect")
async def test_new_sign_in_sets_up_failed_siblings_again(
    hass: HomeAssistant,
    *,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
    connection_result: ConnectionResult,
) -> None:
    """A sibling that failed to set up is set up again with the account's new sign-in."""
    failed = sibling_entry(mock_config_entry, "1" * 32, "Basement")
    refused = _refuse_servers(
        mock_connection_manager, mock_emby_server, connection_result, failed.unique_id
    )
    await _set_up_all(hass, [mock_config_entry, failed])
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert failed.state is ConfigEntryState.SETUP_ERROR

    refused.clear()
    await _add_with_new_sign_in(hass, mock_config_entry)

    assert failed.data[CONF_CONNECT_TOKEN] == "connect-token-newer"
    assert failed.state is ConfigEntryState.LOADED
    assert not reauth_flows(hass, failed)


async def test_new_sign_in_reaches_siblings_while_the_account_is_not_running(
    hass: HomeAssistant,
    runtime: Runtime,
    *,
    caplog: pytest.LogCaptureFixture,
    connection_result: ConnectionResult,
) -> None:
    """The first entry to run an account brings the newest sign-in to its stopped siblings."""
    caplog.set_level(logging.INFO)
    refused = _refuse_servers(
        runtime.manager, runtime.server, connection_result, runtime.entry.unique_id
    )

    def _client(**kwargs: Any) -> MagicMock:
        # Each account gets a client holding the token it was built with, as the real one.
        runtime.connect.access_token = kwargs["access_token"]
        return runtime.connect

    runtime.connect_class.side_effect = _client
    await _set_up_all(hass, [runtime.entry])
    assert runtime.entry.state is ConfigEntryState.SETUP_ERROR
    assert not async_get_account_registry(hass).accounts

    # A flow adds another server of the account with a new sign-in; it only creates its entry.
    refused.clear()
    added = await _add_with_new_sign_in(hass, runtime.entry)

    account = added.runtime_data.account
    assert account is not None
    assert account.client.access_token == "connect-token-newer"
    assert runtime.entry.data[CONF_CONNECT_TOKEN] == "connect-token-newer"
    assert runtime.entry.state is ConfigEntryState.LOADED
    assert runtime.entry.runtime_data.account is account
    assert "Office brought a new sign-in of its account; 1 other server(s)" in caplog.text
    assert "connect-token-newer" not in caplog.text


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_first_entry_of_an_account_rewrites_no_sibling_holding_its_sign_in(
    hass: HomeAssistant, *, caplog: pytest.LogCaptureFixture, mock_config_entry: MockConfigEntry
) -> None:
    """Entries that hold the same sign-in start without a word about a new one."""
    caplog.set_level(logging.INFO)
    sibling = sibling_entry(mock_config_entry, "1" * 32, "Basement")
    await _set_up_all(hass, [mock_config_entry, sibling])

    assert sibling.state is ConfigEntryState.LOADED
    assert "new sign-in" not in caplog.text
