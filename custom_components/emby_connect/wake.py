"""Wake-on-LAN of one server: keep where to wake it, send the packet, then look for it."""

from __future__ import annotations

import asyncio
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HassJob, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval

from .aioemby import EmbyAdmin, EmbyError, EmbyServer, EmbyWakeOnLan, WakeOnLanInfo
from .const import LOGGER, WAKE_RETRY_INTERVAL, WAKE_RETRY_WINDOW
from .entry_data import wake_data, wake_targets
from .follower import EmbyFollower


async def _wake_on_lan_info(server: EmbyServer) -> list[WakeOnLanInfo]:
    """Read where the server says to send its magic packet."""
    return await EmbyAdmin(server=server).get_wake_on_lan_info()


class EmbyWaker(EmbyFollower):
    """Keep a server's Wake-on-LAN targets in its entry, and wake the server with them.

    The targets are read once per connect and stored only when they changed, so a server
    asleep when Home Assistant starts can still be woken.
    """

    # Whether the targets were read since the last connect, and the search for a woken server.
    _read_for_connect = False
    _attempt: asyncio.Task[None] | None = None
    _retry: CALLBACK_TYPE | None = None
    _retry_end: CALLBACK_TYPE | None = None

    @property
    def targets(self) -> list[WakeOnLanInfo]:
        """Return where to send the magic packet, as the server last reported it."""
        return wake_targets(self._entry)

    async def async_start(self) -> None:
        """Read the targets now (before the buttons are set up) and after every reconnect."""
        entry = self._entry
        entry.async_on_unload(self._connection.async_add_listener(self._async_connection_changed))
        entry.async_on_unload(self._status.async_add_listener(self._async_status_updated))
        entry.async_on_unload(self._async_end_retry)
        if self._connection.connected:
            self._read_for_connect = True
            await self._async_read()

    async def async_wake(self) -> list[WakeOnLanInfo]:
        """Send the magic packet, then try to reach the server every second for a while.

        Raises EmbyError when no target is known or the packet cannot be sent.
        """
        sent = await EmbyWakeOnLan(self.targets).send()
        LOGGER.debug("Sent the Wake-on-LAN packet of %s", self._entry.title)
        self._async_end_retry()
        self._retry = async_track_time_interval(
            self.hass,
            self._async_try,
            WAKE_RETRY_INTERVAL,
            name=f"{self._status.name} wake",
            cancel_on_shutdown=True,
        )
        self._retry_end = async_call_later(
            self.hass,
            WAKE_RETRY_WINDOW,
            HassJob(self._async_end_retry, cancel_on_shutdown=True),
        )
        return sent

    @callback
    def _async_try(self, _now: datetime) -> None:
        """Refresh the status until the server answers (a refresh connects first)."""
        if self._is_connected():
            self._async_end_retry()
            return
        if self._attempt is not None and not self._attempt.done():
            # An address that does not answer yet takes a while to fail: no pile of attempts.
            return
        self._attempt = self._entry.async_create_task(
            self.hass, self._status.async_refresh(), name=f"{self._status.name} after a wake"
        )

    @callback
    def _async_end_retry(self, _now: datetime | None = None) -> None:
        """Stop looking for a woken server."""
        for cancel in (self._retry, self._retry_end):
            if cancel is not None:
                cancel()
        self._retry = self._retry_end = None

    @callback
    def _async_connection_changed(self) -> None:
        """Read the targets again after the next reconnect."""
        if not self._connection.connected:
            self._read_for_connect = False

    @callback
    def _async_status_updated(self) -> None:
        """Read the targets once per connect, after the poll that made it (not during it)."""
        if self._read_for_connect or not self._is_connected():
            return
        self._read_for_connect = True
        self._entry.async_create_background_task(
            self.hass, self._async_read(), name=f"Wake-on-LAN info of {self._entry.title}"
        )

    async def _async_read(self) -> None:
        """Store the targets the server reports, if they changed; keep the old ones on failure."""
        try:
            targets = await self._connection.async_call(_wake_on_lan_info)
        except EmbyError as err:
            # Admin only on some servers; the stored targets (if any) stay good.
            LOGGER.debug("Cannot read the Wake-on-LAN info of %s: %s", self._entry.title, err)
            return
        if not targets or targets == self.targets:
            return
        entry = self._entry
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, **wake_data(targets)}
        )
