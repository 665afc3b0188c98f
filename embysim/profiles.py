"""Server profiles: the shapes different Emby versions (and a Jellyfin server) answer with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

type Product = Literal["Emby", "Jellyfin"]


@dataclass(frozen=True, kw_only=True)
class ServerProfile:
    """Describe what kind of server is simulated and how its answers differ."""

    name: str
    version: str
    product: Product = "Emby"
    # 4.9 reached through its remote address: no LocalAddress/WanAddress, empty address lists.
    hides_addresses_remotely: bool = False
    # 4.9 adds IsInMaintenanceMode to System/Info/Public and System/Info.
    maintenance_mode_field: bool = False


PROFILES: dict[str, ServerProfile] = {
    profile.name: profile
    for profile in (
        # Older than every supported version (Emby's apps refuse servers below 4.7).
        ServerProfile(name="4.6", version="4.6.7.0"),
        ServerProfile(name="4.7", version="4.7.14.0"),
        ServerProfile(name="4.8", version="4.8.11.0"),
        ServerProfile(
            name="4.9",
            version="4.9.1.80",
            hides_addresses_remotely=True,
            maintenance_mode_field=True,
        ),
        # Not Emby: Jellyfin 10.x answers System/Info/Public with its own shape.
        ServerProfile(name="jellyfin", version="10.8.13", product="Jellyfin"),
    )
}
DEFAULT_PROFILE = "4.8"


def get_profile(profile: str | ServerProfile) -> ServerProfile:
    """Return a profile by name (or the profile given); ValueError names the known ones."""
    if isinstance(profile, ServerProfile):
        return profile
    found = PROFILES.get(profile.lower())
    if found is None:
        message = f"unknown server profile {profile!r}; known: {', '.join(PROFILES)}"
        raise ValueError(message)
    return found
