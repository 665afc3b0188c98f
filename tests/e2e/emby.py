"""Steps that set up what a test needs without the UI: servers in the simulator, entries in HA."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .hass_process import HomeAssistant
from .simulator import ADMIN, ADMIN_PASSWORD, Simulator


async def add_server_by_address(hass: HomeAssistant, server: dict[str, Any]) -> dict[str, Any]:
    """Add a simulator server through the config flow's manual step over REST."""
    flow = await hass.start_flow()
    flow = await hass.flow_step(flow["flow_id"], {"next_step_id": "manual"})
    flow = await hass.flow_step(
        flow["flow_id"],
        {
            "url": server["local_url"],
            "username": ADMIN,
            "password": ADMIN_PASSWORD,
            "verify_ssl": True,
        },
    )
    assert flow["type"] == "create_entry", flow
    return flow


async def wait_for[T](
    probe: Callable[[], Awaitable[T | None]], description: str, seconds: float = 60
) -> T:
    """Poll an async probe until it returns something truthy; return that."""
    try:
        async with asyncio.timeout(seconds):
            while True:
                if result := await probe():
                    return result
                await asyncio.sleep(0.5)
    except TimeoutError:
        message = f"waited {seconds:.0f} s for {description}"
        raise AssertionError(message) from None


@dataclass(frozen=True)
class ServerDevice:
    """A server's device in Home Assistant and the states of its entities."""

    device_id: str
    states: dict[str, dict[str, Any]]

    @property
    def connectivity(self) -> str:
        """Return the entity_id of the connectivity binary sensor."""
        return next(
            entity_id
            for entity_id, state in self.states.items()
            if entity_id.startswith("binary_sensor.")
            and state["attributes"].get("device_class") == "connectivity"
        )


async def server_device(hass: HomeAssistant, name: str) -> ServerDevice:
    """Find the device of the server named name by its connectivity sensor (wait for it)."""

    async def probe() -> ServerDevice | None:
        states: list[dict[str, Any]] = await hass.get("/api/states")
        sensor = next(
            (
                state["entity_id"]
                for state in states
                if state["entity_id"].startswith("binary_sensor.")
                and state["attributes"].get("device_class") == "connectivity"
                and state["attributes"].get("friendly_name", "").startswith(f"{name} ")
            ),
            None,
        )
        if sensor is None:
            return None
        device_id = (await hass.template(f"{{{{ device_id('{sensor}') }}}}")).strip()
        entities = await hass.template(f"{{{{ device_entities('{device_id}') | join(',') }}}}")
        ids = set(entities.strip().split(","))
        return ServerDevice(
            device_id=device_id,
            states={state["entity_id"]: state for state in states if state["entity_id"] in ids},
        )

    return await wait_for(probe, f"the device of the Emby server {name}")


async def new_server(sim: Simulator, hass: HomeAssistant, name: str) -> ServerDevice:
    """Create a server in the simulator, add it to Home Assistant by address; return its device."""
    server = await sim.add_server(name)
    await add_server_by_address(hass, server)
    return await server_device(hass, name)
