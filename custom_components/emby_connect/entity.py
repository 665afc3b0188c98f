"""Base entity of Emby Connect: one device per Emby server."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import EmbyServerCoordinator

MANUFACTURER = "Emby"
MODEL = "Emby Server"


class EmbyEntity(CoordinatorEntity[EmbyServerCoordinator]):
    """An entity of one Emby server."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: EmbyServerCoordinator, description: EntityDescription) -> None:
        """Initialize the entity and describe its server."""
        super().__init__(coordinator=coordinator)
        self.entity_description = description
        system_id = coordinator.record.system_id
        self._attr_unique_id = f"{system_id}_{description.key}"
        data = coordinator.data
        system_info = data.system_info
        operating_system = system_info.operating_system_display_name if system_info else None
        self._attr_device_info = DeviceInfo(
            configuration_url=f"{data.address}/web/index.html",
            identifiers={(DOMAIN, system_id)},
            manufacturer=MANUFACTURER,
            model=f"{MODEL} ({operating_system})" if operating_system else MODEL,
            name=data.server_name,
            sw_version=data.version,
        )
