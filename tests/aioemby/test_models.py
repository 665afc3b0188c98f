"""Tests for the models: recorded payloads and the tolerant reader's edge cases."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.emby_connect.aioemby import (
    ConnectionMode,
    ConnectionResult,
    ConnectLogin,
    ConnectPin,
    ConnectServer,
    ConnectUser,
    ConnectUserType,
    EmbyResponseError,
    ItemCounts,
    NowPlayingItem,
    PlayMethod,
    PlayState,
    PublicSystemInfo,
    ServerLogin,
    ServerRecord,
    ServerUser,
    Session,
    SystemInfo,
)

from .conftest import load_fixture


def test_connect_login_documented_shape() -> None:
    login = ConnectLogin.from_dict(load_fixture("connect_authenticate.json"))
    assert login.user_id == "1234567"
    assert login.access_token == "7a3c1f0e9b2d4c8a9e6f5d4c3b2a1f0e"
    assert login.user == ConnectUser(
        id="1234567",
        name="alice",
        email="alice@example.com",
        is_active=True,
        image_url="https://connect.emby.media/images/users/1234567.png",
    )
    assert login.access_token not in repr(login)


@pytest.mark.parametrize(
    "payload",
    [
        {"ConnectAccessToken": "tok", "ConnectUserId": "42"},
        {"AccessToken": "tok", "UserId": "42"},
        {"accesstoken": "tok", "user": {"id": 42}},
        {"AccessToken": "tok", "UserId": "42", "User": {"Name": "no id here"}},
    ],
)
def test_connect_login_both_shapes(payload: dict[str, Any]) -> None:
    login = ConnectLogin.from_dict(payload)
    assert (login.user_id, login.access_token) == ("42", "tok")


@pytest.mark.parametrize(
    "payload",
    [{}, {"AccessToken": "tok"}, {"UserId": "1"}, {"AccessToken": "", "UserId": "1"}, [], "x"],
)
def test_connect_login_incomplete(payload: Any) -> None:
    with pytest.raises(EmbyResponseError):
        ConnectLogin.from_dict(payload)


def test_connect_servers() -> None:
    servers = ConnectServer.list_from(load_fixture("connect_servers.json"))
    assert len(servers) == 2
    first, second = servers
    assert first.system_id == "3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1"
    assert first.link_id == "88001"
    assert first.local_address == "http://192.168.1.20:8096"
    assert first.remote_address == "https://emby.example.org:8920"
    assert first.user_type is ConnectUserType.LINKED
    assert first.access_key not in repr(first)
    assert second.user_type is ConnectUserType.GUEST
    assert second.local_address is None
    assert second.remote_address is None
    assert ConnectServer.from_dict({"SystemId": "s", "AccessKey": "k"}).name == "s"


def test_connect_pin() -> None:
    pin = ConnectPin.from_dict(load_fixture("connect_pin.json"))
    assert pin == ConnectPin(pin="4821", device_id="ha-device-1")
    confirmed = ConnectPin.from_dict({"Pin": 1234, "IsConfirmed": "true", "IsExpired": 0})
    assert confirmed.pin == "1234"
    assert confirmed.is_confirmed
    assert not confirmed.is_expired


def test_public_system_info() -> None:
    info = PublicSystemInfo.from_dict(load_fixture("system_info_public.json"))
    assert info.id == "3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1"
    assert info.server_name == "Living Room"
    assert info.version == "4.8.11.0"
    assert info.local_addresses == ["http://192.168.1.20:8096", "http://[fd00::20]:8096"]
    assert info.wan_address == "https://emby.example.org:8920"
    assert PublicSystemInfo.from_dict({"Id": "x"}).server_name == "x"


def test_system_info() -> None:
    info = SystemInfo.from_dict(load_fixture("system_info.json"))
    assert info.has_update_available
    assert info.can_self_restart
    assert not info.can_self_update
    assert info.http_port == 8096
    assert info.https_port == 8920
    assert info.websocket_port == 8096
    assert info.supports_https
    assert info.operating_system_display_name == "Linux"


def test_sessions() -> None:
    sessions = Session.list_from(load_fixture("sessions.json"))
    assert [session.id for session in sessions] == ["b1c2d3e4f5a6", "c3d4e5"]
    playing, idle = sessions
    assert playing.is_playing
    assert not playing.is_paused
    assert playing.is_transcoding
    assert playing.transcoding_info is not None
    assert playing.transcoding_info.bitrate == 4_000_000
    assert playing.now_playing == NowPlayingItem(
        id="4242",
        name="Pilot",
        type="Episode",
        media_type="Video",
        series_name="Breaking Bad",
        season_name="Season 1",
        index_number=1,
        parent_index_number=1,
        production_year=2008,
        run_time_ticks=26400000000,
    )
    assert playing.play_state == PlayState(
        position_ticks=1234560000,
        volume_level=80,
        play_method=PlayMethod.TRANSCODE,
        can_seek=True,
        repeat_mode="RepeatNone",
    )
    assert playing.last_activity_date == datetime(2026, 11, 29, 1, 2, 3, 456789, tzinfo=UTC)
    assert not idle.is_playing
    assert not idle.has_media
    assert not idle.is_transcoding
    assert idle.device_id == "ha-device-1"


def test_session_paused_and_direct_play() -> None:
    session = Session.from_dict(
        {
            "Id": "s",
            "NowPlayingItem": {"Name": "Song", "Artists": ["A", 3, "B"]},
            "PlayState": {"IsPaused": True, "PlayMethod": "DirectPlay"},
            "LastActivityDate": "not a date",
        }
    )
    assert session.is_paused
    assert session.has_media
    assert not session.is_playing
    assert not session.is_transcoding
    assert session.now_playing is not None
    assert session.now_playing.artists == ["A", "B"]
    assert session.last_activity_date is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29T01:02:03Z", datetime(2026, 11, 29, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-29T01:02:03.Z", datetime(2026, 11, 29, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-29T01:02:03.1234567+00:00", datetime(2026, 11, 29, 1, 2, 3, 123456, tzinfo=UTC)),
        ("", None),
        ("2026-13-45", None),
    ],
)
def test_session_dates(text: str, expected: datetime | None) -> None:
    assert Session.from_dict({"Id": "s", "LastActivityDate": text}).last_activity_date == expected


def test_item_counts() -> None:
    counts = ItemCounts.from_dict(load_fixture("items_counts.json"))
    assert counts.movie_count == 812
    assert counts.song_count == 10422
    assert counts.item_count == 15248
    odd = ItemCounts.from_dict(
        {
            "MovieCount": -1,
            "SeriesCount": "7",
            "EpisodeCount": 2.0,
            "SongCount": 10**30,
            "BookCount": True,
            "BoxSetCount": "lots",
        }
    )
    assert (odd.movie_count, odd.series_count, odd.episode_count, odd.song_count) == (0, 7, 2, 0)
    assert (odd.book_count, odd.box_set_count) == (0, 0)


def test_authenticate_by_name() -> None:
    login = ServerLogin.from_authenticate(load_fixture("authenticate_by_name.json"))
    assert login.user_id == "aa11bb22cc33"
    assert login.user_name == "bob"
    assert login.is_admin is False
    assert login.server_id == "3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1"
    assert login.access_token not in repr(login)


def test_authenticate_by_name_tolerant() -> None:
    login = ServerLogin.from_authenticate(
        {"User": "odd", "SessionInfo": {"UserId": "u"}, "AccessToken": "t"}
    )
    assert (login.user_id, login.is_admin) == ("u", None)
    with pytest.raises(EmbyResponseError):
        ServerLogin.from_authenticate({"AccessToken": "t"})
    with pytest.raises(EmbyResponseError):
        ServerLogin.from_authenticate({"User": {"Id": "u"}})


def test_exchange() -> None:
    login = ServerLogin.from_exchange(load_fixture("exchange.json"))
    assert login.user_id == "aa11bb22cc33"
    assert login.access_token == "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
    with pytest.raises(EmbyResponseError):
        ServerLogin.from_exchange({"LocalUserId": "u"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10**5000, None), (1.5, "1.5"), (True, None), ("x", "x"), (12, "12"), ([1], None)],
    ids=["huge-int", "float", "bool", "str", "int", "list"],
)
def test_str_reader(value: Any, expected: str | None) -> None:
    assert ConnectUser.from_dict({"Id": "u", "Name": value}).name == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("0", False), ("maybe", True), (0, False), (2, True), (None, True)],
)
def test_bool_reader(value: Any, expected: bool) -> None:
    assert ConnectUser.from_dict({"Id": "u", "IsActive": value}).is_active is expected


def test_secrets_hidden_from_reprs() -> None:
    record = ServerRecord(system_id="s", access_key="KEY-SECRET", access_token="TOKEN-SECRET")
    result = ConnectionResult(
        mode=ConnectionMode.LOCAL,
        address="http://x",
        info=PublicSystemInfo(id="s", server_name="n"),
        user_id="u",
        access_token="TOKEN-SECRET",
    )
    for text in (repr(record), repr(result)):
        assert "SECRET" not in text


def test_users_query_and_bare_list() -> None:
    """Users/Query answers a QueryResult, older servers a bare list; odd users are skipped."""
    query = {"Items": [{"Id": "u1", "Name": "bob", "Policy": {"IsDisabled": True}}, {"Name": "x"}]}
    assert ServerUser.list_from(query) == [ServerUser(id="u1", name="bob", is_disabled=True)]
    assert ServerUser.list_from([{"Id": "u2"}]) == [ServerUser(id="u2", name="u2")]
    assert ServerUser.list_from({"TotalRecordCount": 0}) == []


FULL_SESSION: dict[str, Any] = {
    "Id": "s1",
    "UserId": "u1",
    "UserName": "bob",
    "Client": "Emby Web",
    "DeviceName": "Firefox",
    "DeviceId": "d1",
    "DeviceType": "Browser",
    "InternalDeviceId": 7,
    "ApplicationVersion": "4.9.0.0",
    "AppIconUrl": "https://example.invalid/icon.png",
    "LastActivityDate": "2026-11-29T01:02:03.1234567Z",
    "RemoteEndPoint": "192.0.2.7",
    "NowPlayingItem": {
        "Id": "i1",
        "Name": "Pilot",
        "Type": "Episode",
        "MediaType": "Video",
        "SeriesName": "Show",
        "SeasonName": "Season 1",
        "IndexNumber": 1,
        "ParentIndexNumber": 1,
        "Album": "Album",
        "Artists": ["Artist"],
        "ProductionYear": 2020,
        "RunTimeTicks": 36_000_000_000,
        "ImageTags": {"Primary": "tag"},
        "SeriesId": "series",
        "SeriesPrimaryImageTag": "stag",
        "AlbumId": "album",
        "AlbumPrimaryImageTag": "atag",
        "AlbumArtist": "Band",
        "Bitrate": 8_000_000,
    },
    "PlayState": {
        "PositionTicks": 10,
        "CanSeek": True,
        "IsPaused": True,
        "IsMuted": True,
        "VolumeLevel": 40,
        "PlayMethod": "Transcode",
        "RepeatMode": "RepeatAll",
        "Shuffle": True,
    },
    "TranscodingInfo": {
        "IsVideoDirect": True,
        "IsAudioDirect": True,
        "VideoCodec": "h264",
        "AudioCodec": "aac",
        "Container": "ts",
        "Bitrate": 4_000_000,
        "TranscodeReasons": ["AudioCodecNotSupported"],
        "VideoDecoderIsHardware": True,
        "VideoEncoderIsHardware": True,
        "VideoDecoderHwAccel": "VAAPI",
        "VideoEncoderHwAccel": "QSV",
    },
    "PlaylistIndex": 2,
    "PlaylistLength": 5,
    "SupportsRemoteControl": True,
    "SupportedCommands": ["MoveUp"],
    "PlayableMediaTypes": ["Video"],
}


def _lower_keys(value: Any) -> Any:
    """Return a JSON value with every wire name in lower case (ImageTags' keys are data)."""
    if isinstance(value, dict):
        return {
            key.lower(): item if key == "ImageTags" else _lower_keys(item)
            for key, item in value.items()
        }
    return value


def _unset_fields(model: object) -> set[str]:
    """Return the fields of a model that hold their default."""
    unset = set()
    for model_field in dataclasses.fields(model):  # type: ignore[arg-type]
        if model_field.default_factory is not dataclasses.MISSING:
            default = model_field.default_factory()
        else:
            default = model_field.default
        if getattr(model, model_field.name) == default:
            unset.add(model_field.name)
    return unset


def test_session_parsers_read_every_field_in_any_case() -> None:
    """Every field of a session and its parts is read, in Emby's spelling and in lower case.

    Session objects are folded to the names their fields read: a field the fold dropped would
    keep its default.
    """
    session = Session.from_dict(FULL_SESSION)
    for model in (session, session.now_playing, session.play_state, session.transcoding_info):
        assert model is not None
        assert _unset_fields(model) == set(), type(model).__name__
    assert Session.from_dict(_lower_keys(FULL_SESSION)) == session
