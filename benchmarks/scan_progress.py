"""Benchmark library scan progress: pushed by the server -> the scan sensor's state in Home Assistant.

Run from the repository root (about 20 seconds):

    .venv/bin/pytest benchmarks/scan_progress.py -s -p no:cacheprovider

The Emby simulator runs in Home Assistant's event loop here (its scan is a timer that pushes
RefreshProgress frames), and every HTTP answer comes 50 ms late. A server administered by the
entry's user scans SCAN_RUNS times; each progress step the simulator pushes for its library
folders is timed from the moment it goes to the websocket to the state where the sensor shows
that progress (Home Assistant's state machine, as an automation sees it). Figures: median, 95th
percentile and worst of those delays (target: 95th percentile <= 1 s), and scan started (the
first RefreshProgress) -> the sensor running.
"""

# The benchmark hooks the simulator's push of admin messages on purpose.
# ruff: noqa: SLF001

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import statistics
from typing import Any

from aiohttp import ClientSession
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks import report
import custom_components  # noqa: F401 - ours before the harness's package of that name
from custom_components.emby_connect.aioemby import ClientIdentity, EmbyServer
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.entry_data import manual_entry_data
from embysim import EmbySimulator, SimServer

LATENCY = 0.05
SCAN_RUNS = 5
SCAN_DURATION = 2.0
PASSWORD = "bench-password"
SENSOR = "sensor.bench_library_scan"
BOUND = 1.0  # seconds, 95th percentile, progress pushed -> sensor state


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[EmbySimulator]:
    """Start a simulator on 127.0.0.1."""
    simulator = EmbySimulator(host="127.0.0.1")
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


async def _server(sim: EmbySimulator) -> SimServer:
    """Add a server answering LATENCY late, with an administrator and two libraries' media."""
    server = await sim.add_server(name="Bench")
    server.latency = LATENCY
    server.add_user("admin", PASSWORD, is_admin=True)
    # Emby throttles RefreshProgress to one a second per folder; every step goes out here.
    server.care.scan.refresh_progress_interval = 0
    server.scan_duration = SCAN_DURATION
    return server


async def _entry(hass: HomeAssistant, server: SimServer) -> MockConfigEntry:
    """Add and set up the entry of the server, signed in as its administrator."""
    identity = ClientIdentity(
        client="Benchmark", device_name="Benchmark", device_id="bench-login", version="0.1.0"
    )
    async with ClientSession() as session:
        client = EmbyServer(url=server.local.url, identity=identity, session=session)
        login = await client.authenticate_by_name("admin", PASSWORD)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bench",
        unique_id=server.system_id,
        data=manual_entry_data(
            url=server.local.url, verify_ssl=True, username="admin", login=login
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    for _ in range(200):
        if entry.runtime_data.push.connected:
            break
        await asyncio.sleep(0.05)
    assert entry.runtime_data.push.connected
    # The ScheduledTasksInfo feed is asked for right after the websocket opens.
    await asyncio.sleep(0.5)
    return entry


def _percentile(values: list[float], share: float) -> float:
    """Return a percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def test_scan_progress_to_sensor(hass: HomeAssistant, sim: EmbySimulator) -> None:
    """Time each pushed progress step until the sensor shows it."""
    loop = asyncio.get_running_loop()
    server = await _server(sim)
    entry = await _entry(hass, server)
    assert hass.states.get(SENSOR) is not None

    pushed: dict[float, float] = {}
    push_admins = server.care.scan._push_admins

    def recorded(message_type: str, data: Any) -> None:
        if message_type == "RefreshProgress":
            pushed.setdefault(float(data["Progress"]), loop.time())
        push_admins(message_type, data)

    server.care.scan._push_admins = recorded

    shown: dict[float, float] = {}
    running_at: list[float] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] != SENSOR or (new := event.data["new_state"]) is None:
            return
        if new.state == "running" and not running_at:
            running_at.append(loop.time())
        if (progress := new.attributes.get("progress")) is not None:
            shown.setdefault(float(progress), loop.time())

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, changed)
    delays: list[float] = []
    starts: list[float] = []
    try:
        for run in range(SCAN_RUNS):
            pushed.clear()
            shown.clear()
            running_at.clear()
            items = [{"Name": f"Film {run}-{index}", "Type": "Movie"} for index in range(4)]
            await server.scan_library(items)
            await asyncio.sleep(0.3)
            delays += [shown[value] - at for value, at in pushed.items() if value in shown]
            missing = [value for value in pushed if value not in shown]
            assert not missing, f"progress never shown: {missing}"
            if running_at and pushed:
                starts.append(running_at[0] - min(pushed.values()))
    finally:
        unsubscribe()
        await hass.config_entries.async_unload(entry.entry_id)

    report.section(f"scan progress pushed -> sensor state ({SCAN_RUNS} scans, {len(delays)} steps)")
    p95 = _percentile(delays, 0.95)
    report.figure("median", statistics.median(delays), "s")
    report.figure("95th percentile", p95, "s", target=f"<= {BOUND:g} s", met=p95 <= BOUND)
    report.figure("worst", max(delays), "s")
    report.figure("scan started -> sensor running (median)", statistics.median(starts), "s")
    assert p95 <= BOUND
