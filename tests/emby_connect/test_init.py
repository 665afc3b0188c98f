"""Tests for setting up and unloading Emby Connect entries."""

from __future__ import annotations

from unittest.mock import MagicMock, patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, instance_id, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.emby_connect.account import async_get_account_registry
from custom_components.emby_connect.aioemby import (
    AuthSource,
    ConnectionResult,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyServerMismatchError,
    EmbyTimeoutError,
    EmbyUnsupportedServerError,
    UnsupportedReason,
)
from custom_components.emby_connect.const import DOMAIN

from .conftest import LOCAL_ADDRESS, MANUAL_TOKEN, SERVER_USER_ID, SYSTEM_ID


async def test_load_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_emby_connect: MagicMock
) -> None:
    """An entry loads, shares its account, and unloads without leaving anything behind."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.account is not None
    assert mock_emby_connect.get_servers.call_count == 1
    registry = async_get_account_registry(hass)
    assert registry.accounts == [init_integration.runtime_data.account]

    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not registry.accounts


async def test_manual_entry(
    hass: HomeAssistant,
    mock_manual_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
) -> None:
    """A server added by address uses its stored token and no Emby Connect account."""
    mock_manual_config_entry.add_to_hass(hass)
    with patch(
        "custom_components.emby_connect.async_get_clientsession", autospec=True
    ) as session_mock:
        await hass.config_entries.async_setup(mock_manual_config_entry.entry_id)
        await hass.async_block_till_done()

    assert mock_manual_config_entry.state is ConfigEntryState.LOADED
    assert mock_manual_config_entry.runtime_data.account is None
    assert session_mock.call_args.kwargs == {"verify_ssl": False}
    record = mock_connection_manager.connect.call_args.args[0]
    assert record.system_id == SYSTEM_ID
    assert record.manual_address == LOCAL_ADDRESS
    assert record.user_id == SERVER_USER_ID
    assert record.access_token == MANUAL_TOKEN
    assert record.access_key is None
    assert not async_get_account_registry(hass).accounts

    await hass.config_entries.async_unload(mock_manual_config_entry.entry_id)
    assert mock_manual_config_entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize(
    ("error", "translation_key"),
    [
        (EmbyConnectionError("unreachable"), "cannot_connect"),
        (EmbyTimeoutError("timeout"), "cannot_connect"),
        (
            EmbyServerMismatchError("other server", expected_id=SYSTEM_ID, actual_id="x"),
            "server_mismatch",
        ),
        (EmbyResponseError("garbage"), "invalid_response"),
        # A 403 is no refused sign-in: it never starts a reauth.
        (
            EmbyForbiddenError("forbidden", source=AuthSource.SERVER, status=403),
            "invalid_response",
        ),
    ],
)
@pytest.mark.usefixtures("mock_emby_connect")
async def test_setup_not_ready(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    error: Exception,
    translation_key: str,
) -> None:
    """A server that cannot be reached is retried later, with a translated reason."""
    mock_connection_manager.connect.side_effect = error
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.error_reason_translation_key == translation_key
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    # The account was let go of with the failed setup.
    assert not async_get_account_registry(hass).accounts


@pytest.mark.parametrize("reason", [UnsupportedReason.TOO_OLD, UnsupportedReason.NOT_EMBY])
@pytest.mark.usefixtures("mock_emby_connect")
async def test_setup_unsupported_server(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    issue_registry: ir.IssueRegistry,
    reason: UnsupportedReason,
) -> None:
    """An unsupported server fails setup and raises a repair issue, gone once it is supported."""
    mock_connection_manager.connect.side_effect = EmbyUnsupportedServerError(
        "unsupported", reason=reason, version="4.6.7.0"
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_config_entry.error_reason_translation_key == "unsupported_server"
    issue_id = f"unsupported_server_{mock_config_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "unsupported_server"
    assert issue.translation_placeholders == {
        "name": mock_config_entry.title,
        "version": "4.6.7.0",
    }
    assert not issue.is_fixable

    mock_connection_manager.connect.side_effect = None
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("mock_emby_connect")
async def test_setup_auth_failed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
) -> None:
    """A refused AccessKey fails setup and starts reauth."""
    mock_connection_manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert mock_config_entry.error_reason_translation_key == "authentication_failed"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_remove_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    device_registry: dr.DeviceRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A stale device can be removed; the entry's own server cannot."""
    assert await async_setup_component(hass, "config", {})
    server = device_registry.async_get_device_by_identifier(
        (DOMAIN, SYSTEM_ID), init_integration.entry_id
    )
    assert server is not None
    stale = device_registry.async_get_or_create(
        config_entry_id=init_integration.entry_id, identifiers={(DOMAIN, "old-system-id")}
    )
    client = await hass_ws_client(hass)

    for device, removed in ((server, False), (stale, True)):
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        assert response["success"] is removed
        assert (device_registry.async_get(device.id) is None) is removed


@pytest.mark.parametrize(
    "translation_key",
    ["server_removed", "unsupported_server", "certificate_invalid", "admin_rights_lost"],
)
async def test_remove_entry_drops_its_issues(
    hass: HomeAssistant, init_integration: MockConfigEntry, translation_key: str
) -> None:
    """Removing an entry removes every repair issue raised about it."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{translation_key}_{init_integration.entry_id}",
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=translation_key,
        translation_placeholders={"name": init_integration.title},
    )
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert not ir.async_get(hass).issues


@pytest.mark.usefixtures("mock_emby_connect", "mock_websocket")
async def test_identity_is_the_installation(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
    connection_result: ConnectionResult,
) -> None:
    """Servers see one device per Home Assistant installation, named after it."""
    hass.config.location_name = "Cottage"
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.emby_connect.ConnectionManager", autospec=True) as manager_class:
        manager_class.return_value.connect.return_value = (mock_emby_server, connection_result)
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    identity = manager_class.call_args.kwargs["identity"]
    assert identity.device_id == await instance_id.async_get(hass)
    assert identity.device_name == "Cottage"
    assert identity.client == "Home Assistant"
    assert mock_config_entry.state is ConfigEntryState.LOADED
