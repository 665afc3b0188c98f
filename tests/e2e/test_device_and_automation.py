"""A server's device page, and an automation that reacts when the server goes down and back up."""

from __future__ import annotations

import re

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import new_server, wait_for
from .hass_process import HomeAssistant

FLAG = "input_boolean.emby_server_offline"
# How the device page shows the connectivity sensor's state. Case-sensitive patterns, so that
# "Connected" does not match "Disconnected" (a string would match case-insensitively).
CONNECTED = re.compile("Connected")
DISCONNECTED = re.compile("Disconnected")


@pytest.mark.e2e
@in_world
async def test_device_page_shows_the_entities(e2e: E2E, ui: Ui, socket_enabled: None) -> None:
    """The device page of a server lists every entity Home Assistant has for it."""
    device = await new_server(e2e.sim, e2e.hass, "Cabin")
    assert len(device.states) >= 5, device.states

    await ui.open(f"/config/devices/device/{device.device_id}")
    await ui.see("Cabin")
    await ui.see("Connectivity")
    for state in device.states.values():
        name = state["attributes"]["friendly_name"].removeprefix("Cabin ")
        await ui.see(name)
    await ui.shot("Cabin device page")


@pytest.mark.e2e
@in_world
async def test_automation_fires_when_the_server_goes_offline(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """An automation on the connectivity sensor turns a flag on when the server stops."""
    hass, sim = e2e.hass, e2e.sim
    device = await new_server(sim, hass, "Garage")
    sensor = device.connectivity
    assert (await hass.state(sensor))["state"] == "on"
    assert (await hass.state(FLAG))["state"] == "off"
    await hass.post(
        "/api/config/automation/config/emby_offline",
        {
            "id": "emby_offline",
            "alias": "Emby server offline",
            "triggers": [{"trigger": "state", "entity_id": sensor, "to": "off"}],
            "actions": [{"action": "input_boolean.turn_on", "target": {"entity_id": FLAG}}],
        },
    )
    automation = await wait_for(
        lambda: _entity_with(hass, "automation", "Emby server offline"), "the automation"
    )
    await ui.open(f"/config/devices/device/{device.device_id}")
    await ui.see(CONNECTED, "Garage connected")

    await sim.control("POST", "/servers/Garage/stop")
    # The server is polled every 30 s; ask for a poll now, as a person would with "Update".
    await hass.call_service("homeassistant", "update_entity", {"entity_id": sensor})
    await wait_for(lambda: _state_is(hass, sensor, "off"), f"{sensor} to turn off")
    await wait_for(lambda: _state_is(hass, FLAG, "on"), "the automation to switch the flag on")
    assert (await hass.state(automation))["attributes"]["last_triggered"] is not None
    await ui.see(DISCONNECTED, "Garage disconnected")
    await ui.open("/config/automation/dashboard")
    await ui.see("Emby server offline", "automation triggered")

    await sim.control("POST", "/servers/Garage/start")
    await hass.call_service("homeassistant", "update_entity", {"entity_id": sensor})
    await wait_for(lambda: _state_is(hass, sensor, "on"), f"{sensor} to turn on again")
    await ui.open(f"/config/devices/device/{device.device_id}")
    await ui.see(CONNECTED, "Garage connected again")


async def _state_is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return whether an entity is in a state."""
    return bool((await hass.state(entity_id))["state"] == state)


async def _entity_with(hass: HomeAssistant, domain: str, friendly_name: str) -> str | None:
    """Return the entity of a domain with this friendly name, if it exists yet."""
    for state in await hass.get("/api/states"):
        if state["entity_id"].startswith(f"{domain}.") and (
            state["attributes"].get("friendly_name") == friendly_name
        ):
            return str(state["entity_id"])
    return None
