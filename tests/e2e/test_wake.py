"""Wake server in the real frontend: a server asleep when its entry loads, woken from its page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import new_server, wait_for
from .hass_process import HomeAssistant

CONNECTED = re.compile("Connected")
DISCONNECTED = re.compile("Disconnected")
# The device page's rows, as the frontend shows them.
BUTTONS = ("Wake server", "Restart", "Scan all libraries")


async def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity."""
    return str((await hass.state(entity_id))["state"])


async def _entry(hass: HomeAssistant, title: str) -> dict[str, Any]:
    """Return the config entry with this title."""
    (entry,) = [entry for entry in await hass.entries() if entry["title"] == title]
    return entry


@pytest.mark.e2e
@in_world
async def test_wake_a_server_asleep_since_home_assistant_started(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """The device page shows the buttons; Wake server brings a server asleep at start back."""
    hass, sim = e2e.hass, e2e.sim
    device = await new_server(sim, hass, "Den")
    wake = next(entity_id for entity_id in device.states if entity_id.endswith("_wake_server"))
    sensor = device.connectivity
    await ui.open(f"/config/devices/device/{device.device_id}")
    for name in BUTTONS:
        await ui.see(name)
    await ui.see(CONNECTED, "Den device page with its buttons")

    # The server sleeps while its entry loads again (as at a Home Assistant start).
    await sim.control("POST", "/servers/Den/sleep")
    entry = await _entry(hass, "Den")
    await hass.post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
    await wait_for(
        lambda: _loaded_and_off(hass, "Den", sensor), "the entry loaded, the server asleep"
    )
    assert await _state(hass, wake) != "unavailable"
    await ui.open(f"/config/devices/device/{device.device_id}")
    await ui.see(DISCONNECTED, "Den asleep, Wake server available")

    row = ui.page.locator("hui-button-entity-row", has_text="Wake server")
    await row.get_by_role("button", name="Press").click()
    await wait_for(lambda: _is(hass, sensor, "on"), f"{sensor} on after the wake", 30)
    packets = await sim.control("GET", "/servers/Den/wake_packets")
    mac = (await sim.control("GET", "/servers/Den/care"))["mac_address"]
    assert [packet["mac"] for packet in packets] == [mac]
    await ui.see(CONNECTED, "Den woken")


async def _is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return whether an entity is in a state."""
    return await _state(hass, entity_id) == state


async def _loaded_and_off(hass: HomeAssistant, title: str, sensor: str) -> bool:
    """Return whether the entry is loaded with its server shown unreachable."""
    return (await _entry(hass, title))["state"] == "loaded" and await _is(hass, sensor, "off")
