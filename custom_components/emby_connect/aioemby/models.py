"""Typed models parsed from Emby Connect and Emby server answers (a tolerant reader)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

from .exceptions import EmbyResponseError

type JsonObject = Mapping[str, Any]


def _object(data: object, what: str) -> JsonObject:
    """Return data as a JSON object or raise EmbyResponseError."""
    if not isinstance(data, Mapping):
        message = f"Expected a JSON object for {what}, got {type(data).__name__}"
        raise EmbyResponseError(message)
    return data


def _list(data: object, what: str) -> list[Any]:
    """Return data as a JSON array or raise EmbyResponseError."""
    if not isinstance(data, list):
        message = f"Expected a JSON array for {what}, got {type(data).__name__}"
        raise EmbyResponseError(message)
    return data


def _mapping(data: object) -> JsonObject:
    """Return data if it is a JSON object, else an empty one (for optional nested objects)."""
    return data if isinstance(data, Mapping) else {}


def _each[T](parse: Callable[[object], T], data: object, what: str) -> list[T]:
    """Parse every item of a JSON array, skipping the items that cannot be parsed."""
    parsed: list[T] = []
    for item in _list(data, what):
        try:
            parsed.append(parse(item))
        except EmbyResponseError:
            continue
    return parsed


class _Folded(dict[str, Any]):
    """A JSON object re-keyed by the wire names a parser reads: no other spelling is left."""


def _fold(data: JsonObject, names: Iterable[str]) -> JsonObject:
    """Return data keyed by the given wire names, matched case-insensitively, in one pass.

    A parser reading many fields of many objects (library pages) folds each object once, so
    that a missing field costs one lookup instead of a case-insensitive scan.
    """
    canonical = {name.lower(): name for name in names}
    folded = _Folded()
    for key, value in data.items():
        if not isinstance(key, str) or value is None:
            continue
        name = canonical.get(key.lower())
        if name is not None and (key == name or name not in folded):
            folded[name] = value
    return folded


def _get(data: JsonObject, *names: str) -> Any:
    """Return the first present, non-null value among the wire names (case-insensitive)."""
    for name in names:
        value = data.get(name)
        if value is not None:
            return value
    if isinstance(data, _Folded):
        return None
    lowered = {key.lower(): value for key, value in data.items() if isinstance(key, str)}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            return value
    return None


def _str(data: JsonObject, *names: str) -> str | None:
    """Read an optional string; numbers are accepted as text, other types are ignored."""
    value = _get(data, *names)
    if isinstance(value, str):
        return value
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return str(value)
        except ValueError:
            # An integer with more digits than Python converts to text.
            return None
    return None


def _required_str(data: JsonObject, what: str, *names: str) -> str:
    """Read a string that must be present and non-empty."""
    value = _str(data, *names)
    if not value:
        message = f"{what} has no {names[0]}"
        raise EmbyResponseError(message)
    return value


def _bool(data: JsonObject, *names: str, default: bool = False) -> bool:
    """Read a boolean; Connect sends some as the strings "true" and "false"."""
    value = _get(data, *names)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() in {"true", "1", "yes"}:
            return True
        if value.strip().lower() in {"false", "0", "no"}:
            return False
    if isinstance(value, int) and not isinstance(value, bool):
        return value != 0
    return default


def _int(data: JsonObject, *names: str) -> int | None:
    """Read an optional integer; numeric strings are accepted, absurd values are ignored."""
    value = _get(data, *names)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            return None
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    return None


def _count(data: JsonObject, *names: str) -> int:
    """Read a non-negative count, defaulting to 0."""
    value = _int(data, *names)
    return value if value is not None and value >= 0 else 0


def _str_list(data: JsonObject, *names: str) -> list[str]:
    """Read a list of strings, dropping anything else."""
    value = _get(data, *names)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def _str_map(data: JsonObject, *names: str) -> dict[str, str]:
    """Read an object of strings (e.g. ImageTags), dropping anything else."""
    value = _get(data, *names)
    if not isinstance(value, Mapping):
        return {}
    return {
        key: item for key, item in value.items() if isinstance(key, str) and isinstance(item, str)
    }


def _datetime(data: JsonObject, *names: str) -> datetime | None:
    """Read an ISO 8601 timestamp in UTC; Emby sends seven fractional digits, cut to six."""
    value = _str(data, *names)
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        zone = tail.lstrip("0123456789")
        digits = tail[: len(tail) - len(zone)]
        text = f"{head}.{digits[:6]}{zone}" if digits else f"{head}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # Emby's dates are UTC; one without an offset is read as UTC too.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class ConnectionMode(StrEnum):
    """How a server was reached, as Emby's connection manager names it."""

    LOCAL = "local"
    REMOTE = "remote"
    MANUAL = "manual"


