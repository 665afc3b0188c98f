"""Benchmark Wake server through the real integration in Home Assistant's harness.

Run from the repository root (about a minute, real time):

    .venv/bin/pytest benchmarks/wake.py -s -p no:cacheprovider

The Emby simulator runs in a child process (`python -m embysim`), its server answering 50 ms
late and taking WAKE_DELAY to wake after its magic packet (sent to the simulator's loopback
listener, the target the server reports). Figures, for a server asleep after a Home Assistant
restart (the entry loaded to be woken) and for one that fell asleep while loaded:

- wake pressed -> connectivity on (includes the server's WAKE_DELAY);
- the server answers again -> connectivity on: Home Assistant's own share, target <= 2 s.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
import statistics
import time

from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks import report
from benchmarks._embysim import SimulatorControl as Simulator
import custom_components  # noqa: F401 - ours before the harness's package of that name
from custom_components.emby_connect.aioemby import EmbyConnect
from custom_components.emby_connect.const import CONF_WAKE_ON_LAN, DOMAIN
from custom_components.emby_connect.entry_data import connect_entry_data

LATENCY = 0.05
WAKE_DELAY = 0.5
RUNS = 5
TARGET = 2.0  # seconds, the server answers again -> connectivity on
CONNECTIVITY = "binary_sensor.living_room_connectivity"
WAKE = "button.living_room_wake_server"


@pytest.fixture
async def sim(sim: Simulator) -> Simulator:
    """Give the simulator one server, linked to an Emby Connect user, that wakes when told."""
    await sim.call("POST", "/connect/users", {"name": "bench", "password": "bench-pw"})
    sim.system_id = (await sim.call("POST", "/servers", {"name": "Living Room"}))["system_id"]
    await sim.server("/latency", body={"latency": LATENCY})
    await sim.server("/users", body={"name": "admin", "is_admin": True})
    await sim.server("/care", "PATCH", {"wake_delay": WAKE_DELAY})
    await sim.call(
        "POST", "/link", {"user": "bench", "server": sim.system_id, "local_user": "admin"}
    )
    return sim


async def _entry(hass: HomeAssistant, sim: Simulator) -> MockConfigEntry:
    """Add the server's entry as the config flow stores it."""
    async with EmbyConnect(
        app_name="Benchmark", app_version="0.1.0", base_url=sim.connect_url
    ) as client:
        login = await client.authenticate("bench", "bench-pw")
        (server,) = await client.get_servers()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Living Room",
        unique_id=sim.system_id,
        data=connect_entry_data(sim.connect_url, login, "bench", server),
    )
    entry.add_to_hass(hass)
    return entry


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return an entity's state."""
    state = hass.states.get(entity_id)
    return None if state is None else state.state


async def _until(hass: HomeAssistant, entity_id: str, value: str, limit: float = 30) -> float:
    """Wait (checking every 5 ms) until an entity shows value; return the wall clock then."""
    deadline = time.monotonic() + limit
    while _state(hass, entity_id) != value:
        assert time.monotonic() < deadline, f"{entity_id} never became {value}"
        await asyncio.sleep(0.005)
    return time.time()


async def _wake_once(hass: HomeAssistant, sim: Simulator) -> tuple[float, float]:
    """Press Wake server; return (press -> connectivity on, server up -> connectivity on)."""
    sent = len(await sim.server("/wake_packets", "GET"))
    pressed = time.time()
    await hass.services.async_call(
        Platform.BUTTON, SERVICE_PRESS, {ATTR_ENTITY_ID: WAKE}, blocking=True
    )
    on = await _until(hass, CONNECTIVITY, STATE_ON)
    packets = await sim.server("/wake_packets", "GET")
    assert len(packets) == sent + 1, packets
    # The simulated machine boots WAKE_DELAY after its packet arrived, then answers.
    answered = datetime.fromisoformat(packets[-1]["time"]).timestamp() + WAKE_DELAY
    return on - pressed, on - answered


def _figures(what: str, runs: list[tuple[float, float]]) -> bool:
    """Report the figures of one scenario; return whether the target is met."""
    total = [run[0] for run in runs]
    share = [run[1] for run in runs]
    met = max(share) <= TARGET
    report.figure(
        f"{what}: wake pressed -> connectivity on (median of {len(runs)})",
        statistics.median(total),
        "s",
    )
    report.figure(
        f"{what}: server answers -> connectivity on (max of {len(runs)})",
        max(share),
        "s",
        target=f"<= {TARGET:.0f} s",
        met=met,
    )
    return met


async def test_wake(hass: HomeAssistant, sim: Simulator) -> None:
    """Wake the server after restarts while it sleeps, and after it fell asleep while loaded."""
    report.section(
        f"\nWake server (simulated server: {LATENCY * 1000:.0f} ms latency, "
        f"wakes {WAKE_DELAY * 1000:.0f} ms after its packet; {RUNS} runs each)"
    )
    entry = await _entry(hass, sim)
    await hass.config_entries.async_setup(entry.entry_id)
    await _until(hass, CONNECTIVITY, STATE_ON)
    deadline = time.monotonic() + 30
    while CONF_WAKE_ON_LAN not in entry.data:
        assert time.monotonic() < deadline, "the Wake-on-LAN targets were never stored"
        await asyncio.sleep(0.05)

    restarted = []
    for _ in range(RUNS):
        assert await hass.config_entries.async_unload(entry.entry_id)
        await sim.server("/sleep")
        await hass.config_entries.async_setup(entry.entry_id)
        assert entry.state is ConfigEntryState.LOADED
        assert _state(hass, CONNECTIVITY) == STATE_OFF
        restarted.append(await _wake_once(hass, sim))

    loaded = []
    for _ in range(RUNS):
        await sim.server("/sleep")
        await _until(hass, CONNECTIVITY, STATE_OFF, limit=60)
        loaded.append(await _wake_once(hass, sim))

    met = _figures("asleep at a restart", restarted)
    met = _figures("asleep while loaded", loaded) and met
    await hass.config_entries.async_unload(entry.entry_id)
    assert met, "a wake missed its target"
