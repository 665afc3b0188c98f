"""SessionInfo: a client session, what it plays and how, as Emby describes it."""

from __future__ import annotations

from typing import Any

from embysim.models import TICKS_PER_SECOND, SimSession, Transcode, emby_date

_AUDIO_TYPES = frozenset({"Audio", "AudioBook", "MusicVideo"})


def session_json(session: SimSession, server_id: str) -> dict[str, Any]:
    """Return a session as Emby's SessionInfo."""
    play_state: dict[str, Any] = {
        "CanSeek": session.is_playing,
        "IsPaused": session.paused,
        "IsMuted": session.muted,
        "VolumeLevel": session.volume_level,
        "RepeatMode": session.repeat_mode,
        "Shuffle": session.shuffle,
    }
    data: dict[str, Any] = {
        "PlayState": play_state,
        "AdditionalUsers": [],
        "RemoteEndPoint": session.remote_end_point,
        "Protocol": "HTTP/1.1",
        "PlayableMediaTypes": list(session.playable_media_types),
        "Id": session.id,
        "ServerId": server_id,
        "Client": session.client,
        "LastActivityDate": emby_date(session.last_activity),
        "DeviceName": session.device_name,
        "DeviceId": session.device_id,
        "InternalDeviceId": session.internal_device_id,
        "DeviceType": session.device_type,
        "ApplicationVersion": session.application_version,
        "SupportedCommands": list(session.supported_commands)
        if session.supports_remote_control
        else [],
        "SupportsRemoteControl": session.supports_remote_control,
        "PlaylistIndex": 0,
        "PlaylistLength": 1 if session.is_playing else 0,
    }
    if session.app_icon_url:
        data["AppIconUrl"] = session.app_icon_url
    if session.user is not None:
        data["UserId"] = session.user.id
        data["UserName"] = session.user.name
    if session.is_playing:
        play_state.update(
            {
                "PositionTicks": session.current_position() * TICKS_PER_SECOND,
                "MediaSourceId": session.item_id,
                "PlayMethod": "Transcode" if session.transcoding else "DirectPlay",
                "PlaybackRate": 1.0,
            }
        )
        data["NowPlayingItem"] = session.now_playing or now_playing(session, server_id)
        if session.queue:
            data["PlaylistIndex"] = session.queue_index
            data["PlaylistLength"] = len(session.queue)
        if session.transcoding and session.transcoding_info:
            data["TranscodingInfo"] = transcoding_info(session)
    return data


def now_playing(session: SimSession, server_id: str) -> dict[str, Any]:
    """Return the playing item as a BaseItemDto."""
    item: dict[str, Any] = {
        "Name": session.item_name,
        "ServerId": server_id,
        "Id": session.item_id,
        "Type": session.item_type,
        "MediaType": "Audio" if session.item_type in _AUDIO_TYPES else "Video",
        "RunTimeTicks": session.runtime_seconds * TICKS_PER_SECOND,
        "IsFolder": False,
    }
    if session.series_name is not None:
        item["SeriesName"] = session.series_name
    if session.bitrate is not None:
        # The source's bit rate (a transcode's own is in TranscodingInfo).
        item["Bitrate"] = session.bitrate
    return item


def transcoding_info(session: SimSession) -> dict[str, Any]:
    """Return how the server transcodes a session's stream (TranscodingInfo)."""
    audio_only = session.transcode is Transcode.AUDIO
    default_reason = "AudioCodecNotSupported" if audio_only else "VideoCodecNotSupported"
    info: dict[str, Any] = {
        "AudioCodec": "aac",
        "VideoCodec": "h264",
        "Container": "ts",
        "IsVideoDirect": audio_only,
        "IsAudioDirect": False,
        "Width": 1920,
        "Height": 1080,
        "AudioChannels": 2,
        "CompletionPercentage": 12.5,
        "TranscodeReasons": list(session.transcode_reasons or (default_reason,)),
        "VideoDecoderIsHardware": not audio_only,
        "VideoEncoderIsHardware": not audio_only,
    }
    if not audio_only:
        info.update(
            {
                "VideoDecoder": "h264_qsv",
                "VideoEncoder": "h264_qsv",
                "VideoDecoderHwAccel": "QuickSync",
                "VideoEncoderHwAccel": "QuickSync",
            }
        )
    if session.bitrate is not None:
        info["Bitrate"] = session.bitrate
    return info
