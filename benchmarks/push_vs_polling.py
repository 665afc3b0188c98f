"""Benchmark push against polling only, through the real integration in Home Assistant's harness.

Run from the repository root (takes about 12 minutes, real time):

    .venv/bin/pytest benchmarks/push_vs_polling.py -s -p no:cacheprovider

The Emby simulator runs in a child process (`python -m embysim`), so its work does not slow
Home Assistant down; every server answers 50 ms late. Each scenario runs two servers side by
side in one Home Assistant: "Push" (this integration as shipped) and "Polling" (the same
integration with its websocket never opened, i.e. polling every 30 s as before push). Both
are reached through a loopback proxy that can turn into a network black hole; in the moved
server scenario both move to new ports and Emby Connect lists the new addresses at once. The
last test prints the table with every figure and whether push meets its target (MET / MISSED).
"""

# The benchmark times asyncio's own callbacks (Handle._run) on purpose.
# ruff: noqa: SLF001

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
import gc
import os
from pathlib import Path
import random
import statistics
import time
import tracemalloc
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from benchmarks import report
from benchmarks._embysim import SimulatorControl as Simulator
import custom_components  # noqa: F401 - ours before the harness's package of that name
from custom_components.emby_connect import (
    coordinator as coordinator_module,
    push as push_module,
)
from custom_components.emby_connect.aioemby import ConnectLogin, ConnectServer, EmbyConnect
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.coordinator import EmbyRuntimeData
from custom_components.emby_connect.entry_data import connect_entry_data
from custom_components.emby_connect.push import EmbyPushListener
from embysim.proxy import BlackHoleProxy

LATENCY = 0.05
MANY = 50
# The steady state is counted over 30 minutes run 30 times faster (all intervals divided).
SPEEDUP = 30
STEADY_MINUTES = 30

RESULTS: list[tuple[str, str, str, str, str]] = []


def _record(figure: str, push: str, polling: str, target: str, *, met: bool | None) -> None:
    """Keep one row of the final table, and report both figures (printed and in the JSON)."""
    verdict = "" if met is None else ("MET" if met else "MISSED")
    RESULTS.append((figure, push, polling, target, verdict))
    aim = None if target == "(no target)" else target
    report.figure(f"{figure} [push]", push, target=aim, met=met)
    report.figure(f"{figure} [polling only]", polling)


def _seconds(value: float | None) -> str:
    """Format a duration (None: never happened)."""
    return "never" if value is None else f"{value:.2f} s"


# -- Home Assistant harness -------------------------------------------------------------------


# -- the simulator in a child process ---------------------------------------------------------


@dataclass
class Server:
    """One simulated server, its proxies and its entry."""

    name: str
    system_id: str
    proxies: list[BlackHoleProxy] = field(default_factory=list)
    entry: MockConfigEntry | None = None

    @property
    def slug(self) -> str:
        """Return the entity id prefix."""
        return self.name.lower().replace(" ", "_")

    @property
    def runtime(self) -> EmbyRuntimeData:
        """Return what the loaded entry holds (connection, coordinators, push listener)."""
        assert self.entry is not None
        return self.entry.runtime_data

    @property
    def black_hole(self) -> bool:
        """Return whether the network to the server is gone."""
        return all(proxy.black_hole for proxy in self.proxies)

    @black_hole.setter
    def black_hole(self, value: bool) -> None:
        """Lose or restore the network to the server (both addresses)."""
        for proxy in self.proxies:
            proxy.black_hole = value


