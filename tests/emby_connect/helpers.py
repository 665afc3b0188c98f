"""Helpers shared by the runtime tests: entity ids, time travel, flows, recorded answers."""

from __future__ import annotations

from unittest.mock import MagicMock

from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyForbiddenError,
    SystemInfo,
)
from custom_components.emby_connect.const import CONF_SYSTEM_ID, DOMAIN

# Time travel lives beside the fixtures that use it (conftest); tests take it from here too.
from .conftest import REPORTED, load_json, settle as settle, tick as tick  # noqa: PLC0414

CONNECTIVITY = "binary_sensor.living_room_connectivity"
RESTART_PENDING = "binary_sensor.living_room_restart_pending"
ACTIVE_SESSIONS = "sensor.living_room_active_sessions"
NOW_PLAYING = "sensor.living_room_now_playing"
CONNECTION = "sensor.living_room_connection"
MOVIES = "sensor.living_room_movies"
WAKE = "button.living_room_wake_server"
RESTART = "button.living_room_restart"
SCAN_ALL = "button.living_room_scan_all_libraries"
# What Home Assistant's coordinator logs when the server is lost, fails, and is back.
LOST = "Error requesting Emby server Living Room data"
FAILED = "Error fetching Emby server Living Room data"
RECOVERED = "Fetching Emby server Living Room data recovered"


def shown(hass: HomeAssistant, entity_id: str) -> State:
    """Return what an entity shows: its state and attributes (it must exist)."""
    found = hass.states.get(entity_id)
    assert found is not None
    return found


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity."""
    return shown(hass, entity_id).state


async def press(hass: HomeAssistant, entity_id: str) -> None:
    """Press a button as a user would, waiting for its action to finish."""
    await hass.services.async_call(
        Platform.BUTTON, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


def assert_sent_to_reported(send_magic_packet: MagicMock) -> None:
    """Check that one magic packet went to the Wake-on-LAN target the server reported."""
    send_magic_packet.assert_called_once_with(
        REPORTED.mac_address, ip_address=REPORTED.broadcast_address, port=REPORTED.port
    )


def forbidden() -> EmbyForbiddenError:
    """Return the error of a call the user may not make."""
    return EmbyForbiddenError("Forbidden", source=AuthSource.SERVER, status=403)


def unauthorized() -> EmbyAuthenticationError:
    """Return the error of a token the server no longer accepts."""
    return EmbyAuthenticationError("Unauthorized", source=AuthSource.SERVER, status=401)


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[object]:
    """Return the reauth flows in progress for an entry."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"].get("entry_id") == entry.entry_id
    ]


def load_system_info() -> SystemInfo:
    """Return the recorded System/Info of the server."""
    return SystemInfo.from_dict(load_json("system_info.json"))


def sibling_entry(entry: MockConfigEntry, system_id: str, title: str) -> MockConfigEntry:
    """Return another server entry of the same Emby Connect account."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=system_id,
        data={**entry.data, CONF_SYSTEM_ID: system_id},
    )
