"""What an administered server knows of updates: a newer Emby Server, its notes, plugin updates.

System/Info says whether an update waits (HasUpdateAvailable, read by the status poll); the
version and release notes come from Packages/Updates (System) and System/ReleaseNotes/Versions,
plugin updates from Packages/Updates (UserInstalled) with the installed versions from Plugins.
They are read hourly, and at once when the status shows another installed version or an update
appearing or clearing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final, override

from awesomeversion import AwesomeVersion, AwesomeVersionCompareException
from homeassistant.core import HomeAssistant, callback

from .aioemby import (
    EmbyAdmin,
    EmbyError,
    EmbyForbiddenError,
    EmbyServer,
    PackageType,
    PackageVersion,
    PluginInfo,
)
from .connection import EmbyConnection
from .const import LOGGER
from .coordinator import EmbyConfigEntry, EmbyEntryCoordinator
from .errors import update_error

# Emby itself looks for updates on a schedule of its own; an hourly read is plenty.
UPDATES_INTERVAL: Final = timedelta(hours=1)
# Home Assistant shows at most this much of a release summary.
SUMMARY_LENGTH: Final = 255


@dataclass(frozen=True, kw_only=True)
class EmbyUpdates:
    """The server's updates as last read, for the version installed then."""

    installed_version: str | None = None
    # The newest Emby Server offered (None: none, or the server did not say which).
    latest: PackageVersion | None = None
    # The versions newer than the installed one, newest first, with their notes.
    newer: list[PackageVersion] = field(default_factory=list)
    plugins: list[PackageVersion] = field(default_factory=list)
    # The installed plugins (read only while some plugin has an update).
    installed_plugins: list[PluginInfo] = field(default_factory=list)

    def pending_plugins(self) -> dict[str, PluginUpdate]:
        """Return the plugins with an update, by plugin Id (the package GUID, else its name)."""
        installed = {plugin.id.lower(): plugin for plugin in self.installed_plugins}
        by_name = {plugin.name: plugin for plugin in self.installed_plugins}
        pending: dict[str, PluginUpdate] = {}
        for offer in self.plugins:
            plugin = installed.get((offer.guid or "").lower()) or by_name.get(offer.name)
            if plugin is not None and is_newer(offer.version, plugin.version):
                pending[plugin.id.lower()] = PluginUpdate(plugin=plugin, offer=offer)
        return pending


@dataclass(frozen=True, kw_only=True)
class PluginUpdate:
    """A plugin with a newer version on offer."""

    plugin: PluginInfo
    offer: PackageVersion


def is_newer(version: str, than: str | None) -> bool:
    """Return whether a version is newer than another (any version is newer than none)."""
    if than is None:
        return True
    try:
        return AwesomeVersion(version) > AwesomeVersion(than)
    except AwesomeVersionCompareException:
        # Not versions Home Assistant can compare: another one counts as newer.
        return version != than


async def _read(server: EmbyServer, installed: str | None, *, waiting: bool) -> EmbyUpdates:
    """Read the server's and the plugins' updates (the server's only when one waits)."""
    admin = EmbyAdmin(server=server)
    plugins = await admin.get_package_updates(PackageType.USER_INSTALLED)
    installed_plugins = await admin.get_plugins() if plugins else []
    if not waiting:
        return EmbyUpdates(
            installed_version=installed, plugins=plugins, installed_plugins=installed_plugins
        )
    offered = await admin.get_package_updates(PackageType.SYSTEM)
    newer = [
        version
        for version in await admin.get_release_notes_versions()
        if is_newer(version.version, installed)
    ]
    latest = next((item for item in offered if is_newer(item.version, installed)), None)
    if latest is None and newer:
        latest = newer[0]
    if latest is None:
        # Older servers may list no versions: the newest one's notes still name it.
        notes = await admin.get_release_notes()
        latest = notes if is_newer(notes.version, installed) else None
    if latest is not None and not any(item.version == latest.version for item in newer):
        newer.insert(0, latest)
    return EmbyUpdates(
        installed_version=installed,
        latest=latest,
        newer=newer,
        plugins=plugins,
        installed_plugins=installed_plugins,
    )


class EmbyUpdateCoordinator(EmbyEntryCoordinator[EmbyUpdates]):
    """Read an administered server's updates hourly and when its status says they changed."""

    name_suffix = " updates"
    interval = UPDATES_INTERVAL

    def __init__(
        self, hass: HomeAssistant, entry: EmbyConfigEntry, connection: EmbyConnection
    ) -> None:
        """Initialize the updates coordinator of an administered server."""
        super().__init__(hass, entry, connection)
        self._status = entry.runtime_data.status
        self._seen = self._status_key()

    def _status_key(self) -> tuple[str | None, bool]:
        """Return what the status tells of updates: the installed version, whether one waits."""
        info = self._status.data.system_info
        if info is None:
            return (None, False)
        return (info.version or None, info.has_update_available)

    @callback
    def async_handle_status(self) -> None:
        """Read the updates again when the status shows another version or update state."""
        if not self._status.last_update_success:
            return
        if (key := self._status_key()) != self._seen:
            self._seen = key
            self.config_entry.async_create_task(self.hass, self.async_request_refresh())

    @override
    async def _async_update_data(self) -> EmbyUpdates:
        """Read the updates of the server and its plugins."""
        if self._kept_offline():
            return self.data
        installed, waiting = self._seen = self._status_key()
        try:
            return await self.connection.async_call(
                lambda server: _read(server, installed, waiting=waiting)
            )
        except EmbyForbiddenError:
            # No longer an administrator: nothing to offer until the next setup asks.
            return EmbyUpdates(installed_version=installed)
        except EmbyError as err:
            LOGGER.debug("Reading the updates of %s failed: %s", self.config_entry.title, err)
            raise update_error(err, self.config_entry) from err


def summarize_notes(text: str | None) -> str | None:
    """Return release notes cut to what Home Assistant shows as a summary."""
    if not text or not (text := text.strip()):
        return None
    return text if len(text) <= SUMMARY_LENGTH else f"{text[: SUMMARY_LENGTH - 1].rstrip()}…"
