"""The models read what real Emby servers and Emby Connect send (tests/fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.emby_connect.aioemby import (
    ConnectLogin,
    ConnectPin,
    ConnectServer,
    ConnectUser,
    ConnectUserType,
    EmbyUnsupportedServerError,
    ItemCounts,
    PlayMethod,
    PublicSystemInfo,
    Session,
    SystemInfo,
    TranscodingInfo,
    UnsupportedReason,
    check_supported,
)
from tests.fixtures import load_fixture

SYSTEM_ID = "3f2b5a7c9d1e4f60a8b7c6d5e4f3a2b1"


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("system_info_public_4.7_local.json", "4.7.14.0"),
        ("system_info_public_4.7_remote.json", "4.7.14.0"),
        ("system_info_public_4.8_local.json", "4.8.11.0"),
        ("system_info_public_4.8_remote.json", "4.8.11.0"),
        ("system_info_public_4.9_local.json", "4.9.1.90"),
        ("system_info_public_4.9_remote.json", "4.9.1.90"),
    ],
)
def test_public_info_of_every_supported_version(name: str, version: str) -> None:
    info = PublicSystemInfo.from_dict(load_fixture(name))
    assert (info.id, info.server_name, info.version) == (SYSTEM_ID, "Living Room", version)
    assert info.product_name is None
    assert not info.is_in_maintenance_mode
    check_supported(info)
    # What the full System/Info repeats of it reads the same.
    assert PublicSystemInfo.from_dict(load_fixture(name)) == info
    assert SystemInfo.from_dict(load_fixture(name)).local_address == info.local_address


def test_public_info_4_7_has_no_address_lists() -> None:
    info = PublicSystemInfo.from_dict(load_fixture("system_info_public_4.7_local.json"))
    assert info.local_address == "http://192.168.1.20:8096"
    assert info.wan_address == "https://203.0.113.10:8920"
    assert (info.local_addresses, info.remote_addresses) == ([], [])


def test_public_info_4_9_remote_names_no_address() -> None:
    info = PublicSystemInfo.from_dict(load_fixture("system_info_public_4.9_remote.json"))
    assert (info.local_address, info.wan_address) == (None, None)
    assert (info.local_addresses, info.remote_addresses) == ([], [])


def test_public_info_4_9_maintenance_mode() -> None:
    payload = {**load_fixture("system_info_public_4.9_local.json"), "IsInMaintenanceMode": True}
    assert PublicSystemInfo.from_dict(payload).is_in_maintenance_mode
    assert SystemInfo.from_dict(payload).is_in_maintenance_mode


def test_jellyfin_is_not_emby() -> None:
    info = PublicSystemInfo.from_dict(load_fixture("system_info_public_jellyfin.json"))
    assert (info.version, info.product_name) == ("10.8.13", "Jellyfin Server")
    with pytest.raises(EmbyUnsupportedServerError) as caught:
        check_supported(info)
    assert caught.value.reason is UnsupportedReason.NOT_EMBY
    assert (caught.value.version, caught.value.product_name) == ("10.8.13", "Jellyfin Server")
    assert "Jellyfin Server 10.8.13" in str(caught.value)


@pytest.mark.parametrize(
    ("version", "product", "reason"),
    [
        ("4.6.7.0", None, UnsupportedReason.TOO_OLD),
        ("3.5.3.0", None, UnsupportedReason.TOO_OLD),
        ("4", None, UnsupportedReason.TOO_OLD),
        ("8.0.0", None, UnsupportedReason.NOT_EMBY),
        ("10.9.11", None, UnsupportedReason.NOT_EMBY),
        ("4.8.11.0", "Jellyfin Server", UnsupportedReason.NOT_EMBY),
        (None, "Some Media Server", UnsupportedReason.NOT_EMBY),
    ],
)
def test_unsupported_servers(
    version: str | None, product: str | None, reason: UnsupportedReason
) -> None:
    info = PublicSystemInfo(id="s", server_name="n", version=version, product_name=product)
    with pytest.raises(EmbyUnsupportedServerError) as caught:
        check_supported(info)
    assert caught.value.reason is reason
    assert caught.value.version == version


@pytest.mark.parametrize(
    ("version", "product"),
    [
        ("4.7.0.0", None),
        ("4.7", None),
        ("4.10.0.1", None),
        ("7.99", None),
        ("4.9.1.90-beta", None),
        ("4.8.11.0", "Emby Server"),
        (None, None),
        ("beta", None),
        ("", None),
    ],
)
def test_supported_servers(version: str | None, product: str | None) -> None:
    check_supported(
        PublicSystemInfo(id="s", server_name="n", version=version, product_name=product)
    )


def test_unsupported_error_is_bounded() -> None:
    """A hostile version or product name does not make the message huge."""
    info = PublicSystemInfo(id="s" * 500, server_name="n", version="99" + "9" * 500)
    with pytest.raises(EmbyUnsupportedServerError) as caught:
        check_supported(info)
    assert len(str(caught.value)) < 300
    assert caught.value.version is not None
    assert len(caught.value.version) <= 64


# -- sessions -------------------------------------------------------------------------------


@pytest.fixture
def sessions() -> dict[str, Session]:
    """Return the recorded-shape sessions by user and client."""
    parsed = Session.list_from(load_fixture("sessions.json"))
    return {f"{session.user_name}/{session.client}": session for session in parsed}


def test_own_session(sessions: dict[str, Session]) -> None:
    """Real servers list the caller's own session: idle, not remote-controllable."""
    own = sessions["bob/Home Assistant"]
    assert own.device_id == "ha-device-1"
    assert own.internal_device_id == 41
    assert (own.has_media, own.is_playing, own.is_paused, own.is_transcoding) == (
        False,
        False,
        False,
        False,
    )
    assert own.transcode_reasons == []
    assert not own.supports_remote_control
    assert (own.supported_commands, own.playable_media_types) == ([], [])
    assert own.play_state.play_method is None
    assert own.last_activity_date == datetime(2026, 11, 29, 1, 2, 3, 456789, tzinfo=UTC)


