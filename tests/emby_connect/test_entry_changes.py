"""Tests for how a flow's change reaches a running entry: by a reload, with no update listener."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import MagicMock

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect.aioemby import (
    ConnectLogin,
    ServerLogin,
    ServerRecord,
)
from custom_components.emby_connect.const import CONF_CONNECT_TOKEN

from .conftest import CONNECT_USER_ID, SERVER_USER_ID, SYSTEM_ID, Runtime
from .helpers import sibling_entry

NEW_URL = "http://192.168.1.77:8096"
NEW_SERVER_TOKEN = "server-token-after-reconfigure"
NEW_CONNECT_TOKEN = "connect-token-after-reauth"
RENEWED_ACCESS_KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
# What Home Assistant reports, since 2026.10, when a flow reloads an entry that has an update
# listener (it stops working in 2026.12.0).
UPDATE_LISTENER_REPORT = "has an update listener"


@pytest.fixture
def mock_flow_server(mock_server: MagicMock) -> MagicMock:
    """Return the Emby server client of the flow's checks, handing out a new token."""
    mock_server.authenticate_by_name.return_value = ServerLogin(
        user_id=SERVER_USER_ID, access_token=NEW_SERVER_TOKEN
    )
    return mock_server


def _last_record(manager: MagicMock) -> ServerRecord:
    """Return what the connection manager was last asked to connect to."""
    record: ServerRecord = manager.connect.call_args.args[0]
    return record


@pytest.mark.usefixtures("mock_flow_server")
async def test_reconfigure_reaches_the_running_entry(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    mock_manual_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
) -> None:
    """A new address and token from reconfigure are used at once: the entry reloads."""
    entry = mock_manual_config_entry
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.update_listeners

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "reconfigure_manual"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_URL: NEW_URL, CONF_USERNAME: "alice", CONF_PASSWORD: "pw", CONF_VERIFY_SSL: True},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.state is ConfigEntryState.LOADED
    record = _last_record(mock_connection_manager)
    assert record.manual_address == NEW_URL
    assert record.access_token == NEW_SERVER_TOKEN
    assert record.verify_ssl is True
    assert UPDATE_LISTENER_REPORT not in caplog.text


async def test_reauth_reaches_the_account_and_its_entries(
    hass: HomeAssistant, runtime: Runtime, *, caplog: pytest.LogCaptureFixture
) -> None:
    """A new Emby Connect sign-in reaches the account, the entry and its running sibling."""
    sibling = sibling_entry(runtime.entry, "1" * 32, "Basement")
    for entry in (runtime.entry, sibling):
        entry.add_to_hass(hass)
    await hass.config_entries.async_setup(runtime.entry.entry_id)
    await hass.async_block_till_done()
    assert sibling.state is ConfigEntryState.LOADED
    runtime.connect.authenticate.return_value = ConnectLogin(
        user_id=CONNECT_USER_ID, access_token=NEW_CONNECT_TOKEN
    )
    runtime.connect.get_servers.return_value = [
        replace(server, access_key=RENEWED_ACCESS_KEY)
        for server in runtime.connect.get_servers.return_value
    ]

    result = await runtime.entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "alice", CONF_PASSWORD: "pw"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert runtime.entry.state is ConfigEntryState.LOADED
    assert sibling.state is ConfigEntryState.LOADED
    assert sibling.data[CONF_CONNECT_TOKEN] == NEW_CONNECT_TOKEN
    # The account set up again reads its servers with the new sign-in.
    account_clients = [
        call.kwargs for call in runtime.connect_class.call_args_list if "user_id" in call.kwargs
    ]
    assert account_clients[-1]["access_token"] == NEW_CONNECT_TOKEN
    connected = {
        record.system_id: record
        for call in runtime.manager.connect.call_args_list
        if (record := call.args[0])
    }
    assert connected[SYSTEM_ID].access_key == RENEWED_ACCESS_KEY
    assert UPDATE_LISTENER_REPORT not in caplog.text
