"""Sessions as Emby servers report them in `/Sessions` and the `Sessions` push message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Self

from ._wire import (
    JsonObject,
    as_object,
    fold,
    get_value,
    parse_each,
    read_bool,
    read_datetime,
    read_int,
    read_required_str,
    read_str,
    read_str_list,
    read_str_map,
)

# The wire names each parser reads (objects are folded to them once, case-insensitively): a
# field read but not listed here is dropped by the fold (tests/aioemby/test_models.py checks).
_NOW_PLAYING_FIELDS = (
    "Id",
    "Name",
    "Type",
    "MediaType",
    "SeriesName",
    "SeasonName",
    "IndexNumber",
    "ParentIndexNumber",
    "Album",
    "Artists",
    "ProductionYear",
    "RunTimeTicks",
    "ImageTags",
    "SeriesId",
    "SeriesPrimaryImageTag",
    "AlbumId",
    "AlbumPrimaryImageTag",
    "AlbumArtist",
    "Bitrate",
)
_PLAY_STATE_FIELDS = (
    "PositionTicks",
    "CanSeek",
    "IsPaused",
    "IsMuted",
    "VolumeLevel",
    "PlayMethod",
    "RepeatMode",
    "Shuffle",
)
_TRANSCODING_FIELDS = (
    "IsVideoDirect",
    "IsAudioDirect",
    "VideoCodec",
    "AudioCodec",
    "Container",
    "Bitrate",
    "TranscodeReasons",
    "VideoDecoderIsHardware",
    "VideoEncoderIsHardware",
    "VideoDecoderHwAccel",
    "VideoEncoderHwAccel",
)
_SESSION_FIELDS = (
    "Id",
    "UserId",
    "UserName",
    "Client",
    "DeviceName",
    "DeviceId",
    "DeviceType",
    "InternalDeviceId",
    "ApplicationVersion",
    "AppIconUrl",
    "LastActivityDate",
    "RemoteEndPoint",
    "NowPlayingItem",
    "PlayState",
    "TranscodingInfo",
    "PlaylistIndex",
    "PlaylistLength",
    "SupportsRemoteControl",
    "SupportedCommands",
    "PlayableMediaTypes",
)


class PlayMethod(StrEnum):
    """How the server sends the media to a session."""

    TRANSCODE = "Transcode"
    DIRECT_STREAM = "DirectStream"
    DIRECT_PLAY = "DirectPlay"

    @classmethod
    def read(cls, obj: JsonObject, name: str) -> PlayMethod | None:
        """Read a play method in any case; an unknown one is None."""
        text = (read_str(obj, name) or "").strip().lower()
        return _PLAY_METHODS.get(text)


_PLAY_METHODS = {method.value.lower(): method for method in PlayMethod}


def _hw_accel(obj: JsonObject, name: str) -> str | None:
    """Read the name of a hardware acceleration ("None" and empty mean software)."""
    text = (read_str(obj, name) or "").strip()
    return text if text and text.lower() != "none" else None


@dataclass(frozen=True, slots=True, kw_only=True)
class NowPlayingItem:
    """The item a session is playing."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    media_type: str | None = None
    series_name: str | None = None
    season_name: str | None = None
    index_number: int | None = None
    parent_index_number: int | None = None
    album: str | None = None
    artists: list[str] = field(default_factory=list)
    production_year: int | None = None
    run_time_ticks: int | None = None
    image_tags: dict[str, str] = field(default_factory=dict)
    series_id: str | None = None
    series_primary_image_tag: str | None = None
    album_id: str | None = None
    album_primary_image_tag: str | None = None
    album_artist: str | None = None
    # The media's bit rate (what a direct play sends), in bits per second.
    bitrate: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a NowPlayingItem."""
        obj = fold(as_object(data, "NowPlayingItem"), _NOW_PLAYING_FIELDS)
        return cls(
            id=read_str(obj, "Id"),
            name=read_str(obj, "Name"),
            type=read_str(obj, "Type"),
            media_type=read_str(obj, "MediaType"),
            series_name=read_str(obj, "SeriesName"),
            season_name=read_str(obj, "SeasonName"),
            index_number=read_int(obj, "IndexNumber"),
            parent_index_number=read_int(obj, "ParentIndexNumber"),
            album=read_str(obj, "Album"),
            artists=read_str_list(obj, "Artists"),
            production_year=read_int(obj, "ProductionYear"),
            run_time_ticks=read_int(obj, "RunTimeTicks"),
            image_tags=read_str_map(obj, "ImageTags"),
            series_id=read_str(obj, "SeriesId"),
            series_primary_image_tag=read_str(obj, "SeriesPrimaryImageTag"),
            album_id=read_str(obj, "AlbumId"),
            album_primary_image_tag=read_str(obj, "AlbumPrimaryImageTag"),
            album_artist=read_str(obj, "AlbumArtist"),
            bitrate=bitrate if (bitrate := read_int(obj, "Bitrate")) and bitrate > 0 else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayState:
    """The playback state of a session."""

    position_ticks: int | None = None
    can_seek: bool = False
    is_paused: bool = False
    is_muted: bool = False
    volume_level: int | None = None
    play_method: PlayMethod | None = None
    repeat_mode: str | None = None
    shuffle: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a PlayState."""
        obj = fold(as_object(data, "PlayState"), _PLAY_STATE_FIELDS)
        return cls(
            position_ticks=read_int(obj, "PositionTicks"),
            can_seek=read_bool(obj, "CanSeek"),
            is_paused=read_bool(obj, "IsPaused"),
            is_muted=read_bool(obj, "IsMuted"),
            volume_level=read_int(obj, "VolumeLevel"),
            play_method=PlayMethod.read(obj, "PlayMethod"),
            repeat_mode=read_str(obj, "RepeatMode"),
            shuffle=read_bool(obj, "Shuffle"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscodingInfo:
    """What the server does to a stream it transcodes (or only remuxes).

    Only what stays put while the stream runs: progress and CPU figures change every second
    and would make every push look like a change.
    """

    is_video_direct: bool = False
    is_audio_direct: bool = False
    video_codec: str | None = None
    audio_codec: str | None = None
    container: str | None = None
    bitrate: int | None = None
    transcode_reasons: list[str] = field(default_factory=list)
    video_decoder_is_hardware: bool = False
    video_encoder_is_hardware: bool = False
    video_decoder_hw_accel: str | None = None
    video_encoder_hw_accel: str | None = None

    @property
    def is_remux(self) -> bool:
        """Return whether video and audio are both copied (only the container changes)."""
        return self.is_video_direct and self.is_audio_direct

    @property
    def hardware_acceleration(self) -> str | None:
        """Return the hardware acceleration in use (the encoder's, else the decoder's)."""
        return self.video_encoder_hw_accel or self.video_decoder_hw_accel

    @property
    def is_hardware_accelerated(self) -> bool:
        """Return whether decoding or encoding runs on hardware."""
        return (
            self.video_decoder_is_hardware
            or self.video_encoder_is_hardware
            or self.hardware_acceleration is not None
        )

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a TranscodingInfo."""
        obj = fold(as_object(data, "TranscodingInfo"), _TRANSCODING_FIELDS)
        bitrate = read_int(obj, "Bitrate")
        return cls(
            is_video_direct=read_bool(obj, "IsVideoDirect"),
            is_audio_direct=read_bool(obj, "IsAudioDirect"),
            video_codec=read_str(obj, "VideoCodec") or None,
            audio_codec=read_str(obj, "AudioCodec") or None,
            container=read_str(obj, "Container") or None,
            bitrate=bitrate if bitrate is not None and bitrate > 0 else None,
            transcode_reasons=read_str_list(obj, "TranscodeReasons"),
            video_decoder_is_hardware=read_bool(obj, "VideoDecoderIsHardware"),
            video_encoder_is_hardware=read_bool(obj, "VideoEncoderIsHardware"),
            video_decoder_hw_accel=_hw_accel(obj, "VideoDecoderHwAccel"),
            video_encoder_hw_accel=_hw_accel(obj, "VideoEncoderHwAccel"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A client session on a server."""

    id: str
    user_id: str | None = None
    user_name: str | None = None
    client: str | None = None
    device_name: str | None = None
    device_id: str | None = None
    device_type: str | None = None
    internal_device_id: int | None = None
    application_version: str | None = None
    app_icon_url: str | None = None
    last_activity_date: datetime | None = None
    remote_end_point: str | None = None
    now_playing: NowPlayingItem | None = None
    play_state: PlayState = field(default_factory=PlayState)
    transcoding_info: TranscodingInfo | None = None
    playlist_index: int | None = None
    playlist_length: int | None = None
    supports_remote_control: bool = False
    supported_commands: list[str] = field(default_factory=list)
    playable_media_types: list[str] = field(default_factory=list)

    @property
    def has_media(self) -> bool:
        """Return whether an item is loaded in this session (playing or paused)."""
        return self.now_playing is not None

    @property
    def is_playing(self) -> bool:
        """Return whether the loaded item is playing (not paused)."""
        return self.has_media and not self.play_state.is_paused

    @property
    def is_paused(self) -> bool:
        """Return whether the loaded item is paused."""
        return self.has_media and self.play_state.is_paused

    @property
    def is_transcoding(self) -> bool:
        """Return whether the server transcodes this session's stream (video, audio or both).

        The play method decides when the server names it: a paused transcode comes without
        TranscodingInfo on real servers, and a remux (DirectStream) comes with one. Without
        a play method, a TranscodingInfo that does more than copy both streams counts.
        """
        if not self.has_media:
            return False
        if (method := self.play_state.play_method) is not None:
            return method is PlayMethod.TRANSCODE
        info = self.transcoding_info
        return info is not None and not info.is_remux

    @property
    def transcode_reasons(self) -> list[str]:
        """Return why the server transcodes (e.g. AudioCodecNotSupported), if it says."""
        if not self.is_transcoding or self.transcoding_info is None:
            return []
        return list(self.transcoding_info.transcode_reasons)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse one session."""
        # Folded once: a missing field costs one lookup (pushes carry hundreds of sessions).
        obj = fold(as_object(data, "session"), _SESSION_FIELDS)
        raw_item = get_value(obj, "NowPlayingItem")
        raw_state = get_value(obj, "PlayState")
        raw_transcoding = get_value(obj, "TranscodingInfo")
        return cls(
            id=read_required_str(obj, "Session", "Id"),
            user_id=read_str(obj, "UserId"),
            user_name=read_str(obj, "UserName"),
            client=read_str(obj, "Client"),
            device_name=read_str(obj, "DeviceName"),
            device_id=read_str(obj, "DeviceId"),
            device_type=read_str(obj, "DeviceType") or None,
            internal_device_id=read_int(obj, "InternalDeviceId"),
            application_version=read_str(obj, "ApplicationVersion"),
            app_icon_url=read_str(obj, "AppIconUrl") or None,
            last_activity_date=read_datetime(obj, "LastActivityDate"),
            remote_end_point=read_str(obj, "RemoteEndPoint"),
            now_playing=NowPlayingItem.from_dict(raw_item)
            if isinstance(raw_item, Mapping)
            else None,
            play_state=PlayState.from_dict(raw_state)
            if isinstance(raw_state, Mapping)
            else PlayState(),
            transcoding_info=TranscodingInfo.from_dict(raw_transcoding)
            if isinstance(raw_transcoding, Mapping)
            else None,
            playlist_index=read_int(obj, "PlaylistIndex"),
            playlist_length=read_int(obj, "PlaylistLength"),
            supports_remote_control=read_bool(obj, "SupportsRemoteControl"),
            supported_commands=read_str_list(obj, "SupportedCommands"),
            playable_media_types=read_str_list(obj, "PlayableMediaTypes"),
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse `/Sessions`, skipping entries without an Id."""
        return parse_each(cls.from_dict, data, "Sessions")
