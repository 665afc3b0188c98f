"""Tests for the options of Emby Connect: the flow, and clients, users and stale devices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.emby_connect.aioemby import AuthSource, EmbyForbiddenError, ServerUser
from custom_components.emby_connect.const import (
    CONF_EXCLUDED_CLIENTS,
    CONF_STALE_DAYS,
    CONF_USERS,
    DOMAIN,
    STALE_CHECK_INTERVAL,
    STATUS_INTERVAL,
)

from .conftest import SYSTEM_ID

ALICE = "e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0"
BOB = "f6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1"
PIXEL = "media_player.alice_s_pixel"
THEATER = "media_player.living_room_tv"
FIREFOX = "media_player.firefox"
PIXEL_DEVICE = "android-device-123"
STORAGE_KEY = "emby_connect.{}.clients"


pytestmark = pytest.mark.platforms(Platform.MEDIA_PLAYER)


@pytest.fixture(autouse=True)
def listed_users(mock_emby_server: MagicMock) -> None:
    """Let the server list its users to its administrator."""
    mock_emby_server.get_users.return_value = [
        ServerUser(id=ALICE, name="alice"),
        ServerUser(id=BOB, name="bob"),
        ServerUser(id="carol-id", name="carol", is_disabled=True),
    ]


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return the state of an entity, None when there is none."""
    state = hass.states.get(entity_id)
    return None if state is None else state.state


def _device(device_registry: dr.DeviceRegistry, device_id: str) -> dr.DeviceEntry | None:
    """Return the device of a client."""
    devices = device_registry.async_get_devices(identifiers={(DOMAIN, f"{SYSTEM_ID}_{device_id}")})
    return devices[0] if devices else None


def _selector_options(result: dict[str, Any], key: str) -> list[Any]:
    """Return the choices the form offers for a field."""
    schema = result["data_schema"].schema
    field = next(marker for marker in schema if marker == key)
    return list(schema[field].config["options"])


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Let time pass and what is due run."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_options_apply_without_reload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Leaving out Emby Web and counting only Alice's sessions applies at once, no reload."""
    assert _state(hass, FIREFOX) == "idle"
    assert _state(hass, THEATER) == "paused"
    result: Any = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert _selector_options(result, CONF_EXCLUDED_CLIENTS) == [
        "Emby Theater",
        "Emby Web",
        "Emby for Android",
    ]
    assert _selector_options(result, CONF_USERS) == [
        {"value": ALICE, "label": "alice"},
        {"value": BOB, "label": "bob"},
    ]

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_EXCLUDED_CLIENTS: ["Emby Web"], CONF_USERS: [ALICE], CONF_STALE_DAYS: 7},
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_EXCLUDED_CLIENTS: ["Emby Web"],
        CONF_USERS: [ALICE],
        CONF_STALE_DAYS: 7,
    }
    assert init_integration.state is ConfigEntryState.LOADED
    assert mock_connection_manager.connect.call_count == 1
    # The web browser's device and player are gone; Bob's sessions no longer count.
    assert _device(device_registry, "web-device-789") is None
    assert entity_registry.async_get(FIREFOX) is None
    assert _state(hass, FIREFOX) is None
    assert _state(hass, THEATER) == "off"
    assert _state(hass, PIXEL) == "playing"

    # Let back in, the browser gets its player again at the next status read.
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EXCLUDED_CLIENTS: [], CONF_USERS: [], CONF_STALE_DAYS: 7}
    )
    await hass.async_block_till_done()
    assert _state(hass, FIREFOX) == "idle"
    assert _state(hass, THEATER) == "paused"
    # Saving the same options again changes nothing.
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EXCLUDED_CLIENTS: [], CONF_USERS: [], CONF_STALE_DAYS: 7}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_options_users_seen_when_not_admin(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_emby_server: MagicMock
) -> None:
    """Without the right to list users, the users seen in sessions are offered."""
    mock_emby_server.get_users.side_effect = EmbyForbiddenError(
        "not an administrator", source=AuthSource.SERVER, status=403
    )
    result: Any = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert _selector_options(result, CONF_USERS) == [
        {"value": ALICE, "label": "alice"},
        {"value": BOB, "label": "bob"},
    ]


