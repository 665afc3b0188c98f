"""Emby Connect accounts: one server list per account, shared by the entries of its servers."""

from __future__ import annotations

import asyncio
from typing import override

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .aioemby import ConnectLogin, ConnectServer, EmbyAuthenticationError, EmbyConnect, EmbyError
from .const import (
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_USERNAME,
    CONNECT_INTERVAL,
    CONNECT_READ_BURST,
    CONNECT_READ_EVERY,
    DOMAIN,
    LOGGER,
)
from .entry_data import ACCOUNT_KEYS, connect_discovery, pick
from .entry_issues import SERVER_REMOVED
from .errors import emby_error_handler
from .helpers import async_connect_client

type AccountKey = tuple[str, str]

# Entries that may have failed for want of the account's newest sign-in: set up again with it.
_RETRY_STATES = (ConfigEntryState.SETUP_ERROR, ConfigEntryState.SETUP_RETRY)


def account_key(entry: ConfigEntry) -> AccountKey:
    """Return the key of the Emby Connect account behind a Connect server entry."""
    return (entry.data[CONF_CONNECT_URL], entry.data[CONF_CONNECT_USER_ID])


@callback
def async_report_listed(hass: HomeAssistant, entry: ConfigEntry, *, listed: bool) -> None:
    """Raise a fixable issue while the account does not list the entry's server any more."""
    if listed:
        SERVER_REMOVED.async_delete(hass, entry)
    else:
        SERVER_REMOVED.async_raise(hass, entry)


class EmbyAccountCoordinator(DataUpdateCoordinator[list[ConnectServer]]):
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
        # How many reads succeeded (the hourly ones too): "read since" without a clock.
        self.reads = 0
        self._reading: asyncio.Event | None = None
        self._budget = float(CONNECT_READ_BURST)
        self._budget_at = dt_util.utcnow()
        self._auth_failed = False

    @emby_error_handler
    @override
    async def _async_update_data(self) -> list[ConnectServer]:
        """Read the server list; offer servers linked since as discovered."""
        try:
            servers = await self.client.get_servers()
        except EmbyAuthenticationError:
            self._async_start_reauth()
            raise
        except EmbyError as err:
            LOGGER.debug("Emby Connect is unavailable: %s", err)
            raise
        self._auth_failed = False
        self.reads += 1
        self._async_offer_new_servers(servers)
        return servers

    def server(self, system_id: str) -> ConnectServer | None:
        """Return a server of the last list read, None when the account does not list it."""
        return next((item for item in self.data or [] if item.system_id == system_id), None)

    async def async_request_server_list(self, *, unless_read_after: int | None = None) -> bool:
        """Read the server list now, sharing reads and within budget; return if one is fresh.

        A read under way answers for every server of the account, and so does one that
        succeeded since `reads` was unless_read_after (servers lost together share one read);
        otherwise a read is made if the budget allows it (a dead or flapping server must not
        hammer Emby Connect).
        """
        if (reading := self._reading) is not None:
            await reading.wait()
            return self.last_update_success
        if unless_read_after is not None and self.reads > unless_read_after:
            return True
        now = dt_util.utcnow()
        refill = (now - self._budget_at) / CONNECT_READ_EVERY
        self._budget, self._budget_at = min(self._budget + refill, CONNECT_READ_BURST), now
        if self._budget < 1:
            LOGGER.debug("Emby Connect was asked often lately; its server list is not read now")
            return False
        self._budget -= 1
        # Claimed before the first await, so servers asking at the same time share one read.
        reading = self._reading = asyncio.Event()
        try:
            await self.async_refresh()
        finally:
            self._reading = None
            reading.set()
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


