"""Sensors of an Emby server: sessions, streams, library counts, version, connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfDataRate
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .aioemby import ConnectionMode, ItemCounts, Session
from .coordinator import EmbyConfigEntry, EmbyLibraryCoordinator
from .data import EmbyData
from .entity import EmbyEntityDescription, EmbyFollowingEntity, EmbyStatusEntity, readable
from .library_scan import async_library_scan_sensors
from .streams import remote_streams, total_bitrate

# The coordinators poll; entities only read what they found.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EmbySensorEntityDescription(EmbyEntityDescription, SensorEntityDescription):
    """Describe a sensor of an Emby server's status."""

    value_fn: Callable[[EmbyData], StateType]


@dataclass(frozen=True, kw_only=True)
class EmbyLibrarySensorEntityDescription(SensorEntityDescription):
    """Describe a library count of an Emby server."""

    value_fn: Callable[[ItemCounts], int]


def _sessions(key: str, count_fn: Callable[[list[Session]], int]) -> EmbySensorEntityDescription:
    """Describe a count of sessions, for users who may list them.

    All three share the unit "sessions", so history draws them in one graph; long-term
    statistics keep their hourly mean, minimum and maximum (how busy the server was).
    """
    return EmbySensorEntityDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=lambda data: data.sessions is not None,
        value_fn=lambda data: count_fn(data.sessions) if data.sessions is not None else None,
    )


def _library(
    key: str, count_fn: Callable[[ItemCounts], int], *, enabled: bool = True
) -> EmbyLibrarySensorEntityDescription:
    """Describe a library count, for users who may read the counts.

    All share the unit "items", so history draws them in one graph. A count is a total that
    grows and shrinks: long-term statistics keep it with its change (items added per day or
    month), where a measurement would keep an hourly mean of it, which nobody reads.
    """
    return EmbyLibrarySensorEntityDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.TOTAL,
        entity_registry_enabled_default=enabled,
        value_fn=count_fn,
    )


SENSORS = [
    _sessions("active_sessions", len),
    # Playing counts streams that are not paused; paused ones have their own figure.
    _sessions("now_playing", lambda sessions: sum(item.is_playing for item in sessions)),
    _sessions("paused", lambda sessions: sum(item.is_paused for item in sessions)),
    _sessions("transcoding", lambda sessions: sum(item.is_transcoding for item in sessions)),
    # Stream load: what the playing streams take of the upload, and how many leave the LAN.
    _sessions("remote_streams", remote_streams),
    EmbySensorEntityDescription(
        key="stream_bitrate",
        translation_key="stream_bitrate",
        device_class=SensorDeviceClass.DATA_RATE,
        native_unit_of_measurement=UnitOfDataRate.BITS_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEGABITS_PER_SECOND,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=lambda data: data.sessions is not None,
        value_fn=lambda data: total_bitrate(data.sessions) if data.sessions is not None else None,
    ),
    EmbySensorEntityDescription(
        key="version",
        translation_key="version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.version,
    ),
    EmbySensorEntityDescription(
        key="connection",
        translation_key="connection",
        device_class=SensorDeviceClass.ENUM,
        options=[mode.value for mode in ConnectionMode],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.mode.value,
    ),
]

LIBRARY_SENSORS = [
    _library("movies", lambda counts: counts.movie_count),
    _library("series", lambda counts: counts.series_count),
    _library("episodes", lambda counts: counts.episode_count),
    _library("songs", lambda counts: counts.song_count),
    _library("albums", lambda counts: counts.album_count),
    _library("music_videos", lambda counts: counts.music_video_count, enabled=False),
    _library("books", lambda counts: counts.book_count, enabled=False),
    _library("trailers", lambda counts: counts.trailer_count, enabled=False),
]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of an Emby server that its user may read."""
    runtime_data = entry.runtime_data
    status, library = runtime_data.status, runtime_data.library
    async_add_entities(
        EmbySensorEntity(entry, status, description) for description in readable(status, SENSORS)
    )
    if library.data is not None:
        # A user who may not read the counts (the first read was refused) gets none.
        async_add_entities(
            EmbyLibrarySensorEntity(entry, library, description) for description in LIBRARY_SENSORS
        )
    async_add_entities(await async_library_scan_sensors(hass, entry))


class EmbySensorEntity(EmbyStatusEntity, SensorEntity):
    """A sensor of an Emby server's status."""

    entity_description: EmbySensorEntityDescription

    @property
    @override
    def native_value(self) -> StateType:
        """Return the state of the sensor."""
        return self.entity_description.value_fn(self.coordinator.data)


class EmbyLibrarySensorEntity(EmbyFollowingEntity[EmbyLibraryCoordinator], SensorEntity):
    """A library count: unavailable with the server; a failed read keeps the last count."""

    entity_description: EmbyLibrarySensorEntityDescription

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers and the user may (still) read the counts."""
        return self._status.last_update_success and self.coordinator.data is not None

    @property
    @override
    def native_value(self) -> StateType:
        """Return the count."""
        counts = self.coordinator.data
        return None if counts is None else self.entity_description.value_fn(counts)
