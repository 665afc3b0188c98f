"""Property tests: every parser turns any JSON (and hostile shapes) into a model or EmbyResponseError."""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.emby_connect.aioemby import (
    ConnectLogin,
    ConnectPin,
    ConnectServer,
    ConnectUser,
    EmbyResponseError,
    EmbyUnsupportedServerError,
    ItemCounts,
    ItemPage,
    MediaItem,
    NowPlayingItem,
    PlayState,
    PublicSystemInfo,
    ServerLogin,
    Session,
    SystemInfo,
    TranscodingInfo,
    UserData,
    check_supported,
)

PARSERS: list[Callable[[Any], object]] = [
    ConnectUser.from_dict,
    ConnectLogin.from_dict,
    ConnectServer.from_dict,
    ConnectServer.list_from,
    ConnectPin.from_dict,
    PublicSystemInfo.from_dict,
    SystemInfo.from_dict,
    ServerLogin.from_authenticate,
    ServerLogin.from_exchange,
    NowPlayingItem.from_dict,
    PlayState.from_dict,
    TranscodingInfo.from_dict,
    Session.from_dict,
    Session.list_from,
    ItemCounts.from_dict,
    MediaItem.from_dict,
    ItemPage.from_dict,
    UserData.from_dict,
]
PARSER_IDS = [f"{parser.__self__.__name__}.{parser.__name__}" for parser in PARSERS]  # type: ignore[attr-defined]

# Every wire name the models read, so generated objects hit the real fields.
WIRE_NAMES = [
    "AccessKey", "AccessToken", "Album", "AlbumCount", "ApplicationVersion", "ArtistCount",
    "Artists", "BookCount", "BoxSetCount", "CanSelfRestart", "CanSelfUpdate", "Client",
    "ConnectAccessToken", "ConnectUserId", "DeviceId", "DeviceName", "DisplayName", "Email",
    "EpisodeCount", "HasPendingRestart", "HasUpdateAvailable", "HttpServerPortNumber",
    "HttpsPortNumber", "Id", "ImageUrl", "IndexNumber", "IsActive", "IsAdministrator",
    "IsConfirmed", "IsExpired", "IsMuted", "IsPaused", "IsShuttingDown", "ItemCount",
    "LastActivityDate", "LocalAddress", "LocalAddresses", "LocalUserId", "MediaType",
    "MovieCount", "MusicVideoCount", "Name", "NowPlayingItem", "OperatingSystem",
    "OperatingSystemDisplayName", "ParentIndexNumber", "Pin", "PlayMethod", "PlayState",
    "Policy", "PositionTicks", "ProductionYear", "RemoteAddress", "RemoteAddresses",
    "RemoteEndPoint", "RunTimeTicks", "SeasonName", "SeriesCount", "SeriesName", "ServerId",
    "ServerName", "SessionInfo", "SongCount", "SupportsHttps", "SupportsRemoteControl",
    "SystemId", "TrailerCount", "TranscodingInfo", "Type", "Url", "User", "UserId", "UserName",
    "UserType", "Version", "VolumeLevel", "WanAddress", "WebSocketPortNumber",
    "AlbumArtist", "AlbumId", "AlbumPrimaryImageTag", "AppIconUrl", "AudioCodec",
    "BackdropImageTags", "Bitrate", "CanSeek", "ChildCount", "CollectionType", "CommunityRating",
    "Container", "DeviceType", "GameCount", "GameSystemCount", "ImageTags", "InternalDeviceId",
    "IsAudioDirect", "IsFavorite", "IsFolder", "IsInMaintenanceMode", "IsVideoDirect", "Items",
    "LastPlayedDate", "ParentId", "PlayCount", "PlayableMediaTypes", "PlaybackPositionTicks",
    "Played", "PlayedPercentage", "PlaylistIndex", "PlaylistLength", "Primary", "ProductName",
    "ProgramCount", "RepeatMode", "SeasonId", "SeriesId", "SeriesPrimaryImageTag", "Shuffle",
    "SupportedCommands", "TotalRecordCount", "TranscodeReasons", "UnplayedItemCount", "UserData",
    "VideoCodec", "VideoDecoderHwAccel", "VideoDecoderIsHardware", "VideoEncoderHwAccel",
    "VideoEncoderIsHardware",
]  # fmt: skip

keys = (
    st.sampled_from(WIRE_NAMES) | st.sampled_from(WIRE_NAMES).map(str.lower) | st.text(max_size=8)
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(
        [
            "true",
            "false",
            "2026-11-29T01:02:03.1234567Z",
            "Guest",
            "Transcode",
            "DirectStream",
            "1e999",
            "4.6.0.0",
            "10.8.13",
            "None",
        ]
    )
)


def _json(max_leaves: int) -> st.SearchStrategy[Any]:
    """Return arbitrary JSON values (objects keyed mostly by real wire names)."""
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=max_leaves,
    )


json_values = _json(30)
objects = st.dictionaries(keys, _json(6), max_size=12)


def _nested(depth: int) -> Any:
    """Return a list nested depth times."""
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: list[Any] = [
    None,
    0,
    "",
    "Id",
    [],
    [None, 1, "x", [], {}],
    {1: "non-string key", None: "x", "Id": {"nested": True}},
    {"Id": 10**5000},
    {"Id": "x", "NowPlayingItem": {"Artists": "not a list"}, "PlayState": []},
    {"Id": "x", "LastActivityDate": "9999-99-99T99:99:99.9999999999Z"},
    {"Id": "x", "LastActivityDate": "2026-01-01T00:00:00.ZZZ"},
    {"AccessToken": "t", "User": {"Id": ["x"]}},
    {"AccessToken": ["t"], "UserId": "u"},
    {"User": [], "SessionInfo": "x", "AccessToken": "t"},
    {"User": {"Id": "u", "Policy": "admin"}, "AccessToken": "t"},
    [{"SystemId": "s", "AccessKey": "k"}] * 1000,
    _nested(500),
    {"Id": _nested(500)},
    {"id": "lower", "servername": "case"},
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values | objects | st.lists(objects, max_size=3))
def test_parsers_only_raise_response_error(data: Any) -> None:
    for parser in PARSERS:
        with contextlib.suppress(EmbyResponseError):
            parser(data)


sessions = st.fixed_dictionaries(
    {"Id": st.just("s")},
    optional={
        "NowPlayingItem": _json(4),
        "PlayState": st.dictionaries(keys, _json(3), max_size=6),
        "TranscodingInfo": st.dictionaries(keys, _json(3), max_size=8) | _json(3),
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=sessions)
def test_session_figures_never_fail(data: Any) -> None:
    """Whatever a session holds, its figures are plain values and consistent."""
    session = Session.from_dict(data)
    assert session.is_playing + session.is_paused == session.has_media
    assert not session.is_transcoding or session.has_media
    assert isinstance(session.transcode_reasons, list)
    if session.transcode_reasons:
        assert session.is_transcoding


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=objects)
def test_version_gate_only_raises_its_error(data: Any) -> None:
    with contextlib.suppress(EmbyResponseError, EmbyUnsupportedServerError):
        check_supported(PublicSystemInfo.from_dict({**data, "Id": "s"}))


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
def test_parsers_survive_hostile_shapes(parser: Callable[[Any], object]) -> None:
    for data in HOSTILE:
        with contextlib.suppress(EmbyResponseError):
            parser(data)
