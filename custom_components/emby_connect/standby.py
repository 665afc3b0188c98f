"""A server asleep at setup: load what works without it (to wake it), the rest once it answers.

Like core integrations of devices that sleep, an entry does not wait for its server when it
has something to offer meanwhile: with Wake-on-LAN targets kept from an earlier run, setup
loads the server's device with its connectivity (off) and its Wake server button, and the
platforms that need the server's answers follow once a poll (a wake's, say) reaches it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import LOGGER
from .data import EmbyData
from .entry_data import wake_targets
from .errors import EmbyUpdateFailed
from .pending import Pending

# The platforms with entities that work while the server sleeps: connectivity, Wake server.
OFFLINE_PLATFORMS: Final = frozenset({Platform.BINARY_SENSOR, Platform.BUTTON})


async def async_first_refresh(entry: ConfigEntry, status: DataUpdateCoordinator[EmbyData]) -> bool:
    """Refresh the status first; return False when the server sleeps and the entry can wait.

    Raises what the first refresh raises otherwise: ConfigEntryAuthFailed for refused
    credentials, ConfigEntryNotReady for a server that cannot be woken from here (no
    Wake-on-LAN target kept) or that answered wrongly (too old, another server, a bad
    certificate): waiting with a Wake button would not help those.
    """
    try:
        await status.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        error = status.last_exception
        if not isinstance(error, EmbyUpdateFailed) or not error.reason.unreachable:
            raise
        if not wake_targets(entry):
            raise
        LOGGER.debug("Emby server %s does not answer: loaded to be woken", entry.title)
        return False
    return True


class EmbyStandby:
    """Which platforms of an entry are loaded, and the entities waiting for the server."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        status: DataUpdateCoordinator[EmbyData],
        platforms: Iterable[Platform],
        *,
        reached: bool,
        on_reached: Callable[[], Awaitable[None]],
    ) -> None:
        """Initialize with the first refresh's outcome; on_reached reads what setup skipped."""
        self.hass = hass
        self._entry = entry
        self._status = status
        self._all = list(platforms)
        self._on_reached = on_reached
        self.reached = reached
        # The platforms forwarded so far: the ones to unload.
        self.platforms = [p for p in self._all if reached or p in OFFLINE_PLATFORMS]
        self._waiting: list[CALLBACK_TYPE] = []
        self._following = Pending()

    async def async_start(self) -> None:
        """Forward the platforms that work now; the others follow when the server answers."""
        if not self.reached:
            self._following.hold(self._status.async_add_listener(self._async_updated))
            self._entry.async_on_unload(self._following.cancel)
        await self.hass.config_entries.async_forward_entry_setups(self._entry, self.platforms)

    @callback
    def async_add_entities(
        self,
        add_entities: Callable[[Iterable[Entity]], None],
        *,
        offline: Iterable[Entity],
        online: Callable[[], Iterable[Entity]],
    ) -> None:
        """Add a platform's entities: the offline ones now, the others once the server answered."""
        if self.reached:
            add_entities([*offline, *online()])
            return
        add_entities(list(offline))
        self._waiting.append(lambda: add_entities(list(online())))

    @callback
    def _async_updated(self) -> None:
        """Finish the setup after the first poll that reached the server."""
        if not self._status.last_update_success:
            return
        self._following.cancel()
        self._entry.async_create_background_task(
            self.hass, self._async_finish(), name=f"{self._status.name} answered"
        )

    async def _async_finish(self) -> None:
        """Read what setup skipped, add the waiting entities, forward the other platforms."""
        await self._on_reached()
        self.reached = True
        waiting, self._waiting = self._waiting, []
        for add in waiting:
            add()
        rest = [platform for platform in self._all if platform not in self.platforms]
        await self.hass.config_entries.async_forward_entry_setups(self._entry, rest)
        self.platforms.extend(rest)
        LOGGER.debug("Emby server %s answered: setup finished", self._entry.title)
