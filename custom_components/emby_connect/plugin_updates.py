"""Plugin updates of an administered server: an update entity per plugin with an update on offer.

A plugin gets an update entity while a newer version of it is on offer, and loses it (registry
entry included) once the offer is gone: Home Assistant's list of updates then reads like Emby's
dashboard, one line per plugin with its versions and notes, and a server with many plugins does
not carry an "up to date" entity for each. No install: the update is installed in Emby.
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

from .const import DOMAIN
from .coordinator import EmbyConfigEntry
from .entity import EmbyFollowingEntity
from .server_updates import EmbyUpdateCoordinator, PluginUpdate, summarize_notes

# A plugin's entity: unique_id "<SystemId>_plugin_<plugin Id>".
PLUGIN_KEY_PREFIX: Final = "plugin_"


class PluginUpdates:
    """Add an update entity for each plugin with an update; remove it once none is offered."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EmbyConfigEntry,
        coordinator: EmbyUpdateCoordinator,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        """Initialize the plugin updates of a server; no entity exists yet."""
        self._registry = er.async_get(hass)
        self._entry = entry
        self._coordinator = coordinator
        self._add = async_add_entities
        self._prefix = f"{entry.runtime_data.connection.system_id}_{PLUGIN_KEY_PREFIX}"
        self._shown: set[str] = set()

    @callback
    def async_remove_stale(self) -> None:
        """Remove the entities of plugin updates that were pending when Home Assistant stopped."""
        pending = self._pending()
        for item in er.async_entries_for_config_entry(self._registry, self._entry.entry_id):
            if (
                item.domain == Platform.UPDATE
                and item.unique_id.startswith(self._prefix)
                and item.unique_id.removeprefix(self._prefix) not in pending
            ):
                self._registry.async_remove(item.entity_id)

    def _pending(self) -> dict[str, PluginUpdate]:
        """Return the plugin updates on offer, as last read."""
        data = self._coordinator.data
        return data.pending_plugins() if data is not None else {}

    @callback
    def async_update(self) -> None:
        """Follow the plugins on offer after a successful read."""
        if not self._coordinator.last_update_success:
            return
        pending = self._pending()
        self._add(
            EmbyPluginUpdateEntity(self._entry, self._coordinator, plugin_id, update.plugin.name)
            for plugin_id, update in pending.items()
            if plugin_id not in self._shown
        )
        for plugin_id in self._shown - pending.keys():
            if entity_id := self._registry.async_get_entity_id(
                Platform.UPDATE, DOMAIN, f"{self._prefix}{plugin_id}"
            ):
                self._registry.async_remove(entity_id)
        self._shown = set(pending)


class EmbyPluginUpdateEntity(EmbyFollowingEntity[EmbyUpdateCoordinator], UpdateEntity):
    """A plugin with an update on offer: its installed and offered versions, with notes."""

    _attr_supported_features = UpdateEntityFeature.RELEASE_NOTES

    def __init__(
        self,
        entry: EmbyConfigEntry,
        coordinator: EmbyUpdateCoordinator,
        plugin_id: str,
        name: str,
    ) -> None:
        """Initialize the update entity of one plugin; it follows the server's status too."""
        description = UpdateEntityDescription(
            key=f"{PLUGIN_KEY_PREFIX}{plugin_id}", translation_key="plugin"
        )
        super().__init__(entry, coordinator, description)
        self._plugin_id = plugin_id
        self._attr_translation_placeholders = {"plugin": name}
        self._attr_title = name

    @property
    def _update(self) -> PluginUpdate | None:
        """Return the offer for this plugin, as last read."""
        data = self.coordinator.data
        return data.pending_plugins().get(self._plugin_id) if data is not None else None

    @property
    @override
    def available(self) -> bool:
        """Return whether the server answers and the offer is known."""
        return self._status.last_update_success and self._update is not None

    @property
    @override
    def installed_version(self) -> str | None:
        """Return the installed version of the plugin."""
        return update.plugin.version if (update := self._update) is not None else None

    @property
    @override
    def latest_version(self) -> str | None:
        """Return the version on offer."""
        return update.offer.version if (update := self._update) is not None else None

    @property
    @override
    def release_summary(self) -> str | None:
        """Return the start of the offered version's notes."""
        return summarize_notes(update.offer.description) if (update := self._update) else None

    @property
    @override
    def release_url(self) -> str | None:
        """Return the page of the plugin, when the server names one."""
        url = update.offer.info_url if (update := self._update) is not None else None
        return url if url is not None and url.startswith(("https://", "http://")) else None

    @override
    async def async_release_notes(self) -> str | None:
        """Return the offered version's notes."""
        if (update := self._update) is None or not update.offer.description:
            return None
        return update.offer.description.strip()
