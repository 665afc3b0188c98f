"""Benchmark server care in the client library against the Emby simulator; report the figures.

Run from the repository root: `.venv/bin/python benchmarks/server_care.py` (or
`scripts/bench server_care`); the figures are printed and kept as JSON through
benchmarks/report.py.
The simulator runs in a child process, so its own work does not slow the client being measured;
every server answers each HTTP request 50 ms late. Figures:

(1) wake: magic packet sent (EmbyWakeOnLan, to the simulator's loopback listener) -> the
    sleeping server's System/Info/Public answered, polling every 0.1 s and every 1 s; the server
    takes WAKE_DELAY to wake, so the client's own share is what is left beyond it.
(2) push: a server-care frame written by the server -> the typed message parsed by
    EmbyWebSocket (RefreshProgress, ScheduledTasksInfo, ScheduledTaskEnded, LibraryChanged).
    The simulator delays HTTP answers, not websocket frames: this is the client's share.
(3) POST Library/Refresh sent -> its first RefreshProgress parsed (includes the 50 ms).

Exit status 1 when a figure misses its bound.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
import statistics
import sys
import time
from typing import Any

# A script in a checkout: make the repository importable (custom_components, embysim).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import ClientSession, web

from benchmarks import report
from benchmarks._simulator import Command, SimulatorProcess
from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyAdmin,
    EmbyConnectionError,
    EmbyMessage,
    EmbyServer,
    EmbyWakeOnLan,
    EmbyWebSocket,
    Feed,
    LibraryChangedMessage,
    RefreshProgressMessage,
    ScheduledTaskEndedMessage,
    ScheduledTasksInfoMessage,
)
from embysim import EmbySimulator

LATENCY = 0.05
WAKE_DELAY = 0.5
WAKE_RUNS = 5
SCAN_RUNS = 5
ITEMS_PER_SCAN = 4
PASSWORD = "bench-password"
PUSH_BOUND = 0.1  # seconds, 95th percentile, frame written -> message parsed
FIRST_PROGRESS_BOUND = 0.3  # seconds, POST Library/Refresh -> first progress parsed
IDENTITY = ClientIdentity(
    client="Benchmark", device_name="Benchmark", device_id="benchmark-care", version="0.1.0"
)
_TYPES: dict[type[Any], str] = {
    RefreshProgressMessage: "RefreshProgress",
    ScheduledTasksInfoMessage: "ScheduledTasksInfo",
    ScheduledTaskEndedMessage: "ScheduledTaskEnded",
    LibraryChangedMessage: "LibraryChanged",
}

# -- the simulator's commands (it runs in a child process) -------------------------------------

FRAMES: list[tuple[float, str]] = []


def _record_frames() -> None:
    """Note when the server writes each websocket frame (run in the simulator's process)."""
    send_json = web.WebSocketResponse.send_json

    async def recorded(self: web.WebSocketResponse, data: Any, *args: Any, **kwargs: Any) -> None:
        await send_json(self, data, *args, **kwargs)
        FRAMES.append((time.time(), str(data.get("MessageType"))))

    web.WebSocketResponse.send_json = recorded  # type: ignore[method-assign,assignment]


async def _setup(sim: EmbySimulator, _args: dict[str, Any]) -> dict[str, Any]:
    """Add one server answering LATENCY late, with an administrator."""
    server = await sim.add_server(name="Bench")
    server.latency = LATENCY
    server.add_user("admin", PASSWORD, is_admin=True)
    server.wake_delay = WAKE_DELAY
    server.scan_duration = 1.0
    # Longer than the gap between two items found: one LibraryChanged per scan.
    server.library_changed_delay = 0.5
    # Every step's progress goes out (Emby sends at most one a second per folder).
    server.care.scan.refresh_progress_interval = 0
    return {"url": server.url}


async def _sleep(sim: EmbySimulator, _args: dict[str, Any]) -> None:
    """Put the server to sleep."""
    await sim.servers[0].sleep()


async def _media(sim: EmbySimulator, args: dict[str, Any]) -> None:
    """Put new media on the server's disk for the next scan."""
    library = sim.servers[0].care.library
    library.pending.extend(
        library.item({"Name": f"Episode {i}", "Type": "Episode", "SeriesName": "Bench"})
        for i in range(args["count"])
    )


async def _frames(_sim: EmbySimulator, _args: dict[str, Any]) -> list[tuple[float, str]]:
    """Return and forget the frames written so far."""
    frames = list(FRAMES)
    FRAMES.clear()
    return frames


COMMANDS: dict[str, Command] = {
    "setup": _setup,
    "sleep": _sleep,
    "media": _media,
    "frames": _frames,
}


# -- measurements -----------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    """Format seconds as milliseconds, for a table."""
    return f"{seconds * 1000:.1f} ms"


def _p95(values: list[float]) -> float:
    """Return the 95th percentile."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def _wake_once(
    sim: SimulatorProcess, client: EmbyServer, waker: EmbyWakeOnLan, poll: float
) -> float:
    """Sleep the server, wake it, and return packet sent -> public info answered."""
    sim.call("sleep")
    loop = asyncio.get_running_loop()
    sent = loop.time()
    await waker.send()
    while True:
        attempt = loop.time()
        try:
            await client.get_public_info(timeout=max(poll, LATENCY * 4))
        except EmbyConnectionError:
            await asyncio.sleep(max(poll - (loop.time() - attempt), 0))
            continue
        return loop.time() - sent


async def wake(sim: SimulatorProcess, client: EmbyServer, admin: EmbyAdmin) -> bool:
    """Figure (1)."""
    waker = EmbyWakeOnLan(await admin.get_wake_on_lan_info())
    ok = True
    for poll in (0.1, 1.0):
        times = [await _wake_once(sim, client, waker, poll) for _ in range(WAKE_RUNS)]
        beyond = max(times) - WAKE_DELAY
        bound = poll + 2 * LATENCY + 0.1
        good = beyond <= bound
        ok = ok and good
        every = f"poll every {poll * 1000:.0f} ms"
        report.figure(f"{every}: packet -> answer, median", statistics.median(times), "s")
        report.figure(f"{every}: packet -> answer, max", max(times), "s")
        report.figure(
            f"{every}: beyond the {WAKE_DELAY * 1000:.0f} ms wake delay, at most",
            beyond,
            "s",
            target=f"<= {bound * 1000:.0f} ms (poll + 2 x latency + 100 ms)",
            met=good,
        )
    return ok


class Inbox:
    """Collect parsed messages with the wall-clock time they were delivered."""

    def __init__(self) -> None:
        """Start empty."""
        self.seen: list[tuple[float, EmbyMessage]] = []
        self.changed = asyncio.Event()

    def __call__(self, message: EmbyMessage) -> None:
        """Take one message (the listen() callback, right after parsing)."""
        self.seen.append((time.time(), message))
        self.changed.set()

    async def wait_for(self, kind: type[Any], count: int) -> None:
        """Wait until count messages of a kind arrived."""
        async with asyncio.timeout(10):
            while sum(isinstance(m, kind) for _t, m in self.seen) < count:
                self.changed.clear()
                await self.changed.wait()


async def push(sim: SimulatorProcess, admin: EmbyAdmin, session: ClientSession) -> bool:
    """Figures (2) and (3)."""
    assert admin.server.access_token is not None
    websocket = EmbyWebSocket(
        url=admin.server.url,
        access_token=admin.server.access_token,
        device_id=IDENTITY.device_id,
        session=session,
    )
    inbox = Inbox()
    await websocket.connect()
    listener = asyncio.create_task(websocket.listen(inbox))
    first_progress: list[float] = []
    try:
        await websocket.subscribe(Feed.SCHEDULED_TASKS, interval=0.25, initial_delay=60)
        sim.call("frames")
        for run in range(1, SCAN_RUNS + 1):
            sim.call("media", count=ITEMS_PER_SCAN)
            before = len([m for _t, m in inbox.seen if isinstance(m, RefreshProgressMessage)])
            posted = time.time()
            await admin.refresh_library()
            await inbox.wait_for(RefreshProgressMessage, before + 1)
            progress = [t for t, m in inbox.seen if isinstance(m, RefreshProgressMessage)]
            first_progress.append(progress[before] - posted)
            # The scan ends, then its batch of new items goes out.
            await inbox.wait_for(ScheduledTaskEndedMessage, run)
            await inbox.wait_for(LibraryChangedMessage, run)
    finally:
        await websocket.close()
        await listener
    # Every frame the server wrote went out before the websocket closed.
    frames = sim.call("frames")
    written: dict[str, list[float]] = defaultdict(list)
    for moment, kind in frames:
        written[kind].append(moment)
    parsed: dict[str, list[float]] = defaultdict(list)
    for moment, message in inbox.seen:
        if (kind := _TYPES.get(type(message))) is not None:
            parsed[kind].append(moment)
    ok = _frame_delays(written, parsed)
    good = max(first_progress) <= FIRST_PROGRESS_BOUND
    report.section("(3) POST Library/Refresh sent -> first RefreshProgress parsed")
    report.figure("first progress, median", statistics.median(first_progress), "s")
    report.figure(
        "first progress, max",
        max(first_progress),
        "s",
        target=f"<= {FIRST_PROGRESS_BOUND * 1000:.0f} ms",
        met=good,
    )
    return ok and good


def _frame_delays(written: dict[str, list[float]], parsed: dict[str, list[float]]) -> bool:
    """Figure (2): a table of frame written -> message parsed per type; the worst p95's bound."""
    report.section(f"(2) frame written by the server -> typed message parsed ({SCAN_RUNS} scans)")
    report.section(f"  {'message':<19}{'messages':>9}{'median':>11}{'p95':>11}{'max':>11}")
    worst: float | None = 0.0
    for kind in _TYPES.values():
        delays = [got - put for put, got in zip(written[kind], parsed[kind], strict=True)]
        if not delays:
            worst = None
            report.section(f"  {kind:<19}{0:>9}  (none parsed)")
            continue
        p95 = _p95(delays)
        worst = None if worst is None else max(worst, p95)
        median, slowest = statistics.median(delays), max(delays)
        report.section(
            f"  {kind:<19}{len(delays):>9}{_ms(median):>11}{_ms(p95):>11}{_ms(slowest):>11}"
        )
        # Shown in the table above; kept in the JSON for comparing runs.
        report.figure(f"{kind}: messages", len(delays), "messages", show=False)
        report.figure(f"{kind}: median", median, "s", show=False)
        report.figure(f"{kind}: p95", p95, "s", show=False)
        report.figure(f"{kind}: max", slowest, "s", show=False)
    ok = worst is not None and worst <= PUSH_BOUND
    report.figure(
        "frame -> message: the slowest type's p95",
        worst,
        "s",
        target=f"<= {PUSH_BOUND * 1000:.0f} ms, every type parsed",
        met=ok,
    )
    return ok


async def benchmark(sim: SimulatorProcess) -> bool:
    """Run every figure; return whether all are within their bounds."""
    setup = sim.call("setup")
    async with ClientSession() as session:
        client = EmbyServer(url=setup["url"], identity=IDENTITY, session=session)
        await client.authenticate_by_name("admin", PASSWORD)
        admin = EmbyAdmin(server=client)
        report.section(
            f"Server latency {LATENCY * 1000:.0f} ms per HTTP request; server wake delay "
            f"{WAKE_DELAY * 1000:.0f} ms."
        )
        report.section(
            f"(1) Wake-on-LAN: magic packet sent -> sleeping server answers ({WAKE_RUNS} runs)"
        )
        results = [await wake(sim, client, admin)]
        results.append(await push(sim, admin, session))
    return all(results)


def main() -> int:
    """Start the simulator process (recording the frames it writes), run the benchmark."""
    with SimulatorProcess(COMMANDS, prepare=_record_frames) as sim:
        return 0 if asyncio.run(benchmark(sim)) else 1


if __name__ == "__main__":
    sys.exit(main())
