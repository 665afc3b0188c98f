"""Coordinators of Emby Connect: one per server entry, one shared per Emby Connect account."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import override

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import (
    device_registry as dr,
    discovery_flow,
    issue_registry as ir,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .aioemby import (
    ClientIdentity,
    ConnectionManager,
    ConnectionMode,
    ConnectionResult,
    ConnectLogin,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyConnect,
    EmbyConnectionError,
    EmbyError,
    EmbyForbiddenError,
    EmbyMessage,
    EmbyResponseError,
    EmbyServer,
    EmbyServerMismatchError,
    EmbyWebSocket,
    ItemCounts,
    LibraryChangedMessage,
    PublicSystemInfo,
    RestartRequiredMessage,
    ServerRecord,
    ServerRestartingMessage,
    ServerShuttingDownMessage,
    Session,
    SessionsMessage,
    SystemInfo,
    backoff,
)
from .const import (
    AUTH_METHOD_CONNECT,
    CONF_ACCESS_KEY,
    CONF_ACCESS_TOKEN,
    CONF_AUTH_METHOD,
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_USERNAME,
    CONF_LAST_MODE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_USER_ID,
    CONNECT_INTERVAL,
    CONNECT_MIN_INTERVAL,
    COUNTS_INTERVAL,
    DOMAIN,
    LIBRARY_CHANGED_DELAY,
    LOGGER,
    PUSH_REFUSED_MAX_DELAY,
    PUSH_REFUSED_MIN_DELAY,
    PUSH_STABLE_AFTER,
    PUSH_STATUS_INTERVAL,
    RECONNECT_MAX_DELAY,
    RECONNECT_MIN_DELAY,
    RECONNECT_WINDOW,
    STATUS_INTERVAL,
)
from .entry_data import connect_discovery, connect_server_data, entry_system_id
from .helpers import async_connect_client

type EmbyConfigEntry = ConfigEntry[EmbyRuntimeData]
type AccountKey = tuple[str, str]

DATA_ACCOUNTS: HassKey[dict[AccountKey, EmbyConnectCoordinator]] = HassKey(DOMAIN)


@dataclass(frozen=True, kw_only=True)
class EmbyData:
    """What one poll of a server found; None where the user may not read it."""

    mode: ConnectionMode
    address: str
    public_info: PublicSystemInfo
    system_info: SystemInfo | None
    sessions: list[Session] | None
    counts: ItemCounts | None

    @property
    def server_name(self) -> str:
        """Return the name the server gives itself."""
        if self.system_info is not None:
            return self.system_info.server_name
        return self.public_info.server_name

    @property
    def version(self) -> str | None:
        """Return the version of Emby Server."""
        if self.system_info is not None and self.system_info.version:
            return self.system_info.version
        return self.public_info.version


@dataclass(kw_only=True)
class EmbyRuntimeData:
    """What a loaded server entry holds."""

    coordinator: EmbyServerCoordinator
    account: EmbyConnectCoordinator | None


def record_from_entry(entry: ConfigEntry) -> ServerRecord:
    """Build what the connection manager needs from a server entry."""
    data = entry.data
    if data[CONF_AUTH_METHOD] == AUTH_METHOD_CONNECT:
        last_mode = data.get(CONF_LAST_MODE)
        return ServerRecord(
            system_id=entry_system_id(entry),
            name=entry.title,
            local_address=data.get(CONF_LOCAL_ADDRESS),
            remote_address=data.get(CONF_REMOTE_ADDRESS),
            last_mode=ConnectionMode(last_mode) if last_mode else None,
            access_key=data[CONF_ACCESS_KEY],
            connect_user_id=data[CONF_CONNECT_USER_ID],
            verify_ssl=data.get(CONF_VERIFY_SSL, True),
        )
    return ServerRecord(
        system_id=entry_system_id(entry),
        name=entry.title,
        manual_address=data[CONF_URL],
        last_mode=ConnectionMode.MANUAL,
        user_id=data[CONF_USER_ID],
        access_token=data[CONF_ACCESS_TOKEN],
        verify_ssl=data.get(CONF_VERIFY_SSL, True),
    )


def account_key(entry: ConfigEntry) -> AccountKey:
    """Return the key of the Emby Connect account behind a Connect server entry."""
    return (entry.data[CONF_CONNECT_URL], entry.data[CONF_CONNECT_USER_ID])


def removed_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the issue raised when the account lost the server of an entry."""
    return f"server_removed_{entry.entry_id}"


