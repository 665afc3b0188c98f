"""The connection manager: find the right address of a server and sign in there."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import ipaddress
import logging

from aiohttp import ClientSession
from yarl import URL

from ._http import address_key, parse_address
from .exceptions import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyCertificateError,
    EmbyConnectionError,
    EmbyError,
    EmbyServerMismatchError,
    EmbyTimeoutError,
)
from .models import ClientIdentity, ConnectionMode, ConnectionResult, PublicSystemInfo, ServerRecord
from .server import EmbyServer
from .support import check_supported

_LOGGER = logging.getLogger(__package__)

# Probes race (below), so a long local timeout never delays a working remote address; it only
# decides how long a LAN-only server may take to answer. On a LAN the answer comes in
# milliseconds; 5 s still lets a busy or just-woken machine answer, and outlasts a lost SYN and
# its first two retransmissions (Linux retries after 1 s and 3 s). (Emby's web app waits 20 s
# for every probe; a Home Assistant setup should not hang that long.)
LOCAL_PROBE_TIMEOUT = 5.0
# A remote address crosses the internet, a router's NAT and often a reverse proxy and TLS: a few
# round trips of up to a few hundred ms each, plus a server busy scanning its library. A server
# that needs more than 10 s to say who it is is unusable for polling; failing then lets Home
# Assistant retry later instead of hanging its setup (it warns about setups over 10 s).
REMOTE_PROBE_TIMEOUT = 10.0
# Host names that only resolve on a home network.
_LAN_SUFFIXES = (".local", ".lan", ".home", ".internal", ".home.arpa")
# Another server's Id is shown in messages; a hostile one must not make them huge.
_MAX_SHOWN_ID = 64


def same_system_id(first: str | None, second: str | None) -> bool:
    """Return whether two SystemIds name the same server (case and dashes do not matter)."""
    if not first or not second:
        return False
    return first.replace("-", "").lower() == second.replace("-", "").lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeSchedule:
    """When each kind of address is probed, counted from the start of a connect.

    The default is Emby's web app (connectionmanager.js, tryReconnect): the local address at
    0 ms, a manual one at +100 ms, the remote one at +200 ms, all racing. Two choices are
    this library's own and can be switched for comparison (benchmarks/connection_manager.py):
    a probe that fails (refused, 404, wrong server) starts the next waiting one at once
    instead of leaving its slot idle; and the mode that last worked may take the first slot
    (measured and left off: see the benchmark).
    """

    offsets: tuple[float, float, float] = (0.0, 0.1, 0.2)
    start_next_on_failure: bool = True
    last_mode_first: bool = False

    def order(self, last_mode: ConnectionMode | str | None) -> list[ConnectionMode]:
        """Return the modes by slot: local, manual, remote (last mode first if so set)."""
        order = [ConnectionMode.LOCAL, ConnectionMode.MANUAL, ConnectionMode.REMOTE]
        if self.last_mode_first and last_mode is not None and last_mode in order:
            # Stored data may hold the plain string ("local"): use the enum member.
            order.remove(mode := ConnectionMode(last_mode))
            order.insert(0, mode)
        return order

    def describe(self) -> str:
        """Return the schedule in words, for logs and benchmark output."""
        slots = ", ".join(
            f"{mode} +{offset * 1000:.0f} ms"
            for mode, offset in zip(self.order(None), self.offsets, strict=True)
        )
        extras = [
            "a failed probe starts the next at once" if self.start_next_on_failure else "",
            "the last mode that worked takes the first slot" if self.last_mode_first else "",
        ]
        return "; ".join([slots, *filter(None, extras)])


# What Emby's web app does, with a failed probe freeing its slot (see ProbeSchedule).
DEFAULT_SCHEDULE = ProbeSchedule()


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One address to probe, the mode it stands for and when to start it."""

    address: str
    mode: ConnectionMode
    timeout: float
    offset: float = 0.0


