"""The base of what follows one server's connection and status poll: push, Wake-on-LAN."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.update_coordinator import (
    DataUpdateCoordinator,
    TimestampDataUpdateCoordinator,
)

from .connection import EmbyConnection
from .data import EmbyData

# The status coordinator (typed by its base: the coordinator module builds the followers).
type StatusPoll = TimestampDataUpdateCoordinator[EmbyData]


def is_reached(connection: EmbyConnection, status: DataUpdateCoordinator[EmbyData]) -> bool:
    """Return whether the last poll reached the server and its client is kept."""
    return connection.connected and status.last_update_success


class EmbyFollower:
    """Something of one server entry that acts on its connection and its status poll."""

    def __init__(self, entry: ConfigEntry, connection: EmbyConnection, status: StatusPoll) -> None:
        """Keep the entry, its connection and its status coordinator."""
        self.hass = status.hass
        self._entry = entry
        self._connection = connection
        self._status = status

    def _is_connected(self) -> bool:
        """Return whether the last poll reached the server and its client is kept."""
        return is_reached(self._connection, self._status)
