"""Checks behind the config flow's forms: each raises a typed error, form_errors maps them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from yarl import URL

from .aioemby import (
    ConnectLogin,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyServer,
    EmbyUnsupportedServerError,
    PublicSystemInfo,
    UnsupportedReason,
    check_supported,
    normalize_address,
)
from .const import LOGGER
from .entry_data import ConnectEntryData, ManualEntryData, connect_entry_data, manual_entry_data
from .helpers import async_client_identity, async_connect_client


class FlowValidationError(Exception):
    """What was entered cannot be used; the form says why."""


class InvalidUrlError(FlowValidationError):
    """The server address is not an http(s) address of a host."""


class InvalidConnectUrlError(FlowValidationError):
    """The Emby Connect address is not an http(s) address of a host."""


class NotEmbyServerError(FlowValidationError):
    """The address answered, but not as an Emby server."""


class ServerTooOldError(FlowValidationError):
    """The address answers as an Emby server older than the oldest one supported."""


class NoServersError(FlowValidationError):
    """The Emby Connect account lists no server."""


class ServerNotInAccountError(FlowValidationError):
    """The Emby Connect account does not list the server of the entry."""


type ErrorTypes = type[Exception] | tuple[type[Exception], ...]

# The one place where what went wrong becomes a form error: the field it is shown at, its key.
FORM_ERRORS: Final[tuple[tuple[ErrorTypes, str, str], ...]] = (
    (InvalidUrlError, CONF_URL, "invalid_url"),
    (InvalidConnectUrlError, "base", "invalid_connect_url"),
    (NotEmbyServerError, "base", "not_emby_server"),
    (ServerTooOldError, "base", "unsupported_server"),
    (NoServersError, "base", "no_servers"),
    (ServerNotInAccountError, "base", "server_not_in_account"),
    # A user refused a call (403) when signing in was refused all the same.
    ((EmbyAuthenticationError, EmbyForbiddenError), "base", "invalid_auth"),
    ((EmbyConnectionError, EmbyResponseError), "base", "cannot_connect"),
)
UNKNOWN_ERROR: Final = "unknown"


def form_errors(err: Exception) -> dict[str, str]:
    """Return the form errors that say what went wrong; log what nobody expected."""
    for types, field, key in FORM_ERRORS:
        if isinstance(err, types):
            return {field: key}
    LOGGER.exception("Unexpected error while talking to Emby", exc_info=err)
    return {"base": UNKNOWN_ERROR}


def _http_url(value: str, *, fragment_allowed: bool = False) -> URL | None:
    """Return an http(s) address of a host without credentials or query; None otherwise."""
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
        or (url.fragment and not fragment_allowed)
    ):
        return None
    return url


def validate_connect_url(value: str) -> str:
    """Return the Emby Connect address without a trailing slash; raise when it is unusable."""
    if (url := _http_url(value)) is None:
        message = "The Emby Connect address is not an http(s) address"
        raise InvalidConnectUrlError(message)
    return str(url).rstrip("/")


def validate_server_url(value: str) -> str:
    """Return the server's own address; raise when it is unusable.

    The address may be the one the browser shows (.../web/index.html#!/home): the client
    library cuts it back to the server's address, keeping a base path like /emby.
    """
    if (url := _http_url(value, fragment_allowed=True)) is None:
        message = "The server address is not an http(s) address"
        raise InvalidUrlError(message)
    return normalize_address(str(url))


@dataclass(frozen=True, kw_only=True)
class ConnectAccount:
    """A fresh Emby Connect sign-in and the servers the account lists."""

    connect_url: str
    login: ConnectLogin
    username: str
    servers: list[ConnectServer]

    def find(self, system_id: str | None) -> ConnectServer | None:
        """Return the account's server with this SystemId, if the account lists it."""
        return next((server for server in self.servers if server.system_id == system_id), None)

    def listed(self, system_id: str | None) -> ConnectServer:
        """Return the account's server with this SystemId; raise when the account lacks it."""
        if (server := self.find(system_id)) is None:
            message = "The Emby Connect account does not list the server"
            raise ServerNotInAccountError(message)
        return server

    def entry_data(self, server: ConnectServer, *, verify_ssl: bool = True) -> ConnectEntryData:
        """Return the entry data of one of the account's servers, with this sign-in's token."""
        return connect_entry_data(
            self.connect_url, self.login, self.username, server, verify_ssl=verify_ssl
        )


async def async_sign_in_connect(
    hass: HomeAssistant, connect_url: str, username: str, password: str
) -> ConnectAccount:
    """Sign in to Emby Connect with a password and list the account's servers."""
    client = await async_connect_client(hass, connect_url)
    login = await client.authenticate(username, password)
    servers = await client.get_servers()
    return ConnectAccount(connect_url=connect_url, login=login, username=username, servers=servers)


def require_servers(account: ConnectAccount) -> ConnectAccount:
    """Return the account; raise when it lists no server to add."""
    if not account.servers:
        message = "The Emby Connect account lists no server"
        raise NoServersError(message)
    return account


@dataclass(frozen=True, kw_only=True)
class ProbedServer:
    """An address that answers as an Emby server; nobody has signed in to it yet."""

    client: EmbyServer
    url: str
    verify_ssl: bool
    info: PublicSystemInfo

    async def async_sign_in(self, username: str, password: str) -> ManualEntryData:
        """Sign a user of the server in; return the entry data with the user's token."""
        login = await self.client.authenticate_by_name(username, password)
        return manual_entry_data(
            url=self.url, verify_ssl=self.verify_ssl, username=username, login=login
        )


async def async_probe_server(hass: HomeAssistant, url: str, *, verify_ssl: bool) -> ProbedServer:
    """Ask an address who it is, without credentials; raise unless it is an Emby server."""
    client = EmbyServer(
        url=url,
        identity=await async_client_identity(hass),
        session=async_get_clientsession(hass),
        verify_ssl=verify_ssl,
    )
    info = await client.get_public_info()
    try:
        # The client's gate, the same one every connect of a stored entry goes through.
        check_supported(info)
    except EmbyUnsupportedServerError as err:
        message = f"The server answers with version {err.version}"
        if err.reason is UnsupportedReason.NOT_EMBY:
            raise NotEmbyServerError(message) from err
        raise ServerTooOldError(message) from err
    return ProbedServer(client=client, url=url, verify_ssl=verify_ssl, info=info)
