"""Adding Emby servers in the browser: Emby Connect, a discovered server, an address, a PIN."""

from __future__ import annotations

import re

import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .emby import server_device, wait_for
from .simulator import ADMIN, ADMIN_PASSWORD


@pytest.mark.e2e
@in_world
async def test_connect_adds_a_server_and_offers_the_other_as_discovered(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """Sign in to Emby Connect (Advanced: the simulator's URL), pick one server, add the other."""
    account = e2e.sim.demo_account
    first, second = (server["name"] for server in e2e.sim.summary["servers"][:2])

    await ui.add_integration("Emby Connect")
    await ui.see("Add an Emby server", "how to add")
    await ui.visible_text("Sign in with Emby Connect").click()
    await ui.see("Sign in to Emby Connect")
    await ui.textbox("Name or email").fill(account["name"])
    await ui.textbox("Password").fill(account["password"])
    await ui.button("Advanced settings").click()
    connect_url = ui.textbox("Emby Connect address")
    assert await connect_url.input_value() == "https://connect.emby.media/service"
    await connect_url.fill(e2e.sim.connect_url)
    await connect_url.scroll_into_view_if_needed()
    await ui.submit("Emby Connect sign-in filled in")

    await ui.see("Choose a server")
    await ui.page.get_by_role("radio", name=first).check()
    await ui.submit(f"{first} chosen")
    await ui.finish_flow(first)

    await ui.open("/config/integrations/dashboard")
    await ui.see("Discovered")
    await ui.see(second, f"{second} discovered")
    await ui.button("Add").click()
    await ui.see(re.compile(f"Do you want to add the Emby server {second}"))
    await ui.submit(f"{second} confirmed")
    await ui.finish_flow(second)

    for name in (first, second):
        device = await server_device(e2e.hass, name)
        assert device.states[device.connectivity]["state"] == "on"
    titles = {entry["title"] for entry in await e2e.hass.entries()}
    assert {first, second} <= titles


@pytest.mark.e2e
@in_world
async def test_server_address_adds_a_server(e2e: E2E, ui: Ui, socket_enabled: None) -> None:
    """Add a server by its address with a local user."""
    server = await e2e.sim.add_server("Office")

    await ui.add_integration("Emby Connect")
    await ui.visible_text("Enter a server address").click()
    await ui.see("Add an Emby server by its address")
    await ui.textbox("Server address").fill(server["local_url"])
    await ui.textbox("User name").fill(ADMIN)
    await ui.textbox("Password").fill(ADMIN_PASSWORD)
    await ui.submit("server address filled in")
    await ui.finish_flow("Office")

    device = await server_device(e2e.hass, "Office")
    assert device.states[device.connectivity]["state"] == "on"


@pytest.mark.e2e
@in_world
async def test_pin_confirmed_at_emby_connect_adds_the_server(
    e2e: E2E, ui: Ui, socket_enabled: None
) -> None:
    """Sign in with a PIN; the simulator's Emby Connect confirms it as the person would."""
    await e2e.sim.control(
        "POST", "/connect/users", {"name": "pin-person", "password": "pin-password"}
    )
    await e2e.sim.add_server("Attic")
    await e2e.sim.control(
        "POST", "/link", {"user": "pin-person", "server": "Attic", "local_user": ADMIN}
    )

    await ui.add_integration("Emby Connect")
    await ui.visible_text("Sign in with a PIN").click()
    await ui.see("Sign in to Emby Connect with a PIN")
    await ui.button("Advanced settings").click()
    connect_url = ui.textbox("Emby Connect address")
    await connect_url.fill(e2e.sim.connect_url)
    await connect_url.scroll_into_view_if_needed()
    await ui.submit("PIN sign-in with the simulator's Emby Connect")

    await ui.see("Confirm the PIN")
    shown = await ui.visible_text(re.compile("enter the PIN")).inner_text()
    match = re.search(r"enter the PIN\s+(\w+)", shown)
    assert match, shown
    pin = match.group(1)
    await ui.shot("PIN shown")
    pins = await e2e.sim.control("GET", "/pins")
    assert {"pin": pin, "confirmed": False} in [
        {"pin": p["pin"], "confirmed": p["confirmed"]} for p in pins
    ]
    await e2e.sim.control("POST", "/pin/confirm", {"pin": pin, "user": "pin-person"})

    await ui.finish_flow("Attic")
    device = await server_device(e2e.hass, "Attic")
    assert device.states[device.connectivity]["state"] == "on"

    async def pin_flows_left() -> bool:
        flows = await e2e.hass.flows_in_progress()
        return not [flow for flow in flows if flow.get("step_id") in ("pin", "pin_wait")]

    await wait_for(pin_flows_left, "the PIN flow to finish")