@dataclass
class World:
    """Home Assistant, the simulator and an Emby Connect account with servers."""

    hass: HomeAssistant
    sim: Simulator
    polling_only: set[str] = field(default_factory=set)
    servers: list[Server] = field(default_factory=list)
    login: ConnectLogin | None = None

    async def add_servers(
        self,
        names: list[str],
        *,
        proxied: bool = False,
        polling_only: bool = False,
        add_entries: bool = True,
    ) -> list[Server]:
        """Add linked servers (behind black-hole proxies when proxied) and their entries."""
        if self.login is None:
            await self.sim.call(
                "POST", "/connect/users", {"name": "bench", "password": "bench-password"}
            )
        added = []
        for name in names:
            info = await self.sim.call("POST", "/servers", {"name": name})
            server = Server(name=name, system_id=info["system_id"])
            path = f"/servers/{server.system_id}"
            await self.sim.call("POST", f"{path}/latency", {"latency": LATENCY})
            await self.sim.call("POST", f"{path}/users", {"name": "admin", "is_admin": True})
            if proxied:
                for listener in ("local", "remote"):
                    port = int(info[f"{listener}_url"].rsplit(":", 1)[1])
                    proxy = BlackHoleProxy(port)
                    await proxy.start()
                    server.proxies.append(proxy)
                await self.sim.call(
                    "PATCH",
                    path,
                    {
                        "local_address": server.proxies[0].origin(),
                        "remote_address": server.proxies[1].origin(),
                    },
                )
            await self.sim.call(
                "POST",
                "/link",
                {"user": "bench", "server": server.system_id, "local_user": "admin"},
            )
            if polling_only:
                self.polling_only.add(server.system_id)
            added.append(server)
        self.servers += added
        listed = await self._connect_servers()
        for server in added:
            assert self.login is not None
            server.entry = MockConfigEntry(
                domain=DOMAIN,
                title=server.name,
                unique_id=server.system_id,
                data=connect_entry_data(
                    self.sim.connect_url, self.login, "bench", listed[server.system_id]
                ),
            )
            if add_entries:
                server.entry.add_to_hass(self.hass)
        return added

    async def _connect_servers(self) -> dict[str, ConnectServer]:
        """Sign in to Emby Connect (once) and list the account's servers."""
        async with EmbyConnect(
            app_name="Benchmark", app_version="0.1.0", base_url=self.sim.connect_url
        ) as client:
            if self.login is None:
                self.login = await client.authenticate("bench", "bench-password")
            else:
                client.user_id = self.login.user_id
                client.access_token = self.login.access_token
            return {item.system_id: item for item in await client.get_servers()}

    def state(self, server: Server, key: str = "connectivity") -> str:
        """Return the state of one of a server's entities."""
        domain = "binary_sensor" if key == "connectivity" else "sensor"
        state = self.hass.states.get(f"{domain}.{server.slug}_{key}")
        return state.state if state is not None else "missing"

    def up(self, server: Server) -> bool:
        """Return whether connectivity is on and the other entities are available."""
        return (
            self.state(server) == STATE_ON
            and self.state(server, "active_sessions") != STATE_UNAVAILABLE
        )

    def push_ready(self, server: Server) -> bool:
        """Return whether a server is up and, unless polling only, its websocket open."""
        polling = server.system_id in self.polling_only
        return self.up(server) and (polling or server.runtime.push.connected)

    async def close(self) -> None:
        """Unload every entry and close the proxies."""
        for server in self.servers:
            if server.entry is not None and server.entry.state is ConfigEntryState.LOADED:
                await self.hass.config_entries.async_unload(server.entry.entry_id)
        await self.hass.async_block_till_done()
        for server in self.servers:
            for proxy in server.proxies:
                await proxy.close()


@contextmanager
def _polling_only(world: World) -> Iterator[None]:
    """Never start the push listener of the servers in world.polling_only."""

    def listener(entry: ConfigEntry, *args: Any, **kwargs: Any) -> EmbyPushListener:
        created = EmbyPushListener(entry, *args, **kwargs)
        if entry.unique_id in world.polling_only:
            created.async_start = lambda: None  # type: ignore[method-assign]
        return created

    with patch("custom_components.emby_connect.EmbyPushListener", listener):
        yield


@pytest.fixture
async def world(hass: HomeAssistant, sim: Simulator) -> AsyncIterator[World]:
    """Return an empty world; unload everything afterwards."""
    world = World(hass=hass, sim=sim)
    with _polling_only(world):
        yield world
        await world.close()


async def _until(
    conditions: dict[str, Callable[[], bool]], since: dict[str, float], limit: float
) -> dict[str, float | None]:
    """Poll conditions every 10 ms; return the seconds from each start until it held."""
    found: dict[str, float] = {}
    deadline = time.monotonic() + limit
    while len(found) < len(conditions) and time.monotonic() < deadline:
        now = time.monotonic()
        for name, condition in conditions.items():
            if name not in found and condition():
                found[name] = now - since[name]
        await asyncio.sleep(0.01)
    return {name: found.get(name) for name in conditions}


async def _setup_all(world: World, limit: float = 60) -> None:
    """Set up the entries and wait until every server is up (and pushing, where it does)."""
    first = world.servers[0].entry
    assert first is not None
    await world.hass.config_entries.async_setup(first.entry_id)
    await world.hass.async_block_till_done()
    started = time.monotonic()
    while not all(world.push_ready(server) for server in world.servers):
        assert time.monotonic() - started < limit, "servers did not come up"
        await asyncio.sleep(0.05)


