"""The config flow in German: the frontend shows the integration's German texts (de.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import server_device, wait_for
from .simulator import ADMIN, ADMIN_PASSWORD

DE = json.loads(
    (Path(__file__).parents[2] / "custom_components/emby_connect/translations/de.json").read_text(
        encoding="utf-8"
    )
)["config"]["step"]


@pytest.mark.e2e
@in_world
async def test_server_address_in_german(e2e: E2E, ui: Ui, socket_enabled: None) -> None:
    """With the frontend's language set to German, add a server by address."""
    server = await e2e.sim.add_server("Keller")
    user, manual = DE["user"], DE["manual"]

    # Sign in (the login page follows the browser, en-US), then pick German as a person would
    # in their profile: the frontend keeps the choice in localStorage.
    await ui.open("/config/integrations/dashboard")
    await ui.page.evaluate("localStorage.setItem('selectedLanguage', '\"de\"')")
    try:
        await ui.open("/config/integrations/dashboard/add?domain=emby_connect")
        # The frontend asks before it starts a flow from a link: "Möchtest du ... einrichten?"
        await ui.see("Möchtest du Emby Connect einrichten?")
        await ui.button("OK").click()
        await ui.see(user["title"])
        await ui.see(user["menu_options"]["connect"], "German menu")
        await ui.visible_text(user["menu_options"]["manual"]).click()
        await ui.see(manual["description"])
        await ui.see(manual["title"])
        await ui.textbox(manual["data"]["url"]).fill(server["local_url"])
        await ui.textbox(manual["data"]["username"]).fill(ADMIN)
        await ui.textbox(manual["data"]["password"]).fill(ADMIN_PASSWORD)
        await ui.shot("German server address filled in")
        await ui.button("OK").click()

        async def created() -> list[dict[str, Any]]:
            return [entry for entry in await e2e.hass.entries() if entry["title"] == "Keller"]

        await wait_for(created, "the Keller entry")
        await ui.settle()
        await ui.shot("Keller created")
    finally:
        await ui.page.evaluate("localStorage.removeItem('selectedLanguage')")

    device = await server_device(e2e.hass, "Keller")
    assert device.states[device.connectivity]["state"] == "on"
