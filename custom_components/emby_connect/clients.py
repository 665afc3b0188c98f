"""The client devices of a server: when each was last seen, and removing the stale ones."""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER, SEEN_RESOLUTION, STALE_CHECK_INTERVAL
from .data import EmbyData
from .options import EmbyOptions

STORAGE_VERSION = 1
# Written a while after a change: last-seen dates are kept to the hour.
SAVE_DELAY = 60


def storage_key(entry: ConfigEntry) -> str:
    """Return the storage key of an entry's last-seen record."""
    return f"{DOMAIN}.{entry.entry_id}.clients"


async def async_remove_record(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the last-seen record of a removed entry."""
    await Store[dict[str, dict[str, str]]](hass, STORAGE_VERSION, storage_key(entry)).async_remove()


def client_devices(
    hass: HomeAssistant, entry: ConfigEntry, system_id: str
) -> dict[str, dr.DeviceEntry]:
    """Return the client devices of a server entry by DeviceId (the server's own left out)."""
    prefix = f"{system_id}_"
    devices: dict[str, dr.DeviceEntry] = {}
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        for domain, identifier in device.identifiers:
            if domain == DOMAIN and identifier.startswith(prefix):
                devices[identifier.removeprefix(prefix)] = device
    return devices


class EmbyClientDevices:
    """Keep when each client of a server was last seen; remove those unseen for too long.

    "Last seen" is kept in a Store so a restart does not restart the count. A client that has a
    session is seen; the others are removed from the device registry (their entities with them)
    once unseen for the days the options say, as are the clients of an app left out.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        system_id: str,
        status: DataUpdateCoordinator[EmbyData],
    ) -> None:
        """Initialize the clients of a server entry; nothing is read before async_load."""
        self.hass = hass
        self._entry = entry
        self._system_id = system_id
        self._store: Store[dict[str, dict[str, str]]] = Store(
            hass, STORAGE_VERSION, storage_key(entry)
        )
        self._seen: dict[str, datetime] = {}
        self._present: set[str] = set()
        self._unsaved = False
        self._status = status
        self.options = EmbyOptions.from_entry(entry)

    async def async_load(self) -> None:
        """Read the last-seen record."""
        stored = await self._store.async_load() or {}
        for device_id, text in stored.get("last_seen", {}).items():
            if (seen := dt_util.parse_datetime(text)) is not None:
                self._seen[device_id] = seen

    @callback
    def async_start(self) -> None:
        """Follow the sessions, check for stale clients hourly and follow option changes."""
        entry = self._entry

        entry.async_on_unload(self._status.async_add_listener(self._async_note_present))
        entry.async_on_unload(
            async_track_time_interval(
                self.hass,
                self._async_check,
                STALE_CHECK_INTERVAL,
                name=f"Stale clients of {entry.title}",
                cancel_on_shutdown=True,
            )
        )
        entry.async_on_unload(
            async_dispatcher_connect(
                self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._async_entry_changed
            )
        )
        # Written at unload, not a minute later: the entry may be on its way to being removed.
        entry.async_on_unload(self._async_flush)
        self._async_note_present()
        self._async_remove_excluded()
        self._async_remove_stale()

    @callback
    def async_removable(self, device: dr.DeviceEntry) -> bool:
        """Return whether a person may remove a device: a client without a session now.

        The server's own device holds the entry's entities; a client with a session would come
        straight back.
        """
        prefix = f"{self._system_id}_"
        for domain, identifier in device.identifiers:
            if domain == DOMAIN and identifier.startswith(prefix):
                device_id = identifier.removeprefix(prefix)
                if device_id in self._present:
                    return False
                self.async_forget(device_id)
                return True
        return (DOMAIN, self._system_id) not in device.identifiers

    @callback
    def async_forget(self, device_id: str) -> None:
        """Forget when a client was seen (its device is being removed)."""
        if self._seen.pop(device_id, None) is not None:
            self._async_schedule_save()

    @callback
    def _async_note_present(self) -> None:
        """Note the clients with a session as seen now (to the hour)."""
        data = self._status.data
        sessions = [] if data is None or data.sessions is None else data.sessions
        self._present = {session.device_id for session in sessions if session.device_id}
        now = dt_util.utcnow()
        changed = False
        for device_id in self._present:
            seen = self._seen.get(device_id)
            if seen is None or now - seen >= SEEN_RESOLUTION:
                self._seen[device_id] = now
                changed = True
        if changed:
            self._async_schedule_save()

    def _client_devices(self) -> dict[str, dr.DeviceEntry]:
        """Return the entry's client devices by DeviceId."""
        return client_devices(self.hass, self._entry, self._system_id)

    @callback
    def _async_remove_device(self, device_id: str, device: dr.DeviceEntry, why: str) -> None:
        """Remove a client's device, and its entities with it (a device has one entry)."""
        LOGGER.debug("Removing the device of Emby client %s: %s", device.name, why)
        self.async_forget(device_id)
        dr.async_get(self.hass).async_remove_device(device.id)

    @callback
    def _async_remove_excluded(self) -> None:
        """Remove the devices of clients whose app the options leave out."""
        for device_id, device in self._client_devices().items():
            if not self.options.wants_client(device.model):
                self._async_remove_device(device_id, device, "its app is left out")

    @callback
    def _async_check(self, _now: datetime) -> None:
        """Look for stale clients (hourly)."""
        self._async_remove_stale()

    @callback
    def _async_remove_stale(self) -> None:
        """Remove the clients not seen for longer than the options allow."""
        if not self._status.last_update_success:
            # A server out of reach shows no sessions: that is no client gone.
            return
        now = dt_util.utcnow()
        stale_after = self.options.stale_after
        for device_id, device in self._client_devices().items():
            if device_id in self._present:
                continue
            if (seen := self._seen.get(device_id)) is None:
                # Known before "last seen" was kept: the count starts now.
                self._seen[device_id] = now
                self._async_schedule_save()
            elif now - seen >= stale_after:
                self._async_remove_device(device_id, device, f"not seen since {seen}")

    @callback
    def _async_entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry) -> None:
        """Apply changed options at once: no reload, the websocket stays open."""
        if change is not ConfigEntryChange.UPDATED or entry.entry_id != self._entry.entry_id:
            return
        if (options := EmbyOptions.from_entry(entry)) == self.options:
            return
        self.options = options
        self._async_remove_excluded()
        self._async_remove_stale()
        # Read the sessions again now: whose count, and the clients let in get their entities.
        entry.async_create_background_task(
            self.hass, self._status.async_refresh(), name=f"{self._status.name} after new options"
        )

    @callback
    def _async_schedule_save(self) -> None:
        """Write the last-seen record a while from now."""
        self._unsaved = True
        self._store.async_delay_save(self._data_to_save, SAVE_DELAY)

    async def _async_flush(self) -> None:
        """Write a pending last-seen record now (it replaces the delayed write)."""
        if self._unsaved:
            await self._store.async_save(self._data_to_save())

    def _data_to_save(self) -> dict[str, dict[str, str]]:
        """Return the last-seen record as stored."""
        self._unsaved = False
        return {"last_seen": {key: seen.isoformat() for key, seen in self._seen.items()}}
