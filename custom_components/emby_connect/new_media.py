"""New media on a server: the items a library scan added, told once per scan batch.

Emby sends LibraryChanged a few seconds after a scan stopped adding items, with their Ids.
While a scan runs (an administrator hears its RefreshProgress), what arrives is held until it
ends and its last LibraryChanged came; otherwise the messages of one short moment make a batch.
The Ids are resolved to items in a few bounded requests; folders (series, seasons, albums the
scan made) are left out: new media is what can be played.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .aioemby import (
    LIBRARY_SCAN_KEY,
    EmbyError,
    EmbyLibrary,
    EmbyMessage,
    EmbyServer,
    LibraryChangedMessage,
    MediaItem,
    RefreshProgressMessage,
    ScheduledTaskEndedMessage,
)
from .const import LOGGER
from .coordinator import EmbyConfigEntry
from .event_source import EmbyServerEventSource, item_data
from .pending import Pending

NEW_MEDIA: Final = "new_media"
# LibraryChanged messages this close together are one batch.
BATCH_WINDOW: Final = 0.2
# After a scan ended, how long its last LibraryChanged may take (Emby waits 5 s).
SCAN_TAIL: Final = 6.0
# A scan that reported no progress for this long (seconds) is taken as ended.
SCAN_SILENCE: Final = 600.0
# Items an event lists (the count says how many there were in all).
MAX_LISTED: Final = 25


def new_media_data(items: list[MediaItem], total: int) -> dict[str, Any]:
    """Return the data of a new media event: the items, their series, and how many."""
    series = sorted({item.series_name for item in items if item.series_name})
    return {
        "count": total,
        "series": series,
        "items": [item_data(item) for item in items[:MAX_LISTED]],
    }


class EmbyNewMedia(EmbyServerEventSource):
    """Tell listeners once per scan batch which items a server's libraries gained."""

    def __init__(self, hass: HomeAssistant, entry: EmbyConfigEntry) -> None:
        """Initialize the new media source of a server."""
        super().__init__(hass, entry)
        self._pending: list[str] = []
        self._scan_seen: float | None = None
        self._timer = Pending()
        self._flush_job = HassJob(self._async_due, "Emby new media batch")
        self._lock = asyncio.Lock()

    def _async_watch(self) -> list[CALLBACK_TYPE]:
        """Follow what the server pushes."""
        return [self._push.async_subscribe(self._async_message), self._async_forget]

    @callback
    def _async_message(self, message: EmbyMessage) -> None:
        """Collect added items; follow a running scan."""
        match message:
            case RefreshProgressMessage(progress=progress) if progress < 100:  # noqa: PLR2004
                self._scan_seen = self.hass.loop.time()
                if self._pending:
                    # Held for the scan's end, unless it falls silent (its end was lost).
                    self._async_flush_in(SCAN_SILENCE)
            case ScheduledTaskEndedMessage(result=result) if result.key == LIBRARY_SCAN_KEY:
                self._scan_seen = None
                if self._pending:
                    self._async_flush_in(SCAN_TAIL)
            case LibraryChangedMessage(items_added=added) if added:
                self._pending.extend(item_id for item_id in added if item_id)
                self._async_flush_in(SCAN_SILENCE if self._scanning() else BATCH_WINDOW)
            case _:
                pass

    def _scanning(self) -> bool:
        """Return whether a scan is under way (it reported progress lately)."""
        seen = self._scan_seen
        return seen is not None and self.hass.loop.time() - seen < SCAN_SILENCE

    @callback
    def _async_flush_in(self, delay: float) -> None:
        """Send the pending batch after delay seconds (again from now)."""
        self._timer.hold(async_call_later(self.hass, delay, self._flush_job))

    @callback
    def _async_forget(self) -> None:
        """Drop what was collected: nobody listens any more."""
        self._timer.cancel()
        self._pending = []
        self._scan_seen = None

    @callback
    def _async_due(self, _now: datetime) -> None:
        """Send the batch collected so far."""
        self._timer.done()
        ids, self._pending = self._pending, []
        if ids:
            self._entry.async_create_background_task(
                self.hass, self._async_send(ids), f"New media of {self._entry.title}"
            )

    async def _async_send(self, ids: list[str]) -> None:
        """Resolve a batch's Ids to items and fire one event (one batch at a time, in order)."""

        async def read(server: EmbyServer) -> list[MediaItem]:
            return await EmbyLibrary(server).get_items_by_ids(ids)

        async with self._lock:
            try:
                items = await self._connection.async_call(read)
            except EmbyError as err:
                LOGGER.debug("Cannot read the %d new items: %s", len(ids), err)
                return
            playable = [item for item in items if not item.is_folder]
            if playable and self._listeners:
                self._async_fire(NEW_MEDIA, new_media_data(playable, len(playable)))
