"""A client's media player in the browser: pause it from the more-info dialog, the app pauses."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import new_server, wait_for
from .hass_process import HomeAssistant
from .simulator import ADMIN


@pytest.mark.e2e
@in_world
async def test_pause_a_client_from_its_player(e2e: E2E, ui: Ui, socket_enabled: None) -> None:
    """The more-info dialog of a client's player pauses the simulated app."""
    hass, sim = e2e.hass, e2e.sim
    await new_server(sim, hass, "Den")
    session = await sim.control(
        "POST",
        "/servers/Den/play",
        {
            "user": ADMIN,
            "client": "Emby Theater",
            "device_name": "Den TV",
            "item_name": "Big Buck Bunny",
        },
    )
    player = await wait_for(lambda: _player(hass, "Den TV"), "the player of Den TV")
    await wait_for(lambda: _state_is(hass, player, "playing"), f"{player} playing")
    device_id = (await hass.template(f"{{{{ device_id('{player}') }}}}")).strip()

    await ui.open(f"/config/devices/device/{device_id}")
    await ui.see("Den TV")
    # The player's row on the device page (its app and version below the name) opens more-info.
    await ui.visible_text("Emby Theater 3.0.20").click()
    dialog = ui.page.locator("ha-more-info-dialog")
    pause = dialog.get_by_role("button", name="Pause")
    await pause.wait_for()
    await ui.shot("Den TV player more-info")
    await pause.click()

    commands = f"/servers/Den/sessions/{session['Id']}/commands"

    async def paused_in_the_app() -> bool:
        received = await sim.control("GET", commands)
        return [command["name"] for command in received if command["accepted"]] == ["Pause"]

    await wait_for(paused_in_the_app, "the app to receive Pause")
    await wait_for(lambda: _state_is(hass, player, "paused"), f"{player} paused")
    await dialog.get_by_role("button", name="Play").wait_for()
    await ui.shot("Den TV player paused")


async def _player(hass: HomeAssistant, name: str) -> str | None:
    """Return the media player with this friendly name, once it exists."""
    states: list[dict[str, Any]] = await hass.get("/api/states")
    for state in states:
        if state["entity_id"].startswith("media_player.") and (
            state["attributes"].get("friendly_name") == name
        ):
            return str(state["entity_id"])
    return None


async def _state_is(hass: HomeAssistant, entity_id: str, state: str) -> bool:
    """Return whether an entity is in a state."""
    return bool((await hass.state(entity_id))["state"] == state)
