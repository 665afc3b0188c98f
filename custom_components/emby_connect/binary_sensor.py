"""Binary sensors of an Emby server: reachable, update available, restart pending."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import EmbyConfigEntry, EmbyStatusCoordinator
from .entity import EmbyEntity

# The coordinators poll; entities only read what they found.
PARALLEL_UPDATES = 0


def _has_system_info(coordinator: EmbyStatusCoordinator) -> bool:
    """Return whether the last poll succeeded and the user may read System/Info."""
    return coordinator.last_update_success and coordinator.data.system_info is not None


@dataclass(frozen=True, kw_only=True)
class EmbyBinarySensorEntityDescription(BinarySensorEntityDescription):
    """Describe a binary sensor of an Emby server."""

    available_fn: Callable[[EmbyStatusCoordinator], bool] = _has_system_info
    is_on_fn: Callable[[EmbyStatusCoordinator], bool | None]


BINARY_SENSORS = [
    EmbyBinarySensorEntityDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        # Reporting the server as unreachable is the point, so this one never goes unavailable.
        available_fn=lambda _: True,
        is_on_fn=lambda coordinator: coordinator.last_update_success,
    ),
    EmbyBinarySensorEntityDescription(
        key="update_available",
        device_class=BinarySensorDeviceClass.UPDATE,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda coordinator: (
            info.has_update_available if (info := coordinator.data.system_info) else None
        ),
    ),
    EmbyBinarySensorEntityDescription(
        key="restart_pending",
        translation_key="restart_pending",
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda coordinator: (
            info.has_pending_restart if (info := coordinator.data.system_info) else None
        ),
    ),
]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of an Emby server."""
    status = entry.runtime_data.status
    async_add_entities(
        EmbyBinarySensorEntity(entry, status, description) for description in BINARY_SENSORS
    )


class EmbyBinarySensorEntity(EmbyEntity[EmbyStatusCoordinator], BinarySensorEntity):
    """A binary sensor of an Emby server."""

    entity_description: EmbyBinarySensorEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Return whether the state is known."""
        return self.entity_description.available_fn(self.coordinator)

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the state of the binary sensor."""
        return self.entity_description.is_on_fn(self.coordinator)
