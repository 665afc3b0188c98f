"""Config flow to add Emby servers through Emby Connect or by address."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow, section
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio
from yarl import URL

from .aioemby import (
    DEFAULT_CONNECT_URL,
    ConnectLogin,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyConnect,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyPinExpiredError,
    EmbyResponseError,
    EmbyServer,
    normalize_address,
)
from .const import (
    AUTH_METHOD_CONNECT,
    AUTH_METHOD_MANUAL,
    CONF_ACCESS_KEY,
    CONF_ACCESS_TOKEN,
    CONF_ADVANCED,
    CONF_AUTH_METHOD,
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_USERNAME,
    CONF_LAST_MODE,
    CONF_LINK_ID,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_SERVER,
    CONF_SYSTEM_ID,
    CONF_USER_ID,
    CONF_USER_TYPE,
    CONNECT_PIN_URL,
    DOMAIN,
    LOGGER,
    PIN_POLL_INTERVAL,
)
from .helpers import (
    SERVER_KEYS,
    async_client_identity,
    async_connect_client,
    connect_entry_data,
    connect_server_data,
)

# Polling a PIN survives a few dropped requests before the person is asked to retry.
PIN_POLL_ATTEMPTS = 3
# A PIN nobody confirms within this time is treated as expired, should Connect never say so,
# so a forgotten flow does not poll forever.
PIN_MAX_WAIT = timedelta(minutes=15)

# The name of the server in integration_discovery data, next to the Connect entry data.
CONF_NAME = "name"

# Every key of a Connect entry, as helpers.connect_entry_data builds it.
CONNECT_ENTRY_KEYS = (
    CONF_AUTH_METHOD,
    CONF_SYSTEM_ID,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_USERNAME,
    CONF_ACCESS_KEY,
    CONF_LINK_ID,
    CONF_USER_TYPE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_LAST_MODE,
    CONF_VERIFY_SSL,
)
# What a fresh sign-in to the account renews on every entry of that account.
ACCOUNT_KEYS = (CONF_CONNECT_TOKEN, CONF_CONNECT_USERNAME)

# Entries that run (or tried to) pick up refreshed Connect data by reloading.
RELOAD_STATES = (
    ConfigEntryState.LOADED,
    ConfigEntryState.SETUP_RETRY,
    ConfigEntryState.SETUP_ERROR,
)

# Emby's own apps refuse servers with version 8 or later: those are Jellyfin (10.x).
FIRST_FOREIGN_MAJOR_VERSION = 8

USERNAME_SELECTOR = TextSelector(TextSelectorConfig(autocomplete="username"))
PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL, autocomplete="url"))


class NotEmbyServerError(Exception):
    """The address answered, but not as an Emby server."""


def _error_key(err: Exception) -> str:
    """Return the form error for an error raised while talking to Emby; log unexpected ones."""
    if isinstance(err, EmbyAuthenticationError | EmbyForbiddenError):
        return "invalid_auth"
    if isinstance(err, EmbyConnectionError | EmbyResponseError):
        return "cannot_connect"
    if isinstance(err, NotEmbyServerError):
        return "not_emby_server"
    LOGGER.exception("Unexpected error while talking to Emby")
    return "unknown"


def _normalize_url(value: str, *, server: bool = False) -> str | None:
    """Return an http(s) address without a trailing slash, or None when it is not usable.

    A server address may be the one the browser shows (.../web/index.html#!/home): the
    client library cuts it back to the server's own address, keeping a base path like /emby.
    """
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if (
        url.scheme not in ("http", "https")
        or not url.host
        or url.user is not None
        or url.password is not None
        or url.query_string
        or (url.fragment and not server)
    ):
        return None
    if server:
        return normalize_address(str(url))
    return str(url).rstrip("/")


def _connect_url_input(user_input: dict[str, Any], errors: dict[str, str]) -> str | None:
    """Return the Emby Connect address of the advanced section, or None (and why)."""
    connect_url = _normalize_url(user_input[CONF_ADVANCED][CONF_CONNECT_URL])
    if connect_url is None:
        errors["base"] = "invalid_connect_url"
    return connect_url


def _is_emby_version(version: str | None) -> bool:
    """Return whether a server version is one of Emby's (Jellyfin answers 10.x)."""
    major, _, _ = (version or "").partition(".")
    return not major.isdigit() or int(major) < FIRST_FOREIGN_MAJOR_VERSION


def _advanced_section(*, verify_ssl: bool | None = None) -> section:
    """Return the collapsed section with the Emby Connect address (and TLS checking)."""
    fields: dict[probatio.Marker, Any] = {
        probatio.Required(CONF_CONNECT_URL, default=DEFAULT_CONNECT_URL): URL_SELECTOR
    }
    if verify_ssl is not None:
        fields[probatio.Required(CONF_VERIFY_SSL, default=verify_ssl)] = BooleanSelector()
    return section(probatio.Schema(fields), {"collapsed": True})


def _connect_schema(*, verify_ssl: bool | None = None) -> probatio.Schema:
    """Return the Emby Connect sign-in form."""
    return probatio.Schema(
        {
            probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
            probatio.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
            probatio.Required(CONF_ADVANCED): _advanced_section(verify_ssl=verify_ssl),
        }
    )


def _manual_schema(*, verify_ssl: bool = True) -> probatio.Schema:
    """Return the form that adds a server by address."""
    return probatio.Schema(
        {
            probatio.Required(CONF_URL): URL_SELECTOR,
            probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
            probatio.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
            probatio.Required(CONF_VERIFY_SSL, default=verify_ssl): BooleanSelector(),
        }
    )


def _same_account(entry: ConfigEntry, connect_url: str, connect_user_id: str) -> bool:
    """Return whether an entry reaches its server through this Emby Connect account."""
    return (
        entry.data.get(CONF_AUTH_METHOD) == AUTH_METHOD_CONNECT
        and entry.data.get(CONF_CONNECT_URL) == connect_url
        and entry.data.get(CONF_CONNECT_USER_ID) == connect_user_id
    )


def _pick(data: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Return the given keys of data."""
    return {key: data[key] for key in keys}


def _without_password(user_input: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return what the person typed, minus the password, to fill a form shown again."""
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_PASSWORD}


class EmbyConnectConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add an Emby server: through Emby Connect (password or PIN) or by its address."""

    VERSION = 1
    MINOR_VERSION = 1

    # Who signed in to Emby Connect, and the servers of that account still to add.
    _connect_url: str
    _connect_username: str
    _login: ConnectLogin
    _servers: list[ConnectServer]
    # The PIN sign-in: its client, code and this install's DeviceId.
    _client: EmbyConnect
    _device_id: str
    _pin: str
    _pin_error: str
    # A server offered by integration discovery.
    _discovered: dict[str, Any]
    _discovered_name: str

    def __init__(self) -> None:
        """Start without a PIN being polled."""
        self._pin_login: ConnectLogin | None = None
        self._pin_task: asyncio.Task[None] | None = None

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the person choose how to add a server."""
        return self.async_show_menu(step_id="user", menu_options=["connect", "pin", "manual"])

    async def async_step_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in to Emby Connect with a name or email and a password."""
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (connect_url := _connect_url_input(user_input, errors)) is not None
            and (servers := await self._async_connect_sign_in(connect_url, user_input, errors))
            is not None
        ):
            if servers:
                self._servers = servers
                return await self._async_signed_in()
            errors["base"] = "no_servers"
        return self.async_show_form(
            step_id="connect",
            data_schema=self.add_suggested_values_to_schema(
                _connect_schema(), _without_password(user_input)
            ),
            errors=errors,
        )

    async def async_step_pin(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create an Emby Connect PIN for the person to confirm at emby.media/pin."""
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (connect_url := _connect_url_input(user_input, errors)) is not None
        ):
            self._connect_url = connect_url
            try:
                await self._async_create_pin()
            except Exception as err:  # noqa: BLE001 - mapped (and logged if unexpected)
                errors["base"] = _error_key(err)
            else:
                return await self.async_step_pin_wait()
        schema = probatio.Schema({probatio.Required(CONF_ADVANCED): _advanced_section()})
        return self.async_show_form(
            step_id="pin",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"url": CONNECT_PIN_URL},
        )

    async def async_step_pin_wait(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the PIN while waiting for the person to confirm it."""
        if self._pin_task is None:
            self._pin_task = self.hass.async_create_background_task(
                self._async_wait_for_pin(), f"{DOMAIN} PIN confirmation {self.flow_id}"
            )
        if not self._pin_task.done():
            return self.async_show_progress(
                step_id="pin_wait",
                progress_action="pin",
                description_placeholders={"pin": self._pin, "url": CONNECT_PIN_URL},
                progress_task=self._pin_task,
            )
        task, self._pin_task = self._pin_task, None
        try:
            task.result()
        except EmbyPinExpiredError, EmbyAuthenticationError:
            return self.async_show_progress_done(next_step_id="pin_expired")
        except Exception as err:  # noqa: BLE001 - mapped (and logged if unexpected)
            self._pin_error = _error_key(err)
            return self.async_show_progress_done(next_step_id="pin_error")
        return self.async_show_progress_done(next_step_id="pin_finish")

    async def async_step_pin_expired(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the person the PIN expired; submitting creates a new one."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await self._async_create_pin()
            except Exception as err:  # noqa: BLE001 - mapped (and logged if unexpected)
                errors["base"] = _error_key(err)
            else:
                return await self.async_step_pin_wait()
        return self.async_show_form(
            step_id="pin_expired", errors=errors, description_placeholders={"pin": self._pin}
        )

    async def async_step_pin_error(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the person Emby Connect could not be reached; submitting tries again."""
        if user_input is not None:
            return await self.async_step_pin_wait()
        return self.async_show_form(
            step_id="pin_error",
            errors={"base": self._pin_error},
            description_placeholders={"pin": self._pin, "url": CONNECT_PIN_URL},
        )

    async def async_step_pin_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the servers of the account that signed in with the PIN."""
        if not self._servers:
            return self.async_abort(reason="no_servers")
        return await self._async_signed_in()

    async def async_step_select_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the person pick the server to add; offer the others as discovered."""
        if user_input is not None:
            chosen = next(s for s in self._servers if s.system_id == user_input[CONF_SERVER])
            for server in self._servers:
                if server is not chosen:
                    discovery_flow.async_create_flow(
                        self.hass,
                        DOMAIN,
                        context={"source": SOURCE_INTEGRATION_DISCOVERY},
                        data={**self._entry_data(server), CONF_NAME: server.name},
                    )
            return await self._async_create_connect_entry(chosen)
        options = [SelectOptionDict(value=s.system_id, label=s.name) for s in self._servers]
        return self.async_show_form(
            step_id="select_server",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_SERVER): SelectSelector(
                        SelectSelectorConfig(options=options, mode=SelectSelectorMode.LIST)
                    )
                }
            ),
            description_placeholders={"username": self._connect_username},
        )

    @override
    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Offer a server of a signed-in Emby Connect account that no entry has yet."""
        data = _pick(discovery_info, CONNECT_ENTRY_KEYS)
        entry = await self.async_set_unique_id(data[CONF_SYSTEM_ID])
        updates: dict[str, Any] | None = None
        if entry is not None and _same_account(
            entry, data[CONF_CONNECT_URL], data[CONF_CONNECT_USER_ID]
        ):
            updates = _pick(data, ACCOUNT_KEYS + SERVER_KEYS)
        self._abort_if_unique_id_configured(updates=updates)
        self._discovered = data
        self._discovered_name = discovery_info[CONF_NAME]
        self.context["title_placeholders"] = {CONF_NAME: self._discovered_name}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the discovered server after the person confirms."""
        if user_input is not None:
            return self.async_create_entry(title=self._discovered_name, data=self._discovered)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={
                CONF_NAME: self._discovered_name,
                "username": self._discovered[CONF_CONNECT_USERNAME],
            },
        )

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a server by its address with one of its users."""
        return await self._async_manual_form("manual", user_input, _manual_schema())

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start signing in again when the stored sign-in is refused."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask the password again: of the Emby Connect account or of the server user."""
        entry = self._get_reauth_entry()
        if entry.data[CONF_AUTH_METHOD] == AUTH_METHOD_MANUAL:
            return await self._async_manual_form(
                "reauth_confirm",
                user_input,
                probatio.Schema(
                    {
                        probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
                        probatio.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
                    }
                ),
                defaults={CONF_USERNAME: entry.data[CONF_USERNAME]},
            )
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (
                servers := await self._async_connect_sign_in(
                    entry.data[CONF_CONNECT_URL], user_input, errors
                )
            )
            is not None
        ):
            if self._login.user_id != entry.data[CONF_CONNECT_USER_ID]:
                return self.async_abort(reason="wrong_account")
            server = next((s for s in servers if s.system_id == entry.unique_id), None)
            if server is None:
                return self.async_abort(reason="server_not_in_account")
            self._async_refresh_account(servers, skip_entry_id=entry.entry_id)
            return self.async_update_reload_and_abort(
                entry, data_updates=_pick(self._entry_data(server), ACCOUNT_KEYS + SERVER_KEYS)
            )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(
                    {
                        probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
                        probatio.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
                    }
                ),
                _without_password(user_input) or {CONF_USERNAME: entry.data[CONF_CONNECT_USERNAME]},
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the person choose how the server signs in from now on."""
        return self.async_show_menu(
            step_id="reconfigure", menu_options=["reconfigure_manual", "reconfigure_connect"]
        )

    async def async_step_reconfigure_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reach the server at an address with one of its users."""
        entry = self._get_reconfigure_entry()
        data = entry.data
        if data[CONF_AUTH_METHOD] == AUTH_METHOD_MANUAL:
            defaults = {CONF_URL: data[CONF_URL], CONF_USERNAME: data[CONF_USERNAME]}
        else:
            defaults = {CONF_URL: data[CONF_LOCAL_ADDRESS] or data[CONF_REMOTE_ADDRESS]}
        return await self._async_manual_form(
            "reconfigure_manual",
            user_input,
            _manual_schema(verify_ssl=data.get(CONF_VERIFY_SSL, True)),
            defaults=defaults,
        )

    async def async_step_reconfigure_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reach the server through an Emby Connect account that lists it."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (connect_url := _connect_url_input(user_input, errors)) is not None
            and (servers := await self._async_connect_sign_in(connect_url, user_input, errors))
            is not None
        ):
            server = next((s for s in servers if s.system_id == entry.unique_id), None)
            if server is not None:
                return self.async_update_reload_and_abort(
                    entry,
                    data={
                        **self._entry_data(server),
                        CONF_VERIFY_SSL: user_input[CONF_ADVANCED][CONF_VERIFY_SSL],
                    },
                )
            errors["base"] = "server_not_in_account"
        schema = _connect_schema(verify_ssl=entry.data.get(CONF_VERIFY_SSL, True))
        suggested = _without_password(user_input) or {
            CONF_USERNAME: entry.data.get(CONF_CONNECT_USERNAME),
            CONF_ADVANCED: {
                CONF_CONNECT_URL: entry.data.get(CONF_CONNECT_URL, DEFAULT_CONNECT_URL)
            },
        }
        return self.async_show_form(
            step_id="reconfigure_connect",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    @callback
    @override
    def async_remove(self) -> None:
        """Stop polling the PIN when the flow goes away."""
        if self._pin_task is not None:
            self._pin_task.cancel()

    async def _async_connect_sign_in(
        self, connect_url: str, user_input: dict[str, Any], errors: dict[str, str]
    ) -> list[ConnectServer] | None:
        """Sign in to Emby Connect and list the account's servers; None (and why) on failure."""
        try:
            client = await async_connect_client(self.hass, connect_url)
            login = await client.authenticate(user_input[CONF_USERNAME], user_input[CONF_PASSWORD])
            servers = await client.get_servers()
        except Exception as err:  # noqa: BLE001 - mapped (and logged if unexpected)
            errors["base"] = _error_key(err)
            return None
        self._connect_url = connect_url
        self._connect_username = user_input[CONF_USERNAME]
        self._login = login
        return servers

    async def _async_create_pin(self) -> None:
        """Create a new PIN for this Home Assistant and forget any earlier sign-in."""
        self._client = await async_connect_client(self.hass, self._connect_url)
        self._device_id = (await async_client_identity(self.hass)).device_id
        self._pin = (await self._client.create_pin(self._device_id)).pin
        self._pin_login = None

    async def _async_wait_for_pin(self) -> None:
        """Wait for the PIN to be confirmed, sign in with it and list the account's servers."""
        client = self._client
        # A retry after a failure past the confirmation does not wait for the PIN again.
        if self._pin_login is None:
            await self._async_poll_pin(client)
            self._pin_login = await client.authenticate_pin(self._device_id, self._pin)
        login = self._pin_login
        user = login.user or await client.get_user()
        self._connect_username = user.name or user.email or login.user_id
        self._servers = await client.get_servers()
        self._login = login

    async def _async_poll_pin(self, client: EmbyConnect) -> None:
        """Poll the PIN like Emby's web app until it is confirmed; raise when it expired."""
        failures = 0
        for _ in range(int(PIN_MAX_WAIT.total_seconds() / PIN_POLL_INTERVAL)):
            await asyncio.sleep(PIN_POLL_INTERVAL)
            try:
                pin = await client.get_pin(self._device_id, self._pin)
            except EmbyConnectionError, EmbyResponseError:
                failures += 1
                if failures >= PIN_POLL_ATTEMPTS:
                    raise
                continue
            failures = 0
            if pin.is_expired:
                break
            if pin.is_confirmed:
                return
        message = "The Emby Connect PIN expired"
        raise EmbyPinExpiredError(message)

    async def _async_signed_in(self) -> ConfigFlowResult:
        """Refresh the account's entries, then add its new server or let the person pick one."""
        self._async_refresh_account(self._servers)
        configured = {entry.unique_id for entry in self._async_current_entries()}
        self._servers = [s for s in self._servers if s.system_id not in configured]
        if not self._servers:
            return self.async_abort(reason="already_configured")
        if len(self._servers) == 1:
            return await self._async_create_connect_entry(self._servers[0])
        return await self.async_step_select_server()

    async def _async_create_connect_entry(self, server: ConnectServer) -> ConfigFlowResult:
        """Create the entry of a server reached through Emby Connect."""
        await self.async_set_unique_id(server.system_id, raise_on_progress=False)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=server.name, data=self._entry_data(server))

    @callback
    def _updated_entry(self) -> ConfigEntry | None:
        """Return the entry a reauth or reconfigure flow updates; None when adding one."""
        if self.source == SOURCE_REAUTH:
            return self._get_reauth_entry()
        if self.source == SOURCE_RECONFIGURE:
            return self._get_reconfigure_entry()
        return None

    def _entry_data(self, server: ConnectServer) -> dict[str, Any]:
        """Return the Connect entry data of a server of the signed-in account."""
        return connect_entry_data(self._connect_url, self._login, self._connect_username, server)

    @callback
    def _async_refresh_account(
        self, servers: list[ConnectServer], *, skip_entry_id: str | None = None
    ) -> None:
        """Store the fresh sign-in on every entry of the account, and reload those that run."""
        by_id = {server.system_id: server for server in servers}
        for entry in self._async_current_entries(include_ignore=False):
            if entry.entry_id == skip_entry_id or not _same_account(
                entry, self._connect_url, self._login.user_id
            ):
                continue
            updates = {
                CONF_CONNECT_TOKEN: self._login.access_token,
                CONF_CONNECT_USERNAME: self._connect_username,
            }
            if (server := by_id.get(entry.unique_id or "")) is not None:
                updates |= connect_server_data(server)
            if (
                self.hass.config_entries.async_update_entry(entry, data={**entry.data, **updates})
                and entry.state in RELOAD_STATES
            ):
                self.hass.config_entries.async_schedule_reload(entry.entry_id)

    async def _async_manual_form(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        schema: probatio.Schema,
        *,
        defaults: dict[str, Any] | None = None,
    ) -> ConfigFlowResult:
        """Validate a server address and user, then add or update the entry."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if self.source == SOURCE_REAUTH:
                # Reauth asks only for the user: the address and TLS checking stay.
                data = self._get_reauth_entry().data
                url, verify_ssl = data[CONF_URL], data.get(CONF_VERIFY_SSL, True)
            else:
                url = _normalize_url(user_input[CONF_URL], server=True)
                verify_ssl = user_input[CONF_VERIFY_SSL]
            if url is None:
                errors[CONF_URL] = "invalid_url"
            else:
                try:
                    return await self._async_manual_sign_in(
                        user_input, url=url, verify_ssl=verify_ssl
                    )
                except AbortFlow:
                    raise
                except Exception as err:  # noqa: BLE001 - mapped (and logged if unexpected)
                    errors["base"] = _error_key(err)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, _without_password(user_input) or defaults
            ),
            errors=errors,
        )

    async def _async_manual_sign_in(
        self, user_input: dict[str, Any], *, url: str, verify_ssl: bool
    ) -> ConfigFlowResult:
        """Check that the address is this Emby server, sign the user in and finish the flow."""
        entry = self._updated_entry()
        server = EmbyServer(
            url=url,
            identity=await async_client_identity(self.hass),
            session=async_get_clientsession(self.hass),
            verify_ssl=verify_ssl,
        )
        info = await server.get_public_info()
        if not _is_emby_version(info.version):
            message = f"The server answers with version {info.version}"
            raise NotEmbyServerError(message)
        existing = await self.async_set_unique_id(info.id, raise_on_progress=False)
        if entry is not None:
            # Never send the credentials to a server that is not this entry's.
            self._abort_if_unique_id_mismatch()
        elif existing is not None and existing.data.get(CONF_AUTH_METHOD) == AUTH_METHOD_MANUAL:
            self._abort_if_unique_id_configured(
                updates={CONF_URL: url, CONF_VERIFY_SSL: verify_ssl}
            )
        else:
            self._abort_if_unique_id_configured()
        login = await server.authenticate_by_name(
            user_input[CONF_USERNAME], user_input.get(CONF_PASSWORD, "")
        )
        data = {
            CONF_AUTH_METHOD: AUTH_METHOD_MANUAL,
            CONF_SYSTEM_ID: info.id,
            CONF_URL: url,
            CONF_VERIFY_SSL: verify_ssl,
            CONF_USERNAME: user_input[CONF_USERNAME],
            CONF_USER_ID: login.user_id,
            CONF_ACCESS_TOKEN: login.access_token,
        }
        if entry is None:
            return self.async_create_entry(title=info.server_name, data=data)
        return self.async_update_reload_and_abort(entry, data=data)
