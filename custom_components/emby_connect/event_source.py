"""What feeds an event entity: a source that watches a server and tells its listeners."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .aioemby import ItemType, MediaItem, NowPlayingItem

if TYPE_CHECKING:
    from .connection import EmbyConnection
    from .coordinator import EmbyConfigEntry
    from .push import EmbyPushListener

type EventListener = Callable[[str, dict[str, Any]], None]


class EmbyEventSource:
    """Tell listeners of one kind of server event; watch the server only while one listens.

    A disabled entity listens to nothing, so its source asks the server for nothing.
    What a source remembers (the last activity entry seen, who plays what) outlives its
    listeners: an entity added again does not hear old news again.
    """

    def __init__(self) -> None:
        """Initialize a source nobody listens to yet."""
        self._listeners: list[EventListener] = []
        self._stops: list[CALLBACK_TYPE] = []

    @callback
    def async_add_listener(self, listener: EventListener) -> CALLBACK_TYPE:
        """Call listener(event_type, data) on every event; return how to stop."""
        self._listeners.append(listener)
        if len(self._listeners) == 1:
            self._stops = self._async_watch()

        @callback
        def remove() -> None:
            self._listeners.remove(listener)
            if not self._listeners:
                self._async_unwatch()

        return remove

    def _async_watch(self) -> list[CALLBACK_TYPE]:
        """Start watching the server; return how to stop each part."""
        raise NotImplementedError

    @callback
    def _async_unwatch(self) -> None:
        """Stop watching the server (nobody listens any more)."""
        stops, self._stops = self._stops, []
        for stop in stops:
            stop()

    @callback
    def _async_fire(self, event_type: str, data: Mapping[str, Any]) -> None:
        """Tell every listener of one event."""
        for listener in list(self._listeners):
            # A plain string (not an enum member) is what states and automations compare.
            listener(str(event_type), dict(data))


def item_data(item: MediaItem | NowPlayingItem) -> dict[str, Any]:
    """Return what an event says of an item: type, title, series, season, episode, year."""
    kind = item.type_name if isinstance(item, MediaItem) else item.type
    episode = kind == ItemType.EPISODE
    return {
        "type": kind or None,
        "title": item.name,
        "series": item.series_name,
        "season": item.parent_index_number if episode else None,
        "episode": item.index_number if episode else None,
        "year": item.production_year,
    }


class EmbyServerEventSource(EmbyEventSource):
    """A source that reads its server through the connection in use, woken by its pushes."""

    def __init__(self, hass: HomeAssistant, entry: EmbyConfigEntry) -> None:
        """Initialize the source of a server entry."""
        super().__init__()
        self.hass = hass
        self._entry: ConfigEntry = entry
        self._connection: EmbyConnection = entry.runtime_data.connection
        self._push: EmbyPushListener = entry.runtime_data.push
