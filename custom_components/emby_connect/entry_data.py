"""What a config entry stores: one TypedDict per way of signing in, and the key lists they give."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Final, Literal, NotRequired, TypedDict, get_type_hints

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL

from .aioemby import ConnectLogin, ConnectServer, EmbyResponseError, ServerLogin, WakeOnLanInfo
from .const import (
    AUTH_METHOD_CONNECT,
    AUTH_METHOD_MANUAL,
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
    CONF_USER_ID,
    CONF_USER_TYPE,
    CONF_WAKE_ON_LAN,
)


class Private:
    """Mark a field that diagnostics leave out: a secret, or who someone is or where they live."""


PRIVATE: Final = Private()


class WakeData(TypedDict):
    """Where to wake the server: its System/WakeOnLanInfo, kept for while it sleeps.

    Added to either kind of entry data once a reachable server reported it (never by a flow).
    """

    # WakeOnLanInfo.as_dict() of each interface; absent until a reachable server reported one.
    wake_on_lan: NotRequired[Annotated[list[dict[str, Any]], PRIVATE]]


class ConnectServerData(TypedDict):
    """What Emby Connect's server list says about a server; every read of the list renews it."""

    access_key: Annotated[str, PRIVATE]
    link_id: Annotated[str | None, PRIVATE]
    user_type: str
    local_address: str | None
    remote_address: Annotated[str | None, PRIVATE]


class ConnectAccountData(TypedDict):
    """The Emby Connect sign-in, the same on every entry of the account (never the password)."""

    connect_token: Annotated[str, PRIVATE]
    connect_username: Annotated[str, PRIVATE]


class ConnectEntryData(ConnectAccountData, ConnectServerData):
    """A server reached through Emby Connect; the SystemId is the entry's unique_id."""

    auth_method: Literal["connect"]
    connect_url: str
    connect_user_id: Annotated[str, PRIVATE]
    # How the server was last reached (a ConnectionMode value), tried first at the next start.
    last_mode: str | None
    verify_ssl: bool


class ManualEntryData(TypedDict):
    """A server added by its address with one of its users: its token, never the password."""

    auth_method: Literal["manual"]
    url: Annotated[str, PRIVATE]
    verify_ssl: bool
    username: Annotated[str, PRIVATE]
    user_id: Annotated[str, PRIVATE]
    access_token: Annotated[str, PRIVATE]


class ConnectDiscovery(TypedDict):
    """What integration discovery hands the config flow: a server of a signed-in account."""

    system_id: str
    name: str
    entry_data: ConnectEntryData


# What a read of the account's server list renews on the entry of a server.
SERVER_KEYS: Final = tuple(ConnectServerData.__annotations__)
# What a new sign-in to the account renews on its entries.
ACCOUNT_KEYS: Final = tuple(ConnectAccountData.__annotations__)
# The fields marked PRIVATE, of either kind of entry.
PRIVATE_KEYS: Final = frozenset(
    key
    for data_type in (ConnectEntryData, ManualEntryData, WakeData)
    for key, hint in get_type_hints(data_type, include_extras=True).items()
    if PRIVATE in getattr(hint, "__metadata__", ())
)


def entry_system_id(entry: ConfigEntry) -> str:
    """Return the SystemId of an entry's server: its unique_id, set by every flow and migration."""
    if (system_id := entry.unique_id) is None:
        message = f"The config entry {entry.title} has no SystemId"
        raise ValueError(message)
    return system_id


def wake_targets(entry: ConfigEntry) -> list[WakeOnLanInfo]:
    """Return the Wake-on-LAN targets kept in an entry (none when it holds no valid one)."""
    try:
        return WakeOnLanInfo.list_from(entry.data.get(CONF_WAKE_ON_LAN, []))
    except EmbyResponseError:
        return []


def wake_data(targets: Iterable[WakeOnLanInfo]) -> WakeData:
    """Return the entry data that keeps the given Wake-on-LAN targets."""
    return {CONF_WAKE_ON_LAN: [target.as_dict() for target in targets]}


def pick(data: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Return the given keys of entry data, for an update of only those."""
    return {key: data[key] for key in keys}


def connect_server_data(server: ConnectServer) -> ConnectServerData:
    """Return the entry data that Emby Connect's server list says about a server."""
    return {
        CONF_ACCESS_KEY: server.access_key,
        CONF_LINK_ID: server.link_id,
        CONF_USER_TYPE: server.user_type.value,
        CONF_LOCAL_ADDRESS: server.local_address,
        CONF_REMOTE_ADDRESS: server.remote_address,
    }


def connect_account_data(login: ConnectLogin, username: str) -> ConnectAccountData:
    """Return the entry data of an Emby Connect sign-in, shared by the account's entries."""
    return {CONF_CONNECT_TOKEN: login.access_token, CONF_CONNECT_USERNAME: username}


def connect_entry_data(
    connect_url: str,
    login: ConnectLogin,
    username: str,
    server: ConnectServer,
    *,
    verify_ssl: bool = True,
) -> ConnectEntryData:
    """Return the data of a config entry for a server reached through Emby Connect."""
    return {
        CONF_AUTH_METHOD: AUTH_METHOD_CONNECT,
        CONF_CONNECT_URL: connect_url,
        CONF_CONNECT_USER_ID: login.user_id,
        **connect_account_data(login, username),
        **connect_server_data(server),
        CONF_LAST_MODE: None,
        CONF_VERIFY_SSL: verify_ssl,
    }


def manual_entry_data(
    *, url: str, verify_ssl: bool, username: str, login: ServerLogin
) -> ManualEntryData:
    """Return the data of a config entry for a server added by its address."""
    return {
        CONF_AUTH_METHOD: AUTH_METHOD_MANUAL,
        CONF_URL: url,
        CONF_VERIFY_SSL: verify_ssl,
        CONF_USERNAME: username,
        CONF_USER_ID: login.user_id,
        CONF_ACCESS_TOKEN: login.access_token,
    }


def connect_discovery(
    connect_url: str, login: ConnectLogin, username: str, server: ConnectServer
) -> ConnectDiscovery:
    """Return what offers a server of a signed-in Emby Connect account as discovered."""
    return {
        "system_id": server.system_id,
        "name": server.name,
        "entry_data": connect_entry_data(connect_url, login, username, server),
    }
