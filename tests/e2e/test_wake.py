"""A server's device page in the real frontend: its buttons, update and events; Wake server.

Wake server brings back a server asleep when its entry loads; the update on offer and the event
entities show on the page, and a playback started in the simulator shows in its event's row.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Locator
import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import add_server_by_address, new_server, server_device, wait_for
from .hass_process import HomeAssistant
from .simulator import ADMIN

CONNECTED = re.compile("Connected")
DISCONNECTED = re.compile("Disconnected")
# The device page's rows, as the frontend shows them.
BUTTONS = ("Wake server", "Restart", "Scan all libraries")
EVENTS = ("New media", "Playback", "Security")


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
    device = await new_server(sim, hass, "Cellar")
    wake = next(entity_id for entity_id in device.states if entity_id.endswith("_wake_server"))
    sensor = device.connectivity
    await ui.open(f"/config/devices/device/{device.device_id}")
    for name in BUTTONS:
        await ui.see(name)
    await ui.see(CONNECTED, "Cellar device page with its buttons")

    # The server sleeps while its entry loads again (as at a Home Assistant start).
    await sim.control("POST", "/servers/Cellar/sleep")
    entry = await _entry(hass, "Cellar")
    await hass.post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
    await wait_for(
        lambda: _loaded_and_off(hass, "Cellar", sensor), "the entry loaded, the server asleep"
    )
    assert await _state(hass, wake) != "unavailable"
    await ui.open(f"/config/devices/device/{device.device_id}")
    await ui.see(DISCONNECTED, "Cellar asleep, Wake server available")

    row = ui.page.locator("hui-button-entity-row", has_text="Wake server")
    await row.get_by_role("button", name="Press").click()
    await wait_for(lambda: _is(hass, sensor, "on"), f"{sensor} on after the wake", 30)
    packets = await sim.control("GET", "/servers/Cellar/wake_packets")
    mac = (await sim.control("GET", "/servers/Cellar/care"))["mac_address"]
    assert [packet["mac"] for packet in packets] == [mac]
    await ui.see(CONNECTED, "Cellar woken")


async def _is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return whether an entity is in a state."""
    return await _state(hass, entity_id) == state


async def _loaded_and_off(hass: HomeAssistant, title: str, sensor: str) -> bool:
    """Return whether the entry is loaded with its server shown unreachable."""
    return (await _entry(hass, title))["state"] == "loaded" and await _is(hass, sensor, "off")


@pytest.mark.e2e
@in_world
async def test_device_page_shows_the_update_and_the_events(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """The device page shows the offered update and the events; a playback shows in its row."""
    hass, sim = e2e.hass, e2e.sim
    server = await sim.add_server("Studio")
    offer = await sim.control("POST", "/servers/Studio/update", {})
    await add_server_by_address(hass, server)
    device = await server_device(hass, "Studio")
    (update,) = [entity_id for entity_id in device.states if entity_id.startswith("update.")]
    state = device.states[update]
    assert state["state"] == "on", state
    assert state["attributes"]["latest_version"] == offer["versionStr"], state
    (playback,) = [
        entity_id
        for entity_id, entity in device.states.items()
        if entity_id.startswith("event.")
        and entity["attributes"]["friendly_name"] == "Studio Playback"
    ]
    await ui.open(f"/config/devices/device/{device.device_id}")
    # Before anything happened, each event row shows "Unknown".
    for name in EVENTS:
        await _row(ui, name).filter(has_text="Unknown").wait_for()
    await ui.see(f"Firmware: {state['attributes']['installed_version']}")
    # The update is the device's own entity (named after it); its more-info shows the offer.
    await _row(ui, "Studio").filter(has_text="Update available").click()
    newest = ui.page.locator("ha-more-info-dialog").get_by_text(offer["versionStr"])
    await newest.filter(visible=True).first.wait_for()
    await ui.shot("Studio update more-info")
    await ui.page.keyboard.press("Escape")
    await newest.filter(visible=True).first.wait_for(state="hidden")

    await sim.control("POST", "/servers/Studio/play", {"user": ADMIN, "item_name": "Sintel"})
    await wait_for(lambda: _played(hass, playback), f"{playback} to tell of Sintel started")
    # The page follows the state over the websocket: the row turns to the event's type.
    await _row(ui, "Playback").filter(has_text="Started").wait_for()
    for name in ("New media", "Security"):
        await _row(ui, name).filter(has_text="Unknown").wait_for()
    await ui.shot("Studio device page with the update and a playback event")


def _row(ui: Ui, name: str) -> Locator:
    """Return the device page's entity row with this name."""
    return ui.page.locator("hui-generic-entity-row", has_text=name).filter(visible=True).first


async def _played(hass: HomeAssistant, entity_id: str) -> bool:
    """Return whether the playback event entity told of Sintel starting."""
    attributes = (await hass.state(entity_id))["attributes"]
    return attributes.get("event_type") == "started" and attributes.get("title") == "Sintel"
