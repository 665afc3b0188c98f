"""Tests for the repairs of Emby Connect."""

from __future__ import annotations

from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.emby_connect.const import CONNECT_INTERVAL, DOMAIN


async def test_server_removed_fix_flow(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """Confirming the repair removes the entry of the server the account lost."""
    assert await async_setup_component(hass, "repairs", {})
    mock_emby_connect.get_servers.return_value = []
    freezer.tick(CONNECT_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    issue_id = f"server_removed_{init_integration.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id)

    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    assert result["description_placeholders"] == {"name": "Living Room"}

    result = await manager.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.config_entries.async_get_entry(init_integration.entry_id) is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_fix_flow_for_an_entry_already_gone(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The fix flow still completes when the entry was removed in the meantime."""
    assert await async_setup_component(hass, "repairs", {})
    issue_id = "server_removed_gone"
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": "gone"},
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key="server_removed",
        translation_placeholders={"name": "Old"},
    )
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    result = await manager.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.state is ConfigEntryState.LOADED
