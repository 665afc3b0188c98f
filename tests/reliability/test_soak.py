"""Soak: hours of simulated time with random faults on several servers, through the real stack.

Four servers (three through one Emby Connect account, one added by address) live through a
seeded random schedule: stops, hangs, error pages, slow answers, dead local addresses, revoked
tokens, moved addresses, Emby Connect outages, and people starting and stopping playback. At
every step two invariants hold, so nothing lies and nothing sticks for long:
- a server left alone for a while shows the simulator's truth;
- a server down for a while shows as down.
At the end every entity shows the truth, nothing is duplicated, the log says "back" once for
every "lost", and tasks, sockets, connections and memory did not grow. The figures are printed.

The short run is part of the default suite; the long one runs with EMBY_SLOW=1.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
import logging
import random

from _pytest.logging import LogCaptureHandler
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
import pytest

from custom_components.emby_connect.binary_sensor import BINARY_SENSORS
from custom_components.emby_connect.button import BUTTONS
from custom_components.emby_connect.event import EVENTS
from custom_components.emby_connect.sensor import LIBRARY_SENSORS, SENSORS
from embysim import ConnectFault, Fault, SimServer

from .conftest import Resources, Stack, report

STEP = 30.0
# A change (a fault cleared, playback started) shows within this much simulated time: the
# five-minute poll while push is healthy, a reconnect, and a margin.
SETTLE = 7 * 60.0
# A moved server is found again through Emby Connect, read at most every five minutes.
SETTLE_MOVED = 13 * 60.0
# Library counts follow a LibraryChanged push within 30 s, or the 30-minute counts poll.
SETTLE_COUNTS = 32 * 60.0
# Faults that leave a server unreachable on both addresses.
DOWN_FAULTS = [
    Fault.STOPPED,
    Fault.HANGING,
    Fault.RESET,
    Fault.HTTP_500,
    Fault.HTTP_503,
    Fault.MALFORMED_JSON,
    Fault.HTML_ERROR,
    Fault.HTML_200,
]
CONNECT_FAULTS = [
    ConnectFault.DOWN,
    ConnectFault.HANGING,
    ConnectFault.HTTP_500,
    ConnectFault.MALFORMED_JSON,
]
# Objects Python may legitimately gain over a run (caches warming up, log records kept).
OBJECT_SLACK = 0.10
# What one client device costs, kept as it should be: every client the soak invents keeps its
# player, remote, device, registry entries and last-seen record until it is stale (30 days,
# longer than the soak). Measured on the long soak: about 300 objects per client device (26
# new clients, 7,718 objects more in the second half).
OBJECTS_PER_CLIENT = 400


@dataclass
class Subject:
    """One server of the soak and what the schedule did to it."""

    server: SimServer
    entry: ConfigEntry
    connect: bool
    down_until: float = -1.0
    down_since: float = -1.0
    local_down_until: float = -1.0
    changed_at: float = 0.0
    counts_changed_at: float = -SETTLE_COUNTS
    moved_at: float = -SETTLE_MOVED
    events: list[str] = field(default_factory=list)

    def note(self, now: float, what: str) -> None:
        """Remember what happened to the server, for a failure message."""
        self.events.append(f"{now / 3600:.2f} h {what}")

    @property
    def down(self) -> bool:
        """Return whether a fault keeps the server unreachable (until it is mended)."""
        return self.down_until >= 0

    def quiet(self, now: float) -> bool:
        """Return whether nothing happened to the server long enough for it to show truth."""
        return (
            not self.down
            and self.local_down_until < 0
            and now - self.changed_at >= SETTLE
            and now - self.counts_changed_at >= SETTLE_COUNTS
            and now - self.moved_at >= SETTLE_MOVED
        )


@dataclass
class Soak:
    """The schedule: random faults and changes, and the invariants checked at each step."""

    stack: Stack
    subjects: list[Subject]
    rng: random.Random
    faults: Counter[str] = field(default_factory=Counter)
    connect_down_until: float = -1.0
    connect_back_at: float = 0.0
    checks: int = 0

    @property
    def now(self) -> float:
        """Return the simulated time."""
        return self.stack.simulated

    async def step(self, fault_rate: float) -> None:
        """Mend what is due, maybe break or change something, let 30 s pass, check."""
        await self._mend()
        if self.rng.random() < fault_rate:
            await self._inject()
        if self.rng.random() < fault_rate:
            self._change_truth()
        await self.stack.advance(STEP)
        self.check()

    async def _mend(self) -> None:
        """End the faults whose time is up."""
        now = self.now
        for subject in self.subjects:
            server = subject.server
            if 0 <= subject.down_until <= now:
                subject.note(now, "mended")
                subject.down_until = subject.down_since = -1.0
                subject.changed_at = now
                if not server.running:
                    await server.start()
                server.fault = Fault.NONE
                server.latency = 0.0
            if 0 <= subject.local_down_until <= now:
                subject.note(now, "local address mended")
                subject.local_down_until = -1.0
                subject.changed_at = now
                server.local.fault = Fault.NONE
        if 0 <= self.connect_down_until <= now:
            self.connect_down_until = -1.0
            self.connect_back_at = now
            self.stack.sim.connect_fault = ConnectFault.NONE

    async def _inject(self) -> None:
        """Break one thing, for a random while."""
        subject = self.rng.choice(self.subjects)
        kind = self.rng.choice(
            ["down", "down", "down", "slow", "local down", "revoke", "move", "connect"]
        )
        if kind == "connect":
            self._break_connect()
        elif subject.down or subject.local_down_until >= 0:
            return
        elif kind in {"down", "slow"}:
            await self._take_down(subject, slow=kind == "slow")
        elif kind == "local down":
            self._take_local_down(subject)
        elif subject.connect:
            await self._revoke_or_move(subject, move=kind == "move")

    def _break_connect(self) -> None:
        """Make Emby Connect fail for 10 to 90 minutes (not while a moved server is sought)."""
        now = self.now
        if self.connect_down_until >= 0 or any(
            now - item.moved_at < SETTLE_MOVED for item in self.subjects
        ):
            return
        fault = self.rng.choice(CONNECT_FAULTS)
        self.stack.sim.connect_fault = fault
        self.connect_down_until = now + self.rng.uniform(10, 90) * 60
        for item in self.subjects:
            item.note(now, f"Emby Connect {fault}")
        self.faults[f"Emby Connect {fault}"] += 1

    async def _take_down(self, subject: Subject, *, slow: bool) -> None:
        """Make a server unreachable on both addresses: stopped, broken, or too slow."""
        now, server = self.now, subject.server
        minutes = self.rng.uniform(1, 25)
        fault: str
        if slow:
            server.latency = 1.0
            fault = "slower than the timeouts"
        elif (fault := self.rng.choice([*DOWN_FAULTS, "stop"])) == "stop":
            await server.stop(self.rng.choice(["ServerShuttingDown", "ServerRestarting"]))
        else:
            server.fault = fault
        if slow or fault == Fault.HANGING:
            # Every probe of a hanging or slow server waits for its timeout in real time.
            minutes = min(minutes, 3)
        subject.down_until = now + minutes * 60
        subject.down_since = now
        subject.note(now, f"{fault} for {minutes:.1f} min")
        self.faults[f"server {fault}"] += 1

    def _take_local_down(self, subject: Subject) -> None:
        """Break the local address only: the remote one must take over."""
        now, server = self.now, subject.server
        server.local.fault = self.rng.choice([Fault.STOPPED, Fault.HTTP_503, Fault.RESET])
        subject.local_down_until = now + self.rng.uniform(1, 25) * 60
        subject.changed_at = now
        subject.note(now, f"local {server.local.fault}")
        self.faults["local address down (remote works)"] += 1

    async def _revoke_or_move(self, subject: Subject, *, move: bool) -> None:
        """Revoke the tokens of a Connect server, or move it (while Emby Connect works)."""
        now, server = self.now, subject.server
        if not move:
            server.revoke_tokens()
            subject.changed_at = now
            subject.note(now, "tokens revoked")
            self.faults["tokens revoked"] += 1
            return
        if self.connect_down_until >= 0 or now - self.connect_back_at < SETTLE:
            return
        await server.move()
        subject.moved_at = subject.changed_at = now
        subject.note(now, "moved")
        self.faults["server moved"] += 1

    def _change_truth(self) -> None:
        """Let people play, pause and stop things, or a library scan change the counts."""
        subject = self.rng.choice(self.subjects)
        server = subject.server
        now = self.now
        admin = self.stack.admins[server.system_id]
        sessions = list(server.sessions.values())
        action = self.rng.choice(["play", "stop", "pause", "counts"])
        if action == "play" or not sessions:
            server.play(user=admin, item_name=f"Film {self.rng.randrange(1000)}")
        elif action == "stop":
            server.remove_session(self.rng.choice(sessions).id)
        elif action == "pause":
            playing = [item for item in sessions if item.item_name]
            if playing:
                server.pause(self.rng.choice(playing).id, paused=self.rng.random() < 0.5)
        else:
            server.counts["MovieCount"] += self.rng.randrange(1, 5)
            server.library_changed()
            subject.counts_changed_at = now
            self.faults["library changed"] += 1
            return
        subject.changed_at = now
        self.faults["playback changed"] += 1

    def check(self) -> None:
        """Fail if a quiet server does not show its truth, or a long-down one shows up."""
        now = self.now
        for subject in self.subjects:
            server = subject.server
            if subject.quiet(now):
                shown, truth = self.stack.shown(server), self.stack.truth(server)
                assert shown == truth, (
                    f"{now / 3600:.2f} h: {server.name} stuck: {shown} after {subject.events}"
                )
                self.checks += 1
            elif subject.down and now - subject.down_since >= SETTLE:
                assert self.stack.shows_lost(server), (
                    f"{now / 3600:.2f} h: {server.name} shows {self.stack.shown(server)} "
                    f"after {subject.events}"
                )
                self.checks += 1

    async def mend_everything(self) -> None:
        """End every fault now."""
        for subject in self.subjects:
            subject.down_until = (
                min(subject.down_until, self.now) if subject.down_until >= 0 else -1
            )
            subject.local_down_until = (
                min(subject.local_down_until, self.now) if subject.local_down_until >= 0 else -1
            )
        if self.connect_down_until >= 0:
            self.connect_down_until = self.now
        await self._mend()


async def _world(stack: Stack) -> list[Subject]:
    """Add three servers through Emby Connect and one by address."""
    connect_servers = [
        await stack.add_server(name) for name in ("Living Room", "Basement", "Cottage")
    ]
    manual_server = await stack.add_server("Office", link=False)
    entries = await stack.add_connect_entries(*connect_servers)
    manual_entry = await stack.add_manual_entry(manual_server)
    subjects = [
        Subject(server=server, entry=entry, connect=True)
        for server, entry in zip(connect_servers, entries, strict=True)
    ]
    subjects.append(Subject(server=manual_server, entry=manual_entry, connect=False))
    return subjects


def _forget_records(stack: Stack) -> None:
    """Drop what the simulator and the log capture recorded (test memory, not the product's)."""
    stack.remember_secrets()
    for server in stack.sim.servers:
        server.requests.clear()
    stack.sim.connect_requests.clear()
    # The caplog handler and the one pytest keeps for the report both hold every record.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LogCaptureHandler):
            handler.reset()


async def run_soak(stack: Stack, *, hours: float, fault_rate: float, seed: int) -> None:
    """Run the soak in two halves, check each, and print what it left behind.

    Resources are compared at three calm points (every fault mended, every server showing
    the truth): before, after the first half, after the second. State that is bounded (the
    last error of each coordinator, a pooled connection per address) may appear in the first
    half; a leak keeps growing in the second.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Hours of debug records would be kept in memory; info is what a person reads anyway.
    stack.caplog.set_level(logging.INFO)
    subjects = await _world(stack)
    for subject in subjects:
        await stack.until(lambda s=subject.server: stack.shows_truth(s), what="a first truth")
    await stack.polls(4)
    for subject in subjects:
        subject.changed_at = stack.simulated
    soak = Soak(stack, subjects, random.Random(seed))  # noqa: S311 - a reproducible schedule
    await stack.assert_no_secret_shown()
    stack.assert_secrets_stayed_home()
    _forget_records(stack)
    calm = [stack.resources()]
    clients = [len(stack.client_devices())]
    lost = requests = 0
    for _ in range(2):
        for _ in range(int(hours * 3600 / STEP / 2)):
            await soak.step(fault_rate)
        await soak.mend_everything()
        await stack.until(
            lambda: all(stack.shows_truth(subject.server) for subject in subjects),
            limit=SETTLE_MOVED,
            what="every server showing the truth after the faults",
        )
        await stack.polls(4)
        lost += _check_calm(stack, subjects)
        requests += sum(len(subject.server.requests) for subject in subjects)
        # The simulator's and the log's records are the test's memory, not the product's.
        _forget_records(stack)
        calm.append(stack.resources())
        clients.append(len(stack.client_devices()))

    before, half, after = calm
    for earlier, later in ((before, after), (half, after)):
        assert later.other_tasks <= earlier.other_tasks, (earlier, later)
        assert later.held_sockets <= earlier.held_sockets, (earlier, later)
        assert later.requests_in_flight <= earlier.requests_in_flight, (earlier, later)
    # A leak grows in the second half beyond what its new client devices hold.
    kept_for_clients = OBJECTS_PER_CLIENT * (clients[2] - clients[1])
    assert after.objects <= half.objects * (1 + OBJECT_SLACK) + kept_for_clients, (
        half,
        after,
        clients,
    )
    _report(
        hours,
        soak,
        lost=lost,
        requests=requests,
        calm=calm,
        real=loop.time() - started,
        clients=clients,
    )


def _check_calm(stack: Stack, subjects: list[Subject]) -> int:
    """Check a calm point: truth, nothing duplicated, balanced log; return the losses logged."""
    for subject in subjects:
        assert stack.shows_truth(subject.server)
        assert subject.entry.state is ConfigEntryState.LOADED
    assert len(stack.entries()) == len(subjects)
    assert len(stack.server_devices()) == len(subjects)
    entities = stack.registry_entities()
    # The servers' own entities (every simulated server is administered, can restart itself
    # and reports Wake-on-LAN info); the clients' players and remotes come and stay with them.
    server_entities = [
        item
        for item in entities
        if item.domain in {"sensor", "binary_sensor", "button", "update", "event"}
    ]
    # Administered: the library scan sensor and the server's update entity as well.
    assert len(server_entities) == len(subjects) * (
        len(SENSORS) + len(LIBRARY_SENSORS) + len(BINARY_SENSORS) + len(BUTTONS) + 2 + len(EVENTS)
    )
    assert len({entity.entity_id for entity in entities}) == len(entities)
    assert len({entity.unique_id for entity in entities}) == len(entities)
    # A client on two servers (the same browser, say) has a player on each: "_2" is theirs.
    assert not [item.entity_id for item in server_entities if item.entity_id.endswith("_2")]
    assert not stack.reauth_flows()
    assert not stack.issues()
    # The log said "back" once for every "lost", and nothing unexpected.
    lost = sum(stack.lost_lines(subject.entry) for subject in subjects)
    assert lost == sum(stack.back_lines(subject.entry) for subject in subjects)
    assert not stack.lines("Unexpected error")
    stack.assert_secrets_stayed_home()
    return lost


def _report(
    hours: float,
    soak: Soak,
    *,
    lost: int,
    requests: int,
    calm: list[Resources],
    real: float,
    clients: list[int],
) -> None:
    """Print the figures of a soak run."""
    section = f"soak ({hours:g} simulated hours, {len(soak.subjects)} servers)"
    faults = {kind: count for kind, count in soak.faults.items() if "changed" not in kind}
    changes = {kind: count for kind, count in soak.faults.items() if "changed" in kind}
    report(section, f"real time {real:.1f} s; requests served {requests}; checks {soak.checks}")
    report(
        section,
        f"faults injected {sum(faults.values())}: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(faults.items())),
    )
    report(
        section,
        "truth changes: " + ", ".join(f"{kind} {count}" for kind, count in sorted(changes.items())),
    )
    report(section, f"losses logged {lost}, recoveries logged {lost}, nothing lost at the end")
    for name, figure in (
        ("tasks (besides push channels)", lambda item: item.other_tasks),
        ("push channels open", lambda item: item.websockets),
        ("sockets (besides pool and websockets)", lambda item: item.held_sockets),
        ("requests in flight", lambda item: item.requests_in_flight),
        ("memory (MiB)", lambda item: round(item.rss / 2**20, 1)),
        ("gc objects", lambda item: item.objects),
    ):
        report(section, f"{name} before / half / end: " + " / ".join(str(figure(r)) for r in calm))
    report(section, "client devices before / half / end: " + " / ".join(map(str, clients)))


async def test_soak_short(stack: Stack) -> None:
    """Two simulated hours with frequent faults, in the default suite."""
    await run_soak(stack, hours=2, fault_rate=0.06, seed=20261129)


@pytest.mark.slow
async def test_soak_long(stack: Stack) -> None:
    """A simulated day and a half with faults all along (EMBY_SLOW=1)."""
    await run_soak(stack, hours=36, fault_rate=0.05, seed=5150)
