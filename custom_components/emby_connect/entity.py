"""Base entities of Emby Connect: one device per Emby server."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, override

from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .coordinator import EmbyConfigEntry, EmbyStatusCoordinator
from .data import EmbyData
from .device import device_info, stored_device_info


@dataclass(frozen=True, kw_only=True)
class EmbyEntityDescription(EntityDescription):
    """Describe an entity of an Emby server's status."""

    # Whether the user may read what the entity shows (a guest or non-admin user may not).
    has_fn: Callable[[EmbyData], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class EmbyOfflineDescription(EntityDescription):
    """Describe an entity that may work while its server cannot be reached."""

    # Set up at once, never unavailable: it reports the server away (connectivity) or brings
    # it back (Wake server).
    works_offline: bool = False


class EmbyWorksOffline(Entity):
    """An entity available while its server is away when its description says it works then."""

    entity_description: EmbyOfflineDescription

    @property
    @override
    def available(self) -> bool:
        """Return whether the entity works now: offline ones always, the others as usual."""
        return self.entity_description.works_offline or super().available


def readable[T: EmbyEntityDescription](
    coordinator: EmbyStatusCoordinator, descriptions: Iterable[T]
) -> Iterator[T]:
    """Return the descriptions the user may read, as the first poll found: no others are created."""
    return (description for description in descriptions if description.has_fn(coordinator.data))


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
        data = runtime_data.status.data
        self._attr_device_info = (
            stored_device_info(system_id, entry.title)
            if data is None
            else device_info(system_id, data)
        )


class EmbyStatusEntity(EmbyEntity[EmbyStatusCoordinator]):
    """An entity showing what the status coordinator (System/Info, sessions) found."""

    entity_description: EmbyEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Return whether the last poll succeeded and the user may (still) read this value."""
        return super().available and self.entity_description.has_fn(self.coordinator.data)


class EmbyFollowingEntity[CoordinatorT: DataUpdateCoordinator[Any]](EmbyEntity[CoordinatorT]):
    """An entity of another coordinator that follows the status too: it shows reachability."""

    def __init__(
        self, entry: EmbyConfigEntry, coordinator: CoordinatorT, description: EntityDescription
    ) -> None:
        """Initialize the entity; it follows the server's status coordinator as well."""
        super().__init__(entry, coordinator, description)
        self._status = entry.runtime_data.status

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the status coordinator as well: the server's reachability is shown here."""
        await super().async_added_to_hass()
        self.async_on_remove(self._status.async_add_listener(self._handle_coordinator_update))