def test_direct_play(sessions: dict[str, Session]) -> None:
    phone = sessions["bob/Emby for Android"]
    assert (phone.has_media, phone.is_playing, phone.is_paused) == (True, True, False)
    assert not phone.is_transcoding
    assert phone.play_state.play_method is PlayMethod.DIRECT_PLAY
    assert phone.play_state.can_seek
    assert phone.transcoding_info is None
    assert (phone.playlist_index, phone.playlist_length) == (2, 7)
    assert phone.device_type == "Phone"
    assert phone.app_icon_url is not None
    assert phone.app_icon_url.endswith("/android.png")
    assert phone.supports_remote_control
    assert "SetVolume" in phone.supported_commands
    assert phone.playable_media_types == ["Audio", "Video"]
    assert phone.now_playing is not None
    assert phone.now_playing.series_name == "Breaking Bad"


def test_paused_transcode_without_transcoding_info(sessions: dict[str, Session]) -> None:
    """Real servers drop TranscodingInfo while paused: the play method still says transcode."""
    paused = sessions["carol/Emby Web"]
    assert paused.transcoding_info is None
    assert (paused.has_media, paused.is_playing, paused.is_paused) == (True, False, True)
    assert paused.is_transcoding
    assert paused.transcode_reasons == []


def test_audio_only_transcode(sessions: dict[str, Session]) -> None:
    """Video copied, audio converted: still a transcode, and the reason is kept."""
    theater = sessions["bob/Emby Theater"]
    info = theater.transcoding_info
    assert info is not None
    assert (info.is_video_direct, info.is_audio_direct, info.is_remux) == (True, False, False)
    assert theater.is_transcoding
    assert theater.transcode_reasons == ["AudioCodecNotSupported"]
    assert info.bitrate == 8_640_000
    assert (info.video_codec, info.audio_codec, info.container) == ("h264", "aac", "ts")
    assert not info.is_hardware_accelerated
    assert info.hardware_acceleration is None


def test_hardware_transcode(sessions: dict[str, Session]) -> None:
    ipad = sessions["dave/Emby for iOS"]
    info = ipad.transcoding_info
    assert info is not None
    assert ipad.is_transcoding
    assert ipad.transcode_reasons == ["VideoCodecNotSupported", "ContainerBitrateExceedsLimit"]
    assert info.is_hardware_accelerated
    assert info.hardware_acceleration == "VAAPI"
    assert (info.video_decoder_is_hardware, info.video_encoder_is_hardware) == (True, True)


