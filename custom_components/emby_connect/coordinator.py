"""Coordinators of a server entry: its status, and its library counts."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import (
    DataUpdateCoordinator,
    TimestampDataUpdateCoordinator,
    UpdateFailed,
)

from .account import EmbyAccountCoordinator
from .aioemby import EmbyError, EmbyForbiddenError, EmbyServer, ItemCounts, Session, SystemInfo
from .clients import EmbyClientDevices
from .connection import EmbyConnection
from .const import COUNTS_INTERVAL, LIBRARY_CHANGED_COOLDOWN, LOGGER, STATUS_INTERVAL
from .data import EmbyData, counted_sessions
from .device import async_update_device
from .errors import ServerShuttingDownError, emby_error_handler, update_error
from .options import EmbyOptions
from .pending import Pending
from .push import EmbyPushListener
from .standby import EmbyStandby
from .wake import EmbyWaker

type EmbyConfigEntry = ConfigEntry[EmbyRuntimeData]


@dataclass(kw_only=True)
class EmbyRuntimeData:
    """What a loaded server entry holds."""

    connection: EmbyConnection
    status: EmbyStatusCoordinator
    library: EmbyLibraryCoordinator
    push: EmbyPushListener
    wake: EmbyWaker
    clients: EmbyClientDevices
    # Whether the signed-in user administers the server, as found when setup reached it.
    is_admin: bool
    account: EmbyAccountCoordinator | None
    standby: EmbyStandby


def server_title(entry: EmbyConfigEntry) -> str:
    """Return the name a server is shown by: its own, or the entry's until it has answered."""
    data = entry.runtime_data.status.data
    return data.server_name if data is not None else entry.title


async def _unless_forbidden[T](call: Awaitable[T]) -> T | None:
    """Return the answer of a call, or None when the user may not make it."""
    try:
        return await call
    except EmbyForbiddenError:
        return None


async def _system_info(server: EmbyServer) -> SystemInfo | None:
    """Read System/Info; None when the user may not."""
    return await _unless_forbidden(server.get_system_info())


async def _sessions(server: EmbyServer) -> list[Session] | None:
    """Read the sessions; None when the user may not."""
    return await _unless_forbidden(server.get_sessions())


async def _item_counts(server: EmbyServer) -> ItemCounts | None:
    """Read the library counts; None when the user may not."""
    return await _unless_forbidden(server.get_item_counts())


class EmbyEntryCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator of one server entry, reading the server through the entry's connection."""

    config_entry: EmbyConfigEntry
    # What the coordinator's name says after the server's name, and how often it reads.
    name_suffix: ClassVar[str] = ""
    interval: ClassVar[timedelta]

    def __init__(
        self, hass: HomeAssistant, entry: EmbyConfigEntry, connection: EmbyConnection
    ) -> None:
        """Initialize a coordinator of a server entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Emby server {entry.title}{self.name_suffix}",
            update_interval=self.interval,
            request_refresh_debouncer=self._refresh_debouncer(hass),
            # A read that finds nothing new (the usual case) wakes no entity.
            always_update=False,
        )
        self.connection = connection
        self._read_when_back = Pending()
        entry.async_on_unload(self._read_when_back.cancel)

    @classmethod
    def _refresh_debouncer(cls, hass: HomeAssistant) -> Debouncer[Coroutine[Any, Any, None]] | None:
        """Return how requested refreshes are spaced; None for Home Assistant's default."""
        return None

    def _kept_offline(self) -> bool:
        """Return whether a refresh keeps the data it has: the server is away.

        The status poll finds the server again; the read skipped now is made once it is back.
        """
        if self.data is None or self.connection.connected:
            return False
        if not self._read_when_back.active:
            self._read_when_back.hold(
                self.connection.async_add_listener(self._async_connection_changed)
            )
        return True

    @callback
    def _async_connection_changed(self) -> None:
        """Make the read skipped while the server was away, once it is back."""
        if self.connection.connected:
            self._read_when_back.cancel()
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), name=f"{self.name} after an outage"
            )


class EmbyStatusCoordinator(
    EmbyEntryCoordinator[EmbyData], TimestampDataUpdateCoordinator[EmbyData]
):
    """Poll a server's System/Info and sessions (slowly while push brings the news)."""

    interval = STATUS_INTERVAL

    @emby_error_handler
    @override
    async def _async_update_data(self) -> EmbyData:
        """Connect when needed, then read the status of the server."""
        connection = self.connection
        try:
            system_info = await connection.async_call(_system_info)
            sessions = await connection.async_call(_sessions)
            if system_info is not None and system_info.is_shutting_down:
                message = f"Emby server {self.config_entry.title} is shutting down"
                raise ServerShuttingDownError(message)
        except EmbyError as err:
            # Addresses may have moved: the next poll probes them all again.
            LOGGER.debug("Polling Emby server %s failed: %s", self.config_entry.title, err)
            connection.async_drop()
            raise
        result = connection.result
        assert result is not None  # noqa: S101 - the calls above connected
        if not self.last_update_success:
            # Back after a loss: the server may have been moved or re-linked meanwhile.
            connection.async_request_server_list()
        data = EmbyData(
            mode=result.mode,
            address=result.address,
            public_info=result.info,
            system_info=system_info,
            sessions=None
            if sessions is None
            else counted_sessions(
                sessions,
                connection.identity.device_id,
                EmbyOptions.from_entry(self.config_entry).counts,
            ),
        )
        async_update_device(self.hass, self.config_entry, connection.system_id, data)
        return data


class EmbyLibraryCoordinator(EmbyEntryCoordinator[ItemCounts | None]):
    """Read a server's library counts, every 30 minutes and a while after a library change."""

    name_suffix = " library counts"
    interval = COUNTS_INTERVAL

    @classmethod
    @override
    def _refresh_debouncer(cls, hass: HomeAssistant) -> Debouncer[Coroutine[Any, Any, None]]:
        """Space the refreshes a library change asks for.

        A scan sends LibraryChanged in bursts: Items/Counts (heavy on big libraries) is read
        once, LIBRARY_CHANGED_COOLDOWN after the first of them.
        """
        return Debouncer(hass, LOGGER, cooldown=LIBRARY_CHANGED_COOLDOWN, immediate=False)

    @override
    async def _async_update_data(self) -> ItemCounts | None:
        """Read the library counts; None when the user may not."""
        if self._kept_offline():
            return self.data
        try:
            return await self.connection.async_call(_item_counts)
        except EmbyError as err:
            error = update_error(err, self.config_entry)
            if isinstance(error, UpdateFailed):
                # Tried again at the pace of the status poll, not a whole period later.
                error.retry_after = STATUS_INTERVAL.total_seconds()
            raise error from err
