"""Helpers shared by the runtime tests: entity ids, time travel, flows, recorded answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.emby_connect.aioemby import AuthSource, EmbyAuthenticationError, SystemInfo
from custom_components.emby_connect.const import CONF_SYSTEM_ID, DOMAIN, STATUS_INTERVAL

from .conftest import load_json

CONNECTIVITY = "binary_sensor.living_room_connectivity"
RESTART_PENDING = "binary_sensor.living_room_restart_pending"
ACTIVE_SESSIONS = "sensor.living_room_active_sessions"
NOW_PLAYING = "sensor.living_room_now_playing"
CONNECTION = "sensor.living_room_connection"
MOVIES = "sensor.living_room_movies"
# What Home Assistant's coordinator logs when the server is lost, fails, and is back.
LOST = "Error requesting Emby server Living Room data"
FAILED = "Error fetching Emby server Living Room data"
RECOVERED = "Fetching Emby server Living Room data recovered"


async def settle(hass: HomeAssistant) -> None:
    """Let background tasks (push, reads) and what they start run."""
    for _ in range(30):
        await asyncio.sleep(0)
    await hass.async_block_till_done()


async def tick(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    delta: timedelta | float = STATUS_INTERVAL,
) -> None:
    """Let time pass, fire what is due and let it finish."""
    freezer.tick(delta if isinstance(delta, timedelta) else timedelta(seconds=delta))
    async_fire_time_changed(hass)
    await settle(hass)


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity."""
    found = hass.states.get(entity_id)
    assert found is not None
    return found.state


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