def test_remux_is_no_transcode(sessions: dict[str, Session]) -> None:
    """DirectStream copies both streams into another container: no transcode."""
    tv = sessions["bob/Emby for Samsung"]
    info = tv.transcoding_info
    assert info is not None
    assert info.is_remux
    assert tv.play_state.play_method is PlayMethod.DIRECT_STREAM
    assert not tv.is_transcoding
    assert tv.transcode_reasons == []
    # "None" is what servers send for software.
    assert (info.video_decoder_hw_accel, info.video_encoder_hw_accel) == (None, None)
    assert not info.is_hardware_accelerated


@pytest.mark.parametrize(
    ("session", "transcoding"),
    [
        # Without a play method, a TranscodingInfo that does more than copy counts.
        ({"NowPlayingItem": {}, "TranscodingInfo": {}}, True),
        ({"NowPlayingItem": {}, "TranscodingInfo": {"IsVideoDirect": True}}, True),
        (
            {
                "NowPlayingItem": {},
                "TranscodingInfo": {"IsVideoDirect": True, "IsAudioDirect": True},
            },
            False,
        ),
        ({"NowPlayingItem": {}, "PlayState": {"PlayMethod": "transcode"}}, True),
        ({"NowPlayingItem": {}, "PlayState": {"PlayMethod": "Teleport"}}, False),
        ({"PlayState": {"PlayMethod": "Transcode"}, "TranscodingInfo": {}}, False),
    ],
    ids=["info-only", "audio-only", "remux-info-only", "lower-case", "unknown", "nothing-loaded"],
)
def test_is_transcoding(session: dict[str, object], transcoding: bool) -> None:
    assert Session.from_dict({"Id": "s", **session}).is_transcoding is transcoding


def test_transcoding_info_tolerant() -> None:
    info = TranscodingInfo.from_dict(
        {
            "IsVideoDirect": "true",
            "Bitrate": "0",
            "TranscodeReasons": "AudioCodecNotSupported",
            "VideoEncoderHwAccel": "  ",
            "VideoDecoderHwAccel": "QuickSync",
        }
    )
    assert info.is_video_direct
    assert info.bitrate is None
    assert info.transcode_reasons == []
    assert info.hardware_acceleration == "QuickSync"
    assert info.is_hardware_accelerated


def test_item_counts_as_real_servers_send_them() -> None:
    counts = ItemCounts.from_dict(load_fixture("items_counts.json"))
    assert (counts.movie_count, counts.series_count, counts.episode_count) == (812, 64, 3120)
    assert (counts.game_count, counts.program_count, counts.game_system_count) == (0, 0, 0)
    assert (counts.artist_count, counts.box_set_count, counts.item_count) == (0, 0, 0)
    more = ItemCounts.from_dict({"GameCount": 3, "ProgramCount": "12", "GameSystemCount": 2})
    assert (more.game_count, more.program_count, more.game_system_count) == (3, 12, 2)


# -- Emby Connect ---------------------------------------------------------------------------


def test_connect_sign_in_with_decimal_user_id() -> None:
    login = ConnectLogin.from_dict(load_fixture("connect_authenticate.json"))
    assert login.user_id == "79718"
    assert login.user is not None
    assert login.user.is_active
    assert ConnectUser.from_dict(load_fixture("connect_user.json")) == login.user


def test_connect_user_inactive_as_string() -> None:
    user = ConnectUser.from_dict({**load_fixture("connect_user.json"), "IsActive": "false"})
    assert not user.is_active


def test_connect_servers_as_listed() -> None:
    home, friend = ConnectServer.list_from(load_fixture("connect_servers.json"))
    assert home.link_id == "6c0d9a8b7e6f45a3b2c1d0e9f8a7b6c5"
    assert home.remote_address == "https://emby.example.com"
    assert home.local_address == "http://192.168.1.20:8096"
    assert home.user_type is ConnectUserType.LINKED
    assert friend.remote_address == "https://friend.example.net:8920/emby"
    assert friend.local_address is None
    assert friend.user_type is ConnectUserType.GUEST


def test_pin_keeps_its_leading_zero() -> None:
    pin = ConnectPin.from_dict(load_fixture("connect_pin.json"))
    assert pin == ConnectPin(pin="09751", device_id="ha-device-1")
    confirmed = ConnectPin.from_dict(load_fixture("connect_pin_confirmed.json"))
    assert (confirmed.pin, confirmed.is_confirmed, confirmed.is_expired) == ("09751", True, False)
    login = ConnectLogin.from_dict(load_fixture("connect_pin_authenticate.json"))
    assert (login.user_id, login.user) == ("79718", None)
