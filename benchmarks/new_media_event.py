"""Benchmark the new media event: a scan's batch of new items -> one event entity update.

Run from the repository root (about a minute, real time):

    .venv/bin/pytest benchmarks/new_media_event.py -s -p no:cacheprovider

The Emby simulator runs in a child process (`python -m embysim`); its server answers each HTTP
request 50 ms late. Home Assistant runs this integration, added by address as an administrator
(so it also hears the scan's progress and end). Each run puts new episodes on the server's disk
and scans; the server sends LibraryChanged with their Ids once the scan found them (the end of
the scan batch), the integration reads the items (50 Ids a request) and fires the event.

Figures: LibraryChanged received by the integration -> event shown (target <= 1 s), for small
(5 items) and big (200 items: four requests) batches; events per scan (target: exactly one,
listing every item); and, for scale, scan started -> event. The server's frame -> parsed
message share is measured by benchmarks/server_care.py (well under 0.1 s).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from aiohttp import ClientSession
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks import report
from benchmarks._embysim import SimulatorControl as Simulator
import custom_components  # noqa: F401 - ours before the harness's package of that name
from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyMessage,
    EmbyServer,
    LibraryChangedMessage,
)
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.entry_data import manual_entry_data

LATENCY = 0.05
PASSWORD = "bench-password"
EVENT_ID = "event.bench_new_media"
BOUND = 1.0  # seconds, LibraryChanged received -> event shown
RUNS = {5: 5, 200: 3}  # items per scan: scans
IDENTITY = ClientIdentity(
    client="Benchmark", device_name="Benchmark", device_id="benchmark-events", version="0.1.0"
)


class Watch:
    """Note when LibraryChanged reached the integration and when each event was shown."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Follow the new media event entity."""
        self.changed: list[float] = []
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.arrived = asyncio.Event()
        hass.bus.async_listen(EVENT_STATE_CHANGED, self._state_changed)

    @callback
    def message(self, message: EmbyMessage) -> None:
        """Take a pushed message (subscribed beside the entities)."""
        if isinstance(message, LibraryChangedMessage) and message.items_added:
            self.changed.append(time.monotonic())

    @callback
    def _state_changed(self, event: Event[EventStateChangedData]) -> None:
        """Note an event of the entity."""
        new = event.data["new_state"]
        if (
            event.data["entity_id"] == EVENT_ID
            and new is not None
            and new.attributes.get("event_type") == "new_media"
        ):
            self.events.append((time.monotonic(), dict(new.attributes)))
            self.arrived.set()


async def _server(hass: HomeAssistant, sim: Simulator) -> MockConfigEntry:
    """Add a server with an administrator and set up its entry by address."""
    info = await sim.call("POST", "/servers", {"name": "Bench"})
    path = f"/servers/{info['system_id']}"
    await sim.call("POST", f"{path}/latency", {"latency": LATENCY})
    await sim.call(
        "POST", f"{path}/users", {"name": "admin", "password": PASSWORD, "is_admin": True}
    )
    # A quick scan; LibraryChanged 0.5 s after the last item found (Emby waits 5 s).
    await sim.call("PATCH", f"{path}/care", {"scan_duration": 1.0, "library_changed_delay": 0.5})
    async with ClientSession() as http:
        client = EmbyServer(url=info["local_url"], identity=IDENTITY, session=http)
        login = await client.authenticate_by_name("admin", PASSWORD)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bench",
        unique_id=info["system_id"],
        data=manual_entry_data(
            url=info["local_url"], verify_ssl=True, username="admin", login=login
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    async with asyncio.timeout(30):
        # Nothing signals "websocket open": polled, before anything is measured.
        while not entry.runtime_data.push.connected or hass.states.get(EVENT_ID) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return entry


async def test_new_media_event(hass: HomeAssistant, sim: Simulator) -> None:
    """Scan new episodes again and again; time LibraryChanged -> event, count the events."""
    entry = await _server(hass, sim)
    watch = Watch(hass)
    entry.async_on_unload(entry.runtime_data.push.async_subscribe(watch.message))
    system_id = entry.unique_id
    report.section(
        f"New media -> event (server {LATENCY * 1000:.0f} ms per request; 50 Ids a request)"
    )
    ok = True
    number = 0
    for size, scans in RUNS.items():
        delays: list[float] = []
        totals: list[float] = []
        counts: list[int] = []
        for _ in range(scans):
            items = [
                {
                    "Name": f"Episode {number + index}",
                    "Type": "Episode",
                    "SeriesName": "Bench Show",
                    "ParentIndexNumber": 1,
                    "IndexNumber": number + index,
                }
                for index in range(size)
            ]
            number += size
            before_events, before_changed = len(watch.events), len(watch.changed)
            watch.arrived.clear()
            started = time.monotonic()
            await sim.call("POST", f"/servers/{system_id}/scan", {"items": items})
            async with asyncio.timeout(60):
                await watch.arrived.wait()
            # Anything more of this batch would come within a few seconds: wait them out.
            await asyncio.sleep(3)
            shown, data = watch.events[before_events]
            counts.append(len(watch.events) - before_events)
            assert len(watch.changed) > before_changed
            delays.append(shown - watch.changed[-1])
            totals.append(shown - started)
            assert data["count"] == size, data["count"]
        good = max(delays) <= BOUND
        ok = ok and good
        report.figure(
            f"{size} items: LibraryChanged received -> event shown (max of {scans})",
            max(delays),
            "s",
            target=f"<= {BOUND} s",
            met=good,
        )
        report.figure(f"{size} items: median", statistics.median(delays), "s")
        one = all(count == 1 for count in counts)
        ok = ok and one
        report.figure(
            f"{size} items: events per scan", max(counts), "", target="exactly 1", met=one
        )
        report.figure(
            f"{size} items: scan started -> event (median, scan 1 s + 0.5 s quiet)",
            statistics.median(totals),
            "s",
        )
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert ok