# -- reaction times ---------------------------------------------------------------------------

# Polling finds a change at its next poll, 0 to 30 s later: each event waits a random time
# first, so the polling figures are not locked to the poll that noticed the previous event.
RANDOM = random.Random(2026)  # noqa: S311 - a schedule, not a secret


async def _random_pause() -> None:
    """Wait 5 to 35 seconds (a random phase of the 30-second poll)."""
    await asyncio.sleep(RANDOM.uniform(5, 35))


async def _side_by_side(
    world: World,
    push: Server,
    polling: Server,
    *,
    act: Callable[[Server], Any],
    condition: Callable[[Server], bool],
    limit: float,
    from_start: bool = True,
) -> tuple[float | None, float | None]:
    """Do the same thing to both servers; return how long each took to show it.

    Counted from the start of the action, or (from_start=False) from its end: a server started
    again answers only once its start is done.
    """
    await _random_pause()
    since = {}
    for server in (push, polling):
        since[server.name] = time.monotonic()
        result = act(server)
        if asyncio.iscoroutine(result):
            await result
        if not from_start:
            since[server.name] = time.monotonic()
    times = await _until(
        {server.name: (lambda server=server: condition(server)) for server in (push, polling)},
        since,
        limit,
    )
    return times[push.name], times[polling.name]


async def _outage(
    world: World,
    push: Server,
    polling: Server,
    *,
    label: str,
    target: float,
    down: Callable[[Server], Any],
    back: Callable[[Server], Any],
    limit: float,
    back_target: float = 5,
) -> None:
    """Take both servers away, measure until off; bring them back, measure until on."""
    off = await _side_by_side(
        world,
        push,
        polling,
        act=down,
        condition=lambda s: world.state(s) == STATE_OFF,
        limit=limit,
    )
    _record(
        f"{label} -> connectivity off",
        _seconds(off[0]),
        _seconds(off[1]),
        f"<= {target:.0f} s",
        met=off[0] is not None and off[0] <= target,
    )
    on = await _side_by_side(
        world, push, polling, act=back, condition=world.up, limit=90, from_start=False
    )
    _record(
        f"back after '{label}' -> on + available",
        _seconds(on[0]),
        _seconds(on[1]),
        f"<= {back_target:.0f} s after it answers",
        met=on[0] is not None and on[0] <= back_target,
    )
    await _until({"ready": lambda: all(map(world.push_ready, (push, polling)))}, {"ready": 0}, 30)


async def test_reaction_times(world: World) -> None:
    """Stopped, killed, black-holed, playing, back: push and polling only side by side."""
    report.section("\nReaction times (two servers side by side, 50 ms latency each)")
    push, polling = await world.add_servers(["Push"], proxied=True) + await world.add_servers(
        ["Polling"], proxied=True, polling_only=True
    )
    await _setup_all(world)
    sim = world.sim

    async def play(server: Server) -> None:
        await sim.call("POST", f"/servers/{server.system_id}/play", {"user": "admin"})

    playing = await _side_by_side(
        world,
        push,
        polling,
        act=play,
        condition=lambda s: world.state(s, "active_sessions") == "1",
        limit=60,
    )
    _record(
        "session starts playing -> sessions sensor",
        _seconds(playing[0]),
        _seconds(playing[1]),
        "<= 2 s",
        met=playing[0] is not None and playing[0] <= 2,
    )

    def action(name: str, body: dict[str, Any] | None = None) -> Callable[[Server], Any]:
        """Return a control call on a server."""
        return lambda server: sim.call("POST", f"/servers/{server.system_id}/{name}", body)

    await _outage(
        world,
        push,
        polling,
        label="server stopped gracefully",
        target=2,
        down=action("stop"),
        back=action("start"),
        limit=60,
    )
    await _outage(
        world,
        push,
        polling,
        label="server process killed (refused)",
        target=5,
        down=action("fault", {"fault": "STOPPED"}),
        back=action("fault", {"fault": "NONE"}),
        limit=60,
        back_target=2,
    )

    def lose(server: Server) -> None:
        server.black_hole = True

    def restore(server: Server) -> None:
        server.black_hole = False

    await _outage(
        world,
        push,
        polling,
        label="network black hole (silent)",
        target=20,
        down=lose,
        back=restore,
        limit=120,
    )