class AccessKeyUnconfirmedError(EmbyError):
    """The server refused its AccessKey while Emby Connect could not be asked for a new one."""


def _error_key(err: EmbyError) -> str:
    """Return the translation key telling the person why a poll failed."""
    if isinstance(err, EmbyServerMismatchError):
        return "server_mismatch"
    if isinstance(err, AccessKeyUnconfirmedError):
        return "access_key_unconfirmed"
    if isinstance(err, EmbyConnectionError):
        return "cannot_connect"
    return "invalid_response"


def _as_shown(sessions: list[Session]) -> list[Session]:
    """Return sessions without what moves on its own while playing (no entity shows it)."""
    return [
        replace(
            item, last_activity_date=None, play_state=replace(item.play_state, position_ticks=None)
        )
        for item in sessions
    ]


# Poll failures (translation keys) that mean the server is not there (yet).
_UNREACHABLE = frozenset({"cannot_connect", "server_shutting_down"})


def _reconnect_delays() -> Iterator[float]:
    """Return the delays between reconnect attempts after a loss."""
    return backoff(initial=RECONNECT_MIN_DELAY, maximum=RECONNECT_MAX_DELAY)


def _flapping_delays() -> Iterator[float]:
    """Return the delays before reopening a websocket that keeps closing right away."""
    return backoff(initial=RECONNECT_MIN_DELAY, maximum=STATUS_INTERVAL.total_seconds())


async def _unless_forbidden[T](call: Awaitable[T]) -> T | None:
    """Return the answer of a call, or None when the user may not make it."""
    try:
        return await call
    except EmbyForbiddenError:
        return None


