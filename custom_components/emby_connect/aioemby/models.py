"""Typed models parsed from Emby Connect and Emby server answers (a tolerant reader)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Self

from ._fields import WireModel, read_fields, wire
from ._wire import (
    as_mapping,
    as_object,
    get_value,
    parse_each,
    read_bool,
    read_count,
    read_enum,
    read_flag,
    read_int,
    read_required_str,
    read_str,
    read_str_list,
    read_text,
)
from .exceptions import EmbyResponseError


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
class ConnectUser(WireModel):
    """An Emby Connect account."""

    _what = "Connect user"

    id: str = wire(read_text, "Id", "ConnectUserId", "UserId", required="Connect user")
    name: str | None = wire(read_str, "Name", "DisplayName", default=None)
    email: str | None = wire(read_str, "Email", default=None)
    is_active: bool = wire(read_flag, "IsActive", default=True)
    image_url: str | None = wire(read_str, "ImageUrl", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectLogin:
    """The result of an Emby Connect sign-in (password or PIN)."""

    user_id: str
    access_token: str = field(repr=False)
    user: ConnectUser | None = None

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `user/authenticate` or `pin/authenticate`, in the documented or observed shape."""
        obj = as_object(data, "Connect sign-in")
        token = read_required_str(obj, "Connect sign-in", "AccessToken", "ConnectAccessToken")
        user: ConnectUser | None = None
        if isinstance(raw_user := get_value(obj, "User"), Mapping):
            with suppress(EmbyResponseError):
                # A user object without an Id is no reason to refuse a top-level UserId.
                user = ConnectUser.from_dict(raw_user)
        user_id = read_str(obj, "UserId", "ConnectUserId") or (user.id if user else None)
        if not user_id:
            message = "Connect sign-in has no user id"
            raise EmbyResponseError(message)
        return cls(user_id=user_id, access_token=token, user=user)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectServer(WireModel):
    """A server that an Emby Connect account may use (one entry of `servers?userId=`)."""

    _what = "Connect server"
    _list_what = "Connect server list"

    system_id: str = wire(read_text, "SystemId", required="Connect server")
    name: str = wire(read_text, "Name", fallback="system_id")
    access_key: str = wire(read_text, "AccessKey", required="Connect server", repr=False)
    link_id: str | None = wire(read_str, "Id", default=None)
    local_address: str | None = wire(read_text, "LocalAddress", default=None)
    remote_address: str | None = wire(read_text, "Url", "RemoteAddress", default=None)
    user_type: ConnectUserType = wire(
        read_enum(ConnectUserType), "UserType", default=ConnectUserType.LINKED
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectPin(WireModel):
    """An Emby Connect PIN waiting to be confirmed at emby.media/pin (`POST pin`, `GET pin`)."""

    _what = "Connect PIN"

    pin: str = wire(read_text, "Pin", required="Connect PIN")
    device_id: str = wire(read_str, "DeviceId", absent="")
    is_confirmed: bool = wire(read_flag, "IsConfirmed", default=False)
    is_expired: bool = wire(read_flag, "IsExpired", default=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicSystemInfo(WireModel):
    """What `System/Info/Public` tells anyone who asks."""

    _what = "System/Info/Public"

    id: str = wire(read_text, "Id", required="System info")
    server_name: str = wire(read_text, "ServerName", fallback="id")
    version: str | None = wire(read_str, "Version", default=None)
    # Sent by Jellyfin ("Jellyfin Server"); Emby 4.7 to 4.9 send none.
    product_name: str | None = wire(read_text, "ProductName", default=None)
    # A 4.9 server reached remotely sends no LocalAddress/WanAddress and empty lists.
    local_address: str | None = wire(read_text, "LocalAddress", default=None)
    local_addresses: list[str] = wire(read_str_list, "LocalAddresses", default_factory=list)
    wan_address: str | None = wire(read_text, "WanAddress", default=None)
    remote_addresses: list[str] = wire(read_str_list, "RemoteAddresses", default_factory=list)
    # Emby 4.9 adds it; older servers are never in maintenance mode.
    is_in_maintenance_mode: bool = wire(read_flag, "IsInMaintenanceMode", default=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemInfo(PublicSystemInfo):
    """What `System/Info` tells a signed-in user: the public info and more."""

    _what = "System/Info"

    has_pending_restart: bool = wire(read_flag, "HasPendingRestart", default=False)
    is_shutting_down: bool = wire(read_flag, "IsShuttingDown", default=False)
    has_update_available: bool = wire(read_flag, "HasUpdateAvailable", default=False)
    can_self_restart: bool = wire(read_flag, "CanSelfRestart", default=False)
    can_self_update: bool = wire(read_flag, "CanSelfUpdate", default=False)
    operating_system: str | None = wire(read_str, "OperatingSystem", default=None)
    operating_system_display_name: str | None = wire(
        read_str, "OperatingSystemDisplayName", default=None
    )
    http_port: int | None = wire(read_int, "HttpServerPortNumber", default=None)
    https_port: int | None = wire(read_int, "HttpsPortNumber", default=None)
    supports_https: bool = wire(read_flag, "SupportsHttps", default=False)
    websocket_port: int | None = wire(read_int, "WebSocketPortNumber", default=None)


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
        obj = as_object(data, "AuthenticateByName")
        user = as_mapping(get_value(obj, "User"))
        policy = get_value(user, "Policy")
        user_id = read_str(user, "Id") or read_str(
            as_mapping(get_value(obj, "SessionInfo")), "UserId"
        )
        if not user_id:
            message = "AuthenticateByName has no user id"
            raise EmbyResponseError(message)
        return cls(
            user_id=user_id,
            access_token=read_required_str(obj, "AuthenticateByName", "AccessToken"),
            user_name=read_str(user, "Name"),
            server_id=read_str(obj, "ServerId") or read_str(user, "ServerId"),
            is_admin=read_bool(policy, "IsAdministrator") if isinstance(policy, Mapping) else None,
        )

    @classmethod
    def from_exchange(cls, data: object) -> Self:
        """Parse `Connect/Exchange`."""
        obj = as_object(data, "Connect/Exchange")
        return cls(
            user_id=read_required_str(obj, "Connect/Exchange", "LocalUserId", "UserId"),
            access_token=read_required_str(obj, "Connect/Exchange", "AccessToken"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemCounts(WireModel):
    """Library counts from `/Items/Counts`."""

    _what = "Items/Counts"

    movie_count: int = wire(read_count, "MovieCount", default=0)
    series_count: int = wire(read_count, "SeriesCount", default=0)
    episode_count: int = wire(read_count, "EpisodeCount", default=0)
    song_count: int = wire(read_count, "SongCount", default=0)
    album_count: int = wire(read_count, "AlbumCount", default=0)
    artist_count: int = wire(read_count, "ArtistCount", default=0)
    music_video_count: int = wire(read_count, "MusicVideoCount", default=0)
    box_set_count: int = wire(read_count, "BoxSetCount", default=0)
    book_count: int = wire(read_count, "BookCount", default=0)
    trailer_count: int = wire(read_count, "TrailerCount", default=0)
    game_count: int = wire(read_count, "GameCount", default=0)
    program_count: int = wire(read_count, "ProgramCount", default=0)
    game_system_count: int = wire(read_count, "GameSystemCount", default=0)
    # Real servers send 0 here: it is no total of the counts above.
    item_count: int = wire(read_count, "ItemCount", default=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerUser:
    """A local user of a server, as `Users/Query` lists it (a UserDto)."""

    id: str = wire(read_text, "Id", required="User")
    name: str = wire(read_text, "Name", fallback="id")
    is_disabled: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a UserDto (IsDisabled is in its Policy)."""
        obj = as_object(data, "User")
        policy = as_mapping(get_value(obj, "Policy"))
        return cls(**read_fields(cls, obj), is_disabled=read_bool(policy, "IsDisabled"))

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse `Users/Query` (a QueryResult) or the bare list older servers answer."""
        items = (
            get_value(as_object(data, "Users/Query"), "Items")
            if isinstance(data, Mapping)
            else data
        )
        return parse_each(cls.from_dict, items if items is not None else [], "Users")


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