async def test_options_of_an_entry_not_loaded(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """An entry that does not run offers the apps of its devices and the users chosen."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, options={CONF_USERS: [BOB], CONF_EXCLUDED_CLIENTS: ["Emby Web"]}
    )
    device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, f"{SYSTEM_ID}_{PIXEL_DEVICE}")},
        model="Emby for Android",
    )
    result: Any = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert _selector_options(result, CONF_EXCLUDED_CLIENTS) == ["Emby Web", "Emby for Android"]
    assert _selector_options(result, CONF_USERS) == [{"value": BOB, "label": BOB}]


@pytest.mark.freeze_time("2026-12-01 12:00:00+00:00")
async def test_stale_clients_are_removed(
    *,
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_emby_server: MagicMock,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A client unseen for the days chosen is removed with its player; the others stay."""
    sessions = mock_emby_server.get_sessions.return_value
    mock_emby_server.get_sessions.return_value = [
        item for item in sessions if item.device_id != PIXEL_DEVICE
    ]
    await _poll(hass, freezer, STATUS_INTERVAL)
    assert _state(hass, PIXEL) == "off"
    await _poll(hass, freezer, timedelta(days=29))
    assert _device(device_registry, PIXEL_DEVICE) is not None

    await _poll(hass, freezer, timedelta(days=1))
    assert _device(device_registry, PIXEL_DEVICE) is None
    assert entity_registry.async_get(PIXEL) is None
    assert _state(hass, PIXEL) is None
    assert _state(hass, THEATER) == "paused"

    # Back after all, it gets a new player.
    mock_emby_server.get_sessions.return_value = sessions
    await _poll(hass, freezer, STATUS_INTERVAL)
    assert _state(hass, PIXEL) == "playing"


@pytest.mark.freeze_time("2026-12-01 12:00:00+00:00")
async def test_last_seen_survives_a_restart(
    *,
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """What was seen when is kept in storage: a client gone for too long goes at setup."""
    mock_config_entry.add_to_hass(hass)
    hass_storage[STORAGE_KEY.format(mock_config_entry.entry_id)] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY.format(mock_config_entry.entry_id),
        "data": {
            "last_seen": {
                "kitchen-device": "2026-10-01T12:00:00+00:00",
                "bedroom-device": "2026-11-20T12:00:00+00:00",
                "odd-device": "not a date",
            }
        },
    }
    for device_id in ("kitchen-device", "bedroom-device", "attic-device"):
        device_registry.async_get_or_create(
            config_entry_id=mock_config_entry.entry_id,
            identifiers={(DOMAIN, f"{SYSTEM_ID}_{device_id}")},
            model="Emby Theater",
        )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert _device(device_registry, "kitchen-device") is None
    assert _device(device_registry, "bedroom-device") is not None
    # Known from before "last seen" was kept: counted from now.
    assert _device(device_registry, "attic-device") is not None
    await _poll(hass, freezer, timedelta(days=19) + STALE_CHECK_INTERVAL)
    assert _device(device_registry, "bedroom-device") is None
    assert _device(device_registry, "attic-device") is not None

    await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[STORAGE_KEY.format(mock_config_entry.entry_id)]["data"]["last_seen"]
    assert set(stored) == {"attic-device", PIXEL_DEVICE, "theater-device-456", "web-device-789"}

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert STORAGE_KEY.format(mock_config_entry.entry_id) not in hass_storage


async def test_no_stale_removal_while_the_server_is_away(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_emby_server: MagicMock,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A server out of reach lists no sessions: its clients are not taken for gone."""
    mock_emby_server.get_system_info.side_effect = ConnectionError
    mock_emby_server.get_sessions.return_value = []
    await _poll(hass, freezer, timedelta(days=40))
    assert _device(device_registry, PIXEL_DEVICE) is not None


async def test_remove_a_client_device_by_hand(
    *,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    mock_emby_server: MagicMock,
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A client without a session may be deleted; one with a session would come back."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)

    async def remove(device_id: str) -> bool:
        device = _device(device_registry, device_id)
        assert device is not None
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device.id,
            }
        )
        response = await client.receive_json()
        return bool(response["success"])

    assert not await remove(PIXEL_DEVICE)
    sessions = mock_emby_server.get_sessions.return_value
    mock_emby_server.get_sessions.return_value = [
        item for item in sessions if item.device_id != PIXEL_DEVICE
    ]
    await _poll(hass, freezer, STATUS_INTERVAL)
    assert await remove(PIXEL_DEVICE)
    assert _device(device_registry, PIXEL_DEVICE) is None
    assert _state(hass, PIXEL) is None
