"""Base entity of Emby Connect: one device per Emby server."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .coordinator import EmbyConfigEntry
from .device import device_info


class EmbyEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of one Emby server, fed by one of its coordinators."""

    _attr_has_entity_name = True

    def __init__(
        self, entry: EmbyConfigEntry, coordinator: CoordinatorT, description: EntityDescription
    ) -> None:
        """Initialize the entity and describe its server."""
        super().__init__(coordinator=coordinator)
        self.entity_description = description
        runtime_data = entry.runtime_data
        system_id = runtime_data.connection.system_id
        self._attr_unique_id = f"{system_id}_{description.key}"
        self._attr_device_info = device_info(system_id, runtime_data.status.data)
