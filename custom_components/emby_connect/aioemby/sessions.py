"""Sessions as Emby servers report them in `/Sessions` and the `Sessions` push message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ._fields import WireModel, wire
from ._wire import (
    JsonObject,
    read_datetime,
    read_enum,
    read_flag,
    read_int,
    read_object,
    read_str,
    read_str_list,
    read_str_map,
    read_text,
)


class PlayMethod(StrEnum):
    """How the server sends the media to a session."""

    TRANSCODE = "Transcode"
    DIRECT_STREAM = "DirectStream"
    DIRECT_PLAY = "DirectPlay"


def _hw_accel(obj: JsonObject, *names: str) -> str | None:
    """Read the name of a hardware acceleration ("None" and empty mean software)."""
    text = (read_str(obj, *names) or "").strip()
    return text if text and text.lower() != "none" else None


def _positive(obj: JsonObject, *names: str) -> int | None:
    """Read a positive integer (a bit rate: 0 and less mean unknown)."""
    value = read_int(obj, *names)
    return value if value is not None and value > 0 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class NowPlayingItem(WireModel):
    """The item a session is playing."""

    _what = "NowPlayingItem"
    _fold = True

    id: str | None = wire(read_str, "Id", default=None)
    name: str | None = wire(read_str, "Name", default=None)
    type: str | None = wire(read_str, "Type", default=None)
    media_type: str | None = wire(read_str, "MediaType", default=None)
    series_name: str | None = wire(read_str, "SeriesName", default=None)
    season_name: str | None = wire(read_str, "SeasonName", default=None)
    index_number: int | None = wire(read_int, "IndexNumber", default=None)
    parent_index_number: int | None = wire(read_int, "ParentIndexNumber", default=None)
    album: str | None = wire(read_str, "Album", default=None)
    artists: list[str] = wire(read_str_list, "Artists", default_factory=list)
    production_year: int | None = wire(read_int, "ProductionYear", default=None)
    run_time_ticks: int | None = wire(read_int, "RunTimeTicks", default=None)
    image_tags: dict[str, str] = wire(read_str_map, "ImageTags", default_factory=dict)
    series_id: str | None = wire(read_str, "SeriesId", default=None)
    series_primary_image_tag: str | None = wire(read_str, "SeriesPrimaryImageTag", default=None)
    album_id: str | None = wire(read_str, "AlbumId", default=None)
    album_primary_image_tag: str | None = wire(read_str, "AlbumPrimaryImageTag", default=None)
    album_artist: str | None = wire(read_str, "AlbumArtist", default=None)
    # The media's bit rate (what a direct play sends), in bits per second.
    bitrate: int | None = wire(_positive, "Bitrate", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayState(WireModel):
    """The playback state of a session."""

    _what = "PlayState"
    _fold = True

    position_ticks: int | None = wire(read_int, "PositionTicks", default=None)
    can_seek: bool = wire(read_flag, "CanSeek", default=False)
    is_paused: bool = wire(read_flag, "IsPaused", default=False)
    is_muted: bool = wire(read_flag, "IsMuted", default=False)
    volume_level: int | None = wire(read_int, "VolumeLevel", default=None)
    play_method: PlayMethod | None = wire(read_enum(PlayMethod), "PlayMethod", default=None)
    repeat_mode: str | None = wire(read_str, "RepeatMode", default=None)
    shuffle: bool = wire(read_flag, "Shuffle", default=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscodingInfo(WireModel):
    """What the server does to a stream it transcodes (or only remuxes).

    Only what stays put while the stream runs: progress and CPU figures change every second
    and would make every push look like a change.
    """

    _what = "TranscodingInfo"
    _fold = True

    is_video_direct: bool = wire(read_flag, "IsVideoDirect", default=False)
    is_audio_direct: bool = wire(read_flag, "IsAudioDirect", default=False)
    video_codec: str | None = wire(read_text, "VideoCodec", default=None)
    audio_codec: str | None = wire(read_text, "AudioCodec", default=None)
    container: str | None = wire(read_text, "Container", default=None)
    bitrate: int | None = wire(_positive, "Bitrate", default=None)
    transcode_reasons: list[str] = wire(read_str_list, "TranscodeReasons", default_factory=list)
    video_decoder_is_hardware: bool = wire(read_flag, "VideoDecoderIsHardware", default=False)
    video_encoder_is_hardware: bool = wire(read_flag, "VideoEncoderIsHardware", default=False)
    video_decoder_hw_accel: str | None = wire(_hw_accel, "VideoDecoderHwAccel", default=None)
    video_encoder_hw_accel: str | None = wire(_hw_accel, "VideoEncoderHwAccel", default=None)

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Session(WireModel):
    """A client session on a server."""

    _what = "session"
    _list_what = "Sessions"
    # Folded once: a missing field costs one lookup (pushes carry hundreds of sessions).
    _fold = True

    id: str = wire(read_text, "Id", required="Session")
    user_id: str | None = wire(read_str, "UserId", default=None)
    user_name: str | None = wire(read_str, "UserName", default=None)
    client: str | None = wire(read_str, "Client", default=None)
    device_name: str | None = wire(read_str, "DeviceName", default=None)
    device_id: str | None = wire(read_str, "DeviceId", default=None)
    device_type: str | None = wire(read_text, "DeviceType", default=None)
    internal_device_id: int | None = wire(read_int, "InternalDeviceId", default=None)
    application_version: str | None = wire(read_str, "ApplicationVersion", default=None)
    app_icon_url: str | None = wire(read_text, "AppIconUrl", default=None)
    last_activity_date: datetime | None = wire(read_datetime, "LastActivityDate", default=None)
    remote_end_point: str | None = wire(read_str, "RemoteEndPoint", default=None)
    now_playing: NowPlayingItem | None = wire(
        read_object(NowPlayingItem.from_dict), "NowPlayingItem", default=None
    )
    play_state: PlayState = wire(
        read_object(PlayState.from_dict), "PlayState", default_factory=PlayState
    )
    transcoding_info: TranscodingInfo | None = wire(
        read_object(TranscodingInfo.from_dict), "TranscodingInfo", default=None
    )
    playlist_index: int | None = wire(read_int, "PlaylistIndex", default=None)
    playlist_length: int | None = wire(read_int, "PlaylistLength", default=None)
    supports_remote_control: bool = wire(read_flag, "SupportsRemoteControl", default=False)
    supported_commands: list[str] = wire(read_str_list, "SupportedCommands", default_factory=list)
    playable_media_types: list[str] = wire(
        read_str_list, "PlayableMediaTypes", default_factory=list
    )

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