class EmbyServerCoordinator(DataUpdateCoordinator[EmbyData]):
    """Keep one Emby server connected and poll its status."""

    config_entry: EmbyConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EmbyConfigEntry,
        *,
        manager: ConnectionManager,
        identity: ClientIdentity,
        account: EmbyConnectCoordinator | None = None,
    ) -> None:
        """Initialize the coordinator of a server entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Emby server {entry.title}",
            update_interval=STATUS_INTERVAL,
            # A poll that finds nothing new (the usual case) wakes no entity.
            always_update=False,
        )
        self.manager = manager
        self.identity = identity
        self.account = account
        self.record = record_from_entry(entry)
        self._server: EmbyServer | None = None
        self._connection: ConnectionResult | None = None
        self._counts: ItemCounts | None = None
        self._counts_read_at: datetime | None = None
        # Push: one websocket task per connected server (see _async_run_push).
        self._push: asyncio.Task[None] | None = None
        self._websocket: EmbyWebSocket | None = None
        self._going_down = False
        self._push_refusals = backoff(
            initial=PUSH_REFUSED_MIN_DELAY, maximum=PUSH_REFUSED_MAX_DELAY
        )
        self._push_retry_at = 0.0
        self._open_failures = 0
        self._counts_due: CALLBACK_TYPE | None = None
        self._counts_job = HassJob(
            self._async_counts_due, f"{self.name} library changed", cancel_on_shutdown=True
        )
        self._system_info_task: asyncio.Task[None] | None = None

    @property
    def push_connected(self) -> bool:
        """Return whether the websocket of the server is open."""
        return self._websocket is not None and self._websocket.connected

    def _is_connected(self) -> bool:
        """Return whether the last poll reached the server and its client is kept."""
        return self._server is not None and self.last_update_success

    @override
    async def _async_update_data(self) -> EmbyData:
        """Connect when needed, then read the status of the server."""
        was_connected = self._server is not None
        placeholders = {"name": self.config_entry.title}
        try:
            data = await self._async_poll_with_retry()
        except EmbyAuthenticationError as err:
            self._async_drop_client()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="authentication_failed",
                translation_placeholders=placeholders,
            ) from err
        except EmbyError as err:
            # Addresses may have moved: the next poll probes them all again.
            LOGGER.debug("Polling Emby server %s failed: %s", self.config_entry.title, err)
            self._async_drop_client()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=_error_key(err),
                translation_placeholders=placeholders,
            ) from err
        if data.system_info is not None and data.system_info.is_shutting_down:
            self._async_drop_client()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="server_shutting_down",
                translation_placeholders=placeholders,
            )
        self._going_down = False
        if not was_connected and not self.last_update_success and self.account is not None:
            # Back after a loss: the server may have been moved or re-linked meanwhile.
            self.config_entry.async_create_background_task(
                self.hass,
                self.account.async_request_server_list(),
                name=f"Emby Connect server list for {self.config_entry.title}",
            )
        self._async_update_device(data)
        return data

    async def _async_poll_with_retry(self) -> EmbyData:
        """Poll; when a Connect server refuses its token, exchange a new one once."""
        reconnectable = self._server is not None and self.record.access_key is not None
        try:
            return await self._async_poll()
        except EmbyAuthenticationError:
            if not reconnectable:
                raise
            LOGGER.debug("Emby server %s refused its token, exchanging again", self.record.name)
            self._async_drop_client()
        return await self._async_poll()

    async def _async_poll(self) -> EmbyData:
        """Read System/Info, the sessions and, when due, the library counts."""
        if self._server is None or self._connection is None:
            self._server, self._connection = await self._async_connect()
            self._async_store_connection(self._connection)
        server, connection = self._server, self._connection
        system_info = await _unless_forbidden(server.get_system_info())
        sessions = await _unless_forbidden(server.get_sessions())
        now = dt_util.utcnow()
        if self._counts_read_at is None or now - self._counts_read_at >= COUNTS_INTERVAL:
            self._counts = await _unless_forbidden(server.get_item_counts())
            self._counts_read_at = now
        return EmbyData(
            mode=connection.mode,
            address=connection.address,
            public_info=connection.info,
            system_info=system_info,
            # Home Assistant's own session is no one watching anything.
            sessions=None
            if sessions is None
            else [item for item in sessions if item.device_id != self.identity.device_id],
            counts=self._counts,
        )

    async def _async_connect(self) -> tuple[EmbyServer, ConnectionResult]:
        """Connect; on failure, retry once if Emby Connect knows newer addresses or keys."""
        try:
            return await self.manager.connect(self.record)
        except (EmbyConnectionError, EmbyAuthenticationError) as err:
            before = self._connect_fields()
            if self.account is None:
                raise
            read = await self.account.async_request_server_list()
            if not read or self._connect_fields() == before:
                if isinstance(err, EmbyAuthenticationError) and not (
                    self.account.last_update_success
                ):
                    # Only Emby Connect can tell a renewed AccessKey from a revoked one: ask
                    # again later instead of asking the person to sign in now.
                    message = f"Emby server {self.record.name} refused its Emby Connect AccessKey"
                    raise AccessKeyUnconfirmedError(message) from err
                raise
        LOGGER.debug("Emby Connect moved server %s, connecting again", self.record.name)
        return await self.manager.connect(self.record)

    def _connect_fields(self) -> tuple[str | None, str | None, str | None]:
        """Return what Emby Connect may change about how to reach the server."""
        record = self.record
        return (record.local_address, record.remote_address, record.access_key)

    @callback
    def _async_drop_client(self) -> None:
        """Forget the connection, so the next poll probes the addresses again; close its push."""
        self._server = None
        self._connection = None
        self.update_interval = STATUS_INTERVAL
        if (websocket := self._websocket) is not None:
            self._websocket = None
            # The push task sees the channel end and asks the connection manager again.
            self.config_entry.async_create_background_task(
                self.hass, websocket.close(), name=f"Close the websocket of {self.name}"
            )

    @callback
    def _async_store_connection(self, connection: ConnectionResult) -> None:
        """Remember how the server was reached, for the next start."""
        self.record.last_mode = connection.mode
        entry = self.config_entry
        if entry.data[CONF_AUTH_METHOD] != AUTH_METHOD_CONNECT:
            return
        if entry.data.get(CONF_LAST_MODE) != connection.mode.value:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_LAST_MODE: connection.mode.value}
            )

    @callback
    def _async_update_device(self, data: EmbyData) -> None:
        """Keep the device's version and web address in step with the server."""
        device_registry = dr.async_get(self.hass)
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, self.record.system_id), self.config_entry.entry_id
        )
        if device is None:
            return
        configuration_url = f"{data.address}/web/index.html"
        if device.sw_version != data.version or device.configuration_url != configuration_url:
            device_registry.async_update_device(
                device.id, sw_version=data.version, configuration_url=configuration_url
            )

    @callback
    @override
    def _async_refresh_finished(self) -> None:
        """Open the push channel after a poll that reached the server."""
        if not self._is_connected() or self.hass.is_stopping:
            return
        if self._push is not None and not self._push.done():
            return
        if self.hass.loop.time() < self._push_retry_at:
            return
        self._push = self.config_entry.async_create_background_task(
            self.hass, self._async_run_push(), name=f"Push of {self.name}", eager_start=False
        )

    @override
    async def async_shutdown(self) -> None:
        """Stop polling, pushing and pending reads."""
        await super().async_shutdown()
        if self._counts_due is not None:
            self._counts_due()
            self._counts_due = None
        # The push and read tasks are the entry's background tasks: unloading cancels them.

    async def _async_run_push(self) -> None:
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
        if self._is_connected():
            return 0
        loop = self.hass.loop
        delays = _reconnect_delays()
        give_up_at = loop.time() + RECONNECT_WINDOW.total_seconds()
        if self._going_down:
            # Announced: the server may answer a last time on its way down.
            await asyncio.sleep(next(delays))
        failures = 0
        while True:
            await self.async_refresh()
            if self._is_connected():
                return failures
            if (
                not isinstance(error := self.last_exception, UpdateFailed)
                or error.translation_key not in _UNREACHABLE
            ):
                # Refused or answering nonsense: asking again every few seconds will not
                # help; the poll (or a reauth) takes it from here.
                return None
            if loop.time() >= give_up_at:
                LOGGER.debug(
                    "Emby server %s is still unreachable; polling every %s",
                    self.config_entry.title,
                    STATUS_INTERVAL,
                )
                return None
            failures += 1
            await asyncio.sleep(next(delays))

    async def _async_listen(self) -> bool:
        """Hold one websocket until it ends; return False when push is refused for now."""
        if (connection := self._connection) is None:
            return True
        websocket = self._websocket = EmbyWebSocket(
            url=connection.address,
            access_token=connection.access_token,
            device_id=self.identity.device_id,
            session=self.manager.session,
            verify_ssl=self.record.verify_ssl,
        )
        opened = False
        try:
            await websocket.connect()
            opened = True
            self._open_failures = 0
            self._async_set_push(up=True)
            await websocket.listen(self._async_handle_push)
        except asyncio.CancelledError:
            # Unloading cancels this task, maybe mid-handshake: leave no channel open.
            await websocket.close()
            raise
        except EmbyError as err:
            if not opened:
                self._open_failures += 1
            if not opened and (
                isinstance(err, (EmbyResponseError, EmbyForbiddenError)) or self._open_failures > 1
            ):
                # The address works for HTTP but not for websockets (a proxy, a firewall, a
                # user policy): a failed open right after a good reconnect says so too.
                delay = next(self._push_refusals)
                self._push_retry_at = self.hass.loop.time() + delay
                LOGGER.debug(
                    "Emby server %s refused push updates (%s); polling, asking again in %.0f s",
                    self.config_entry.title,
                    err,
                    delay,
                )
                return False
            LOGGER.debug("The websocket of Emby server %s ended: %s", self.config_entry.title, err)
        finally:
            if self._websocket is websocket:
                self._websocket = None
            self._async_set_push(up=False)
        if opened:
            self._push_refusals = backoff(
                initial=PUSH_REFUSED_MIN_DELAY, maximum=PUSH_REFUSED_MAX_DELAY
            )
        # Whatever ended it (a dead server, a moved address, a refused token), the next
        # reconnect asks the connection manager, which finds out.
        self._async_drop_client()
        return True

    @callback
    def _async_set_push(self, *, up: bool) -> None:
        """Poll slowly while push is healthy, every STATUS_INTERVAL otherwise."""
        interval = PUSH_STATUS_INTERVAL if up else STATUS_INTERVAL
        if self.update_interval == interval:
            return
        self.update_interval = interval
        if self._listeners and not self.hass.is_stopping:
            # Count the new interval from now (down: the next poll may be minutes away).
            self._schedule_refresh()

    @callback
    def _async_handle_push(self, message: EmbyMessage) -> None:
        """Take one pushed message."""
        match message:
            case SessionsMessage(sessions=sessions):
                self._async_push_sessions(sessions)
            case ServerShuttingDownMessage() | ServerRestartingMessage():
                self._async_going_down(restarting=isinstance(message, ServerRestartingMessage))
            case RestartRequiredMessage():
                self._async_read_soon_system_info()
            case LibraryChangedMessage():
                if self._counts_due is None:
                    self._counts_due = async_call_later(
                        self.hass, LIBRARY_CHANGED_DELAY, self._counts_job
                    )
            case _:
                pass

    @callback
    def _async_push_sessions(self, sessions: list[Session]) -> None:
        """Store pushed sessions; tell the entities when what they show changed."""
        data = self.data
        if not self._is_connected() or data is None or data.sessions is None:
            # Offline, or the user may not list sessions: the poll decides.
            return
        own = self.identity.device_id
        sessions = [item for item in sessions if item.device_id != own]
        changed = _as_shown(sessions) != _as_shown(data.sessions)
        # Not async_set_updated_data: it would postpone the poll of System/Info at every push.
        self.data = replace(data, sessions=sessions)
        if changed:
            self.async_update_listeners()

    @callback
    def _async_going_down(self, *, restarting: bool) -> None:
        """Mark the server offline at once; the push task gets it back when it answers."""
        self._going_down = True
        self._async_drop_client()
        self.async_set_update_error(
            UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="server_restarting" if restarting else "server_shutting_down",
                translation_placeholders={"name": self.config_entry.title},
            )
        )

    @callback
    def _async_read_soon_system_info(self) -> None:
        """Read System/Info in the background (restart pending, version)."""
        if self._system_info_task is not None and not self._system_info_task.done():
            return
        self._system_info_task = self.config_entry.async_create_background_task(
            self.hass, self._async_read_system_info(), name=f"System/Info of {self.name}"
        )

    async def _async_read_system_info(self) -> None:
        """Read System/Info again and show it."""
        if (server := self._server) is None:
            return
        try:
            system_info = await _unless_forbidden(server.get_system_info())
        except EmbyError as err:
            LOGGER.debug("Reading System/Info of %s failed: %s", self.config_entry.title, err)
            return
        if server is self._server and self._is_connected() and self.data is not None:
            self.data = replace(self.data, system_info=system_info)
            self._async_update_device(self.data)
            self.async_update_listeners()

    @callback
    def _async_counts_due(self, _now: datetime) -> None:
        """Read the library counts, a while after the library changed."""
        self._counts_due = None
        self.config_entry.async_create_background_task(
            self.hass, self._async_read_counts(), name=f"Library counts of {self.name}"
        )

    async def _async_read_counts(self) -> None:
        """Read the library counts again and show them."""
        if (server := self._server) is None:
            return
        try:
            counts = await _unless_forbidden(server.get_item_counts())
        except EmbyError as err:
            LOGGER.debug("Reading counts of %s failed: %s", self.config_entry.title, err)
            return
        self._counts, self._counts_read_at = counts, dt_util.utcnow()
        if server is self._server and self._is_connected() and self.data is not None:
            self.data = replace(self.data, counts=counts)
            self.async_update_listeners()

    @callback
    def async_handle_entry_update(self) -> None:
        """Take up entry data changed elsewhere (a flow refreshing a sibling of its account)."""
        self.record = record_from_entry(self.config_entry)
        if self.account is not None:
            self.account.client.access_token = self.config_entry.data[CONF_CONNECT_TOKEN]

    @callback
    def async_handle_account_update(self) -> None:
        """Take the addresses and AccessKey of this server from the account's server list."""
        account = self.account
        if account is None or not account.last_update_success or account.data is None:
            return
        entry = self.config_entry
        server = next(
            (item for item in account.data if item.system_id == self.record.system_id), None
        )
        if server is None:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                removed_issue_id(entry),
                data={"entry_id": entry.entry_id},
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key="server_removed",
                translation_placeholders={"name": entry.title},
            )
            return
        ir.async_delete_issue(self.hass, DOMAIN, removed_issue_id(entry))
        fresh = connect_server_data(server)
        self.record.access_key = server.access_key
        self.record.local_address = server.local_address
        self.record.remote_address = server.remote_address
        if any(entry.data.get(key) != value for key, value in fresh.items()):
            self.hass.config_entries.async_update_entry(entry, data={**entry.data, **fresh})


