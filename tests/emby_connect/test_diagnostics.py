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
    Runtime,
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


async def _check(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
    secrets: tuple[str, ...],
) -> None:
    """Check an entry's diagnostics against the snapshot, and that they show none of the secrets."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics == snapshot
    dumped = json.dumps(diagnostics)
    for secret in secrets:
        assert secret not in dumped


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics show the server and the account, and no secret."""
    await _check(hass, hass_client, init_integration, snapshot, SECRETS)


async def test_diagnostics_manual(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    manual: Runtime,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics of a server added by address hide its token and user."""
    await manual.set_up()
    secrets = (MANUAL_TOKEN, MANUAL_USERNAME, SERVER_USER_ID, SERVER_TOKEN)
    await _check(hass, hass_client, manual.entry, snapshot, secrets)
