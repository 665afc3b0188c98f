"""PublicSystemInfo and SystemInfo: what a server says about itself, per profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from embysim.models import ListenerName
    from embysim.profiles import ServerProfile


class SystemFacts(Protocol):
    """What a server must tell for its system info (a SimServer is one)."""

    @property
    def name(self) -> str:
        """Return the server's name."""

    @property
    def system_id(self) -> str:
        """Return the SystemId."""

    @property
    def version(self) -> str:
        """Return the server's version."""

    @property
    def profile(self) -> ServerProfile:
        """Return the kind of server simulated."""

    @property
    def https(self) -> bool:
        """Return whether the server serves HTTPS."""

    @property
    def has_pending_restart(self) -> bool:
        """Return whether a restart is pending."""

    @property
    def has_update_available(self) -> bool:
        """Return whether an update is available."""

    @property
    def is_shutting_down(self) -> bool:
        """Return whether the server is shutting down."""

    @property
    def is_in_maintenance_mode(self) -> bool:
        """Return whether the server is in maintenance mode (shown from 4.9 on)."""

    @property
    def operating_system(self) -> str:
        """Return the operating system."""

    @property
    def local_port(self) -> int:
        """Return the local listener's port."""

    @property
    def local_address(self) -> str | None:
        """Return the LAN address the server advertises."""

    @property
    def remote_address(self) -> str | None:
        """Return the WAN address the server advertises."""

    @property
    def can_self_restart(self) -> bool:
        """Return whether System/Restart works."""

    @property
    def can_self_update(self) -> bool:
        """Return whether the server can update itself."""

    def wake_on_lan_info(self) -> list[dict[str, Any]]:
        """Return System/WakeOnLanInfo."""


def public_info(server: SystemFacts, via: ListenerName = "local") -> dict[str, Any]:
    """Return the System/Info/Public answer to a request that came through a listener."""
    profile = server.profile
    if profile.product == "Jellyfin":
        return _jellyfin_public_info(server)
    info: dict[str, Any] = {"LocalAddresses": [], "RemoteAddresses": []}
    if not (profile.hides_addresses_remotely and via == "remote"):
        if (local := server.local_address) is not None:
            info["LocalAddress"] = local
            info["LocalAddresses"] = [local]
        if (remote := server.remote_address) is not None:
            info["WanAddress"] = remote
            info["RemoteAddresses"] = [remote]
    info.update({"ServerName": server.name, "Version": server.version, "Id": server.system_id})
    if profile.maintenance_mode_field:
        info["IsInMaintenanceMode"] = server.is_in_maintenance_mode
    return info


def system_info(server: SystemFacts, via: ListenerName = "local") -> dict[str, Any]:
    """Return the System/Info answer."""
    if server.profile.product == "Jellyfin":
        return _jellyfin_system_info(server)
    port = server.local_port
    return {
        "SystemUpdateLevel": "Release",
        "OperatingSystemDisplayName": "Linux",
        "PackageName": f"emby-server-deb_{server.version}_amd64.deb",
        "HasPendingRestart": server.has_pending_restart,
        "IsShuttingDown": server.is_shutting_down,
        "HasImageEnhancers": False,
        "OperatingSystem": server.operating_system,
        "SupportsLibraryMonitor": True,
        "SupportsLocalPortConfiguration": True,
        "SupportsWakeServer": False,
        "WebSocketPortNumber": port,
        "CompletedInstallations": [],
        "CanSelfRestart": server.can_self_restart,
        "CanSelfUpdate": server.can_self_update,
        "CanLaunchWebBrowser": False,
        "ProgramDataPath": "/var/lib/emby",
        "ItemsByNamePath": "/var/lib/emby/metadata",
        "CachePath": "/var/lib/emby/cache",
        "LogPath": "/var/lib/emby/logs",
        "InternalMetadataPath": "/var/lib/emby/metadata",
        "TranscodingTempPath": "/var/lib/emby/transcoding-temp",
        "HttpServerPortNumber": port if not server.https else 8096,
        "SupportsHttps": server.https,
        "HttpsPortNumber": port if server.https else 8920,
        "HasUpdateAvailable": server.has_update_available,
        "SupportsAutoRunAtStartup": False,
        "HardwareAccelerationRequiresPremiere": True,
        "WakeOnLanInfo": server.wake_on_lan_info(),
        **public_info(server, via),
    }


def _jellyfin_public_info(server: SystemFacts) -> dict[str, Any]:
    """Return Jellyfin 10.x's System/Info/Public (what an Emby client must refuse)."""
    return {
        "LocalAddress": server.local_address,
        "ServerName": server.name,
        "Version": server.version,
        "ProductName": "Jellyfin Server",
        "OperatingSystem": "",
        "Id": server.system_id,
        "StartupWizardCompleted": True,
    }


def _jellyfin_system_info(server: SystemFacts) -> dict[str, Any]:
    """Return Jellyfin 10.x's System/Info."""
    return {
        **_jellyfin_public_info(server),
        "OperatingSystemDisplayName": "Linux",
        "HasPendingRestart": server.has_pending_restart,
        "IsShuttingDown": server.is_shutting_down,
        "SupportsLibraryMonitor": True,
        "WebSocketPortNumber": server.local_port,
        "CompletedInstallations": [],
        "CanSelfRestart": True,
        "CanLaunchWebBrowser": False,
        "ProgramDataPath": "/var/lib/jellyfin",
        "WebPath": "/usr/share/jellyfin/web",
        "ItemsByNamePath": "/var/lib/jellyfin/metadata",
        "CachePath": "/var/cache/jellyfin",
        "LogPath": "/var/log/jellyfin",
        "InternalMetadataPath": "/var/lib/jellyfin/metadata",
        "TranscodingTempPath": "/var/lib/jellyfin/transcodes",
        "HasUpdateAvailable": False,
        "EncoderLocation": "System",
        "SystemArchitecture": "X64",
    }