class EmbyConnectCoordinator(DataUpdateCoordinator[list[ConnectServer]]):
    """Read the server list of one Emby Connect account, shared by its server entries."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: EmbyConnect,
        *,
        connect_url: str,
        user_id: str,
        username: str,
    ) -> None:
        """Initialize the coordinator of an account."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=None,
            name="Emby Connect server list",
            update_interval=CONNECT_INTERVAL,
        )
        self.client = client
        self.connect_url = connect_url
        self.user_id = user_id
        self.username = username
        self.entry_ids: set[str] = set()
        self.last_read: datetime | None = None
        self._auth_failed = False

    @override
    async def _async_update_data(self) -> list[ConnectServer]:
        """Read the server list; offer servers linked since as discovered."""
        self.last_read = dt_util.utcnow()
        try:
            servers = await self.client.get_servers()
        except EmbyAuthenticationError as err:
            self._async_start_reauth()
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="connect_authentication_failed"
            ) from err
        except EmbyError as err:
            LOGGER.debug("Emby Connect is unavailable: %s", err)
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="connect_unavailable"
            ) from err
        self._auth_failed = False
        self._async_offer_new_servers(servers)
        return servers

    async def async_request_server_list(self) -> bool:
        """Read the server list unless it was read moments ago; return whether it was read."""
        if self.last_read is not None and dt_util.utcnow() - self.last_read < CONNECT_MIN_INTERVAL:
            return False
        # Claimed before the first await, so entries asking at the same time share one read.
        self.last_read = dt_util.utcnow()
        await self.async_refresh()
        return self.last_update_success

    @callback
    def _async_start_reauth(self) -> None:
        """Ask the person to sign in to Emby Connect again, once per refusal."""
        if self._auth_failed:
            return
        self._auth_failed = True
        for entry in self.hass.config_entries.async_entries(DOMAIN):
            if entry.entry_id in self.entry_ids:
                entry.async_start_reauth(self.hass)

    @callback
    def _async_offer_new_servers(self, servers: list[ConnectServer]) -> None:
        """Offer each server of the account that no entry knows yet."""
        login = ConnectLogin(user_id=self.user_id, access_token=self.client.access_token or "")
        for server in servers:
            if self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, server.system_id):
                continue
            discovery_flow.async_create_flow(
                self.hass,
                DOMAIN,
                context={"source": SOURCE_INTEGRATION_DISCOVERY},
                data=connect_discovery(self.connect_url, login, self.username, server),
            )


