"""PublicSystemInfo and SystemInfo: what a server says about itself."""

from __future__ import annotations

from typing import Any, Protocol


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


def public_info(server: SystemFacts) -> dict[str, Any]:
    """Return the System/Info/Public answer."""
    info: dict[str, Any] = {}
    if (local := server.local_address) is not None:
        info["LocalAddress"] = local
        info["LocalAddresses"] = [local]
    else:
        info["LocalAddresses"] = []
    if (remote := server.remote_address) is not None:
        info["WanAddress"] = remote
        info["RemoteAddresses"] = [remote]
    else:
        info["RemoteAddresses"] = []
    info.update({"ServerName": server.name, "Version": server.version, "Id": server.system_id})
    return info


def system_info(server: SystemFacts) -> dict[str, Any]:
    """Return the System/Info answer."""
    port = server.local_port
    return {
        "SystemUpdateLevel": "Release",
        "OperatingSystemDisplayName": "Linux",
        "PackageName": "emby-server-deb_4.8.11.0_amd64.deb",
        "HasPendingRestart": server.has_pending_restart,
        "IsShuttingDown": server.is_shutting_down,
        "HasImageEnhancers": False,
        "OperatingSystem": server.operating_system,
        "SupportsLibraryMonitor": True,
        "SupportsLocalPortConfiguration": True,
        "SupportsWakeServer": False,
        "WebSocketPortNumber": port,
        "CompletedInstallations": [],
        "CanSelfRestart": True,
        "CanSelfUpdate": False,
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
        "WakeOnLanInfo": [],
        **public_info(server),
    }
