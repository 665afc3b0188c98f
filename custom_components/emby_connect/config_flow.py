"""Config flow to add Emby servers through Emby Connect or by address."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast, override

from homeassistant.config_entries import (
    SOURCE_INTEGRATION_DISCOVERY,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow, section
from homeassistant.helpers import discovery_flow
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

from .aioemby import (
    DEFAULT_CONNECT_URL,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyPinExpiredError,
)
from .const import (
    AUTH_METHOD_CONNECT,
    AUTH_METHOD_MANUAL,
    CONF_ADVANCED,
    CONF_AUTH_METHOD,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_USERNAME,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_SERVER,
    CONNECT_PIN_URL,
    DOMAIN,
    EXAMPLE_PROXY_URL,
    EXAMPLE_SERVER_URL,
    LOGGER,
)
from .entry_data import (
    ACCOUNT_KEYS,
    SERVER_KEYS,
    ConnectDiscovery,
    ConnectEntryData,
    ManualEntryData,
    connect_account_data,
    connect_discovery,
    connect_server_data,
    pick,
)
from .options_flow import EmbyOptionsFlow
from .pin import PinSignIn
from .validation import (
    ConnectAccount,
    ProbedServer,
    async_probe_server,
    async_sign_in_connect,
    form_errors,
    require_servers,
    validate_connect_url,
    validate_server_url,
)

# The name of a discovered server, shown in the flow's title.
CONF_NAME = "name"

# A flow's change to an entry takes effect by a reload (async_update_reload_and_abort,
# _abort_if_unique_id_configured(updates=...)): entries have no update listener, see
# __init__.py. Entries that run (or tried to) take up a repaired sign-in by reloading.
RELOAD_STATES = (
    ConfigEntryState.LOADED,
    ConfigEntryState.SETUP_RETRY,
    ConfigEntryState.SETUP_ERROR,
)

USERNAME_SELECTOR = TextSelector(TextSelectorConfig(autocomplete="username"))
PASSWORD_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL, autocomplete="url"))

# Signing in again keeps the address (a server user) or the Emby Connect service (an account).
REAUTH_CONNECT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
        probatio.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
    }
)
REAUTH_MANUAL_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_USERNAME): USERNAME_SELECTOR,
        probatio.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
    }
)


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
    return REAUTH_CONNECT_SCHEMA.extend(
        {probatio.Required(CONF_ADVANCED): _advanced_section(verify_ssl=verify_ssl)}
    )


def _manual_schema(*, verify_ssl: bool = True) -> probatio.Schema:
    """Return the form that adds a server by address."""
    return probatio.Schema(
        {
            probatio.Required(CONF_URL): URL_SELECTOR,
            **REAUTH_MANUAL_SCHEMA.schema,
            probatio.Required(CONF_VERIFY_SSL, default=verify_ssl): BooleanSelector(),
        }
    )


def _sign_in_form(
    flow: ConfigFlow,
    step_id: str,
    schema: probatio.Schema,
    user_input: dict[str, Any] | None,
    errors: dict[str, str],
    *,
    defaults: Mapping[str, Any] | None = None,
) -> ConfigFlowResult:
    """Show a sign-in form, filled with what was typed but the password, or with defaults."""
    typed = None
    if user_input is not None:
        typed = {key: value for key, value in user_input.items() if key != CONF_PASSWORD}
    return flow.async_show_form(
        step_id=step_id,
        data_schema=flow.add_suggested_values_to_schema(schema, typed or defaults),
        errors=errors,
        # Translations take URLs as placeholders: the example addresses of the address field.
        description_placeholders=(
            {"example_url": EXAMPLE_SERVER_URL, "example_proxy_url": EXAMPLE_PROXY_URL}
            if CONF_URL in schema.schema
            else None
        ),
    )


def _same_account(entry: ConfigEntry, connect_url: str, connect_user_id: str) -> bool:
    """Return whether an entry reaches its server through this Emby Connect account."""
    return (
        entry.data.get(CONF_AUTH_METHOD) == AUTH_METHOD_CONNECT
        and entry.data.get(CONF_CONNECT_URL) == connect_url
        and entry.data.get(CONF_CONNECT_USER_ID) == connect_user_id
    )


async def _async_check[T](check: Awaitable[T]) -> tuple[T | None, dict[str, str]]:
    """Run what a form asks for; return its result, or the form errors that say why not."""
    try:
        return await check, {}
    except AbortFlow:
        raise
    except Exception as err:  # noqa: BLE001 - mapped (and logged if unexpected)
        return None, form_errors(err)


type SignInAttempt = Callable[[dict[str, Any]], Awaitable[ConfigFlowResult]]


async def _async_sign_in_step(
    flow: ConfigFlow,
    step_id: str,
    schema: probatio.Schema,
    user_input: dict[str, Any] | None,
    attempt: SignInAttempt,
    *,
    defaults: Mapping[str, Any] | None = None,
) -> ConfigFlowResult:
    """Show a sign-in form; once filled in, make the attempt, or show the form with why not."""
    errors: dict[str, str] = {}
    if user_input is not None:
        result, errors = await _async_check(attempt(user_input))
        if result is not None:
            return result
    return _sign_in_form(flow, step_id, schema, user_input, errors, defaults=defaults)


async def _async_sign_in(hass: HomeAssistant, user_input: dict[str, Any]) -> ConnectAccount:
    """Sign in with an Emby Connect form, at the address of its section; the account has servers."""
    connect_url = validate_connect_url(user_input[CONF_ADVANCED][CONF_CONNECT_URL])
    return require_servers(
        await async_sign_in_connect(
            hass, connect_url, user_input[CONF_USERNAME], user_input[CONF_PASSWORD]
        )
    )


async def _async_sign_in_listing(
    hass: HomeAssistant, user_input: dict[str, Any], system_id: str | None
) -> tuple[ConnectAccount, ConnectServer]:
    """Sign in with an Emby Connect form to an account that lists this server."""
    account = await _async_sign_in(hass, user_input)
    return account, account.listed(system_id)


async def _async_create_pin(hass: HomeAssistant, user_input: dict[str, Any]) -> PinSignIn:
    """Create a PIN at the Emby Connect address of a form's section."""
    connect_url = validate_connect_url(user_input[CONF_ADVANCED][CONF_CONNECT_URL])
    return await PinSignIn.async_create(hass, connect_url)