async def async_acquire_account(
    hass: HomeAssistant, entry: EmbyConfigEntry
) -> EmbyConnectCoordinator:
    """Return the coordinator of the entry's Emby Connect account, creating it if needed."""
    client = await async_connect_client(
        hass,
        entry.data[CONF_CONNECT_URL],
        user_id=entry.data[CONF_CONNECT_USER_ID],
        access_token=entry.data[CONF_CONNECT_TOKEN],
    )
    accounts = hass.data.setdefault(DATA_ACCOUNTS, {})
    key = account_key(entry)
    if (account := accounts.get(key)) is None:
        account = accounts[key] = EmbyConnectCoordinator(
            hass,
            client,
            connect_url=entry.data[CONF_CONNECT_URL],
            user_id=entry.data[CONF_CONNECT_USER_ID],
            username=entry.data.get(CONF_CONNECT_USERNAME) or "",
        )
    else:
        # The entry set up last holds the newest sign-in (after a reauth, say).
        account.client.access_token = entry.data[CONF_CONNECT_TOKEN]
    account.entry_ids.add(entry.entry_id)
    return account


async def async_release_account(hass: HomeAssistant, entry: EmbyConfigEntry) -> None:
    """Let go of the entry's account; the last entry to go stops it."""
    accounts = hass.data[DATA_ACCOUNTS]
    key = account_key(entry)
    account = accounts[key]
    account.entry_ids.discard(entry.entry_id)
    if not account.entry_ids:
        del accounts[key]
        await account.async_shutdown()