@dataclass(kw_only=True)
class ConnectionManager:
    """Connect to a server the way Emby's own apps do."""

    session: ClientSession
    identity: ClientIdentity
    request_timeout: float = 10.0
    schedule: ProbeSchedule = DEFAULT_SCHEDULE
    # Per address: whether it answered below /emby (see EmbyServer.emby_prefix).
    _emby_prefix: dict[tuple[str, str, int | None, str], bool] = field(
        default_factory=dict, init=False, repr=False
    )

    async def connect(self, record: ServerRecord) -> tuple[EmbyServer, ConnectionResult]:
        """Probe the candidate addresses, verify the SystemId, then exchange or reuse the token.

        Raises EmbyConnectionError when no address answered with the right Id,
        EmbyServerMismatchError when the only answers came from other servers,
        EmbyUnsupportedServerError when the server is too old or not Emby (before any secret
        is sent), EmbyAuthenticationError when the AccessKey or the token is refused.
        """
        if record.access_key:
            if not record.connect_user_id:
                message = "No Emby Connect user is stored for this server"
                raise EmbyAuthenticationError(message, source=AuthSource.CONNECT)
        elif not record.access_token:
            message = "No access token is stored for this server"
            raise EmbyAuthenticationError(message, source=AuthSource.SERVER)

        server, candidate, info = await self._race(record, candidates(record, self.schedule))
        # On every connect, as Emby's apps check each server they reach ("ServerUpdateNeeded").
        check_supported(info)

        if record.access_key and record.connect_user_id:
            # The exchanged token is only good for this connection: exchange every time.
            login = await server.exchange(record.access_key, record.connect_user_id)
            user_id, access_token = login.user_id, login.access_token
        else:
            access_token = server.access_token = record.access_token or ""
            user_id = server.user_id = record.user_id or await self._user_id_of_token(server)
        return server, ConnectionResult(
            mode=candidate.mode,
            address=server.url,
            info=info,
            user_id=user_id,
            access_token=access_token,
        )

    async def _user_id_of_token(self, server: EmbyServer) -> str:
        """Find the user a stored token belongs to (also proving the token still works)."""
        for session in await server.get_sessions(device_id=self.identity.device_id):
            if session.user_id and session.device_id == self.identity.device_id:
                return session.user_id
        _LOGGER.debug(
            "%s did not list this device's session; the user id stays unknown", server.url
        )
        return ""

    def _server(self, candidate: _Candidate, record: ServerRecord) -> EmbyServer:
        """Return a client for one candidate address on the shared session."""
        return EmbyServer(
            url=candidate.address,
            identity=self.identity,
            session=self.session,
            verify_ssl=record.verify_ssl,
            request_timeout=self.request_timeout,
            emby_prefix=self._emby_prefix.get(address_key(parse_address(candidate.address))),
        )

    def _learn_prefix(self, server: EmbyServer) -> None:
        """Remember whether the server's address answered below /emby."""
        if server.emby_prefix is not None:
            self._emby_prefix[address_key(parse_address(server.url))] = server.emby_prefix

    async def _race(
        self, record: ServerRecord, queue: list[_Candidate]
    ) -> tuple[EmbyServer, _Candidate, PublicSystemInfo]:
        """Probe the candidates on the schedule, concurrently; return the first right answer.

        Unlike the web app, which takes the first answer of any server and then checks its
        Id, only an answer with the expected SystemId wins: another server at one of the
        addresses never stops the race, and never receives this server's secrets.
        """
        if not queue:
            message = f"No address is known for server {record.system_id}"
            raise EmbyConnectionError(message)
        loop = asyncio.get_running_loop()
        running: dict[asyncio.Task[PublicSystemInfo], tuple[EmbyServer, _Candidate]] = {}
        failures: list[tuple[_Candidate, EmbyError]] = []
        mismatched: list[str] = []
        started = loop.time()
        try:
            while queue or running:
                due = started + queue[0].offset if queue else None
                if due is not None and loop.time() >= due:
                    candidate = queue.pop(0)
                    server = self._server(candidate, record)
                    task = asyncio.create_task(server.get_public_info(timeout=candidate.timeout))
                    running[task] = (server, candidate)
                    continue
                wait = max(due - loop.time(), 0) if due is not None else None
                if not running:
                    await asyncio.sleep(wait or 0)
                    continue
                done, _ = await asyncio.wait(
                    running, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                # In start order, so the better candidate wins a tie.
                for task in [task for task in running if task in done]:
                    server, candidate = running.pop(task)
                    self._learn_prefix(server)
                    try:
                        info = task.result()
                    except EmbyError as err:
                        _LOGGER.debug("Probe of %s failed: %s", candidate.address, err)
                        failures.append((candidate, err))
                    else:
                        if same_system_id(info.id, record.system_id):
                            return server, candidate, info
                        # Another server lives here: it gets no secret of this one.
                        _LOGGER.debug(
                            "%s answered as server %s, not %s",
                            candidate.address,
                            info.id[:_MAX_SHOWN_ID],
                            record.system_id,
                        )
                        mismatched.append(info.id)
                    if queue and self.schedule.start_next_on_failure:
                        # A failed probe frees its slot: the next one starts now.
                        started = loop.time() - queue[0].offset
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        error = _no_answer(record.system_id, failures, mismatched)
        # The error's traceback keeps this frame alive as long as the caller keeps the error
        # (a coordinator keeps its last one): it must not keep every probe's error with it.
        failures.clear()
        raise error


def _no_answer(
    system_id: str, failures: list[tuple[_Candidate, EmbyError]], mismatched: list[str]
) -> EmbyError:
    """Return the error for a race nobody won."""
    answered = [err for _, err in failures if not isinstance(err, EmbyConnectionError)]
    if mismatched and not answered:
        found = mismatched[0][:_MAX_SHOWN_ID]
        message = f"No address answered as server {system_id}; found server {found}"
        return EmbyServerMismatchError(message, expected_id=system_id, actual_id=mismatched[0])
    reasons = "; ".join(f"{candidate.address}: {err}" for candidate, err in failures)
    message = f"Server {system_id} could not be reached ({reasons})"
    if failures and all(isinstance(err, EmbyTimeoutError) for _, err in failures):
        return EmbyTimeoutError(message)
    if not answered and any(isinstance(err, EmbyCertificateError) for _, err in failures):
        # The server may well be there: what to change is certificate checking, not waiting.
        return EmbyCertificateError(message)
    return EmbyConnectionError(message)


def candidates(
    record: ServerRecord, schedule: ProbeSchedule = DEFAULT_SCHEDULE
) -> list[_Candidate]:
    """Return the addresses to probe in start order, each with its start offset.

    An address listed twice (local and remote the same) is probed once, in its first slot.
    """
    by_mode = {
        ConnectionMode.LOCAL: record.local_address,
        ConnectionMode.MANUAL: record.manual_address,
        ConnectionMode.REMOTE: record.remote_address,
    }
    found: list[_Candidate] = []
    seen: set[tuple[str, str, int | None, str]] = set()
    for mode, offset in zip(schedule.order(record.last_mode), schedule.offsets, strict=True):
        if not (address := by_mode[mode]):
            continue
        try:
            url = parse_address(address)
        except TypeError, ValueError:
            _LOGGER.debug("Skipping the unusable %s address %s", mode, address)
            continue
        if (key := address_key(url)) in seen:
            continue
        seen.add(key)
        found.append(_Candidate(str(url), mode, _probe_timeout(mode, url), offset))
    return found


def _probe_timeout(mode: ConnectionMode, url: URL) -> float:
    """Return the probe timeout: local for a LAN address, remote for anything farther."""
    if mode is ConnectionMode.LOCAL:
        return LOCAL_PROBE_TIMEOUT
    if mode is ConnectionMode.REMOTE:
        return REMOTE_PROBE_TIMEOUT
    # A manual address can be either: judge by its host.
    host = url.host or ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        on_lan = "." not in host or host.endswith(_LAN_SUFFIXES)
    else:
        on_lan = ip.is_private or ip.is_loopback or ip.is_link_local
    return LOCAL_PROBE_TIMEOUT if on_lan else REMOTE_PROBE_TIMEOUT
