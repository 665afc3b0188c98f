"""Benchmark remote control and browsing against the Emby simulator; report figures and bounds.

Run from the repository root: `.venv/bin/python benchmarks/control.py` (or `scripts/bench control`);
the figures are printed and kept as JSON through benchmarks/report.py.
The simulator runs in a child process (its own event loop and CPU time), every request waits
50 ms there, and the figures are the client's (aioemby), as Home Assistant would see them:
(1) a command call -> the simulated app receives it (both processes read CLOCK_MONOTONIC);
(2) browsing a 10,000-item library: the first page (views, then the first page of items), on
a new connection and on a kept one; (3) memory while walking all 10,000 items page by page
(tracemalloc: the peak per page stays that of the first page, nothing is retained after).
Exit status 1 when a figure misses its bound.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
import statistics
import sys
import time
import tracemalloc
from typing import Any

# A script in a checkout: make the repository importable (custom_components, embysim).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession

from benchmarks import report
from benchmarks._simulator import Command, SimulatorProcess
from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyControl,
    EmbyLibrary,
    EmbyServer,
    GeneralCommand,
    ItemQuery,
)
from embysim import EmbySimulator
from embysim.catalog import LibrarySpec, generate

LATENCY = 0.05
COMMAND_BOUND = LATENCY + 0.020
FIRST_PAGE_BOUND = 2 * LATENCY + 0.100
LIBRARY_ITEMS = 10_000
PAGE_SIZE = 100
COMMAND_RUNS = 25
PAGE_RUNS = 7
# A walk keeps one page at a time: its peak may exceed the first page's by parser noise only.
FLAT_FACTOR = 1.5
RETAINED_BOUND = 64 * 1024
IDENTITY = ClientIdentity(
    client="Benchmark", device_name="Benchmark", device_id="benchmark-control", version="0.1.0"
)

# -- the simulator's commands (it runs in a child process) -------------------------------------


async def _setup(sim: EmbySimulator, args: dict[str, Any]) -> dict[str, Any]:
    """Add a server with a big movie library, a user and an app; return what the client needs."""
    server = await sim.add_server(name="Benchmark")
    server.add_user("bench", "bench-password", is_admin=True)
    spec = LibrarySpec(movies=args["movies"], series=0, artists=0, photo_albums=0, video_folders=0)
    generate(server.library, spec)
    session = server.add_idle_session(user=None, profile="theater")
    server.latency = args["latency"]
    view = server.library.find_view("Movies")
    assert view is not None
    return {"url": server.url, "session_id": session.id, "movies_id": view.id}


async def _received(sim: EmbySimulator, args: dict[str, Any]) -> list[float]:
    """Return the loop times (CLOCK_MONOTONIC) at which the app received its commands."""
    server = sim.servers[0]
    return [command.loop_time for command in server.client_commands(args["session_id"])]


COMMANDS: dict[str, Command] = {"setup": _setup, "received": _received}


# -- measurements -----------------------------------------------------------------------------


async def _signed_in(session: ClientSession, url: str) -> EmbyServer:
    """Return a client signed in to the benchmark server."""
    client = EmbyServer(url=url, identity=IDENTITY, session=session)
    await client.authenticate_by_name("bench", "bench-password")
    return client


async def command_latency(sim: SimulatorProcess, setup: dict[str, Any], client: EmbyServer) -> bool:
    """Figure (1): a command call -> received by the simulated app."""
    control = EmbyControl(client)
    session_id = setup["session_id"]
    await control.send_command(session_id, GeneralCommand.GO_HOME)  # warm the connection
    sent: list[float] = []
    returned: list[float] = []
    for _ in range(COMMAND_RUNS):
        started = time.monotonic()
        await control.send_command(session_id, GeneralCommand.MUTE)
        returned.append(time.monotonic() - started)
        sent.append(started)
    received: list[float] = sim.call("received", session_id=session_id)[1:]
    delays = [got - start for got, start in zip(received, sent, strict=True)]
    median = statistics.median(delays)
    ok = median <= COMMAND_BOUND
    report.figure(
        f"command -> app: median of {COMMAND_RUNS}",
        median,
        "s",
        target=f"<= {COMMAND_BOUND * 1000:.0f} ms (latency + 20 ms)",
        met=ok,
    )
    report.figure("command -> app: max", max(delays), "s")
    report.figure("command call returned after (median)", statistics.median(returned), "s")
    return ok


async def first_page(setup: dict[str, Any], signed_in: EmbyServer) -> bool:
    """Figure (2): the first page of a 10,000-item library, cold and warm."""
    cold: list[float] = []
    warm: list[float] = []
    total = 0
    for _ in range(PAGE_RUNS):
        # A new HTTP session per run: the first request opens a new connection.
        async with ClientSession() as session:
            client = EmbyServer(
                url=setup["url"],
                identity=IDENTITY,
                session=session,
                user_id=signed_in.user_id,
                access_token=signed_in.access_token,
            )
            library = EmbyLibrary(client)
            for timings in (cold, warm):
                started = time.monotonic()
                views = await library.get_views()
                movies = next(view for view in views if view.id == setup["movies_id"])
                page = await library.get_items(ItemQuery(parent_id=movies.id, limit=PAGE_SIZE))
                timings.append(time.monotonic() - started)
                total = page.total_record_count
    ok = statistics.median(cold) <= FIRST_PAGE_BOUND and total == LIBRARY_ITEMS
    report.figure(
        f"first page ({PAGE_SIZE} of {total} items, after the views), new connection: "
        f"median of {PAGE_RUNS}",
        statistics.median(cold),
        "s",
        target=f"<= {FIRST_PAGE_BOUND * 1000:.0f} ms (2 x latency + 100 ms), "
        f"{LIBRARY_ITEMS} items listed",
        met=ok,
    )
    report.figure(
        f"first page, kept connection: median of {PAGE_RUNS}", statistics.median(warm), "s"
    )
    return ok


async def memory_walk(setup: dict[str, Any], client: EmbyServer) -> bool:
    """Figure (3): walk every item a page at a time; memory stays that of one page."""
    library = EmbyLibrary(client)
    query = ItemQuery(parent_id=setup["movies_id"], limit=PAGE_SIZE)
    await library.get_items(query)  # warm caches (yarl, codecs) outside the measurement
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        first = await library.get_items(query)
        first_peak = tracemalloc.get_traced_memory()[1] - before
        del first
        tracemalloc.reset_peak()
        count = 0
        page_peaks: list[int] = []
        started = time.monotonic()
        async for _item in library.iter_items(query):
            count += 1
            if count % PAGE_SIZE == 0:
                page_peaks.append(tracemalloc.get_traced_memory()[1] - before)
                tracemalloc.reset_peak()
        walked = time.monotonic() - started
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    peak = max(page_peaks)
    flat = peak <= FLAT_FACTOR * first_peak
    kept = retained <= RETAINED_BOUND
    report.figure(f"walk of {count} items in pages of {PAGE_SIZE}", walked, "s")
    report.figure(
        "walk: peak memory per page",
        peak / 1024,
        "KiB",
        target=f"<= {FLAT_FACTOR}x the first page's ({first_peak / 1024:.0f} KiB)",
        met=flat,
    )
    report.figure("walk: peak memory of the last page", page_peaks[-1] / 1024, "KiB")
    report.figure(
        "walk: memory retained after it",
        retained / 1024,
        "KiB",
        target=f"<= {RETAINED_BOUND // 1024} KiB",
        met=kept,
    )
    return count == LIBRARY_ITEMS and flat and kept


async def benchmark(sim: SimulatorProcess) -> bool:
    """Run every figure; return whether all are within their bounds."""
    setup = sim.call("setup", movies=LIBRARY_ITEMS, latency=LATENCY)
    report.section(
        f"Server latency {LATENCY * 1000:.0f} ms per request; a library of {LIBRARY_ITEMS} movies."
    )
    async with ClientSession() as session:
        client = await _signed_in(session, setup["url"])
        report.section("(1) a command call -> received by the simulated app")
        results = [await command_latency(sim, setup, client)]
        report.section("(2) browsing: the first page")
        results.append(await first_page(setup, client))
        report.section("(3) browsing: memory while walking the whole library")
        results.append(await memory_walk(setup, client))
    return all(results)


def main() -> int:
    """Start the simulator process, run the benchmark, stop the simulator."""
    with SimulatorProcess(COMMANDS) as sim:
        return 0 if asyncio.run(benchmark(sim)) else 1


if __name__ == "__main__":
    sys.exit(main())
