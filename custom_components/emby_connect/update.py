"""Update entities of an administered Emby server: Emby Server itself, and each plugin update.

There is no install action: Emby's API (4.8) has no call that installs a server update. Where
the server can update itself (CanSelfUpdate) it does so on its own, and the "Restart pending"
binary sensor (with the Restart button) shows when a restart would apply it. Plugin updates:
plugin_updates.py.
"""

from __future__ import annotations

from typing import Final, override

from homeassistant.components.update import (
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioemby import PackageVersion
from .const import DOMAIN, LOGGER
from .coordinator import EmbyConfigEntry
from .entity import EmbyFollowingEntity
from .plugin_updates import PluginUpdates
from .server_updates import EmbyUpdateCoordinator, EmbyUpdates, summarize_notes

# The coordinators poll; entities only read what they found.
PARALLEL_UPDATES = 0

# The binary sensor this entity replaced (its unique_id key), removed from the registry.
RETIRED_UPDATE_SENSOR: Final = "update_available"

# The server's own update is the device's main one: named after the server, titled Emby Server.
SERVER_UPDATE = UpdateEntityDescription(key="server_update", name=None)


@callback
def async_remove_retired_entities(hass: HomeAssistant, entry: EmbyConfigEntry) -> None:
    """Remove the "Update" binary sensor that the update entity replaced (any user had it)."""
    registry = er.async_get(hass)
    unique_id = f"{entry.runtime_data.connection.system_id}_{RETIRED_UPDATE_SENSOR}"
    if entity_id := registry.async_get_entity_id(Platform.BINARY_SENSOR, DOMAIN, unique_id):
        LOGGER.debug("Removing %s: the update entity of %s replaces it", entity_id, entry.title)
        registry.async_remove(entity_id)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the update entity of an Emby server its user administers."""
    async_remove_retired_entities(hass, entry)
    runtime = entry.runtime_data
    if not runtime.is_admin or runtime.status.data.system_info is None:
        return
    coordinator = EmbyUpdateCoordinator(hass, entry, runtime.connection)
    await coordinator.async_refresh()
    entry.async_on_unload(runtime.status.async_add_listener(coordinator.async_handle_status))
    async_add_entities([EmbyServerUpdateEntity(entry, coordinator, SERVER_UPDATE)])
    plugins = PluginUpdates(hass, entry, coordinator, async_add_entities)
    plugins.async_remove_stale()
    plugins.async_update()
    entry.async_on_unload(coordinator.async_add_listener(plugins.async_update))


class EmbyServerUpdateEntity(EmbyFollowingEntity[EmbyUpdateCoordinator], UpdateEntity):
    """The installed Emby Server and the newest one the server knows of, with release notes."""

    _attr_supported_features = UpdateEntityFeature.RELEASE_NOTES
    _attr_title = "Emby Server"

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers and the user may read System/Info."""
        return self._status.last_update_success and self._status.data.system_info is not None

    @property
    def _updates(self) -> EmbyUpdates | None:
        """Return the updates read for the version installed now (None until read for it)."""
        updates = self.coordinator.data
        if updates is None or updates.installed_version != self.installed_version:
            return None
        return updates

    @property
    @override
    def installed_version(self) -> str | None:
        """Return the installed version of Emby Server."""
        info = self._status.data.system_info
        return (info.version or None) if info is not None else None

    @property
    @override
    def latest_version(self) -> str | None:
        """Return the newest version: the installed one unless the server says one waits."""
        info = self._status.data.system_info
        if info is None or not info.has_update_available:
            return self.installed_version
        # An update waits; None while which one is not known (yet).
        return latest.version if (latest := self._latest) is not None else None

    @property
    @override
    def release_summary(self) -> str | None:
        """Return the start of the newest version's release notes."""
        latest = self._latest
        return None if latest is None else summarize_notes(latest.description)

    @property
    @override
    def release_url(self) -> str | None:
        """Return the page of the newest version, when the server names one."""
        latest = self._latest
        if latest is None or latest.info_url is None:
            return None
        return latest.info_url if latest.info_url.startswith(("https://", "http://")) else None

    @property
    def _latest(self) -> PackageVersion | None:
        """Return the waiting version, when one waits and is known."""
        info = self._status.data.system_info
        if info is None or not info.has_update_available or (updates := self._updates) is None:
            return None
        return updates.latest

    @override
    async def async_release_notes(self) -> str | None:
        """Return the notes of every version newer than the installed one, newest first."""
        if self._latest is None or (updates := self._updates) is None:
            return None
        return "\n\n".join(
            f"## {version.version}\n\n{(version.description or '').strip()}".rstrip()
            for version in updates.newer
        )
