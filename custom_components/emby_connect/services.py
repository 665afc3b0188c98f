"""The actions of Emby Connect, registered once in async_setup."""

from __future__ import annotations

from homeassistant.components.media_player.const import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, service
from homeassistant.helpers.typing import VolDictType
import probatio as vol

from .const import DOMAIN

SERVICE_SEND_MESSAGE = "send_message"
ATTR_HEADER = "header"
ATTR_TEXT = "text"
ATTR_TIMEOUT = "timeout"

SEND_MESSAGE_SCHEMA: VolDictType = {
    vol.Required(ATTR_TEXT): vol.All(cv.string, vol.Length(min=1)),
    vol.Optional(ATTR_HEADER, default=""): cv.string,
    vol.Optional(ATTR_TIMEOUT): vol.All(vol.Coerce(int), vol.Range(min=1, max=3600)),
}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions: a message shown in a client's app."""
    service.async_register_platform_entity_service(
        hass,
        DOMAIN,
        SERVICE_SEND_MESSAGE,
        entity_domain=MEDIA_PLAYER_DOMAIN,
        schema=SEND_MESSAGE_SCHEMA,
        func="async_send_message",
    )
