"""Security news of a server, from its activity log: failed sign-ins, new devices, lock-outs.

The server pushes ActivityLogEntry (to administrators who asked for the feed) without saying
what was logged; the log is read then, from the last entry seen on. The last entry Id is kept
for as long as the entry is loaded, so nothing fires twice, also after a reconnect, when the
log is read once to catch up on what happened while the server was away. What was logged
before Home Assistant started is not announced.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .admin import async_activity_after, async_newest_activity
from .aioemby import (
    ActivityLogEntry,
    ActivityLogEntryMessage,
    EmbyError,
    EmbyMessage,
    EmbyServer,
    Feed,
)
from .const import LOGGER
from .coordinator import EmbyConfigEntry
from .event_source import EmbyServerEventSource

# Where the first read starts when the log was empty (the entry Id decides anyway).
_LOG_START: Final = datetime(2000, 1, 1, tzinfo=UTC)


class SecurityEvent(StrEnum):
    """What the activity log told of."""

    FAILED_SIGN_IN = "failed_sign_in"
    NEW_DEVICE = "new_device"
    USER_LOCKED_OUT = "user_locked_out"


# Emby's entry types. "DeviceAdded" is the simulator's name for a new device: Emby's own is
# not documented (see embysim's README).
ENTRY_TYPES: Final = {
    "AuthenticationFailed": SecurityEvent.FAILED_SIGN_IN,
    "DeviceAdded": SecurityEvent.NEW_DEVICE,
    "UserLockedOut": SecurityEvent.USER_LOCKED_OUT,
}


def security_data(entry: ActivityLogEntry) -> dict[str, Any]:
    """Return the data of a security event: what the log says, as it says it."""
    return {
        "title": entry.name,
        "detail": entry.short_overview,
        "severity": entry.severity,
        "user_id": entry.user_id,
        "logged_at": entry.date.isoformat() if entry.date is not None else None,
    }


class EmbySecurity(EmbyServerEventSource):
    """Tell listeners of the security entries a server's activity log gains."""

    def __init__(self, hass: HomeAssistant, entry: EmbyConfigEntry) -> None:
        """Initialize the security source of a server (for an administrator)."""
        super().__init__(hass, entry)
        self._last_id: int | None = None
        self._since = _LOG_START
        self._reading: asyncio.Task[None] | None = None
        self._again = False
        self._was_connected = self._connection.connected

    def _async_watch(self) -> list[CALLBACK_TYPE]:
        """Follow the activity feed and the connection; read the log now."""
        self._was_connected = self._connection.connected
        stops = [
            self._push.async_subscribe(self._async_message, feeds=[Feed.ACTIVITY_LOG]),
            self._connection.async_add_listener(self._async_connection_changed),
        ]
        self._async_read()
        return stops

    @callback
    def _async_message(self, message: EmbyMessage) -> None:
        """Read the log when the server says it has new entries."""
        if isinstance(message, ActivityLogEntryMessage):
            self._async_read()

    @callback
    def _async_connection_changed(self) -> None:
        """Catch up on the log when a lost server is back."""
        connected = self._connection.connected
        if connected and not self._was_connected:
            self._async_read()
        self._was_connected = connected

    @callback
    def _async_read(self) -> None:
        """Read the log, or once more after the read under way."""
        if self._reading is not None and not self._reading.done():
            self._again = True
            return
        self._reading = self._entry.async_create_background_task(
            self.hass, self._async_run(), f"Activity log of {self._entry.title}"
        )

    async def _async_run(self) -> None:
        """Read the log until no new entry was announced meanwhile."""
        self._again = True
        while self._again:
            self._again = False
            if (server := self._connection.client) is None:
                # Not worth a connect of its own: the catch-up after the reconnect reads it.
                return
            try:
                await self._async_read_once(server)
            except EmbyError as err:
                # The next push or reconnect reads it again, from the same entry on.
                LOGGER.debug("Cannot read the activity log of %s: %s", self._entry.title, err)
                return

    async def _async_read_once(self, server: EmbyServer) -> None:
        """Fire the security entries logged after the last one seen.

        Through the client in use, never connecting or exchanging a token itself: the
        status poll does that, and the catch-up after it reads what this read missed.
        """
        if self._last_id is None:
            newest = await async_newest_activity(server)
            self._last_id = newest.id if newest is not None else 0
            if newest is not None and newest.date is not None:
                self._since = newest.date
            return
        for entry in await async_activity_after(server, self._since, self._last_id):
            if entry.id <= self._last_id:
                continue
            self._last_id = entry.id
            if entry.date is not None:
                self._since = max(self._since, entry.date)
            if (event := ENTRY_TYPES.get(entry.type)) is not None:
                self._async_fire(event, security_data(entry))
