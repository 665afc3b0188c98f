"""Events of an Emby server: new media, playback, and (for administrators) security news."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import EmbyConfigEntry, EmbyStatusCoordinator
from .entity import EmbyEntity
from .event_source import EmbyEventSource
from .new_media import NEW_MEDIA, EmbyNewMedia
from .playback import EmbyPlayback, PlaybackEvent
from .security import EmbySecurity, SecurityEvent

# Events come from push and the status coordinator: nothing to poll.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmbyEventEntityDescription(EventEntityDescription):
    """Describe an event entity of an Emby server, and what feeds it."""

    source_fn: Callable[[HomeAssistant, EmbyConfigEntry], EmbyEventSource]
    # Whether the signed-in user may hear of these events.
    has_fn: Callable[[EmbyConfigEntry], bool] = lambda _: True


EVENTS = [
    EmbyEventEntityDescription(
        key="new_media",
        translation_key="new_media",
        event_types=[NEW_MEDIA],
        source_fn=EmbyNewMedia,
    ),
    EmbyEventEntityDescription(
        key="playback",
        translation_key="playback",
        event_types=[str(event) for event in PlaybackEvent],
        source_fn=lambda _hass, entry: EmbyPlayback(
            entry.runtime_data.connection, entry.runtime_data.status, entry.runtime_data.push
        ),
    ),
    EmbyEventEntityDescription(
        key="security",
        translation_key="security",
        event_types=[str(event) for event in SecurityEvent],
        has_fn=lambda entry: entry.runtime_data.is_admin,
        source_fn=EmbySecurity,
    ),
]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the event entities an Emby server's user may have."""
    status = entry.runtime_data.status
    async_add_entities(
        EmbyEventEntity(entry, status, description, description.source_fn(hass, entry))
        for description in EVENTS
        if description.has_fn(entry)
    )


class EmbyEventEntity(EmbyEntity[EmbyStatusCoordinator], EventEntity):
    """An event entity of an Emby server, available while the server is."""

    entity_description: EmbyEventEntityDescription

    def __init__(
        self,
        entry: EmbyConfigEntry,
        coordinator: EmbyStatusCoordinator,
        description: EmbyEventEntityDescription,
        source: EmbyEventSource,
    ) -> None:
        """Initialize the event entity and keep its source."""
        super().__init__(entry, coordinator, description)
        self._source = source

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the source while the entity is in Home Assistant."""
        await super().async_added_to_hass()
        self.async_on_remove(self._source.async_add_listener(self._async_event))

    @callback
    def _async_event(self, event_type: str, data: dict[str, Any]) -> None:
        """Show one event."""
        self._trigger_event(event_type, data)
        self.async_write_ha_state()