@pytest.mark.timeout(900)
async def test_moved_server(world: World) -> None:
    """A Connect server moves to new ports and Emby Connect lists them at once."""
    report.section("\nMoved server (two servers side by side, Emby Connect updated at once)")
    push, polling = await world.add_servers(["Push"]) + await world.add_servers(
        ["Polling"], polling_only=True
    )
    await _setup_all(world)
    await _random_pause()
    sim = world.sim
    since: dict[str, float] = {}
    before: dict[str, int] = {}
    for server in (push, polling):
        before[server.name] = await sim.requests(server.system_id)
        since[server.name] = time.monotonic()
        await sim.call("POST", f"/servers/{server.system_id}/move")
    # Only the new ports answer: a request counted after the move reached the new address.
    found: dict[str, float] = {}
    deadline = time.monotonic() + 600
    while len(found) < 2 and time.monotonic() < deadline:
        for server in (push, polling):
            if server.name in found or not world.up(server):
                continue
            if await sim.requests(server.system_id) > before[server.name]:
                found[server.name] = time.monotonic() - since[server.name]
        await asyncio.sleep(0.05)
    moved = found.get(push.name)
    _record(
        "moved server (Connect updated) -> on at the new address",
        _seconds(moved),
        _seconds(found.get(polling.name)),
        "<= 5 s after the move",
        met=moved is not None and moved <= 5,
    )


# -- steady state -----------------------------------------------------------------------------


async def test_steady_state_requests(world: World) -> None:
    """HTTP requests per server per minute while everything works."""
    report.section(f"\nSteady state ({STEADY_MINUTES} minutes, run {SPEEDUP} times faster)")
    intervals = {
        coordinator_module: ("STATUS_INTERVAL", "COUNTS_INTERVAL"),
        push_module: ("STATUS_INTERVAL", "PUSH_STATUS_INTERVAL"),
    }
    with ExitStack() as scaled:
        for module, names in intervals.items():
            scaled.enter_context(
                patch.multiple(
                    module,
                    **{name: getattr(module, name) / SPEEDUP for name in names},
                )
            )
        push, polling = await world.add_servers(["Push"]) + await world.add_servers(
            ["Polling"], polling_only=True
        )
        await _setup_all(world)
        await asyncio.sleep(2)
        before = {
            server.name: await world.sim.requests(server.system_id) for server in (push, polling)
        }
        await asyncio.sleep(STEADY_MINUTES * 60 / SPEEDUP)
        after = {
            server.name: await world.sim.requests(server.system_id) for server in (push, polling)
        }
    rate = {name: (after[name] - before[name]) / STEADY_MINUTES for name in after}
    _record(
        "steady state: HTTP requests / server / minute",
        f"{rate['Push']:.2f}",
        f"{rate['Polling']:.2f}",
        "<= 2",
        met=rate["Push"] <= 2,
    )


# -- many servers -----------------------------------------------------------------------------


@dataclass
class CallbackTimer:
    """Time every event-loop callback; keep the longest, overall and of the integration.

    Durations are CPU time of the event-loop thread (a loaded machine that takes the CPU away
    from Home Assistant for a while is no slow callback), minus garbage collector pauses, which
    stop whatever callback runs; the longest wall-clock duration and GC pause are kept too.
    """

    longest: float = 0.0
    longest_what: str = ""
    ours: float = 0.0
    ours_what: str = ""
    ours_wall: float = 0.0
    gc_pause: float = 0.0
    _gc_total: float = 0.0
    _gc_started: float = 0.0

    def _on_gc(self, phase: str, _info: dict[str, int]) -> None:
        """Add up the CPU time spent collecting garbage."""
        if phase == "start":
            self._gc_started = time.thread_time()
        else:
            pause = time.thread_time() - self._gc_started
            self._gc_total += pause
            self.gc_pause = max(self.gc_pause, pause)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap asyncio's Handle._run while in the context."""
        original = asyncio.events.Handle._run
        timer = self

        def run(handle: asyncio.Handle) -> None:
            before = _where(handle)
            gc_before = timer._gc_total
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                original(handle)
            finally:
                wall = time.perf_counter() - wall
                cpu = time.thread_time() - cpu - (timer._gc_total - gc_before)
                if max(cpu, wall) > min(timer.ours, timer.ours_wall) and (
                    what := _integration_frame(handle)
                ):
                    timer.ours_wall = max(timer.ours_wall, wall)
                    if cpu > timer.ours:
                        timer.ours, timer.ours_what = cpu, f"{what}; from {before}"
                if cpu > timer.longest:
                    timer.longest = cpu
                    timer.longest_what = f"{_describe(handle)}; from {before}"

        gc.callbacks.append(self._on_gc)
        try:
            with patch.object(asyncio.events.Handle, "_run", run):
                yield
        finally:
            gc.callbacks.remove(self._on_gc)


