"""Client profiles: what each kind of Emby app tells the server it can do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

# The general commands Emby's own apps list in their capabilities (the web app's full set).
NAVIGATION_COMMANDS = (
    "MoveUp",
    "MoveDown",
    "MoveLeft",
    "MoveRight",
    "PageUp",
    "PageDown",
    "PreviousLetter",
    "NextLetter",
    "ToggleOsd",
    "ToggleContextMenu",
    "Select",
    "Back",
    "SendKey",
    "SendString",
    "GoHome",
    "GoToSettings",
    "GoToSearch",
)
VOLUME_COMMANDS = ("VolumeUp", "VolumeDown", "Mute", "Unmute", "ToggleMute", "SetVolume")
PLAYER_COMMANDS = (
    "SetAudioStreamIndex",
    "SetSubtitleStreamIndex",
    "SetRepeatMode",
    "SetShuffleQueue",
    "PlayMediaSource",
    "PlayTrailers",
)
DISPLAY_COMMANDS = ("DisplayContent", "DisplayMessage")
ALL_COMMANDS = NAVIGATION_COMMANDS + VOLUME_COMMANDS + PLAYER_COMMANDS + DISPLAY_COMMANDS


class ClientFields(TypedDict):
    """The SimSession fields a client profile decides."""

    client: str
    device_name: str
    application_version: str
    supports_remote_control: bool
    supported_commands: tuple[str, ...]
    playable_media_types: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ClientProfile:
    """Describe one kind of Emby app as its sessions show it."""

    key: str
    client: str
    device_name: str
    application_version: str
    supports_remote_control: bool
    supported_commands: tuple[str, ...]
    playable_media_types: tuple[str, ...]


THEATER = ClientProfile(
    key="theater",
    client="Emby Theater",
    device_name="Living Room TV",
    application_version="3.0.20",
    supports_remote_control=True,
    supported_commands=ALL_COMMANDS,
    playable_media_types=("Audio", "Video", "Photo"),
)
WEB = ClientProfile(
    key="web",
    client="Emby Web",
    device_name="Firefox",
    application_version="4.8.11.0",
    supports_remote_control=True,
    supported_commands=ALL_COMMANDS,
    playable_media_types=("Audio", "Video"),
)
# A TV app: the television owns the volume, so the app offers no volume commands.
ANDROID_TV = ClientProfile(
    key="android_tv",
    client="Emby for Android TV",
    device_name="SHIELD Android TV",
    application_version="2.0.95g",
    supports_remote_control=True,
    supported_commands=NAVIGATION_COMMANDS + PLAYER_COMMANDS + DISPLAY_COMMANDS,
    playable_media_types=("Audio", "Video"),
)
ANDROID = ClientProfile(
    key="android",
    client="Emby for Android",
    device_name="Pixel 8",
    application_version="3.4.20",
    supports_remote_control=True,
    supported_commands=VOLUME_COMMANDS + PLAYER_COMMANDS + DISPLAY_COMMANDS,
    playable_media_types=("Audio", "Video"),
)
IOS = ClientProfile(
    key="ios",
    client="Emby for iOS",
    device_name="iPhone",
    application_version="2.2.20",
    supports_remote_control=True,
    supported_commands=VOLUME_COMMANDS + PLAYER_COMMANDS + DISPLAY_COMMANDS,
    playable_media_types=("Audio", "Video"),
)
# A renderer that plays what it is sent but takes no remote control through the server.
DLNA = ClientProfile(
    key="dlna",
    client="DLNA",
    device_name="Kitchen Speaker",
    application_version="1.0",
    supports_remote_control=False,
    supported_commands=(),
    playable_media_types=("Audio",),
)
PROFILES: dict[str, ClientProfile] = {
    profile.key: profile for profile in (THEATER, WEB, ANDROID_TV, ANDROID, IOS, DLNA)
}


def find_profile(key_or_client: str) -> ClientProfile | None:
    """Return the profile with that key or client name (case-insensitive)."""
    lowered = key_or_client.lower()
    return next(
        (
            profile
            for profile in PROFILES.values()
            if lowered in {profile.key, profile.client.lower()}
        ),
        None,
    )


def profile_for(client: str) -> ClientProfile:
    """Return the profile a session of that client name gets (the web app's when unknown)."""
    return find_profile(client) or WEB


def client_fields(
    profile: ClientProfile | str | None,
    *,
    client: str | None,
    device_name: str | None,
    default: ClientProfile,
) -> ClientFields:
    """Return the SimSession fields of a client: the profile's, with the names given."""
    if isinstance(profile, str):
        found = find_profile(profile)
        if found is None:
            message = f"no client profile {profile!r} (known: {', '.join(PROFILES)})"
            raise ValueError(message)
        profile = found
    chosen = profile or (profile_for(client) if client else default)
    return {
        "client": client or chosen.client,
        "device_name": device_name or chosen.device_name,
        "application_version": chosen.application_version,
        "supports_remote_control": chosen.supports_remote_control,
        "supported_commands": chosen.supported_commands,
        "playable_media_types": chosen.playable_media_types,
    }
