"""The shipped blueprint in a real Home Assistant: notified when a server is down, and when back."""

from __future__ import annotations

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import new_server, wait_for
from .hass_process import BLUEPRINT, HomeAssistant

OFFLINE = "input_boolean.emby_blueprint_offline"
BACK = "input_boolean.emby_blueprint_back"


@pytest.mark.e2e
@in_world
async def test_blueprint_fires_when_offline_and_when_back(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """An automation made from the blueprint runs its offline actions, then its back actions."""
    hass, sim = e2e.hass, e2e.sim
    device = await new_server(sim, hass, "Shed")
    sensor = device.connectivity
    await hass.post(
        "/api/config/automation/config/emby_blueprint",
        {
            "id": "emby_blueprint",
            "alias": "Emby blueprint",
            "use_blueprint": {
                "path": f"emby_connect/{BLUEPRINT.name}",
                "input": {
                    "server": sensor,
                    "offline_for": {"hours": 0, "minutes": 0, "seconds": 1},
                    "offline_actions": [
                        {"action": "input_boolean.turn_on", "target": {"entity_id": OFFLINE}}
                    ],
                    "online_actions": [
                        {"action": "input_boolean.turn_on", "target": {"entity_id": BACK}}
                    ],
                },
            },
        },
    )
    await wait_for(lambda: _exists(hass, "automation.emby_blueprint"), "the automation")
    await ui.open("/config/blueprint/dashboard")
    await ui.see("Emby server offline notification", "blueprint listed")

    await sim.control("POST", "/servers/Shed/stop")
    await hass.call_service("homeassistant", "update_entity", {"entity_id": sensor})
    await wait_for(lambda: _state_is(hass, sensor, "off"), f"{sensor} to turn off")
    await wait_for(lambda: _state_is(hass, OFFLINE, "on"), "the offline actions")
    assert (await hass.state(BACK))["state"] == "off"

    await sim.control("POST", "/servers/Shed/start")
    await hass.call_service("homeassistant", "update_entity", {"entity_id": sensor})
    await wait_for(lambda: _state_is(hass, sensor, "on"), f"{sensor} to turn on again")
    await wait_for(lambda: _state_is(hass, BACK, "on"), "the back actions")


async def _state_is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return whether an entity is in a state."""
    return bool((await hass.state(entity_id))["state"] == state)


async def _exists(hass: HomeAssistant, entity_id: str) -> bool:
    """Return whether Home Assistant has a state for an entity yet."""
    return any(state["entity_id"] == entity_id for state in await hass.get("/api/states"))
