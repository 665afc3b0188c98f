"""The repair issue of lost administrator rights: raised where admin-only features were expected."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_time_interval

from .admin import async_admin_rights
from .connection import EmbyConnection
from .const import RIGHTS_RECHECK_INTERVAL
from .entry_data import entry_system_id
from .entry_issues import ADMIN_RIGHTS_LOST

# The keys of the entities only an administrator gets. Registered for an entry, they say
# the user administered the server once: that is when their absence is worth a repair.
ADMIN_KEYS: Final = ("restart", "scan_libraries", "library_scan", "security")


def _admin_entities(hass: HomeAssistant, entry: ConfigEntry) -> list[er.RegistryEntry]:
    """Return the entry's admin-only entities in the entity registry (created for an admin)."""
    unique_ids = {f"{entry_system_id(entry)}_{key}" for key in ADMIN_KEYS}
    return [
        item
        for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if item.unique_id in unique_ids
    ]


@callback
def async_update_rights_issue(hass: HomeAssistant, entry: ConfigEntry, *, is_admin: bool) -> None:
    """Raise the issue while a user who administered the server does not any more, or delete it.

    A guest or a user who never administered the server has no admin-only entities: it is
    never asked. Fixing the issue forgets those entities, so it is asked once.
    """
    missing = [] if is_admin else _admin_entities(hass, entry)
    if not missing:
        ADMIN_RIGHTS_LOST.async_delete(hass, entry)
        return
    features = ", ".join(
        sorted(item.name or item.original_name or item.entity_id for item in missing)
    )
    ADMIN_RIGHTS_LOST.async_raise(hass, entry, features=features)


async def async_check_rights(
    hass: HomeAssistant, entry: ConfigEntry, connection: EmbyConnection
) -> bool:
    """Return whether the user administers the server, and keep the repair issue in step."""
    rights = await async_admin_rights(connection)
    if rights is not None:
        async_update_rights_issue(hass, entry, is_admin=rights)
    return bool(rights)


@callback
def async_forget_admin_features(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Remove the admin-only entities the user cannot have any more; the issue goes with them."""
    registry = er.async_get(hass)
    for item in _admin_entities(hass, entry):
        registry.async_remove(item.entity_id)
    ADMIN_RIGHTS_LOST.async_delete(hass, entry)


class EmbyRightsWatch:
    """Look again, every RIGHTS_RECHECK_INTERVAL while the issue is open, for the rights.

    Rights back, the issue goes and the entry reloads to create the admin-only entities again.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, connection: EmbyConnection) -> None:
        """Initialize the watch of a server entry; nothing runs before async_start."""
        self.hass = hass
        self._entry = entry
        self._connection = connection

    @callback
    def async_start(self) -> None:
        """Look at every interval until the entry unloads."""
        self._entry.async_on_unload(
            async_track_time_interval(
                self.hass,
                self._async_tick,
                RIGHTS_RECHECK_INTERVAL,
                name=f"Rights of {self._entry.title}",
                cancel_on_shutdown=True,
            )
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        """Check the rights again while the issue is open and the server is reached."""
        if not self._connection.connected:
            return
        if not ADMIN_RIGHTS_LOST.is_raised(self.hass, self._entry):
            return
        self._entry.async_create_background_task(
            self.hass, self._async_check(), name=f"Rights of {self._entry.title}"
        )

    async def _async_check(self) -> None:
        """Reload the entry once the user administers the server again."""
        if await async_admin_rights(self._connection):
            async_update_rights_issue(self.hass, self._entry, is_admin=True)
            self.hass.config_entries.async_schedule_reload(self._entry.entry_id)
