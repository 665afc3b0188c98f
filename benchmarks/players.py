"""Benchmark the media players through the real integration in Home Assistant's harness.

Run from the repository root (about a minute, real time):

    .venv/bin/pytest benchmarks/players.py -s -p no:cacheprovider

The Emby simulator runs in a child process (`python -m embysim --empty`), so its work does not
slow Home Assistant down; every request waits 50 ms there. A server is added through the config
flow (by address), a Theater app plays on it, and:
(1) a Home Assistant action (media_player.media_pause / media_play) -> the command received by
    the simulated app (both processes read CLOCK_MONOTONIC); target <= latency + 20 ms;
(2) a change made on the client (paused in the simulator) -> the player's state in Home
    Assistant, by push; target <= 1 s;
(3) with 200 client sessions, one Sessions push (one client paused) processed: the CPU time of
    the integration's event-loop callbacks from the push until the player shows it; target
    <= 20 ms. Also a push where only play positions moved, handed to the dispatcher;
(4) memory per client (its player, remote and device, and its session), by tracemalloc while
    100 more clients appear.
Each figure is printed and written as JSON through benchmarks/report.py.
"""

# The benchmark times asyncio's own callbacks (Handle._run) and hands a pushed message to the
# dispatcher directly, on purpose.
# ruff: noqa: SLF001

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
import gc
import logging
import statistics
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
import pytest

from benchmarks import report
from benchmarks._embysim import SimulatorControl as Simulator
import custom_components  # noqa: F401 - ours before the harness's package of that name
from custom_components.emby_connect.aioemby import PlayState, SessionsMessage
from custom_components.emby_connect.const import DOMAIN

LATENCY = 0.05
COMMAND_BOUND = LATENCY + 0.020
STATE_BOUND = 1.0
PUSH_BOUND = 0.020
COMMAND_RUNS = 25
STATE_RUNS = 10
MANY = 200
PUSH_RUNS = 5
MEMORY_CLIENTS = 100
PASSWORD = "bench-password"


def _ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


@dataclass
class Bench:
    """Home Assistant with one simulated server and a Theater app playing on it."""

    hass: HomeAssistant
    sim: Simulator
    server: str
    entry: ConfigEntry
    session_id: str = ""
    player: str = ""
    shown: dict[str, float] = field(default_factory=dict)

    async def add_client(self, **body: Any) -> dict[str, Any]:
        """Add an idle client (a Theater app unless told); return its session."""
        body = {"profile": "theater", "user": "admin", **body}
        return dict(await self.sim.call("POST", f"/servers/{self.server}/clients", body))

    def players(self) -> int:
        """Return how many players of the integration Home Assistant shows."""
        registry = er.async_get(self.hass)
        return sum(
            1
            for entry in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if entry.domain == "media_player" and self.hass.states.get(entry.entity_id)
        )

    async def shown_as(self, state: str) -> None:
        """Wait until the player took a state (noted by the state listener)."""
        await self.until(lambda: state in self.shown, f"{state} shown", limit=10)

    async def until(self, condition: Callable[[], bool], what: str, limit: float = 60) -> None:
        """Wait until a condition holds."""
        deadline = time.monotonic() + limit
        while not condition():
            assert time.monotonic() < deadline, f"{what} not reached within {limit} s"
            await asyncio.sleep(0.005)


