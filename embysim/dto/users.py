"""UserDto: a local user as Emby describes it."""

from __future__ import annotations

from typing import Any

from embysim.models import SimUser, emby_date

_CONFIGURATION: dict[str, Any] = {
    "PlayDefaultAudioTrack": True,
    "DisplayMissingEpisodes": False,
    "SubtitleMode": "Smart",
    "OrderedViews": [],
    "LatestItemsExcludes": [],
    "MyMediaExcludes": [],
    "HidePlayedInLatest": True,
    "RememberAudioSelections": True,
    "RememberSubtitleSelections": True,
    "EnableNextEpisodeAutoPlay": True,
    "ResumeRewindSeconds": 0,
    "IntroSkipMode": "ShowButton",
}


def user_dto(user: SimUser, server_id: str) -> dict[str, Any]:
    """Return a user as Emby's UserDto."""
    last_login = emby_date(user.last_login) if user.last_login else None
    dto: dict[str, Any] = {
        "Name": user.name,
        "ServerId": server_id,
        "Prefix": user.name[:1].upper(),
        "DateCreated": emby_date(user.date_created),
        "Id": user.id,
        "HasPassword": user.has_password,
        "HasConfiguredPassword": user.has_password,
        "EnableAutoLogin": False,
        "LastLoginDate": last_login,
        "LastActivityDate": last_login,
        "Configuration": {
            key: list(value) if isinstance(value, list) else value
            for key, value in _CONFIGURATION.items()
        },
        "Policy": _policy(user),
    }
    if user.connect_user is not None:
        dto["ConnectUserName"] = user.connect_user.name
        dto["ConnectLinkType"] = "Guest" if user.connect_link_type == "Guest" else "LinkedUser"
    return dto


def _policy(user: SimUser) -> dict[str, Any]:
    """Return a user's UserPolicy."""
    return {
        "IsAdministrator": user.is_admin,
        "IsHidden": False,
        "IsHiddenRemotely": True,
        "IsDisabled": user.is_disabled,
        "EnableRemoteControlOfOtherUsers": user.is_admin,
        "EnableSharedDeviceControl": True,
        "EnableRemoteAccess": True,
        "EnableLiveTvManagement": user.is_admin,
        "EnableLiveTvAccess": True,
        "EnableMediaPlayback": True,
        "EnableAudioPlaybackTranscoding": True,
        "EnableVideoPlaybackTranscoding": True,
        "EnablePlaybackRemuxing": True,
        "EnableContentDeletion": user.is_admin,
        "EnableContentDownloading": True,
        "EnableAllFolders": True,
        "EnableAllChannels": True,
        "EnableAllDevices": True,
        "InvalidLoginAttemptCount": 0,
        "RemoteClientBitrateLimit": 0,
        "SimultaneousStreamLimit": 0,
        "AuthenticationProviderId": "Emby.Server.Implementations.Library.DefaultAuthenticationProvider",
    }
