"""Shared builders: clients, the client identity and entry data from Connect answers."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.loader import async_get_integration

from .aioemby import ClientIdentity, ConnectLogin, ConnectServer, EmbyConnect
from .const import (
    APP_NAME,
    AUTH_METHOD_CONNECT,
    CONF_ACCESS_KEY,
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
    CONF_USER_TYPE,
    DOMAIN,
)


async def async_integration_version(hass: HomeAssistant) -> str:
    """Return this integration's version, sent to Emby as the client version."""
    integration = await async_get_integration(hass, DOMAIN)
    return str(integration.version or "0")


async def async_client_identity(hass: HomeAssistant) -> ClientIdentity:
    """Return the identity sent to servers: one stable DeviceId per Home Assistant install."""
    return ClientIdentity(
        client=APP_NAME,
        device_name=hass.config.location_name or APP_NAME,
        device_id=await instance_id.async_get(hass),
        version=await async_integration_version(hass),
    )


async def async_connect_client(
    hass: HomeAssistant,
    base_url: str,
    *,
    user_id: str | None = None,
    access_token: str | None = None,
) -> EmbyConnect:
    """Build an Emby Connect client on Home Assistant's shared HTTP session."""
    return EmbyConnect(
        app_name=APP_NAME,
        app_version=await async_integration_version(hass),
        session=async_get_clientsession(hass),
        base_url=base_url,
        user_id=user_id,
        access_token=access_token,
    )


# What the account's server list renews on the entry of that server.
SERVER_KEYS = (
    CONF_ACCESS_KEY,
    CONF_LINK_ID,
    CONF_USER_TYPE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
)


def connect_server_data(server: ConnectServer) -> dict[str, Any]:
    """Return the entry data that Emby Connect's server list says about a server."""
    return {
        CONF_ACCESS_KEY: server.access_key,
        CONF_LINK_ID: server.link_id,
        CONF_USER_TYPE: server.user_type.value,
        CONF_LOCAL_ADDRESS: server.local_address,
        CONF_REMOTE_ADDRESS: server.remote_address,
    }


def connect_entry_data(
    connect_url: str, login: ConnectLogin, username: str, server: ConnectServer
) -> dict[str, Any]:
    """Return the data of a config entry for a server reached through Emby Connect."""
    return {
        CONF_AUTH_METHOD: AUTH_METHOD_CONNECT,
        CONF_SYSTEM_ID: server.system_id,
        CONF_CONNECT_URL: connect_url,
        CONF_CONNECT_USER_ID: login.user_id,
        CONF_CONNECT_TOKEN: login.access_token,
        CONF_CONNECT_USERNAME: username,
        **connect_server_data(server),
        CONF_LAST_MODE: None,
        CONF_VERIFY_SSL: True,
    }
