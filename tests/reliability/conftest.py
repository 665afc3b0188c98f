"""The real stack for reliability tests: Home Assistant, the integration, aioemby, the simulator.

Nothing is mocked between Home Assistant and the simulator: entries are added through the real
config flow, and the integration talks to the simulator over loopback with Home Assistant's own
aiohttp session. Home Assistant's wall clock is frozen (freezegun) while the event loop keeps
real time: request timeouts, probe staggering and push reconnects happen for real, and
`Stack.advance` travels in time by running Home Assistant's own timers (polls, retries) early.
The library's timeouts are shortened so that a hanging server costs half a second, not ten.

The long soak is marked `slow` and runs only with EMBY_SLOW=1 (pytest only honours
pytest_addoption in the top-level conftest).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
import functools
import gc
import json
import logging
import os
from pathlib import Path
import time
import traceback
from typing import Any, Protocol
from unittest.mock import patch

from aiohttp import web
import freezegun
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    event as event_helper,
    instance_id,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import DATA_CLIENTSESSION
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    get_scheduled_timer_handles,
)

from custom_components.emby_connect import (
    account as account_module,
    coordinator as coordinator_module,
)
from custom_components.emby_connect.aioemby import (
    ConnectionManager,
    EmbyConnect,
    EmbyServer,
    manager as manager_module,
)
from custom_components.emby_connect.const import (
    AUTH_METHOD_MANUAL,
    CONF_ACCESS_TOKEN,
    CONF_ADVANCED,
    CONF_AUTH_METHOD,
    CONF_CONNECT_URL,
    CONF_SERVER,
    CONF_SYSTEM_ID,
    CONF_USER_ID,
    DOMAIN,
)
from custom_components.emby_connect.diagnostics import async_get_config_entry_diagnostics
from embysim import EmbySimulator, SimConnectUser, SimServer, SimUser
from embysim.records import secrets_in

RELIABILITY_DIR = Path(__file__).parent
SLOW = os.environ.get("EMBY_SLOW", "") not in {"", "0"}

# Short enough that a hanging server costs little real time, and still a hundred times what a
# request over loopback takes on a busy two-core CI machine.
SHORT_TIMEOUT = 0.3
# What a timer starts (a poll, a retried setup) must end within this much real time.
TASK_LIMIT = 10.0
# Home Assistant spreads poll timers over up to 0.5 s past the interval.
TIMER_SLACK = 0.5

CONNECT_NAME = "alice"
CONNECT_PASSWORD = "connect-password-3f9a7c1e5b"
ADMIN_NAME = "admin"
ADMIN_PASSWORD = "admin-password-8d2e6b4f1a"

# Loggers of the simulator's side of the wire: the server logs what it received, secrets
# included, as a real server's access log would. Home Assistant's side is everything else.
SERVER_SIDE_LOGGERS = ("embysim", "aiohttp.server", "aiohttp.access", "aiohttp.web")

# freezegun swaps every module attribute that is time.monotonic when it starts; a partial of
# clock_gettime is not one of them, so this stays the real clock.
real_monotonic = functools.partial(time.clock_gettime, time.CLOCK_MONOTONIC)


# Figures the tests record, printed at the end of the run (fault matrix, fuzzing, soak, secrets).
REPORT: dict[str, list[str]] = {}


def report(section: str, line: str) -> None:
    """Record one line for the summary at the end of the run."""
    REPORT.setdefault(section, []).append(line)


# Outcome and real time of each row of the fault matrix.
ROWS: dict[str, tuple[str, float]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note how each row of the fault matrix ended."""
    if "test_fault_matrix.py::" not in report.nodeid:
        return
    name = report.nodeid.split("::", 1)[1]
    if report.when == "call" or (report.when == "setup" and not report.passed):
        ROWS[name] = (report.outcome, report.duration)
    elif report.when == "teardown" and report.failed:
        ROWS[name] = ("failed at teardown", ROWS.get(name, ("", 0.0))[1])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures of the reliability tests."""
    if not REPORT and not ROWS:
        return
    terminalreporter.section("reliability figures")
    if ROWS:
        outcomes = [outcome for outcome, _ in ROWS.values()]
        terminalreporter.write_line(
            f"fault matrix rows: {len(ROWS)}, passed {outcomes.count('passed')}, "
            f"real time {sum(duration for _, duration in ROWS.values()):.1f} s"
        )
        for name, (outcome, duration) in ROWS.items():
            terminalreporter.write_line(f"  {name}: {outcome} ({duration:.2f} s)")
    for section, lines in REPORT.items():
        terminalreporter.write_line(f"{section}:")
        for line in lines:
            terminalreporter.write_line(f"  {line}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the slow reliability tests unless EMBY_SLOW=1."""
    if SLOW:
        return
    skip = pytest.mark.skip(reason="slow: set EMBY_SLOW=1 to run it")
    for item in items:
        if RELIABILITY_DIR in Path(str(item.path)).parents and item.get_closest_marker("slow"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/emby_connect."""


@pytest.fixture(autouse=True)
def short_timeouts() -> Iterator[None]:
    """Shorten every timeout of aioemby (probes, requests, Emby Connect) for the tests."""
    with (
        patch.object(manager_module, "LOCAL_PROBE_TIMEOUT", SHORT_TIMEOUT),
        patch.object(manager_module, "REMOTE_PROBE_TIMEOUT", SHORT_TIMEOUT),
        patch.dict(ConnectionManager.__init__.__kwdefaults__, {"request_timeout": SHORT_TIMEOUT}),
        patch.dict(EmbyServer.__init__.__kwdefaults__, {"request_timeout": SHORT_TIMEOUT}),
        patch.dict(EmbyConnect.__init__.__kwdefaults__, {"request_timeout": SHORT_TIMEOUT}),
    ):
        yield


@pytest.fixture
async def clock() -> AsyncIterator[FrozenDateTimeFactory]:
    """Freeze Home Assistant's wall clock; the event loop keeps real monotonic time."""
    loop = asyncio.get_running_loop()
    with freezegun.freeze_time("2026-11-29 12:00:00") as frozen:
        # Home Assistant binds time.monotonic (frozen now) as the loop's clock: unbind it.
        frozen_loop_time = loop.time
        loop.time = real_monotonic  # type: ignore[method-assign]
        try:
            yield frozen
        finally:
            loop.time = frozen_loop_time  # type: ignore[method-assign]


def open_sockets() -> int:
    """Return how many sockets this process holds open (client and simulator sides)."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if str(fd.readlink()).startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def _simulator_side(task: asyncio.Task[Any]) -> bool:
    """Return whether a task serves the simulator's side of a connection."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None)
    filename = code.co_filename if code is not None else ""
    qualname = getattr(coro, "__qualname__", "")
    return qualname.startswith("RequestHandler.") or f"{os.sep}embysim{os.sep}" in filename


# The modules of the integration's coordinators: a task running their code is refreshing.
_UPDATE_FILES = frozenset(
    Path(module.__file__ or "").resolve() for module in (coordinator_module, account_module)
)


def _in_update(task: asyncio.Task[Any]) -> bool:
    """Return whether a task is inside a coordinator's update (or waits for one)."""
    if task.done():
        return False
    return any(
        Path(entry.frame.f_code.co_filename).resolve() in _UPDATE_FILES
        for entry in asyncio.capture_call_graph(task).call_stack
    )


def rss_bytes() -> int:
    """Return the resident memory of this process."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, kw_only=True)
class Resources:
    """What the process holds at one moment.

    Push channels come and go with the servers (one websocket per reachable server, with its
    tasks), so growth is judged on what is held beside them: `other_tasks`, `held_sockets`
    and `requests_in_flight`.
    """

    tasks: int
    push_tasks: int
    websockets: int
    sockets: int
    idle_connections: int
    connections_in_use: int
    rss: int
    objects: int

    @property
    def other_tasks(self) -> int:
        """Return Home Assistant's tasks beside those of push channels."""
        return self.tasks - self.push_tasks

    @property
    def held_sockets(self) -> int:
        """Return sockets open beyond the keep-alive pool and the websockets (both ends)."""
        return self.sockets - 2 * (self.idle_connections + self.websockets)

    @property
    def requests_in_flight(self) -> int:
        """Return the connections a request holds (those of websockets aside)."""
        return self.connections_in_use - self.websockets


def _push_task(task: asyncio.Task[Any]) -> bool:
    """Return whether a task belongs to a push channel (its reader, keepalive or ping)."""
    name = task.get_name()
    return name.startswith("Push of ") or name.endswith("(websocket)")


@dataclass
class Stack:
    """Home Assistant with the real integration, and the simulator it talks to."""

    hass: HomeAssistant
    sim: EmbySimulator
    clock: FrozenDateTimeFactory
    caplog: pytest.LogCaptureFixture
    user: SimConnectUser
    # Home Assistant's DeviceId: servers list its own session, which no figure counts.
    device_id: str = ""
    admins: dict[str, SimUser] = field(default_factory=dict)
    simulated: float = 0.0
    # Every secret seen so far: the simulator forgets revoked Emby Connect tokens.
    secrets: set[str] = field(default_factory=set)
    connect_secrets: set[str] = field(default_factory=set)
    _due: dict[int, tuple[asyncio.TimerHandle, float]] = field(default_factory=dict)

    # -- the world ---------------------------------------------------------------------------

    async def add_server(
        self, name: str, *, link: bool = True, https: bool = False, base_path: str = ""
    ) -> SimServer:
        """Add a server with an admin user (linked to the Connect account) and some sessions."""
        server = await self.sim.add_server(name=name, https=https, base_path=base_path)
        admin = self.admins[server.system_id] = server.add_user(
            ADMIN_NAME, ADMIN_PASSWORD, is_admin=True
        )
        server.play(user=admin, item_name="Big Buck Bunny")
        server.play(user=admin, item_name="Sintel", paused=True, transcoding=True)
        server.add_idle_session(user=admin)
        server.counts.update(MovieCount=42, SeriesCount=7, EpisodeCount=311)
        if link:
            self.sim.link(self.user, server, local_user=admin)
        return server

    # -- entries through the real config flow --------------------------------------------------

    async def add_connect_entries(self, *servers: SimServer) -> list[ConfigEntry]:
        """Sign in to Emby Connect in the config flow and add these servers of the account."""
        flow = self.hass.config_entries.flow
        result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await flow.async_configure(result["flow_id"], {"next_step_id": "connect"})
        result = await flow.async_configure(
            result["flow_id"],
            {
                CONF_USERNAME: self.user.name,
                CONF_PASSWORD: self.user.password,
                CONF_ADVANCED: {CONF_CONNECT_URL: self.sim.connect_url},
            },
        )
        if result["type"] is FlowResultType.FORM:
            assert result["step_id"] == "select_server"
            result = await flow.async_configure(
                result["flow_id"], {CONF_SERVER: servers[0].system_id}
            )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        entries = [result["result"]]
        await self.hass.async_block_till_done()
        entries.extend([await self._confirm_discovered(server) for server in servers[1:]])
        return entries

    async def _confirm_discovered(self, server: SimServer) -> ConfigEntry:
        """Add a server that the sign-in offered as discovered."""
        flow = self.hass.config_entries.flow
        for progress in flow.async_progress_by_handler(DOMAIN):
            if progress["context"].get("unique_id") == server.system_id:
                result = await flow.async_configure(progress["flow_id"], {})
                assert result["type"] is FlowResultType.CREATE_ENTRY, result
                await self.hass.async_block_till_done()
                return result["result"]
        pytest.fail(f"{server.name} was not offered as discovered")

    async def add_manual_entry(
        self, server: SimServer, *, url: str | None = None, verify_ssl: bool = True
    ) -> ConfigEntry:
        """Add a server by its address with its admin user in the config flow."""
        flow = self.hass.config_entries.flow
        result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await flow.async_configure(result["flow_id"], {"next_step_id": "manual"})
        result = await flow.async_configure(
            result["flow_id"],
            {
                CONF_URL: url or server.url,
                CONF_USERNAME: ADMIN_NAME,
                CONF_PASSWORD: ADMIN_PASSWORD,
                CONF_VERIFY_SSL: verify_ssl,
            },
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await self.hass.async_block_till_done()
        return result["result"]

    # -- time ----------------------------------------------------------------------------------

    async def advance(self, seconds: float, *, settle: float = 0.0) -> None:
        """Travel `seconds` ahead: run Home Assistant's timers due by then, wait for their work.

        The wall clock jumps. The event loop keeps real time, so only Home Assistant's own
        timers (polls, retries, delayed writes) are run early; asyncio's and aiohttp's (request
        timeouts, keep-alives) are left to real time, where an early run would break a request
        in flight. `settle` then lets real time pass (push reconnects, simulator latency).
        """
        self.remember_secrets()
        self.clock.tick(timedelta(seconds=seconds))
        running = asyncio.all_tasks()
        self._fire_timers(seconds)
        # Polls run as background tasks, which async_block_till_done does not wait for.
        if started := asyncio.all_tasks() - running:
            _, pending = await asyncio.wait(started, timeout=TASK_LIMIT)
            assert not pending, f"still running after {TASK_LIMIT} s: {pending}"
        await self.hass.async_block_till_done()
        await self._wait_for_refreshes()
        if settle:
            await asyncio.sleep(settle)
            await self.hass.async_block_till_done()

    async def _wait_for_refreshes(self) -> None:
        """Wait for refreshes in flight (a push reconnect starts its own) to end.

        They take real time (a probe waits for its timeout); without this, the next steps would
        let simulated minutes pass while one request is still on its way. A refresh in flight
        is a task whose call graph runs through a coordinator's module.
        """
        async with asyncio.timeout(TASK_LIMIT):
            # No event marks the end of a refresh made inside another task (a push reconnect).
            while any(_in_update(task) for task in asyncio.all_tasks()):  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    def _fire_timers(self, seconds: float) -> None:
        """Run the Home Assistant timers due within `seconds` of simulated time, in order."""
        loop = self.hass.loop
        start = self.simulated
        self.simulated += seconds
        handles = [
            handle
            for handle in get_scheduled_timer_handles(loop)
            if isinstance(handle, asyncio.TimerHandle)
            and not handle.cancelled()
            # The event loop's timers (asyncio's own objects): only Home Assistant's are run.
            and (getattr(handle._callback, "__module__", None) or "").startswith(  # noqa: SLF001
                "homeassistant."
            )
        ]
        live = {id(handle) for handle in handles}
        self._due = {key: value for key, value in self._due.items() if key in live}
        due_now: list[tuple[float, asyncio.TimerHandle]] = []
        for handle in handles:
            known = self._due.get(id(handle))
            if known is None or known[0] is not handle:
                # First seen now: its remaining real delay counts from the simulated now.
                known = self._due[id(handle)] = (handle, start + handle.when() - loop.time())
            if known[1] <= self.simulated + TIMER_SLACK:
                due_now.append((known[1], handle))
        now = dt_util.utcnow()
        # What time trackers see as "now" while the timers run (as async_fire_time_changed).
        saved = (event_helper.time_tracker_utcnow, event_helper.time_tracker_timestamp)
        event_helper.time_tracker_utcnow = lambda: now  # type: ignore[assignment]
        event_helper.time_tracker_timestamp = lambda: now.timestamp() + TIMER_SLACK  # type: ignore[assignment]
        try:
            for _, handle in sorted(due_now, key=lambda item: item[0]):
                if not handle.cancelled():
                    handle._run()  # noqa: SLF001 - an asyncio timer run ahead of its time
                    handle.cancel()
        finally:
            event_helper.time_tracker_utcnow, event_helper.time_tracker_timestamp = saved

    async def polls(self, count: int, interval: float = 30.0, *, settle: float = 0.0) -> None:
        """Let `count` poll intervals pass."""
        for _ in range(count):
            await self.advance(interval, settle=settle)

    async def until(
        self,
        predicate: Callable[[], bool],
        *,
        limit: float = 600.0,
        step: float = 30.0,
        settle: float = 0.05,
        what: str = "the expected state",
    ) -> float:
        """Let simulated time pass in poll steps until predicate holds; return the time taken.

        The real settle after each step gives push (re)connects their real time, so a row
        holds whether the integration learns of a change by polling or by push.
        """
        elapsed = 0.0
        while not predicate():
            if elapsed >= limit:
                pytest.fail(f"{what} not reached within {limit:.0f} s of simulated time")
            await self.advance(step, settle=settle)
            elapsed += step
        return elapsed

    # -- what Home Assistant shows -------------------------------------------------------------

    def entity_id(self, server: SimServer, key: str) -> str:
        """Return the entity id of one of a server's entities."""
        platform = "binary_sensor" if key == "connectivity" else "sensor"
        entity_id = er.async_get(self.hass).async_get_entity_id(
            platform, DOMAIN, f"{server.system_id}_{key}"
        )
        assert entity_id is not None, f"{server.name} has no {key} entity"
        return entity_id

    def state(self, server: SimServer, key: str = "connectivity") -> str:
        """Return the state of one of a server's entities."""
        state = self.hass.states.get(self.entity_id(server, key))
        assert state is not None
        return state.state

    def truth(self, server: SimServer) -> dict[str, str]:
        """Return what the entities of a reachable server must show, from the simulator."""
        sessions = [s for s in server.sessions.values() if s.device_id != self.device_id]
        playing = [item for item in sessions if item.item_name]
        return {
            "connectivity": STATE_ON,
            "active_sessions": str(len(sessions)),
            "now_playing": str(sum(not item.paused for item in playing)),
            "paused": str(sum(item.paused for item in playing)),
            "transcoding": str(sum(item.transcoding for item in playing)),
            "movies": str(server.counts["MovieCount"]),
            "series": str(server.counts["SeriesCount"]),
            "episodes": str(server.counts["EpisodeCount"]),
            "version": server.version,
        }

    def shown(self, server: SimServer) -> dict[str, str]:
        """Return what the entities of a server show, for the keys of truth()."""
        return {key: self.state(server, key) for key in self.truth(server)}

    def shows_truth(self, server: SimServer) -> bool:
        """Return whether the entities of a server show the simulator's truth."""
        return self.shown(server) == self.truth(server)

    def shows_lost(self, server: SimServer) -> bool:
        """Return whether a server shows as unreachable: off, its values unavailable."""
        shown = self.shown(server)
        return shown.pop("connectivity") == STATE_OFF and set(shown.values()) == {STATE_UNAVAILABLE}

    def lines(self, text: str, *, level: int = logging.NOTSET, logger: str = "") -> int:
        """Return how many log records (at level or above, of a logger) contain text."""
        package = f"custom_components.{logger}" if logger else ""
        return sum(
            record.levelno >= level
            and record.name.startswith(package)
            and text in record.getMessage()
            for record in self.caplog.records
        )

    def lost_lines(self, entry: ConfigEntry) -> int:
        """Return how many log lines said the entry's server was lost."""
        name = f"Emby server {entry.title} data"
        return sum(
            self.lines(f"{prefix} {name}", level=logging.ERROR)
            for prefix in (
                "Error fetching",
                "Error requesting",
                "Timeout fetching",
                "Authentication failed while fetching",
            )
        )

    def back_lines(self, entry: ConfigEntry) -> int:
        """Return how many log lines said the entry's server is back."""
        return self.lines(f"Fetching Emby server {entry.title} data recovered")

    def issues(self) -> list[ir.IssueEntry]:
        """Return this integration's repair issues."""
        registry = ir.async_get(self.hass)
        return [issue for (domain, _), issue in registry.issues.items() if domain == DOMAIN]

    def entries(self) -> list[ConfigEntry]:
        """Return this integration's entries."""
        return self.hass.config_entries.async_entries(DOMAIN)

    def devices(self) -> list[dr.DeviceEntry]:
        """Return the devices of this integration: the servers' and their clients'."""
        return [
            device
            for device in dr.async_get(self.hass).devices
            if any(domain == DOMAIN for domain, _ in device.identifiers)
        ]

    def server_devices(self) -> list[dr.DeviceEntry]:
        """Return the servers' devices of this integration (not the clients' hanging off them)."""
        return [device for device in self.devices() if device.via_device_id is None]

    def client_devices(self) -> list[dr.DeviceEntry]:
        """Return the clients' devices of this integration (each hangs off its server's)."""
        return [device for device in self.devices() if device.via_device_id is not None]

    def registry_entities(self) -> list[er.RegistryEntry]:
        """Return the registered entities of this integration."""
        return [
            entity
            for entity in er.async_get(self.hass).entities.values()
            if entity.platform == DOMAIN
        ]

    def reauth_flows(self) -> list[Any]:
        """Return the reauthentication flows in progress."""
        return [
            flow
            for flow in self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "reauth"
        ]

    # -- resources -----------------------------------------------------------------------------

    def resources(self) -> Resources:
        """Return the tasks, sockets, connections, memory and objects held now."""
        gc.collect()
        sessions = self.hass.data.get(DATA_CLIENTSESSION, {}).values()
        connectors = [session.connector for session in sessions if session.connector]
        tasks = [task for task in asyncio.all_tasks() if not _simulator_side(task)]
        websockets = [server.websocket_count for server in self.sim.servers]
        assert all(count <= 1 for count in websockets), f"duplicated push channels: {websockets}"
        return Resources(
            tasks=len(tasks),
            push_tasks=sum(_push_task(task) for task in tasks),
            websockets=sum(websockets),
            sockets=open_sockets(),
            idle_connections=sum(
                len(pool)
                for connector in connectors
                # aiohttp's pools: it counts them nowhere public.
                for pool in connector._conns.values()  # type: ignore[attr-defined] # noqa: SLF001
            ),
            connections_in_use=sum(
                len(connector._acquired)  # type: ignore[attr-defined] # noqa: SLF001
                for connector in connectors
            ),
            rss=rss_bytes(),
            objects=len(gc.get_objects()),
        )

    def assert_no_growth(self, before: Resources) -> Resources:
        """Fail if tasks, held sockets or requests in flight grew since `before`."""
        after = self.resources()
        assert after.other_tasks <= before.other_tasks, (before, after)
        assert after.held_sockets <= before.held_sockets, (before, after)
        assert after.requests_in_flight <= before.requests_in_flight, (before, after)
        assert after.requests_in_flight == 0, after
        return after

    async def unload_all(self) -> None:
        """Unload every entry, as Home Assistant does when it stops."""
        for entry in self.entries():
            if entry.state is ConfigEntryState.LOADED:
                assert await self.hass.config_entries.async_unload(entry.entry_id)
        await self.hass.async_block_till_done()

    # -- secrets -------------------------------------------------------------------------------

    def remember_secrets(self) -> None:
        """Add the secrets the simulator holds now to those seen so far."""
        self.secrets |= {secret for secret in self.sim.all_secrets() if secret}
        for user in self.sim.connect_users:
            self.connect_secrets |= {user.password, *self.sim.issued_connect_tokens(user)}

    async def texts_shown(self) -> list[str]:
        """Return what Home Assistant shows or writes down: logs, errors, diagnostics, issues."""
        texts: list[str] = []
        for record in self.caplog.records:
            if record.name.startswith(SERVER_SIDE_LOGGERS):
                continue
            texts.append(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                texts.append("".join(traceback.format_exception(record.exc_info[1])))
        for entry in self.entries():
            texts.append(f"{entry.title} {entry.reason} {entry.state}")
            runtime = getattr(entry, "runtime_data", None)
            for coordinator in (
                getattr(runtime, "status", None),
                getattr(runtime, "library", None),
                getattr(runtime, "account", None),
            ):
                if coordinator is not None and coordinator.last_exception is not None:
                    error = coordinator.last_exception
                    texts.extend([str(error), repr(error)])
                    texts.append("".join(traceback.format_exception(error)))
            if entry.state is ConfigEntryState.LOADED:
                diagnostics = await async_get_config_entry_diagnostics(self.hass, entry)
                texts.append(json.dumps(diagnostics, default=str))
        texts.extend(json.dumps(asdict(issue), default=str) for issue in self.issues())
        flows = self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        texts.extend(json.dumps(flow, default=str) for flow in flows)
        texts.extend(
            f"{state.state} {json.dumps(dict(state.attributes), default=str)}"
            for state in self.hass.states.async_all()
        )
        return texts

    async def assert_no_secret_shown(self) -> int:
        """Fail if any text Home Assistant shows holds a secret; return the texts checked."""
        self.remember_secrets()
        texts = await self.texts_shown()
        for text in texts:
            for secret in self.secrets:
                assert secret not in text, f"a secret is shown in: {text[:300]}"
        return len(texts)

    def assert_secrets_stayed_home(self) -> None:
        """Fail if a server or Emby Connect received a secret that is not its own."""
        self.remember_secrets()
        for server in self.sim.servers:
            own = server.own_secrets()
            for record in server.requests:
                stray = secrets_in(record, self.secrets) - own
                assert not stray, f"{server.name} received a secret of another in {record.path}"
        for record in self.sim.connect_requests:
            stray = secrets_in(record, self.secrets) - self.connect_secrets
            assert not stray, f"Emby Connect received a server secret in {record.path}"


@pytest.fixture
def simulator_tls_errors(hass: HomeAssistant) -> Iterator[None]:
    """Ignore failed TLS handshakes on the simulator's side of the socket.

    In debug mode asyncio reports a handshake the client aborted (it refused the self-signed
    certificate) to the loop's exception handler, which the hass fixture turns into a test
    error. That is the server's side; the client's side is checked by the test.
    """
    loop = hass.loop
    handler = loop.get_exception_handler()

    def _filter(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == "Error on transport creation for incoming connection":
            return
        if handler is None:
            loop.default_exception_handler(context)
        else:
            handler(loop, context)

    loop.set_exception_handler(_filter)
    yield
    loop.set_exception_handler(handler)


@pytest.fixture
async def stack(
    hass: HomeAssistant,
    emby_sim: EmbySimulator,
    clock: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Stack]:
    """Return the real stack with an Emby Connect account and no server yet."""
    caplog.set_level(logging.DEBUG)
    user = emby_sim.add_connect_user(
        name=CONNECT_NAME, email="alice@example.com", password=CONNECT_PASSWORD
    )
    built = Stack(
        hass=hass,
        sim=emby_sim,
        clock=clock,
        caplog=caplog,
        user=user,
        device_id=await instance_id.async_get(hass),
    )
    yield built
    await built.unload_all()
    # Unloaded means gone: no push channel, no request in flight, no task of the integration.
    # The simulator learns of a closed websocket a few loop turns after our side closed it.
    for _ in range(50):
        await asyncio.sleep(0.01)
        if built.resources().websockets == 0:
            break
    left = built.resources()
    assert left.websockets == 0, left
    assert left.requests_in_flight == 0, left
    integration = f"{os.sep}custom_components{os.sep}emby_connect{os.sep}"
    running = [
        task
        for task in asyncio.all_tasks()
        if integration in getattr(getattr(task.get_coro(), "cr_code", None), "co_filename", "")
    ]
    assert not running, running


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Run without asyncio's debug mode: it captures a stack trace for every callback.

    These tests run hours of simulated time; the rest of the suite keeps debug mode on.
    """
    asyncio.get_running_loop().set_debug(False)


def emby_path(path: str) -> str:
    """Return the API path of a request: Emby serves every path below /emby as well."""
    return path[len("/emby") :] if path.lower().startswith("/emby/") else path


async def set_up_manual_entry(
    hass: HomeAssistant, *, title: str, system_id: str, url: str, user_id: str, token: str
) -> MockConfigEntry:
    """Add an entry of a server added by address with alice signed in, and set it up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=system_id,
        data={
            CONF_AUTH_METHOD: AUTH_METHOD_MANUAL,
            CONF_SYSTEM_ID: system_id,
            CONF_URL: url,
            CONF_VERIFY_SSL: True,
            CONF_USERNAME: "alice",
            CONF_USER_ID: user_id,
            CONF_ACCESS_TOKEN: token,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


class LoopbackServer(Protocol):
    """A test server: one handler for every path, told the base URL it is served on."""

    url: str

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Answer any request."""


@asynccontextmanager
async def serve_on_loopback[Server: LoopbackServer](server: Server) -> AsyncIterator[Server]:
    """Serve every path with the server's handler on 127.0.0.1; yield it, its URL set."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.dispatch)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        yield server
    finally:
        await runner.cleanup()
