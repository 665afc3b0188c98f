"""Binary sensors of an Emby server: reachable, restart pending (updates: update.py)."""

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
from .data import EmbyData
from .entity import (
    EmbyEntityDescription,
    EmbyOfflineDescription,
    EmbyStatusEntity,
    EmbyWorksOffline,
    readable,
)

# The coordinators poll; entities only read what they found.
PARALLEL_UPDATES = 0


def _has_system_info(data: EmbyData) -> bool:
    """Return whether the user may read System/Info (a guest may not)."""
    return data.system_info is not None


@dataclass(frozen=True, kw_only=True)
class EmbyBinarySensorEntityDescription(
    EmbyEntityDescription, EmbyOfflineDescription, BinarySensorEntityDescription
):
    """Describe a binary sensor of an Emby server."""

    is_on_fn: Callable[[EmbyStatusCoordinator], bool | None]


BINARY_SENSORS = [
    EmbyBinarySensorEntityDescription(
        key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        works_offline=True,
        is_on_fn=lambda coordinator: coordinator.last_update_success,
    ),
    EmbyBinarySensorEntityDescription(
        key="restart_pending",
        translation_key="restart_pending",
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=_has_system_info,
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
    """Set up the binary sensors of an Emby server that its user may read.

    Connectivity comes at once; while the server sleeps, the others wait until it answers.
    """
    runtime_data = entry.runtime_data
    status = runtime_data.status
    runtime_data.standby.async_add_entities(
        async_add_entities,
        offline=[
            EmbyBinarySensorEntity(entry, status, description)
            for description in BINARY_SENSORS
            if description.works_offline
        ],
        online=lambda: [
            EmbyBinarySensorEntity(entry, status, description)
            for description in readable(status, BINARY_SENSORS)
            if not description.works_offline
        ],
    )


class EmbyBinarySensorEntity(EmbyWorksOffline, EmbyStatusEntity, BinarySensorEntity):
    """A binary sensor of an Emby server."""

    entity_description: EmbyBinarySensorEntityDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the state of the binary sensor."""
        return self.entity_description.is_on_fn(self.coordinator)
