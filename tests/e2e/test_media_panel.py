"""The Media panel: browse a client's libraries and start a movie on it."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import add_server_by_address, server_device, wait_for
from .simulator import ADMIN

PHONE = "Den Phone"


@pytest.mark.e2e
@in_world
async def test_media_panel_plays_a_movie_on_a_client(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """A library browsed in the Media panel, a movie clicked: the client's app gets Play."""
    hass, sim = e2e.hass, e2e.sim
    server = await sim.add_server("Cinema")
    system_id = server["system_id"]
    await sim.control("POST", f"/servers/{system_id}/library", {"movies": 6})
    phone = await sim.control(
        "POST",
        f"/servers/{system_id}/clients",
        {"profile": "android", "user": ADMIN, "device_name": PHONE},
    )
    await add_server_by_address(hass, server)
    await server_device(hass, "Cinema")

    async def player() -> str | None:
        states: list[dict[str, Any]] = await hass.get("/api/states")
        return next(
            (
                state["entity_id"]
                for state in states
                if state["entity_id"].startswith("media_player.")
                and state["attributes"].get("friendly_name") == PHONE
                and state["state"] == "idle"
            ),
            None,
        )

    entity_id = await wait_for(player, f"the player of {PHONE}")
    root = await hass.ws({"type": "media_player/browse_media", "entity_id": entity_id})
    movies = next(child for child in root["children"] if child["title"] == "Movies")
    page = await hass.ws(
        {
            "type": "media_player/browse_media",
            "entity_id": entity_id,
            "media_content_id": movies["media_content_id"],
            "media_content_type": movies["media_content_type"],
        }
    )
    movie = page["children"][0]

    await ui.open(f"/media-browser/{entity_id}")
    await ui.see("Movies", "the client's libraries in the Media panel")
    await ui.visible_text("Movies").click()
    await ui.see(movie["title"], "the Movies library")
    await ui.visible_text(movie["title"]).click()

    commands_path = f"/servers/{system_id}/sessions/{phone['Id']}/commands"

    async def played() -> dict[str, Any] | None:
        commands: list[dict[str, Any]] = await sim.control("GET", commands_path)
        return next((command for command in commands if command["name"] == "PlayNow"), None)

    command = await wait_for(played, f"{PHONE} told to play {movie['title']}")
    assert command["arguments"]["ItemIds"] == movie["media_content_id"]
    assert command["accepted"]
    await ui.shot("the movie started on the client")