def _where(handle: asyncio.Handle) -> str:
    """Return where a task stands before its next step (file:line of the innermost frame)."""
    owner = getattr(handle._callback, "__self__", None)  # type: ignore[attr-defined]
    if not isinstance(owner, asyncio.Task):
        return "a callback"
    coro: Any = owner.get_coro()
    frame = None
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or frame
        coro = getattr(coro, "cr_await", None)
    if frame is None:
        return "?"
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"


def _coroutine_chain(handle: asyncio.Handle) -> Iterator[Any]:
    """Yield the code objects a callback runs: a task's awaited coroutines, or the function."""
    callback = handle._callback  # type: ignore[attr-defined]
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro: Any = owner.get_coro()
        while coro is not None:
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
            if code is not None:
                yield code
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        return
    function = getattr(callback, "__func__", callback)
    if (code := getattr(function, "__code__", None)) is not None:
        yield code


def _integration_frame(handle: asyncio.Handle) -> str | None:
    """Return the integration's function a callback ran in, or None when it is not ours."""
    for code in _coroutine_chain(handle):
        if "custom_components/emby_connect" in code.co_filename:
            return f"{Path(code.co_filename).name}:{code.co_qualname}"
    return None


def _describe(handle: asyncio.Handle) -> str:
    """Return a short description of a callback."""
    names = [code.co_qualname for code in _coroutine_chain(handle)]
    return " > ".join(names[:4]) or repr(handle)[:120]


async def _wait_ready(world: World, servers: list[Server], what: str) -> None:
    """Wait until every server is up (and pushing, where it does)."""
    started = time.monotonic()
    while not all(world.push_ready(server) for server in servers):
        assert time.monotonic() - started < 120, f"{what}: servers did not come up"
        await asyncio.sleep(0.05)


async def _full_poll(target: EmbyRuntimeData) -> None:
    """Poll everything of one server: status and sessions, then the library counts."""
    await target.status.async_refresh()
    await target.library.async_refresh()


async def _full_refresh(targets: list[EmbyRuntimeData], *, reconnect: bool) -> float:
    """Poll servers at once (connecting again first); return how long it took."""
    for target in targets:
        if reconnect:
            # Probe, exchange and sign in again (the websocket follows, untimed).
            target.connection.async_drop()
    started = time.perf_counter()
    await asyncio.gather(*(_full_poll(target) for target in targets))
    elapsed = time.perf_counter() - started
    assert all(target.status.last_update_success for target in targets)
    return elapsed