@pytest.fixture
async def bench(hass: HomeAssistant, sim: Simulator) -> AsyncIterator[Bench]:
    """Add a server with a Theater app playing, through the config flow."""
    info = await sim.call("POST", "/servers", {"name": "Bench"})
    server = info["system_id"]
    await sim.call("POST", f"/servers/{server}/latency", {"latency": LATENCY})
    await sim.call(
        "POST",
        f"/servers/{server}/users",
        {"name": "admin", "password": PASSWORD, "is_admin": True},
    )
    flow = hass.config_entries.flow
    result: Any = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "manual"})
    result = await flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: info["local_url"],
            CONF_USERNAME: "admin",
            CONF_PASSWORD: PASSWORD,
            CONF_VERIFY_SSL: False,
        },
    )
    entry = result["result"]
    await hass.async_block_till_done()
    bench = Bench(hass=hass, sim=sim, server=server, entry=entry)
    session = await sim.call(
        "POST",
        f"/servers/{server}/play",
        {"user": "admin", "client": "Emby Theater", "device_name": "Bench TV"},
    )
    bench.session_id = session["Id"]
    registry = er.async_get(hass)
    unique_id = f"{server}_{session['DeviceId']}"
    await bench.until(
        lambda: registry.async_get_entity_id("media_player", DOMAIN, unique_id) is not None,
        "the player",
    )
    bench.player = registry.async_get_entity_id("media_player", DOMAIN, unique_id) or ""
    await bench.until(lambda: hass.states.is_state(bench.player, "playing"), "playing")
    await bench.until(lambda: entry.runtime_data.push.connected, "push")

    @callback
    def _shown(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            bench.shown[new.state] = time.monotonic()

    async_track_state_change_event(hass, bench.player, _shown)
    yield bench
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


@dataclass
class LoopTimer:
    """Add up the CPU time of the integration's event-loop callbacks while in a window."""

    total: float = 0.0
    longest: float = 0.0
    counting: bool = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap asyncio's Handle._run while in the context."""
        original = asyncio.events.Handle._run
        timer = self

        def run(handle: asyncio.Handle) -> None:
            if not timer.counting:
                original(handle)
                return
            started = time.thread_time()
            try:
                original(handle)
            finally:
                spent = time.thread_time() - started
                if _ours(handle):
                    timer.total += spent
                    timer.longest = max(timer.longest, spent)

        with patch.object(asyncio.events.Handle, "_run", run):
            yield


def _ours(handle: asyncio.Handle) -> bool:
    """Return whether a callback runs the integration's code (its push task, its entities)."""
    callback_ = handle._callback  # type: ignore[attr-defined]
    owner = getattr(callback_, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro: Any = owner.get_coro()
        while coro is not None:
            code = getattr(coro, "cr_code", None)
            if code is not None and "custom_components/emby_connect" in code.co_filename:
                return True
            coro = getattr(coro, "cr_await", None)
        return False
    function = getattr(callback_, "__func__", callback_)
    code = getattr(function, "__code__", None)
    return code is not None and "custom_components/emby_connect" in code.co_filename


async def test_players(bench: Bench) -> None:
    """Measure the four figures, in order (the last ones add clients)."""
    await _command_figure(bench)
    await _state_figure(bench)
    await _push_figures(bench)
    await _memory_figure(bench)


def _session_path(bench: Bench) -> str:
    """Return the control API path of the Theater app's session."""
    return f"/servers/{bench.server}/sessions/{bench.session_id}"


async def _command_figure(bench: Bench) -> None:
    """Figure (1): a Home Assistant action -> the command received by the app."""
    hass, sim, session_path = bench.hass, bench.sim, _session_path(bench)
    report.section("(1) Home Assistant action -> the command received by the simulated app")
    sent: list[float] = []
    for run in range(COMMAND_RUNS + 1):
        service = "media_pause" if run % 2 == 0 else "media_play"
        started = time.monotonic()
        await hass.services.async_call(
            "media_player", service, {"entity_id": bench.player}, blocking=True
        )
        sent.append(started)
        await asyncio.sleep(0.1)
    received = [
        command["loop_time"] for command in await sim.call("GET", f"{session_path}/commands")
    ]
    delays = [got - start for got, start in zip(received, sent, strict=True)][1:]
    median = statistics.median(delays)
    report.figure(
        f"action -> app received (median of {COMMAND_RUNS}, 50 ms latency)",
        f"{_ms(median)} (max {_ms(max(delays))})",
        target=f"<= {_ms(COMMAND_BOUND)}",
        met=median <= COMMAND_BOUND,
    )


async def _state_figure(bench: Bench) -> None:
    """Figure (2): a change on the client -> the player's state, by push."""
    hass, sim, session_path = bench.hass, bench.sim, _session_path(bench)
    report.section("(2) a change on the client -> the player's state in Home Assistant (push)")
    await bench.until(lambda: hass.states.get(bench.player) is not None, "the player")
    seen: list[float] = []
    for run in range(STATE_RUNS):
        paused = run % 2 == 0
        state = "paused" if paused else "playing"
        await asyncio.sleep(0.2)
        bench.shown.pop(state, None)
        started = time.monotonic()
        await sim.call("POST", f"{session_path}/pause", {"paused": paused})
        await bench.shown_as(state)
        seen.append(bench.shown[state] - started)
    median = statistics.median(seen)
    report.figure(
        f"client paused/resumed -> player state (median of {STATE_RUNS})",
        f"{_ms(median)} (max {_ms(max(seen))})",
        target=f"<= {STATE_BOUND:.0f} s",
        met=max(seen) <= STATE_BOUND,
    )


async def _push_figures(bench: Bench) -> None:
    """Figure (3): one Sessions push with MANY client sessions, and one of positions only."""
    hass, sim, session_path = bench.hass, bench.sim, _session_path(bench)
    report.section(f"(3) one Sessions push with {MANY} client sessions")
    for _ in range(MANY - 1):
        await bench.add_client()
    await bench.until(lambda: bench.players() >= MANY, f"{MANY} players", limit=120)
    await asyncio.sleep(1)
    timer = LoopTimer()
    spent: list[float] = []
    longest: list[float] = []
    with timer.installed():
        for run in range(PUSH_RUNS):
            paused = run % 2 == 0
            state = "paused" if paused else "playing"
            await asyncio.sleep(0.3)
            bench.shown.pop(state, None)
            timer.total = timer.longest = 0.0
            timer.counting = True
            await sim.call("POST", f"{session_path}/pause", {"paused": paused})
            await bench.shown_as(state)
            await hass.async_block_till_done()
            timer.counting = False
            spent.append(timer.total)
            longest.append(timer.longest)
    median = statistics.median(spent)
    report.figure(
        f"push of {MANY} sessions, one paused: integration loop time (median of {PUSH_RUNS})",
        f"{_ms(median)} (max {_ms(max(spent))}, longest callback {_ms(max(longest))})",
        target=f"<= {_ms(PUSH_BOUND)}",
        met=median <= PUSH_BOUND,
    )
    _positions_figure(bench)


def _positions_figure(bench: Bench) -> None:
    """Figure (3b): a push where only play positions moved, handed to the dispatcher."""
    runtime = bench.entry.runtime_data
    dispatcher = runtime.push._dispatcher
    sessions = runtime.status.data.sessions or []
    ticks: list[float] = []
    for run in range(1, PUSH_RUNS + 1):
        moved = [
            replace(
                item,
                play_state=replace(
                    item.play_state, position_ticks=(item.play_state.position_ticks or 0) + run
                ),
            )
            if item.play_state.position_ticks is not None
            else replace(item, play_state=PlayState())
            for item in sessions
        ]
        started = time.thread_time()
        dispatcher.async_dispatch(SessionsMessage(sessions=moved))
        ticks.append(time.thread_time() - started)
    report.figure(
        f"push of {MANY} sessions, positions only (filtered; median of {PUSH_RUNS})",
        _ms(statistics.median(ticks)),
        target=f"<= {_ms(PUSH_BOUND)}",
        met=statistics.median(ticks) <= PUSH_BOUND,
    )


async def _memory_figure(bench: Bench) -> None:
    """Figure (4): memory per client while MEMORY_CLIENTS more appear."""
    hass = bench.hass
    report.section(f"(4) memory per client ({MEMORY_CLIENTS} more appear)")
    gc.collect()
    # Log records kept by the harness (DEBUG under scripts/bench) are no client's memory.
    logging.disable(logging.INFO)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(MEMORY_CLIENTS):
            await bench.add_client()
        await bench.until(
            lambda: bench.players() >= MANY + MEMORY_CLIENTS, "more players", limit=180
        )
        await asyncio.sleep(1)
        await hass.async_block_till_done()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        logging.disable(logging.NOTSET)
    per_client = (after - before) / MEMORY_CLIENTS
    report.figure(
        "memory per client (player, remote, device, session)",
        f"{per_client / 1024:.1f} KiB",
    )