type ServerCheck = Callable[[ProbedServer], Awaitable[None]]


class EmbyConnectAccountFlow(ConfigFlow):
    """Steps that sign in to an Emby Connect account: add its servers, sign in again, move to it."""

    # A fresh Emby Connect sign-in, and the servers of the account that no entry has yet.
    _account: ConnectAccount
    _new_servers: list[ConnectServer]
    # A server offered by integration discovery.
    _discovered: ConnectDiscovery

    async def async_step_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in to Emby Connect with a name or email and a password."""

        async def attempt(typed: dict[str, Any]) -> ConfigFlowResult:
            return await self._async_add_servers_of(await _async_sign_in(self.hass, typed))

        return await _async_sign_in_step(self, "connect", _connect_schema(), user_input, attempt)

    async def async_step_select_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the person pick the server to add; offer the others as discovered."""
        account = self._account
        if user_input is not None:
            chosen = next(s for s in self._new_servers if s.system_id == user_input[CONF_SERVER])
            for server in self._new_servers:
                if server is not chosen:
                    discovery_flow.async_create_flow(
                        self.hass,
                        DOMAIN,
                        context={"source": SOURCE_INTEGRATION_DISCOVERY},
                        data=connect_discovery(
                            account.connect_url, account.login, account.username, server
                        ),
                    )
            return await self._async_create_connect_entry(chosen)
        options = [SelectOptionDict(value=s.system_id, label=s.name) for s in self._new_servers]
        selector = SelectSelector(
            SelectSelectorConfig(options=options, mode=SelectSelectorMode.LIST)
        )
        return self.async_show_form(
            step_id="select_server",
            data_schema=probatio.Schema({probatio.Required(CONF_SERVER): selector}),
            description_placeholders={"username": account.username},
        )

    @override
    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Offer a server of a signed-in Emby Connect account that no entry has yet."""
        discovery = self._discovered = cast("ConnectDiscovery", discovery_info)
        data = discovery["entry_data"]
        entry = await self.async_set_unique_id(discovery["system_id"])
        updates: dict[str, Any] | None = None
        if entry is not None and _same_account(
            entry, data[CONF_CONNECT_URL], data[CONF_CONNECT_USER_ID]
        ):
            updates = pick(data, ACCOUNT_KEYS + SERVER_KEYS)
        self._abort_if_unique_id_configured(updates=updates)
        self.context["title_placeholders"] = {CONF_NAME: discovery["name"]}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the discovered server after the person confirms."""
        name, data = self._discovered["name"], self._discovered["entry_data"]
        if user_input is not None:
            return self.async_create_entry(title=name, data=data)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={CONF_NAME: name, "username": data[CONF_CONNECT_USERNAME]},
        )

    async def async_step_reconfigure_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reach the server through an Emby Connect account that lists it."""
        entry = self._get_reconfigure_entry()

        async def attempt(typed: dict[str, Any]) -> ConfigFlowResult:
            account, server = await _async_sign_in_listing(self.hass, typed, entry.unique_id)
            verify_ssl = typed[CONF_ADVANCED][CONF_VERIFY_SSL]
            return self.async_update_reload_and_abort(
                entry, data=account.entry_data(server, verify_ssl=verify_ssl)
            )

        schema = _connect_schema(verify_ssl=entry.data.get(CONF_VERIFY_SSL, True))
        defaults = {
            CONF_USERNAME: entry.data.get(CONF_CONNECT_USERNAME),
            CONF_ADVANCED: {
                CONF_CONNECT_URL: entry.data.get(CONF_CONNECT_URL, DEFAULT_CONNECT_URL)
            },
        }
        return await _async_sign_in_step(
            self, "reconfigure_connect", schema, user_input, attempt, defaults=defaults
        )

    async def async_step_reauth_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign in to the entry's Emby Connect account again; that repairs all its servers."""
        entry = self._get_reauth_entry()
        data = cast("ConnectEntryData", entry.data)

        async def attempt(typed: dict[str, Any]) -> ConfigFlowResult:
            account = await async_sign_in_connect(
                self.hass, data[CONF_CONNECT_URL], typed[CONF_USERNAME], typed[CONF_PASSWORD]
            )
            if account.login.user_id != data[CONF_CONNECT_USER_ID]:
                return self.async_abort(reason="wrong_account")
            if (server := account.find(entry.unique_id)) is None:
                return self.async_abort(reason="server_not_in_account")
            self._async_repair_account(account, entry)
            return self.async_update_reload_and_abort(
                entry,
                data_updates={
                    **connect_account_data(account.login, account.username),
                    **connect_server_data(server),
                },
            )

        defaults = {CONF_USERNAME: data[CONF_CONNECT_USERNAME]}
        return await _async_sign_in_step(
            self, "reauth_connect", REAUTH_CONNECT_SCHEMA, user_input, attempt, defaults=defaults
        )

    async def _async_add_servers_of(self, account: ConnectAccount) -> ConfigFlowResult:
        """Add the account's one new server, or let the person pick one of its new servers."""
        self._account = account
        configured = self._async_current_ids(include_ignore=False)
        self._new_servers = [s for s in account.servers if s.system_id not in configured]
        if not self._new_servers:
            return self.async_abort(reason="no_new_servers")
        if len(self._new_servers) == 1:
            return await self._async_create_connect_entry(self._new_servers[0])
        return await self.async_step_select_server()

    async def _async_create_connect_entry(self, server: ConnectServer) -> ConfigFlowResult:
        """Create the entry of a server of the account, with the token of this sign-in."""
        await self.async_set_unique_id(server.system_id, raise_on_progress=False)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=server.name, data=self._account.entry_data(server))

    @callback
    def _async_repair_account(self, account: ConnectAccount, signed_in: ConfigEntry) -> None:
        """Store a new sign-in on the account's other entries, and reload those that run."""
        for entry in self._async_current_entries(include_ignore=False):
            if entry.entry_id == signed_in.entry_id or not _same_account(
                entry, account.connect_url, account.login.user_id
            ):
                continue
            updates: dict[str, Any] = dict(connect_account_data(account.login, account.username))
            if (server := account.find(entry.unique_id)) is not None:
                updates |= connect_server_data(server)
            if (
                self.hass.config_entries.async_update_entry(entry, data={**entry.data, **updates})
                and entry.state in RELOAD_STATES
            ):
                LOGGER.debug("Emby Connect sign-in renewed for %s, reloading it", entry.title)
                self.hass.config_entries.async_schedule_reload(entry.entry_id)