async def _many_servers(world: World, *, polling_only: bool) -> dict[str, float]:
    """Run the many-servers figures for one mode; return them."""
    mode = "polling only" if polling_only else "push"
    names = [f"{'Poll' if polling_only else 'Push'} {index:02d}" for index in range(MANY)]
    servers = await world.add_servers(names, polling_only=polling_only, add_entries=False)
    hass = world.hass
    entries = [server.entry for server in servers if server.entry is not None]
    timer = CallbackTimer()
    figures: dict[str, float] = {}
    with timer.installed():
        for entry in entries:
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
        await _wait_ready(world, servers, mode)
        coordinators = [server.runtime for server in servers]

        async def refresh(targets: list[EmbyRuntimeData], *, reconnect: bool) -> float:
            elapsed = await _full_refresh(targets, reconnect=reconnect)
            await _wait_ready(world, servers, mode)
            return elapsed

        for reconnect in (False, True):
            kind = "reconnect" if reconnect else "poll"
            await refresh(coordinators, reconnect=reconnect)  # warm up
            one = [await refresh([coordinators[i]], reconnect=reconnect) for i in range(9)]
            cpu, sim_cpu = time.process_time(), world.sim.cpu()
            every = [await refresh(coordinators, reconnect=reconnect) for _ in range(5)]
            figures[f"{kind} cpu"] = (time.process_time() - cpu) / 5
            figures[f"{kind} sim cpu"] = (world.sim.cpu() - sim_cpu) / 5
            figures[f"{kind} one"] = statistics.median(one)
            figures[f"{kind} all"] = statistics.median(every)

        # Everyone starts watching at once.
        since = time.monotonic()
        await asyncio.gather(
            *(
                world.sim.call("POST", f"/servers/{server.system_id}/play", {"user": "admin"})
                for server in servers
            )
        )
        burst = await _until(
            {
                "all": lambda: all(
                    world.state(server, "active_sessions") == "1" for server in servers
                )
            },
            {"all": since},
            60,
        )
        figures["burst"] = burst["all"] if burst["all"] is not None else float("nan")
    figures["longest"], figures["ours"] = timer.longest, timer.ours
    figures["ours wall"], figures["gc pause"] = timer.ours_wall, timer.gc_pause
    report.section(
        f"  {mode} (CPU time, GC pauses apart): longest callback {timer.longest * 1000:.1f} ms "
        f"({timer.longest_what})\n"
        f"    longest of the integration {timer.ours * 1000:.1f} ms ({timer.ours_what}); "
        f"wall clock {timer.ours_wall * 1000:.1f} ms; longest GC pause "
        f"{timer.gc_pause * 1000:.1f} ms\n"
        f"    CPU per refresh of all, Home Assistant / simulator: "
        f"poll {figures['poll cpu'] * 1000:.0f} / {figures['poll sim cpu'] * 1000:.0f} ms, "
        f"reconnect {figures['reconnect cpu'] * 1000:.0f} / "
        f"{figures['reconnect sim cpu'] * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}"
    )

    # Memory: set the entries up again (the integration and platforms are loaded by now).
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for entry in entries:
        await hass.config_entries.async_setup(entry.entry_id)
    await _wait_ready(world, servers, mode)
    await asyncio.sleep(1)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    figures["memory"] = sum(stat.size_diff for stat in after.compare_to(before, "filename")) / MANY
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    return figures


async def test_many_servers(world: World) -> None:
    """50 servers in one Connect account: refresh all at once, callbacks, memory per entry."""
    report.section(f"\n{MANY} servers, one Emby Connect account, {LATENCY * 1000:.0f} ms latency")
    push = await _many_servers(world, polling_only=False)
    polling = await _many_servers(world, polling_only=True)
    for kind in ("poll", "reconnect"):
        ratios = {
            name: figures[f"{kind} all"] / figures[f"{kind} one"]
            for name, figures in (("push", push), ("polling", polling))
        }
        _record(
            f"{MANY} servers: full {kind} of all / one",
            f"{ratios['push']:.2f}x ({push[f'{kind} all'] * 1000:.0f} / "
            f"{push[f'{kind} one'] * 1000:.0f} ms)",
            f"{ratios['polling']:.2f}x ({polling[f'{kind} all'] * 1000:.0f} / "
            f"{polling[f'{kind} one'] * 1000:.0f} ms)",
            "<= 1.5x",
            met=ratios["push"] <= 1.5,
        )
    _record(
        f"{MANY} servers: longest integration callback (CPU)",
        f"{push['ours'] * 1000:.1f} ms (wall {push['ours wall'] * 1000:.0f})",
        f"{polling['ours'] * 1000:.1f} ms (wall {polling['ours wall'] * 1000:.0f})",
        "<= 50 ms",
        met=push["ours"] <= 0.05,
    )
    _record(
        f"{MANY} servers: memory per server entry",
        f"{push['memory'] / 1024:.0f} KiB",
        f"{polling['memory'] / 1024:.0f} KiB",
        "< 2 MB",
        met=push["memory"] < 2 * 1024 * 1024,
    )
    _record(
        f"{MANY} servers start playing at once -> all sensors",
        _seconds(push["burst"]),
        _seconds(polling["burst"]),
        "(no target)",
        met=None,
    )


def test_table() -> None:
    """Print every figure side by side."""
    header = ("figure", "push", "polling only", "target", "")
    rows = [header, *RESULTS]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    report.section(
        "\n\nPush vs polling only (Emby simulator, real integration in Home Assistant's harness)"
    )
    for index, row in enumerate(rows):
        report.section(
            "  " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        )
        if index == 0:
            report.section("  " + "-+-".join("-" * width for width in widths))
    missed = [row[0] for row in RESULTS if row[4] == "MISSED"]
    report.section(
        f"\n  {len(RESULTS) - len(missed)} figures met or without target; missed: {missed or 'none'}"
    )
