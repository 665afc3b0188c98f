"""Tests for the repairs of Emby Connect."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_VERIFY_SSL, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.emby_connect.aioemby import (
    EmbyCertificateError,
    EmbyConnectionError,
)
from custom_components.emby_connect.const import (
    CONNECT_INTERVAL,
    DOMAIN,
    RIGHTS_RECHECK_INTERVAL,
)

from .conftest import Runtime
from .helpers import forbidden, tick


async def test_server_removed_fix_flow(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_connect: MagicMock,
) -> None:
    """Confirming the repair removes the entry of the server the account lost."""
    assert await async_setup_component(hass, "repairs", {})
    mock_emby_connect.get_servers.return_value = []
    await tick(hass, freezer, CONNECT_INTERVAL)
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


async def _fix(hass: HomeAssistant, issue_id: str) -> dict[str, Any]:
    """Open the fix flow of an issue and confirm it; return its confirm form's placeholders."""
    manager = repairs_flow_manager(hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "confirm"
    placeholders = dict(result["description_placeholders"] or {})
    result = await manager.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return placeholders


async def test_certificate_repair_turns_verification_off(
    hass: HomeAssistant, runtime: Runtime
) -> None:
    """A certificate that fails verification raises a fixable issue; the fix stops verifying."""
    assert await async_setup_component(hass, "repairs", {})
    runtime.refuse(EmbyCertificateError("self-signed"))
    await runtime.set_up()
    assert runtime.entry.state is ConfigEntryState.SETUP_RETRY
    issue_id = f"certificate_invalid_{runtime.entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "certificate_invalid"

    # The server still refuses until Home Assistant stops checking; then it is reached.
    runtime.answer()
    assert await _fix(hass, issue_id) == {"name": "Living Room"}

    assert runtime.entry.data[CONF_VERIFY_SSL] is False
    assert runtime.entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("mock_emby_connect")
async def test_certificate_issue_goes_once_trusted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """The issue goes by itself once the server's certificate is trusted; a plain outage keeps it."""
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    await tick(hass, freezer)
    issue_id = f"certificate_invalid_{init_integration.entry_id}"
    mock_emby_server.get_system_info.side_effect = None
    mock_connection_manager.connect.side_effect = EmbyCertificateError("expired")
    await tick(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    mock_connection_manager.connect.side_effect = EmbyConnectionError("asleep")
    await tick(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    mock_connection_manager.connect.side_effect = None
    await tick(hass, freezer)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert init_integration.data[CONF_VERIFY_SSL] is True


FORBIDDEN = forbidden()


async def _reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload and set up the entry again, as a Home Assistant restart does."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


def _rights_issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    """Return the issue of lost administrator rights of the entry, if raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, f"admin_rights_lost_{entry.entry_id}")


async def test_lost_admin_rights_raise_an_issue_naming_what_is_missing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """An administrator who is one no more gets an issue listing the missing features.

    It goes by itself once the rights are back, and the admin buttons come back with it.
    """
    assert _rights_issue(hass, init_integration) is None
    mock_emby_admin.get_scheduled_tasks.side_effect = FORBIDDEN
    await _reload(hass, init_integration)

    issue = _rights_issue(hass, init_integration)
    assert issue is not None
    assert issue.translation_key == "admin_rights_lost"
    assert issue.translation_placeholders == {
        "name": "Living Room",
        "features": "Library scan, Restart, Scan all libraries, Security",
    }
    assert hass.states.get("button.living_room_scan_all_libraries").state == STATE_UNAVAILABLE

    # Still refused at the next look: the issue stays.
    freezer.tick(RIGHTS_RECHECK_INTERVAL)
    async_fire_time_changed(hass)
    for _ in range(5):
        await hass.async_block_till_done()
    assert _rights_issue(hass, init_integration) is not None

    # Not asked again before the interval; then the rights are back.
    mock_emby_admin.get_scheduled_tasks.side_effect = None
    await tick(hass, freezer)
    assert _rights_issue(hass, init_integration) is not None
    freezer.tick(RIGHTS_RECHECK_INTERVAL)
    async_fire_time_changed(hass)
    # The check runs in the background, then the entry reloads.
    for _ in range(5):
        await hass.async_block_till_done()
    assert _rights_issue(hass, init_integration) is None
    assert hass.states.get("button.living_room_scan_all_libraries").state != STATE_UNAVAILABLE


async def test_lost_admin_rights_fix_forgets_the_features(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """Fixing the issue removes the admin-only entities, and the issue is not raised again."""
    assert await async_setup_component(hass, "repairs", {})
    mock_emby_admin.get_scheduled_tasks.side_effect = FORBIDDEN
    await _reload(hass, init_integration)
    issue = _rights_issue(hass, init_integration)
    assert issue is not None

    await _fix(hass, issue.issue_id)
    assert _rights_issue(hass, init_integration) is None
    assert entity_registry.async_get("button.living_room_scan_all_libraries") is None
    assert entity_registry.async_get("button.living_room_restart") is None

    await _reload(hass, init_integration)
    assert _rights_issue(hass, init_integration) is None


async def test_a_user_never_admin_is_not_asked(
    hass: HomeAssistant, runtime: Runtime, mock_emby_admin: MagicMock
) -> None:
    """A guest or user who never administered the server gets no issue: nothing was expected."""
    mock_emby_admin.get_scheduled_tasks.side_effect = FORBIDDEN
    await runtime.set_up()
    assert runtime.entry.state is ConfigEntryState.LOADED
    assert _rights_issue(hass, runtime.entry) is None


async def test_rights_are_not_asked_of_a_server_away(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_admin: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """While the server cannot be reached, the rights are not asked for (the issue stays)."""
    mock_emby_admin.get_scheduled_tasks.side_effect = FORBIDDEN
    await _reload(hass, init_integration)
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    await tick(hass, freezer)
    calls = mock_emby_admin.get_scheduled_tasks.await_count
    await tick(hass, freezer, RIGHTS_RECHECK_INTERVAL)
    assert mock_emby_admin.get_scheduled_tasks.await_count == calls
    assert _rights_issue(hass, init_integration) is not None


async def test_an_odd_answer_leaves_the_rights_issue_alone(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_emby_admin: MagicMock
) -> None:
    """An answer that tells nothing about the rights neither raises nor deletes the issue."""
    mock_emby_admin.get_scheduled_tasks.side_effect = EmbyConnectionError("odd")
    await _reload(hass, init_integration)
    assert _rights_issue(hass, init_integration) is None

    mock_emby_admin.get_scheduled_tasks.side_effect = FORBIDDEN
    await _reload(hass, init_integration)
    mock_emby_admin.get_scheduled_tasks.side_effect = EmbyConnectionError("odd")
    await _reload(hass, init_integration)
    assert _rights_issue(hass, init_integration) is not None
