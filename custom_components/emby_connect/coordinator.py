"""Coordinators of Emby Connect: one per server entry, one shared per Emby Connect account."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import override

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.const import CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import (
    device_registry as dr,
    discovery_flow,
    issue_registry as ir,
)
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
    EmbyServer,
    EmbyServerMismatchError,
    ItemCounts,
    PublicSystemInfo,
    ServerRecord,
    Session,
    SystemInfo,
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
    CONF_LINK_ID,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_SYSTEM_ID,
    CONF_USER_ID,
    CONF_USER_TYPE,
    CONNECT_INTERVAL,
    CONNECT_MIN_INTERVAL,
    COUNTS_INTERVAL,
    DOMAIN,
    LOGGER,
    STATUS_INTERVAL,
)
from .helpers import async_connect_client, connect_entry_data

type EmbyConfigEntry = ConfigEntry[EmbyRuntimeData]
type AccountKey = tuple[str, str]

DATA_ACCOUNTS: HassKey[dict[AccountKey, EmbyConnectCoordinator]] = HassKey(DOMAIN)

# The entry data that the Emby Connect server list keeps up to date.
_CONNECT_FIELDS = (
    CONF_ACCESS_KEY,
    CONF_LINK_ID,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_USER_TYPE,
)


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
            system_id=data[CONF_SYSTEM_ID],
            name=entry.title,
            local_address=data.get(CONF_LOCAL_ADDRESS),
            remote_address=data.get(CONF_REMOTE_ADDRESS),
            last_mode=ConnectionMode(last_mode) if last_mode else None,
            access_key=data[CONF_ACCESS_KEY],
            connect_user_id=data[CONF_CONNECT_USER_ID],
            verify_ssl=data.get(CONF_VERIFY_SSL, True),
        )
    return ServerRecord(
        system_id=data[CONF_SYSTEM_ID],
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


def _error_key(err: EmbyError) -> str:
    """Return the translation key telling the person why a poll failed."""
    if isinstance(err, EmbyServerMismatchError):
        return "server_mismatch"
    if isinstance(err, EmbyConnectionError):
        return "cannot_connect"
    return "invalid_response"


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
        )
        self.manager = manager
        self.identity = identity
        self.account = account
        self.record = record_from_entry(entry)
        self._server: EmbyServer | None = None
        self._connection: ConnectionResult | None = None
        self._counts: ItemCounts | None = None
        self._counts_read_at: datetime | None = None

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
        except EmbyConnectionError, EmbyAuthenticationError:
            before = self._connect_fields()
            if (
                self.account is None
                or not await self.account.async_request_server_list()
                or self._connect_fields() == before
            ):
                raise
        LOGGER.debug("Emby Connect moved server %s, connecting again", self.record.name)
        return await self.manager.connect(self.record)

    def _connect_fields(self) -> tuple[str | None, str | None, str | None]:
        """Return what Emby Connect may change about how to reach the server."""
        record = self.record
        return (record.local_address, record.remote_address, record.access_key)

    @callback
    def _async_drop_client(self) -> None:
        """Forget the connection, so the next poll probes the addresses again."""
        self._server = None
        self._connection = None

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
        fresh = {
            CONF_ACCESS_KEY: server.access_key,
            CONF_LINK_ID: server.link_id,
            CONF_LOCAL_ADDRESS: server.local_address,
            CONF_REMOTE_ADDRESS: server.remote_address,
            CONF_USER_TYPE: server.user_type.value,
        }
        self.record.access_key = server.access_key
        self.record.local_address = server.local_address
        self.record.remote_address = server.remote_address
        if any(entry.data.get(key) != fresh[key] for key in _CONNECT_FIELDS):
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
                data={
                    **connect_entry_data(self.connect_url, login, self.username, server),
                    "name": server.name,
                },
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
