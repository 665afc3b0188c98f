"""Release notes and available updates of a simulated server and its plugins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .models import emby_date, utcnow

SERVER_PACKAGE = "Emby Server"
SERVER_GUID = "4ca1d5b9-3b6b-4e7a-9d3c-2b2a3f6c1e01"
SYSTEM = "System"
USER_INSTALLED = "UserInstalled"


@dataclass(eq=False, kw_only=True)
class SimPackage:
    """Hold one package version: the server or a plugin, with its release notes."""

    name: str
    guid: str
    version: str
    description: str = ""
    classification: str = "Release"
    timestamp: datetime = field(default_factory=utcnow)

    def to_json(self) -> dict[str, Any]:
        """Return the version as Emby's PackageVersionInfo (its field names are lower camel case)."""
        slug = self.name.lower().replace(" ", "-")
        return {
            "name": self.name,
            "guid": self.guid,
            "versionStr": self.version,
            "classification": self.classification,
            "description": self.description,
            "requiredVersionStr": "4.7.0.0",
            "sourceUrl": f"https://example.invalid/packages/{slug}/{self.version}.zip",
            "targetFilename": f"{slug}.zip",
            "infoUrl": f"https://example.invalid/packages/{slug}",
            "runtimes": "netcore",
            "timestamp": emby_date(self.timestamp),
        }


def previous_version(version: str) -> str:
    """Return a version before this one: its last non-zero component minus one."""
    parts = version.split(".")
    if not all(part.isdigit() for part in parts):
        return "1.0.0.0"
    for index in reversed(range(len(parts))):
        if int(parts[index]) > 0:
            parts[index] = str(int(parts[index]) - 1)
            break
    return ".".join(parts)


def _version_key(version: str) -> tuple[int, ...]:
    """Return a version as numbers, to compare (a part that is no number counts as 0)."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def next_version(version: str) -> str:
    """Return the version after this one (the last component plus one)."""
    parts = version.split(".")
    try:
        parts[-1] = str(int(parts[-1]) + 1)
    except ValueError:
        parts.append("1")
    return ".".join(parts)


class UpdateCatalog:
    """Know the installed server version, the newer one (if any) and plugin updates."""

    def __init__(self, installed_version: Callable[[], str]) -> None:
        """Start with no update; installed_version tells the server's version at any time."""
        self._installed_version = installed_version
        self._installed_at = utcnow() - timedelta(days=30)
        self.available: SimPackage | None = None
        self.plugin_updates: list[SimPackage] = []
        # Installed plugins: name -> version (GET /Plugins).
        self.installed_plugins: dict[str, str] = {}

    @property
    def installed(self) -> SimPackage:
        """Return the installed server version as a package."""
        version = self._installed_version()
        return SimPackage(
            name=SERVER_PACKAGE,
            guid=SERVER_GUID,
            version=version,
            description=f"Emby Server {version}: stability fixes.",
            timestamp=self._installed_at,
        )

    def set_available(self, version: str | None, notes: str | None = None) -> SimPackage | None:
        """Offer a newer server version (None: no update)."""
        if version is None:
            self.available = None
            return None
        self.available = SimPackage(
            name=SERVER_PACKAGE,
            guid=SERVER_GUID,
            version=version,
            description=notes or f"Emby Server {version}: new features and fixes.",
        )
        return self.available

    def ensure_available(self) -> SimPackage:
        """Return the offered version, inventing the next one when none was named."""
        if self.available is None:
            self.set_available(next_version(self.installed.version))
        assert self.available is not None  # noqa: S101 - set just above
        return self.available

    def add_plugin_update(
        self, name: str, version: str, *, guid: str, description: str | None = None
    ) -> SimPackage:
        """Offer a newer version of a plugin (replacing an earlier offer for it).

        A plugin not installed yet is installed first, at a version before the one offered.
        """
        self.installed_plugins.setdefault(name, previous_version(version))
        self.plugin_updates = [p for p in self.plugin_updates if p.name != name]
        package = SimPackage(
            name=name,
            guid=guid,
            version=version,
            description=description or f"{name} {version}",
        )
        self.plugin_updates.append(package)
        return package

    def install_plugin(self, name: str, version: str) -> None:
        """Install a plugin at a version; an offer for it that is not newer goes away."""
        self.installed_plugins[name] = version
        self.plugin_updates = [
            p
            for p in self.plugin_updates
            if p.name != name or _version_key(p.version) > _version_key(version)
        ]

    def plugins(self, guid: Callable[[str], str]) -> list[dict[str, Any]]:
        """Return GET /Plugins: every installed plugin as Emby's PluginInfo."""
        return [
            {
                "Name": name,
                "Version": version,
                "ConfigurationFileName": f"{name.replace(' ', '')}.xml",
                "Description": f"The {name} plugin.",
                "Id": guid(name),
            }
            for name, version in sorted(self.installed_plugins.items())
        ]

    def release_notes(self, *, update_available: bool) -> dict[str, Any]:
        """Return System/ReleaseNotes: the newest version's notes."""
        newest = self.ensure_available() if update_available else self.installed
        return newest.to_json()

    def versions(self, *, update_available: bool) -> list[dict[str, Any]]:
        """Return System/ReleaseNotes/Versions: newest first, the installed one included."""
        packages = [self.ensure_available()] if update_available else []
        return [*(p.to_json() for p in packages), self.installed.to_json()]

    def updates(self, package_type: str | None, *, update_available: bool) -> list[dict[str, Any]]:
        """Return Packages/Updates for System (the server), UserInstalled (plugins) or both."""
        found: list[SimPackage] = []
        if package_type in (None, SYSTEM) and update_available:
            found.append(self.ensure_available())
        if package_type in (None, USER_INSTALLED):
            found.extend(self.plugin_updates)
        return [package.to_json() for package in found]
