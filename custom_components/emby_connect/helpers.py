"""Shared builders: the Emby Connect client and the identity sent to Emby servers."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.loader import async_get_integration

from .aioemby import ClientIdentity, EmbyConnect
from .const import APP_NAME, DOMAIN


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