class EmbyAccountRegistry:
    """The Emby Connect accounts in use: created with their first entry, shut with the last."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Initialize an empty registry."""
        self.hass = hass
        self._accounts: dict[AccountKey, EmbyAccountCoordinator] = {}

    @property
    def accounts(self) -> list[EmbyAccountCoordinator]:
        """Return the accounts in use."""
        return list(self._accounts.values())

    async def async_acquire(self, entry: ConfigEntry) -> EmbyAccountCoordinator:
        """Return the account of a Connect server entry, creating it for the first."""
        key = account_key(entry)
        if (account := self._accounts.get(key)) is not None:
            account.entry_ids.add(entry.entry_id)
            self.async_adopt_sign_in(entry)
            return account
        client = await async_connect_client(
            self.hass,
            entry.data[CONF_CONNECT_URL],
            user_id=entry.data[CONF_CONNECT_USER_ID],
            access_token=entry.data[CONF_CONNECT_TOKEN],
        )
        account = self._accounts[key] = EmbyAccountCoordinator(
            self.hass,
            client,
            connect_url=entry.data[CONF_CONNECT_URL],
            user_id=entry.data[CONF_CONNECT_USER_ID],
            username=entry.data.get(CONF_CONNECT_USERNAME) or "",
        )
        account.entry_ids.add(entry.entry_id)
        # The first entry of the account to run holds the newest sign-in when it was just added
        # (its siblings not running): those that hold another one take it up as well.
        if any(
            other.data.get(CONF_CONNECT_TOKEN) != entry.data[CONF_CONNECT_TOKEN]
            for other in self._siblings(account, entry)
        ):
            self._async_share_sign_in(account, entry)
        return account

    async def async_release(self, account: EmbyAccountCoordinator, entry_id: str) -> None:
        """Let an entry go of its account; the last entry to go shuts it down."""
        account.entry_ids.discard(entry_id)
        if not account.entry_ids:
            # Keyed as when it was created: the entry's data may name another account by now.
            del self._accounts[(account.connect_url, account.user_id)]
            await account.async_shutdown()

    @callback
    def async_adopt_sign_in(self, entry: ConfigEntry) -> None:
        """Use a newer Connect sign-in an entry holds for its account and every sibling entry.

        An entry added, or signed in again, holds the account's newest token: the account
        uses it from now on, the other entries of the account store it (those that failed to
        set up are set up again), and the server list is read with it.
        """
        if (account := self._accounts.get(account_key(entry))) is None:
            # The entry names another account now: its reload takes that one.
            return
        token = entry.data[CONF_CONNECT_TOKEN]
        if account.client.access_token == token:
            return
        account.client.access_token = token
        account.username = entry.data.get(CONF_CONNECT_USERNAME) or account.username
        self._async_share_sign_in(account, entry)
        entry.async_create_background_task(
            self.hass,
            account.async_request_server_list(),
            name=f"Emby Connect server list for {entry.title}",
        )

    def _siblings(self, account: EmbyAccountCoordinator, entry: ConfigEntry) -> list[ConfigEntry]:
        """Return the other entries of the account's servers."""
        return [
            other
            for other in self.hass.config_entries.async_entries(DOMAIN, include_ignore=False)
            if other.entry_id != entry.entry_id
            and other.data.get(CONF_CONNECT_URL) == account.connect_url
            and other.data.get(CONF_CONNECT_USER_ID) == account.user_id
        ]

    @callback
    def _async_share_sign_in(self, account: EmbyAccountCoordinator, entry: ConfigEntry) -> None:
        """Store the sign-in of an entry in its siblings; set up again those that failed."""
        updates = pick(entry.data, ACCOUNT_KEYS)
        siblings = self._siblings(account, entry)
        for other in siblings:
            if (
                self.hass.config_entries.async_update_entry(other, data={**other.data, **updates})
                and other.state in _RETRY_STATES
            ):
                self.hass.config_entries.async_schedule_reload(other.entry_id)
        LOGGER.info(
            "Emby Connect: %s brought a new sign-in of its account; %d other server(s) of the "
            "account use it now",
            entry.title,
            len(siblings),
        )


DATA_ACCOUNTS: HassKey[EmbyAccountRegistry] = HassKey(f"{DOMAIN}_accounts")


@callback
def async_get_account_registry(hass: HomeAssistant) -> EmbyAccountRegistry:
    """Return the registry of Emby Connect accounts (set up with the integration)."""
    return hass.data[DATA_ACCOUNTS]