class ConnectUserType(StrEnum):
    """How an Emby Connect account is linked to a server."""

    LINKED = "Linked"
    GUEST = "Guest"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectUser:
    """An Emby Connect account."""

    id: str
    name: str | None = None
    email: str | None = None
    is_active: bool = True
    image_url: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a Connect user object."""
        obj = _object(data, "Connect user")
        return cls(
            id=_required_str(obj, "Connect user", "Id", "ConnectUserId", "UserId"),
            name=_str(obj, "Name", "DisplayName"),
            email=_str(obj, "Email"),
            is_active=_bool(obj, "IsActive", default=True),
            image_url=_str(obj, "ImageUrl"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectLogin:
    """The result of an Emby Connect sign-in (password or PIN)."""

    user_id: str
    access_token: str = field(repr=False)
    user: ConnectUser | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `user/authenticate` or `pin/authenticate`, in the documented or observed shape."""
        obj = _object(data, "Connect sign-in")
        token = _required_str(obj, "Connect sign-in", "AccessToken", "ConnectAccessToken")
        user: ConnectUser | None = None
        if isinstance(raw_user := _get(obj, "User"), Mapping):
            with suppress(EmbyResponseError):
                # A user object without an Id is no reason to refuse a top-level UserId.
                user = ConnectUser.from_dict(raw_user)
        user_id = _str(obj, "UserId", "ConnectUserId") or (user.id if user else None)
        if not user_id:
            message = "Connect sign-in has no user id"
            raise EmbyResponseError(message)
        return cls(user_id=user_id, access_token=token, user=user)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectServer:
    """A server that an Emby Connect account may use."""

    system_id: str
    name: str
    access_key: str = field(repr=False)
    link_id: str | None = None
    local_address: str | None = None
    remote_address: str | None = None
    user_type: ConnectUserType = ConnectUserType.LINKED

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse one entry of `servers?userId=`."""
        obj = _object(data, "Connect server")
        system_id = _required_str(obj, "Connect server", "SystemId")
        raw_type = (_str(obj, "UserType") or "").lower()
        return cls(
            system_id=system_id,
            name=_str(obj, "Name") or system_id,
            access_key=_required_str(obj, "Connect server", "AccessKey"),
            link_id=_str(obj, "Id"),
            local_address=_str(obj, "LocalAddress") or None,
            remote_address=_str(obj, "Url", "RemoteAddress") or None,
            user_type=ConnectUserType.GUEST if raw_type == "guest" else ConnectUserType.LINKED,
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse the server list, skipping entries that describe no usable server."""
        return _each(cls.from_dict, data, "Connect server list")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectPin:
    """An Emby Connect PIN waiting to be confirmed at emby.media/pin."""

    pin: str
    device_id: str
    is_confirmed: bool = False
    is_expired: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the answer of `POST pin` or `GET pin`."""
        obj = _object(data, "Connect PIN")
        return cls(
            pin=_required_str(obj, "Connect PIN", "Pin"),
            device_id=_str(obj, "DeviceId") or "",
            is_confirmed=_bool(obj, "IsConfirmed"),
            is_expired=_bool(obj, "IsExpired"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicSystemInfo:
    """What `System/Info/Public` tells anyone who asks."""

    id: str
    server_name: str
    version: str | None = None
    local_address: str | None = None
    local_addresses: list[str] = field(default_factory=list)
    wan_address: str | None = None
    remote_addresses: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `System/Info/Public`."""
        obj = _object(data, "System/Info/Public")
        system_id = _required_str(obj, "System info", "Id")
        return cls(**_public_fields(obj, system_id))


