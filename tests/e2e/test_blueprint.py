"""The shipped blueprints in a real Home Assistant: a server down and back; new media."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import new_server, wait_for
from .hass_process import BLUEPRINT, NEW_MEDIA_BLUEPRINT, HomeAssistant

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


@pytest.mark.e2e
@in_world
async def test_new_media_blueprint_tells_of_one_series(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """A scan adding episodes of two series notifies once, of the chosen series only."""
    hass, sim = e2e.hass, e2e.sim
    await new_server(sim, hass, "Loft")
    event = await _new_media_entity(hass, "Loft")
    await hass.post(
        "/api/config/automation/config/emby_new_media",
        {
            "id": "emby_new_media",
            "alias": "Emby new media",
            "use_blueprint": {
                "path": f"emby_connect/{NEW_MEDIA_BLUEPRINT.name}",
                "input": {
                    "new_media": event,
                    "series": "blender stories",
                    "notify_action": "persistent_notification.create",
                    "title": "New on Loft",
                },
            },
        },
    )
    await wait_for(lambda: _exists(hass, "automation.emby_new_media"), "the automation")
    await ui.open("/config/blueprint/dashboard")
    await ui.see("Emby new media notification", "blueprint listed")

    items = [
        {"Name": "Pilot", "Type": "Episode", "SeriesName": "Blender Stories", "IndexNumber": 1},
        {"Name": "Ending", "Type": "Episode", "SeriesName": "Other Show", "IndexNumber": 9},
    ]
    await sim.control("PATCH", "/servers/Loft/care", {"library_changed_delay": 0.5})
    await sim.control("POST", "/servers/Loft/scan", {"items": items, "duration": 0.5})
    await wait_for(lambda: _notified(hass, "New on Loft"), "the new media notification")
    [notification] = [n for n in await _notifications(hass) if n["title"] == "New on Loft"]
    assert notification["message"] == "Blender Stories S01E01: Pilot"


async def _new_media_entity(hass: HomeAssistant, server: str) -> str:
    """Return the entity_id of a server's new media event entity (wait for it)."""

    async def probe() -> str | None:
        for state in await hass.get("/api/states"):
            if state["attributes"].get("friendly_name") == f"{server} New media":
                return str(state["entity_id"])
        return None

    return await wait_for(probe, "the new media event entity")


async def _notifications(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the persistent notifications shown."""
    return list(await hass.ws({"type": "persistent_notification/get"}))


async def _notified(hass: HomeAssistant, title: str) -> bool:
    """Return whether a notification with this title is shown."""
    return any(item["title"] == title for item in await _notifications(hass))


async def _state_is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return whether an entity is in a state."""
    return bool((await hass.state(entity_id))["state"] == state)


async def _exists(hass: HomeAssistant, entity_id: str) -> bool:
    """Return whether Home Assistant has a state for an entity yet."""
    return any(state["entity_id"] == entity_id for state in await hass.get("/api/states"))
