"""Base entity of Emby Connect: one device per Emby server."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import override

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import EmbyData, EmbyServerCoordinator

MANUFACTURER = "Emby"
MODEL = "Emby Server"


@dataclass(frozen=True, kw_only=True)
class EmbyEntityDescription(EntityDescription):
    """Describe an entity of an Emby server."""

    # Whether the user may read what the entity shows (a guest or non-admin user may not).
    has_fn: Callable[[EmbyData], bool] = lambda _: True


def readable[T: EmbyEntityDescription](
    coordinator: EmbyServerCoordinator, descriptions: Iterable[T]
) -> Iterator[T]:
    """Return the descriptions the user may read, as the first poll found: no others are created."""
    return (description for description in descriptions if description.has_fn(coordinator.data))


class EmbyEntity(CoordinatorEntity[EmbyServerCoordinator]):
    """An entity of one Emby server."""

    _attr_has_entity_name = True
    entity_description: EmbyEntityDescription

    def __init__(
        self, coordinator: EmbyServerCoordinator, description: EmbyEntityDescription
    ) -> None:
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

    @property
    @override
    def available(self) -> bool:
        """Return whether the last poll succeeded and the user may (still) read this value."""
        return super().available and self.entity_description.has_fn(self.coordinator.data)
