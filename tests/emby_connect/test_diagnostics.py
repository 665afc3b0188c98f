"""Tests for the diagnostics of Emby Connect."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .conftest import (
    ACCESS_KEY,
    CONNECT_TOKEN,
    CONNECT_USER_ID,
    CONNECT_USERNAME,
    MANUAL_TOKEN,
    MANUAL_USERNAME,
    REMOTE_ADDRESS,
    SERVER_TOKEN,
    SERVER_USER_ID,
)

SECRETS = (
    ACCESS_KEY,
    CONNECT_TOKEN,
    CONNECT_USER_ID,
    CONNECT_USERNAME,
    SERVER_TOKEN,
    SERVER_USER_ID,
    REMOTE_ADDRESS,
    "emby.example.net",
    "4821",
    # Who watches what, from where.
    "alice",
    "bob",
    "Alice's Pixel",
    "203.0.113.77",
    "The Long Night",
    "android-device-123",
)


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics show the server and the account, and no secret."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert diagnostics == snapshot
    dumped = json.dumps(diagnostics)
    for secret in SECRETS:
        assert secret not in dumped


async def test_diagnostics_manual(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_manual_config_entry: MockConfigEntry,
    mock_connection_manager: object,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics of a server added by address hide its token and user."""
    mock_manual_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_manual_config_entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_manual_config_entry
    )

    assert diagnostics == snapshot
    dumped = json.dumps(diagnostics)
    for secret in (MANUAL_TOKEN, MANUAL_USERNAME, SERVER_USER_ID, SERVER_TOKEN):
        assert secret not in dumped
