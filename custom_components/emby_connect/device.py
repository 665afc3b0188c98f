"""The device of a server: what it says about itself, kept in step with the server."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo

from .const import DOMAIN
from .data import EmbyData

MANUFACTURER = "Emby"
MODEL = "Emby Server"


def device_model(data: EmbyData) -> str:
    """Return the model: Emby Server, with the operating system when the user may read it."""
    operating_system = data.operating_system
    return f"{MODEL} ({operating_system})" if operating_system else MODEL


def configuration_url(data: EmbyData) -> str:
    """Return the address of the server's web app, at the address in use."""
    return f"{data.address}/web/index.html"


def device_info(system_id: str, data: EmbyData) -> DeviceInfo:
    """Describe the device of a server.

    No entry_type: an Emby server is software on a machine of the person's own (it has a
    version, an operating system, a web app at a LAN address, and can be restarted or woken),
    not a web service Home Assistant reaches on the internet (DeviceEntryType.SERVICE).
    """
    return DeviceInfo(
        configuration_url=configuration_url(data),
        identifiers={(DOMAIN, system_id)},
        manufacturer=MANUFACTURER,
        model=device_model(data),
        name=data.server_name,
        sw_version=data.version,
    )


def stored_device_info(system_id: str, name: str) -> DeviceInfo:
    """Describe the device of a server that has not answered yet: what its entry knows.

    Names only what the registry must have; the model, version and web address it keeps
    from an earlier run stay until the server answers.
    """
    return DeviceInfo(identifiers={(DOMAIN, system_id)}, manufacturer=MANUFACTURER, name=name)


@callback
def async_update_device(
    hass: HomeAssistant, entry: ConfigEntry, system_id: str, data: EmbyData
) -> None:
    """Keep the device's model (operating system), version and web address up to date."""
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier((DOMAIN, system_id), entry.entry_id)
    if device is None:
        # Created with the entities, from what the first poll found.
        return
    changes = {
        "model": device_model(data),
        "sw_version": data.version,
        "configuration_url": configuration_url(data),
    }
    if any(getattr(device, key) != value for key, value in changes.items()):
        registry.async_update_device(
            device.id,
            model=changes["model"],
            sw_version=changes["sw_version"],
            configuration_url=changes["configuration_url"],
        )
