"""The push channel of a server: websocket life cycle, heartbeat, reconnects, typed messages."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import (
    DataUpdateCoordinator,
    TimestampDataUpdateCoordinator,
)
from homeassistant.util import dt as dt_util

from .aioemby import (
    EmbyConnectionError,
    EmbyError,
    EmbyForbiddenError,
    EmbyMessage,
    EmbyResponseError,
    EmbyServer,
    EmbyTimeoutError,
    EmbyWebSocket,
    Feed,
    ItemCounts,
    LibraryChangedMessage,
    RestartRequiredMessage,
    ServerRestartingMessage,
    ServerShuttingDownMessage,
    Session,
    SessionsMessage,
    backoff,
)
from .connection import EmbyConnection
from .const import (
    LOGGER,
    PUSH_HEARTBEAT,
    PUSH_REFUSED_MAX_DELAY,
    PUSH_REFUSED_MIN_DELAY,
    PUSH_STABLE_AFTER,
    PUSH_STATUS_INTERVAL,
    QUICK_PROBE_TIMEOUT,
    RECONNECT_FAST_WINDOW,
    RECONNECT_MAX_DELAY,
    RECONNECT_MIN_DELAY,
    RECONNECT_WINDOW,
    STATUS_INTERVAL,
)
from .data import EmbyData, counted_sessions, same_as_shown
from .errors import EmbyUpdateFailed, ErrorReason
from .follower import EmbyFollower, StatusPoll, is_reached
from .options import EmbyOptions
from .pending import Pending
from .positions import PositionJumps


def _reconnect_delays(clock: Callable[[], float]) -> Iterator[float]:
    """Yield the delays between reconnect attempts: every second for a while, then 2, 4, 4 s."""
    fast_until = clock() + RECONNECT_FAST_WINDOW.total_seconds()
    fast = backoff(initial=RECONNECT_MIN_DELAY, maximum=RECONNECT_MIN_DELAY)
    while clock() < fast_until:
        yield next(fast)
    yield from backoff(
        initial=min(RECONNECT_MIN_DELAY * 2, RECONNECT_MAX_DELAY), maximum=RECONNECT_MAX_DELAY
    )


def _flapping_delays() -> Iterator[float]:
    """Return the delays before reopening a websocket that keeps closing right away."""
    return backoff(initial=RECONNECT_MIN_DELAY, maximum=STATUS_INTERVAL.total_seconds())


def _refused_delays() -> Iterator[float]:
    """Return the delays before asking again for a websocket that was refused."""
    return backoff(initial=PUSH_REFUSED_MIN_DELAY, maximum=PUSH_REFUSED_MAX_DELAY)


class FeedSender(Protocol):
    """Ask for a feed on the open websocket, or end it."""

    def __call__(self, feed: Feed, *, start: bool) -> None:
        """Send `<feed>Start` (start) or `<feed>Stop`."""


async def _sent(send: Awaitable[None]) -> None:
    """Send a message; a broken websocket shows in its listener, not here."""
    with suppress(EmbyConnectionError):
        await send


class EmbyPushListener(EmbyFollower):
    """Hold the websocket of one server; its dispatcher hands the messages on.

    The websocket opens once a poll reached the server and is watched by a heartbeat. After a
    loss the listener reconnects through the status coordinator's refresh; polling takes over
    while push is refused or the server stays away. Anything may follow every message with
    async_subscribe. It holds no entity state.
    """

    def __init__(
        self,
        entry: ConfigEntry,
        connection: EmbyConnection,
        *,
        status: StatusPoll,
        library: DataUpdateCoordinator[ItemCounts | None],
    ) -> None:
        """Initialize the push listener of a server entry; nothing opens before async_start."""
        super().__init__(entry, connection, status)
        self._dispatcher = EmbyPushDispatcher(
            entry,
            connection,
            status=status,
            library=library,
            on_going_down=self._async_going_down,
            on_feed=self._async_send_feed,
        )
        self._task: asyncio.Task[None] | None = None
        self._websocket: EmbyWebSocket | None = None
        self._going_down = False
        self._open_failures = 0
        self._refusals = _refused_delays()
        self._retry = Pending()
        self._retry_job = HassJob(
            self._async_retry, f"{status.name} push retry", cancel_on_shutdown=True
        )
        self._stopped = False

    @property
    def connected(self) -> bool:
        """Return whether the websocket of the server is open."""
        return self._websocket is not None and self._websocket.connected

    @callback
    def async_subscribe(
        self, on_message: Callable[[EmbyMessage], None], *, feeds: Iterable[Feed] = ()
    ) -> CALLBACK_TYPE:
        """Call on_message with every message the server pushes; return how to stop.

        Feeds (ScheduledTasksInfo, ActivityLogEntry) are asked for while a subscriber needs
        them, again on every websocket opened.
        """
        return self._dispatcher.async_subscribe(on_message, feeds=feeds)

    @callback
    def async_start(self) -> None:
        """Open push once a poll reached the server, and follow the connection until unload."""
        entry = self._entry
        entry.async_on_unload(self._async_stop)
        entry.async_on_unload(self._connection.async_add_listener(self._async_connection_changed))
        entry.async_on_unload(self._status.async_add_listener(self._async_maybe_start))
        self._async_maybe_start()

    @callback
    def _async_stop(self) -> None:
        """Open nothing any more (the push task is cancelled with the entry's tasks)."""
        self._stopped = True
        self._retry.cancel()

    @callback
    def _async_going_down(self) -> None:
        """Wait a moment before the first reconnect: the server announced it is going."""
        self._going_down = True

    @callback
    def _async_maybe_start(self) -> None:
        """Open the push channel after a poll that reached the server, unless held off."""
        if self._stopped or self.hass.is_stopping or not self._is_connected():
            return
        if self._retry.active or (self._task is not None and not self._task.done()):
            return
        self._task = self._entry.async_create_background_task(
            self.hass, self._async_run(), name=f"Push of {self._status.name}", eager_start=False
        )

    @callback
    def _async_send_feed(self, feed: Feed, *, start: bool) -> None:
        """Ask for a feed, or end it, on the open websocket (a new one asks for it anyway)."""
        if (websocket := self._websocket) is None or not websocket.connected:
            return
        send = websocket.subscribe(feed) if start else websocket.unsubscribe(feed)
        self._entry.async_create_background_task(
            self.hass, _sent(send), name=f"{feed} feed of {self._status.name}"
        )

    @callback
    def _async_retry(self, _now: datetime) -> None:
        """Ask again for a websocket that was refused."""
        self._retry.done()
        self._async_maybe_start()

    @callback
    def _async_connection_changed(self) -> None:
        """Close the websocket of a dropped connection; poll at the normal pace meanwhile."""
        if self._connection.connected:
            return
        self._dispatcher.async_set_push(up=False)
        if (websocket := self._websocket) is not None:
            self._websocket = None
            # The push task sees the channel end and asks the connection manager again.
            self._entry.async_create_background_task(
                self.hass, websocket.close(), name=f"Close the websocket of {self._status.name}"
            )

    async def _async_run(self) -> None:
        """Hold the websocket of the server; after a loss, reconnect through the manager."""
        loop = self.hass.loop
        flapping = _flapping_delays()
        quick_ends = 0
        while True:
            announced = self._going_down
            if (failures := await self._async_reconnect()) is None:
                return
            if failures or announced:
                # The server was away: the websocket did not close on its own.
                quick_ends = 0
            if quick_ends > 1:
                # Opened and closed at once, again: a proxy or the server drops it.
                await asyncio.sleep(next(flapping))
                if not self._is_connected():
                    continue
            opened_at = loop.time()
            if not await self._async_listen():
                return
            if loop.time() - opened_at < PUSH_STABLE_AFTER.total_seconds():
                quick_ends += 1
            else:
                quick_ends = 0
                flapping = _flapping_delays()

    async def _async_reconnect(self) -> int | None:
        """Return the failed attempts once connected; None when polling is left to find it."""
        # A poll may be connecting again right now (a refused token): use what it finds.
        await self._connection.async_settled()
        if self._is_connected():
            return 0
        loop = self.hass.loop
        delays = _reconnect_delays(loop.time)
        give_up_at = loop.time() + RECONNECT_WINDOW.total_seconds()
        if self._going_down:
            # Announced: the server may answer a last time on its way down.
            await asyncio.sleep(next(delays))
        failures = 0
        while True:
            await self._status.async_refresh()
            if self._is_connected():
                self._going_down = False
                return failures
            error = self._status.last_exception
            if not isinstance(error, EmbyUpdateFailed) or not error.reason.unreachable:
                # Refused or answering nonsense: asking again every few seconds will not
                # help; the poll (or a reauth) takes it from here.
                return None
            if loop.time() >= give_up_at:
                LOGGER.debug(
                    "Emby server %s is still unreachable; polling every %s",
                    self._entry.title,
                    STATUS_INTERVAL,
                )
                return None
            failures += 1
            await asyncio.sleep(next(delays))

    async def _async_listen(self) -> bool:
        """Hold one websocket until it ends; return False when push is refused for now."""
        connection = self._connection
        if (result := connection.result) is None:
            return True
        server = connection.client
        websocket = self._websocket = EmbyWebSocket(
            url=result.address,
            access_token=result.access_token,
            device_id=connection.identity.device_id,
            session=connection.manager.session,
            verify_ssl=connection.record.verify_ssl,
            heartbeat=PUSH_HEARTBEAT,
        )
        opened = False
        try:
            await websocket.connect()
            opened = True
            for feed in self._dispatcher.feeds:
                await websocket.subscribe(feed)
            self._open_failures = 0
            self._dispatcher.async_set_push(up=True)
            await websocket.listen(self._dispatcher.async_dispatch)
        except asyncio.CancelledError:
            # Unloading cancels this task, maybe mid-handshake: leave no channel open.
            await websocket.close()
            raise
        except EmbyError as err:
            # Opened, then broken while its feeds were asked for: nothing else holds it.
            await websocket.close()
            if not opened:
                self._open_failures += 1
            if not opened and (
                isinstance(err, (EmbyResponseError, EmbyForbiddenError)) or self._open_failures > 1
            ):
                # The address works for HTTP but not for websockets (a proxy, a firewall, a
                # user policy): a failed open right after a good reconnect says so too.
                self._async_refused(err)
                return False
            LOGGER.debug("The websocket of Emby server %s ended: %s", self._entry.title, err)
            if opened and isinstance(err, EmbyTimeoutError):
                await self._dispatcher.async_check_silent(server)
        finally:
            if self._websocket is websocket:
                self._websocket = None
            self._dispatcher.async_set_push(up=False)
        if opened:
            self._refusals = _refused_delays()
        # Whatever ended it (a dead server, a moved address, a refused token), the next
        # reconnect asks the connection manager, which finds out.
        connection.async_drop(server)
        return True

    @callback
    def _async_refused(self, err: EmbyError) -> None:
        """Poll only, and ask for a websocket again later (later each time)."""
        delay = next(self._refusals)
        LOGGER.debug(
            "Emby server %s refused push updates (%s); polling, asking again in %.0f s",
            self._entry.title,
            err,
            delay,
        )
        self._retry.hold(async_call_later(self.hass, delay, self._retry_job))


class EmbyPushDispatcher:
    """Hand what a server pushes to its coordinators, then to whoever subscribed.

    Sessions reach the status coordinator when what the entities show changed, or a play
    position jumped (a seek); an announced
    shutdown or restart, or a silent websocket whose address does not answer, marks it offline
    at once; RestartRequired asks it for a refresh and LibraryChanged the library coordinator,
    whose debouncer waits out a scan. While push is healthy the status is polled slowly.
    """

    def __init__(
        self,
        entry: ConfigEntry,
        connection: EmbyConnection,
        *,
        status: TimestampDataUpdateCoordinator[EmbyData],
        library: DataUpdateCoordinator[ItemCounts | None],
        on_going_down: CALLBACK_TYPE,
        on_feed: FeedSender,
    ) -> None:
        """Initialize the dispatcher of a server entry."""
        self._entry = entry
        self._connection = connection
        self._status = status
        self._library = library
        self._on_going_down = on_going_down
        self._on_feed = on_feed
        self._subscribers: list[Callable[[EmbyMessage], None]] = []
        self._feeds: Counter[Feed] = Counter()
        self._positions = PositionJumps()
        self._poll_due = Pending()
        self._poll_due_job = HassJob(
            self._async_poll_if_due, f"{status.name} poll pace", cancel_on_shutdown=True
        )
        entry.async_on_unload(self._poll_due.cancel)

    @property
    def feeds(self) -> list[Feed]:
        """Return the feeds some subscriber needs."""
        return list(self._feeds)

    @callback
    def async_subscribe(
        self, on_message: Callable[[EmbyMessage], None], *, feeds: Iterable[Feed] = ()
    ) -> CALLBACK_TYPE:
        """Call on_message with every message the server pushes; return how to stop."""
        feeds = tuple(feeds)
        self._subscribers.append(on_message)
        for feed in feeds:
            self._feeds[feed] += 1
            if self._feeds[feed] == 1:
                self._on_feed(feed, start=True)

        @callback
        def unsubscribe() -> None:
            self._subscribers.remove(on_message)
            for feed in feeds:
                self._feeds[feed] -= 1
                if not self._feeds[feed]:
                    del self._feeds[feed]
                    self._on_feed(feed, start=False)

        return unsubscribe

    @callback
    def async_set_push(self, *, up: bool) -> None:
        """Poll the status slowly while push is healthy, every STATUS_INTERVAL otherwise."""
        status = self._status
        interval = PUSH_STATUS_INTERVAL if up else STATUS_INTERVAL
        if status.update_interval == interval:
            return
        status.update_interval = interval
        if up and status.last_update_success and status.data is not None:
            # What the last poll read is current: count the slow interval from now.
            status.async_set_updated_data(status.data)

    @callback
    def async_dispatch(self, message: EmbyMessage) -> None:
        """Take one pushed message: tell the coordinators, then the subscribers."""
        reached = is_reached(self._connection, self._status)
        match message:
            case SessionsMessage(sessions=sessions) if reached:
                self._async_sessions(sessions)
            case ServerShuttingDownMessage() | ServerRestartingMessage():
                self._async_going_down(restarting=isinstance(message, ServerRestartingMessage))
            case RestartRequiredMessage() if reached:
                self._async_request_refresh(self._status)
            case LibraryChangedMessage() if reached:
                self._async_request_refresh(self._library)
            case _:
                pass
        for on_message in list(self._subscribers):
            on_message(message)

    @callback
    def _async_request_refresh(self, coordinator: DataUpdateCoordinator[Any]) -> None:
        """Ask a coordinator for a refresh (its debouncer decides when)."""
        self._entry.async_create_task(
            coordinator.hass, coordinator.async_request_refresh(), eager_start=True
        )

    @callback
    def _async_sessions(self, sessions: list[Session]) -> None:
        """Show pushed sessions when what the entities show of them changed."""
        status = self._status
        if (data := status.data) is None or data.sessions is None:
            # The user may not list sessions: none are shown.
            return
        sessions = counted_sessions(
            sessions,
            self._connection.identity.device_id,
            EmbyOptions.from_entry(self._entry).counts,
        )
        jumped = self._positions.jumped(sessions, dt_util.utcnow())
        if not jumped and same_as_shown(sessions, data.sessions):
            # Only play positions moved on as playing moves them: the players' progress bars
            # follow on their own (subscribers get every message).
            return
        status.async_set_updated_data(replace(data, sessions=sessions))
        # Setting the data postponed the coordinator's poll by a whole period: System/Info is
        # still read one period after the last poll, so a server whose HTTP breaks while its
        # websocket stays open is seen within that period.
        self._poll_due.cancel()
        if (wait := self._until_poll_due()) is not None:
            self._poll_due.hold(async_call_later(status.hass, wait, self._poll_due_job))

    def _until_poll_due(self) -> float | None:
        """Return the seconds until a period has passed since the last poll (None: unknown)."""
        status = self._status
        read_at, interval = status.last_update_success_time, status.update_interval
        if read_at is None or interval is None:
            return None
        return max((read_at + interval - dt_util.utcnow()).total_seconds(), 0.0)

    @callback
    def _async_poll_if_due(self, _now: datetime) -> None:
        """Poll unless the coordinator polled since the push that postponed it."""
        self._poll_due.done()
        if self._until_poll_due() == 0:
            self._async_request_refresh(self._status)

    async def async_check_silent(self, server: EmbyServer | None) -> None:
        """After a silent websocket, probe the address once: no answer shows offline at once."""
        if await self._connection.async_probe(QUICK_PROBE_TIMEOUT):
            return
        self._connection.async_drop(server)
        self._status.async_set_update_error(
            EmbyUpdateFailed(ErrorReason.CANNOT_CONNECT, name=self._entry.title)
        )

    @callback
    def _async_going_down(self, *, restarting: bool) -> None:
        """Mark the server offline at once; the listener gets it back when it answers."""
        self._on_going_down()
        self._connection.async_drop()
        reason = ErrorReason.SERVER_RESTARTING if restarting else ErrorReason.SERVER_SHUTTING_DOWN
        self._status.async_set_update_error(EmbyUpdateFailed(reason, name=self._entry.title))
