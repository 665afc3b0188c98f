"""The connection to one Emby server, shared by everything that talks to it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .account import EmbyAccountCoordinator, async_report_listed
from .aioemby import (
    ClientIdentity,
    ConnectionManager,
    ConnectionMode,
    ConnectionResult,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyError,
    EmbyServer,
    ServerRecord,
)
from .const import (
    AUTH_METHOD_CONNECT,
    CONF_ACCESS_KEY,
    CONF_ACCESS_TOKEN,
    CONF_AUTH_METHOD,
    CONF_CONNECT_USER_ID,
    CONF_LAST_MODE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_USER_ID,
    LOGGER,
)
from .entry_data import connect_server_data, entry_system_id
from .errors import AccessKeyUnconfirmedError


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


class EmbyConnection:
    """Reach one server as Emby's apps do, and keep its client while it works.

    The coordinators, the push listener and entities sending commands share it: one connect
    for all of them, a new token exchanged when a Connect server refuses the current one, and
    Emby Connect asked for new addresses when none of the stored ones answers.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        manager: ConnectionManager,
        identity: ClientIdentity,
        account: EmbyAccountCoordinator | None,
    ) -> None:
        """Initialize the connection of a server entry; nothing is sent yet."""
        self.hass = hass
        self.entry = entry
        self.manager = manager
        self.identity = identity
        self.account = account
        self.record = record_from_entry(entry)
        self._server: EmbyServer | None = None
        self._result: ConnectionResult | None = None
        self._lock = asyncio.Lock()
        self._listeners: list[CALLBACK_TYPE] = []
        # How many lists the account had read when the server was lost: a later read answers
        # for this outage (so Emby Connect is asked once per outage, shared by its servers).
        self._lost_after = 0 if account is None else account.reads

    @property
    def system_id(self) -> str:
        """Return the SystemId of the server."""
        return self.record.system_id

    @property
    def client(self) -> EmbyServer | None:
        """Return the signed-in client of the server, None while it is not connected."""
        return self._server

    @property
    def result(self) -> ConnectionResult | None:
        """Return how the server was reached (mode, address, token), None when it is not."""
        return self._result

    @property
    def connected(self) -> bool:
        """Return whether a client is connected."""
        return self._server is not None

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call update_callback after every connect and drop; return how to stop."""
        self._listeners.append(update_callback)

        @callback
        def remove() -> None:
            self._listeners.remove(update_callback)

        return remove

    async def async_client(self) -> EmbyServer:
        """Return the connected client, connecting first when there is none.

        Raises EmbyError (AccessKeyUnconfirmedError among them) when the server cannot be
        reached or refuses the stored credentials.
        """
        async with self._lock:
            if self._server is None:
                server, result = await self._async_connect()
                self._server, self._result = server, result
                self._async_store_mode(result.mode)
                self._async_notify()
            return self._server

    async def async_settled(self) -> None:
        """Wait until a connect under way, if any, is over."""
        async with self._lock:
            return

    async def async_call[T](self, call: Callable[[EmbyServer], Awaitable[T]]) -> T:
        """Call the server (connecting first when needed).

        When a Connect server refuses the token of a connection that worked, the AccessKey is
        exchanged for a new one and the call made once more.
        """
        reconnectable = self._server is not None and self.record.access_key is not None
        server = await self.async_client()
        try:
            return await call(server)
        except EmbyAuthenticationError:
            if not reconnectable:
                raise
            LOGGER.debug("Emby server %s refused its token, exchanging again", self.record.name)
            self.async_drop(server)
        return await call(await self.async_client())

    async def async_probe(self, timeout: float) -> bool:  # noqa: ASYNC109 - a probe's own limit
        """Return whether the address in use still answers within timeout seconds."""
        if (server := self._server) is None:
            return False
        try:
            await server.get_public_info(timeout=timeout)
        except EmbyError as err:
            LOGGER.debug("Emby server %s does not answer: %s", self.record.name, err)
            return False
        return True

    @callback
    def async_drop(self, server: EmbyServer | None = None) -> None:
        """Forget the client (if it is still `server`): the next call probes the addresses."""
        if self._server is None or (server is not None and server is not self._server):
            return
        self._server = self._result = None
        if self.account is not None:
            self._lost_after = self.account.reads
        self._async_notify()

    @callback
    def async_handle_account_update(self) -> None:
        """Take the addresses and AccessKey of this server from the account's server list."""
        account = self.account
        if account is None or not account.last_update_success or account.data is None:
            return
        server = account.server(self.system_id)
        async_report_listed(self.hass, self.entry, listed=server is not None)
        if server is None:
            return
        self.record.access_key = server.access_key
        self.record.local_address = server.local_address
        self.record.remote_address = server.remote_address
        fresh = connect_server_data(server)
        entry = self.entry
        if any(entry.data.get(key) != value for key, value in fresh.items()):
            self.hass.config_entries.async_update_entry(entry, data={**entry.data, **fresh})

    @callback
    def async_request_server_list(self) -> None:
        """Read the account's list in the background, unless it was read since the loss."""
        if (account := self.account) is None:
            return
        self.entry.async_create_background_task(
            self.hass,
            account.async_request_server_list(unless_read_after=self._lost_after),
            name=f"Emby Connect server list for {self.entry.title}",
        )

    async def _async_connect(self) -> tuple[EmbyServer, ConnectionResult]:
        """Connect; when no address answers, ask Emby Connect (once per outage) and retry."""
        tried = self._connect_fields()
        try:
            return await self.manager.connect(self.record)
        except (EmbyConnectionError, EmbyAuthenticationError) as err:
            if self.account is None:
                raise
            if self._connect_fields() == tried:
                # As Emby's apps do: the server may have moved, or its AccessKey changed.
                await self.account.async_request_server_list(unless_read_after=self._lost_after)
            if self._connect_fields() == tried:
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
    def _async_store_mode(self, mode: ConnectionMode) -> None:
        """Remember how the server was reached, for the next start."""
        self.record.last_mode = mode
        entry = self.entry
        if entry.data[CONF_AUTH_METHOD] != AUTH_METHOD_CONNECT:
            return
        if entry.data.get(CONF_LAST_MODE) != mode.value:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_LAST_MODE: mode.value}
            )

    @callback
    def _async_notify(self) -> None:
        """Tell the listeners the connection changed."""
        for update_callback in list(self._listeners):
            update_callback()