def _public_fields(obj: JsonObject, system_id: str) -> dict[str, Any]:
    """Read the fields shared by the public and the full system info."""
    return {
        "id": system_id,
        "server_name": _str(obj, "ServerName") or system_id,
        "version": _str(obj, "Version"),
        "local_address": _str(obj, "LocalAddress") or None,
        "local_addresses": _str_list(obj, "LocalAddresses"),
        "wan_address": _str(obj, "WanAddress") or None,
        "remote_addresses": _str_list(obj, "RemoteAddresses"),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemInfo:
    """What `System/Info` tells a signed-in user."""

    id: str
    server_name: str
    version: str | None = None
    local_address: str | None = None
    local_addresses: list[str] = field(default_factory=list)
    wan_address: str | None = None
    remote_addresses: list[str] = field(default_factory=list)
    has_pending_restart: bool = False
    is_shutting_down: bool = False
    has_update_available: bool = False
    can_self_restart: bool = False
    can_self_update: bool = False
    operating_system: str | None = None
    operating_system_display_name: str | None = None
    http_port: int | None = None
    https_port: int | None = None
    supports_https: bool = False
    websocket_port: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `System/Info`."""
        obj = _object(data, "System/Info")
        system_id = _required_str(obj, "System info", "Id")
        return cls(
            **_public_fields(obj, system_id),
            has_pending_restart=_bool(obj, "HasPendingRestart"),
            is_shutting_down=_bool(obj, "IsShuttingDown"),
            has_update_available=_bool(obj, "HasUpdateAvailable"),
            can_self_restart=_bool(obj, "CanSelfRestart"),
            can_self_update=_bool(obj, "CanSelfUpdate"),
            operating_system=_str(obj, "OperatingSystem"),
            operating_system_display_name=_str(obj, "OperatingSystemDisplayName"),
            http_port=_int(obj, "HttpServerPortNumber"),
            https_port=_int(obj, "HttpsPortNumber"),
            supports_https=_bool(obj, "SupportsHttps"),
            websocket_port=_int(obj, "WebSocketPortNumber"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerLogin:
    """The result of `Users/AuthenticateByName` or `Connect/Exchange`: a local token for a user."""

    user_id: str
    access_token: str = field(repr=False)
    user_name: str | None = None
    server_id: str | None = None
    is_admin: bool | None = None

    @classmethod
    def from_authenticate(cls, data: object) -> Self:
        """Parse `Users/AuthenticateByName`."""
        obj = _object(data, "AuthenticateByName")
        user = _mapping(_get(obj, "User"))
        policy = _get(user, "Policy")
        user_id = _str(user, "Id") or _str(_mapping(_get(obj, "SessionInfo")), "UserId")
        if not user_id:
            message = "AuthenticateByName has no user id"
            raise EmbyResponseError(message)
        return cls(
            user_id=user_id,
            access_token=_required_str(obj, "AuthenticateByName", "AccessToken"),
            user_name=_str(user, "Name"),
            server_id=_str(obj, "ServerId") or _str(user, "ServerId"),
            is_admin=_bool(policy, "IsAdministrator") if isinstance(policy, Mapping) else None,
        )

    @classmethod
    def from_exchange(cls, data: object) -> Self:
        """Parse `Connect/Exchange`."""
        obj = _object(data, "Connect/Exchange")
        return cls(
            user_id=_required_str(obj, "Connect/Exchange", "LocalUserId", "UserId"),
            access_token=_required_str(obj, "Connect/Exchange", "AccessToken"),
        )


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

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a NowPlayingItem."""
        obj = _object(data, "NowPlayingItem")
        return cls(
            id=_str(obj, "Id"),
            name=_str(obj, "Name"),
            type=_str(obj, "Type"),
            media_type=_str(obj, "MediaType"),
            series_name=_str(obj, "SeriesName"),
            season_name=_str(obj, "SeasonName"),
            index_number=_int(obj, "IndexNumber"),
            parent_index_number=_int(obj, "ParentIndexNumber"),
            album=_str(obj, "Album"),
            artists=_str_list(obj, "Artists"),
            production_year=_int(obj, "ProductionYear"),
            run_time_ticks=_int(obj, "RunTimeTicks"),
            image_tags=_str_map(obj, "ImageTags"),
            series_id=_str(obj, "SeriesId"),
            series_primary_image_tag=_str(obj, "SeriesPrimaryImageTag"),
            album_id=_str(obj, "AlbumId"),
            album_primary_image_tag=_str(obj, "AlbumPrimaryImageTag"),
            album_artist=_str(obj, "AlbumArtist"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayState:
    """The playback state of a session."""

    position_ticks: int | None = None
    is_paused: bool = False
    is_muted: bool = False
    volume_level: int | None = None
    play_method: str | None = None
    can_seek: bool = False
    repeat_mode: str | None = None
    shuffle: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a PlayState."""
        obj = _object(data, "PlayState")
        return cls(
            position_ticks=_int(obj, "PositionTicks"),
            is_paused=_bool(obj, "IsPaused"),
            is_muted=_bool(obj, "IsMuted"),
            volume_level=_int(obj, "VolumeLevel"),
            play_method=_str(obj, "PlayMethod"),
            can_seek=_bool(obj, "CanSeek"),
            repeat_mode=_str(obj, "RepeatMode"),
            shuffle=_bool(obj, "Shuffle"),
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
    application_version: str | None = None
    last_activity_date: datetime | None = None
    remote_end_point: str | None = None
    now_playing: NowPlayingItem | None = None
    play_state: PlayState = field(default_factory=PlayState)
    transcoding: bool = False
    supports_remote_control: bool = False
    supported_commands: list[str] = field(default_factory=list)
    playable_media_types: list[str] = field(default_factory=list)

    @property
    def is_playing(self) -> bool:
        """Return whether something is loaded in this session (playing or paused)."""
        return self.now_playing is not None

    @property
    def is_paused(self) -> bool:
        """Return whether the loaded item is paused."""
        return self.is_playing and self.play_state.is_paused

    @property
    def is_transcoding(self) -> bool:
        """Return whether the server transcodes the stream of this session."""
        return self.is_playing and (
            self.transcoding or (self.play_state.play_method or "").lower() == "transcode"
        )

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse one session."""
        obj = _object(data, "session")
        raw_item = _get(obj, "NowPlayingItem")
        raw_state = _get(obj, "PlayState")
        return cls(
            id=_required_str(obj, "Session", "Id"),
            user_id=_str(obj, "UserId"),
            user_name=_str(obj, "UserName"),
            client=_str(obj, "Client"),
            device_name=_str(obj, "DeviceName"),
            device_id=_str(obj, "DeviceId"),
            application_version=_str(obj, "ApplicationVersion"),
            last_activity_date=_datetime(obj, "LastActivityDate"),
            remote_end_point=_str(obj, "RemoteEndPoint"),
            now_playing=NowPlayingItem.from_dict(raw_item)
            if isinstance(raw_item, Mapping)
            else None,
            play_state=PlayState.from_dict(raw_state)
            if isinstance(raw_state, Mapping)
            else PlayState(),
            transcoding=isinstance(_get(obj, "TranscodingInfo"), Mapping),
            supports_remote_control=_bool(obj, "SupportsRemoteControl"),
            supported_commands=_str_list(obj, "SupportedCommands"),
            playable_media_types=_str_list(obj, "PlayableMediaTypes"),
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse `/Sessions`, skipping entries without an Id."""
        return _each(cls.from_dict, data, "Sessions")


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemCounts:
    """Library counts from `/Items/Counts`."""

    movie_count: int = 0
    series_count: int = 0
    episode_count: int = 0
    song_count: int = 0
    album_count: int = 0
    artist_count: int = 0
    music_video_count: int = 0
    box_set_count: int = 0
    book_count: int = 0
    trailer_count: int = 0
    item_count: int = 0

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `/Items/Counts`."""
        obj = _object(data, "Items/Counts")
        return cls(
            movie_count=_count(obj, "MovieCount"),
            series_count=_count(obj, "SeriesCount"),
            episode_count=_count(obj, "EpisodeCount"),
            song_count=_count(obj, "SongCount"),
            album_count=_count(obj, "AlbumCount"),
            artist_count=_count(obj, "ArtistCount"),
            music_video_count=_count(obj, "MusicVideoCount"),
            box_set_count=_count(obj, "BoxSetCount"),
            book_count=_count(obj, "BookCount"),
            trailer_count=_count(obj, "TrailerCount"),
            item_count=_count(obj, "ItemCount"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientIdentity:
    """Who is calling: sent to servers in the identity headers."""

    client: str
    device_name: str
    device_id: str
    version: str


@dataclass(slots=True, kw_only=True)
class ServerRecord:
    """What is stored about one server, the input of the connection manager."""

    system_id: str
    name: str | None = None
    local_address: str | None = None
    remote_address: str | None = None
    manual_address: str | None = None
    last_mode: ConnectionMode | None = None
    access_key: str | None = field(default=None, repr=False)
    connect_user_id: str | None = None
    user_id: str | None = None
    access_token: str | None = field(default=None, repr=False)
    verify_ssl: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionResult:
    """Which address and mode won, the server's own answer and the local login in use."""

    mode: ConnectionMode
    address: str
    info: PublicSystemInfo
    user_id: str
    access_token: str = field(repr=False)