class EmbyPinFlow(EmbyConnectAccountFlow):
    """Steps that sign in to Emby Connect with a PIN confirmed at emby.media/pin."""

    # The PIN sign-in, and why checking it failed.
    _pin: PinSignIn
    _pin_errors: dict[str, str]

    def __init__(self) -> None:
        """Start without a PIN being polled."""
        super().__init__()
        self._pin_task: asyncio.Task[ConnectAccount] | None = None

    async def async_step_pin(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create an Emby Connect PIN for the person to confirm at emby.media/pin."""
        errors: dict[str, str] = {}
        if user_input is not None:
            pin, errors = await _async_check(_async_create_pin(self.hass, user_input))
            if pin is not None:
                self._pin = pin
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
                self._pin.async_wait(), f"{DOMAIN} PIN confirmation {self.flow_id}"
            )
        if not self._pin_task.done():
            return self.async_show_progress(
                step_id="pin_wait",
                progress_action="pin",
                description_placeholders={"pin": self._pin.pin, "url": CONNECT_PIN_URL},
                progress_task=self._pin_task,
            )
        task, self._pin_task = self._pin_task, None
        if isinstance(task.exception(), EmbyPinExpiredError | EmbyAuthenticationError):
            return self.async_show_progress_done(next_step_id="pin_expired")
        account, self._pin_errors = await _async_check(task)
        if account is None:
            return self.async_show_progress_done(next_step_id="pin_error")
        self._account = account
        return self.async_show_progress_done(next_step_id="pin_finish")

    async def async_step_pin_expired(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the person the PIN expired; submitting creates a new one."""
        errors: dict[str, str] = {}
        if user_input is not None:
            pin, errors = await _async_check(
                PinSignIn.async_create(self.hass, self._pin.connect_url)
            )
            if pin is not None:
                self._pin = pin
                return await self.async_step_pin_wait()
        return self.async_show_form(
            step_id="pin_expired", errors=errors, description_placeholders={"pin": self._pin.pin}
        )

    async def async_step_pin_error(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell the person Emby Connect could not be reached; submitting tries again."""
        if user_input is not None:
            return await self.async_step_pin_wait()
        return self.async_show_form(
            step_id="pin_error",
            errors=self._pin_errors,
            description_placeholders={"pin": self._pin.pin, "url": CONNECT_PIN_URL},
        )

    async def async_step_pin_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the servers of the account that signed in with the PIN."""
        if not self._account.servers:
            return self.async_abort(reason="no_servers")
        return await self._async_add_servers_of(self._account)

    @callback
    @override
    def async_remove(self) -> None:
        """Stop polling the PIN when the flow goes away."""
        if self._pin_task is not None:
            self._pin_task.cancel()


class EmbyServerFlow(ConfigFlow):
    """Steps that sign in to a server at its address with one of its users."""

    async def async_step_manual(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a server by its address with one of its users."""

        async def attempt(typed: dict[str, Any]) -> ConfigFlowResult:
            server, data = await self._async_sign_in_entered(typed, self._async_abort_if_added)
            return self.async_create_entry(title=server.info.server_name, data=data)

        return await _async_sign_in_step(self, "manual", _manual_schema(), user_input, attempt)

    async def async_step_reauth_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Sign a user of the server in again, at the entry's address."""
        entry = self._get_reauth_entry()

        async def attempt(typed: dict[str, Any]) -> ConfigFlowResult:
            _, data = await self._async_sign_in_at(
                typed,
                self._async_abort_if_other_server,
                url=entry.data[CONF_URL],
                verify_ssl=entry.data.get(CONF_VERIFY_SSL, True),
            )
            return self.async_update_reload_and_abort(entry, data=data)

        defaults = {CONF_USERNAME: entry.data[CONF_USERNAME]}
        return await _async_sign_in_step(
            self, "reauth_manual", REAUTH_MANUAL_SCHEMA, user_input, attempt, defaults=defaults
        )

    async def async_step_reconfigure_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reach the server at an address with one of its users."""
        entry = self._get_reconfigure_entry()

        async def attempt(typed: dict[str, Any]) -> ConfigFlowResult:
            _, data = await self._async_sign_in_entered(typed, self._async_abort_if_other_server)
            return self.async_update_reload_and_abort(entry, data=data)

        stored = entry.data
        if stored[CONF_AUTH_METHOD] == AUTH_METHOD_MANUAL:
            defaults = {CONF_URL: stored[CONF_URL], CONF_USERNAME: stored[CONF_USERNAME]}
        else:
            defaults = {CONF_URL: stored[CONF_LOCAL_ADDRESS] or stored[CONF_REMOTE_ADDRESS]}
        schema = _manual_schema(verify_ssl=stored.get(CONF_VERIFY_SSL, True))
        return await _async_sign_in_step(
            self, "reconfigure_manual", schema, user_input, attempt, defaults=defaults
        )

    async def _async_sign_in_entered(
        self, user_input: dict[str, Any], check: ServerCheck
    ) -> tuple[ProbedServer, ManualEntryData]:
        """Sign in at the address and with the TLS checking a form holds."""
        url = validate_server_url(user_input[CONF_URL])
        return await self._async_sign_in_at(
            user_input, check, url=url, verify_ssl=user_input[CONF_VERIFY_SSL]
        )

    async def _async_sign_in_at(
        self, user_input: dict[str, Any], check: ServerCheck, *, url: str, verify_ssl: bool
    ) -> tuple[ProbedServer, ManualEntryData]:
        """Ask the address who it is, let the step check the answer, then sign the user in."""
        server = await async_probe_server(self.hass, url, verify_ssl=verify_ssl)
        await check(server)
        # A user without a password leaves the field empty.
        password = user_input.get(CONF_PASSWORD, "")
        return server, await server.async_sign_in(user_input[CONF_USERNAME], password)

    async def _async_abort_if_added(self, server: ProbedServer) -> None:
        """Abort when the server has an entry; one added by address takes the new address."""
        existing = await self.async_set_unique_id(server.info.id, raise_on_progress=False)
        if existing is not None and existing.data.get(CONF_AUTH_METHOD) == AUTH_METHOD_MANUAL:
            self._abort_if_unique_id_configured(
                updates={CONF_URL: server.url, CONF_VERIFY_SSL: server.verify_ssl}
            )
        self._abort_if_unique_id_configured()

    async def _async_abort_if_other_server(self, server: ProbedServer) -> None:
        """Abort, before any credential is sent, when the address answers as another server."""
        await self.async_set_unique_id(server.info.id, raise_on_progress=False)
        self._abort_if_unique_id_mismatch()


class EmbyConnectConfigFlow(EmbyPinFlow, EmbyServerFlow, domain=DOMAIN):
    """Add an Emby server: through Emby Connect (password or PIN) or by its address."""

    VERSION = 2
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> EmbyOptionsFlow:
        """Return the options flow of a server entry."""
        return EmbyOptionsFlow()

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the person choose how to add a server."""
        return self.async_show_menu(
            step_id="user",
            menu_options=["connect", "pin", "manual"],
            description_placeholders={"url": CONNECT_PIN_URL},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Ask to sign in again the way the entry signs in."""
        if entry_data[CONF_AUTH_METHOD] == AUTH_METHOD_MANUAL:
            return await self.async_step_reauth_manual()
        return await self.async_step_reauth_connect()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the person choose how the server signs in from now on."""
        return self.async_show_menu(
            step_id="reconfigure", menu_options=["reconfigure_manual", "reconfigure_connect"]
        )
