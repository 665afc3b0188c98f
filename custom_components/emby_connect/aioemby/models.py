"""Typed models parsed from Emby Connect and Emby server answers (a tolerant reader)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self

from ._wire import (
    JsonObject,
    as_mapping,
    as_object,
    get_value,
    parse_each,
    read_bool,
    read_count,
    read_int,
    read_required_str,
    read_str,
    read_str_list,
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
        obj = as_object(data, "Connect user")
        return cls(
            id=read_required_str(obj, "Connect user", "Id", "ConnectUserId", "UserId"),
            name=read_str(obj, "Name", "DisplayName"),
            email=read_str(obj, "Email"),
            is_active=read_bool(obj, "IsActive", default=True),
            image_url=read_str(obj, "ImageUrl"),
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
        obj = as_object(data, "Connect server")
        system_id = read_required_str(obj, "Connect server", "SystemId")
        raw_type = (read_str(obj, "UserType") or "").lower()
        return cls(
            system_id=system_id,
            name=read_str(obj, "Name") or system_id,
            access_key=read_required_str(obj, "Connect server", "AccessKey"),
            link_id=read_str(obj, "Id"),
            local_address=read_str(obj, "LocalAddress") or None,
            remote_address=read_str(obj, "Url", "RemoteAddress") or None,
            user_type=ConnectUserType.GUEST if raw_type == "guest" else ConnectUserType.LINKED,
        )

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse the server list, skipping entries that describe no usable server."""
        return parse_each(cls.from_dict, data, "Connect server list")


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
        obj = as_object(data, "Connect PIN")
        return cls(
            pin=read_required_str(obj, "Connect PIN", "Pin"),
            device_id=read_str(obj, "DeviceId") or "",
            is_confirmed=read_bool(obj, "IsConfirmed"),
            is_expired=read_bool(obj, "IsExpired"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicSystemInfo:
    """What `System/Info/Public` tells anyone who asks."""

    id: str
    server_name: str
    version: str | None = None
    # Sent by Jellyfin ("Jellyfin Server"); Emby 4.7 to 4.9 send none.
    product_name: str | None = None
    local_address: str | None = None
    local_addresses: list[str] = field(default_factory=list)
    wan_address: str | None = None
    remote_addresses: list[str] = field(default_factory=list)
    # Emby 4.9 adds it; older servers are never in maintenance mode.
    is_in_maintenance_mode: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `System/Info/Public`."""
        return cls(**cls._fields(as_object(data, "System/Info/Public")))

    @staticmethod
    def _fields(obj: JsonObject) -> dict[str, Any]:
        """Read the fields the public and the full system info share."""
        system_id = read_required_str(obj, "System info", "Id")
        return {
            "id": system_id,
            "server_name": read_str(obj, "ServerName") or system_id,
            "version": read_str(obj, "Version"),
            "product_name": read_str(obj, "ProductName") or None,
            # A 4.9 server reached remotely sends no LocalAddress/WanAddress and empty lists.
            "local_address": read_str(obj, "LocalAddress") or None,
            "local_addresses": read_str_list(obj, "LocalAddresses"),
            "wan_address": read_str(obj, "WanAddress") or None,
            "remote_addresses": read_str_list(obj, "RemoteAddresses"),
            "is_in_maintenance_mode": read_bool(obj, "IsInMaintenanceMode"),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemInfo(PublicSystemInfo):
    """What `System/Info` tells a signed-in user: the public info and more."""

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
        obj = as_object(data, "System/Info")
        return cls(
            **cls._fields(obj),
            has_pending_restart=read_bool(obj, "HasPendingRestart"),
            is_shutting_down=read_bool(obj, "IsShuttingDown"),
            has_update_available=read_bool(obj, "HasUpdateAvailable"),
            can_self_restart=read_bool(obj, "CanSelfRestart"),
            can_self_update=read_bool(obj, "CanSelfUpdate"),
            operating_system=read_str(obj, "OperatingSystem"),
            operating_system_display_name=read_str(obj, "OperatingSystemDisplayName"),
            http_port=read_int(obj, "HttpServerPortNumber"),
            https_port=read_int(obj, "HttpsPortNumber"),
            supports_https=read_bool(obj, "SupportsHttps"),
            websocket_port=read_int(obj, "WebSocketPortNumber"),
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
    game_count: int = 0
    program_count: int = 0
    game_system_count: int = 0
    # Real servers send 0 here: it is no total of the counts above.
    item_count: int = 0

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse `/Items/Counts`."""
        obj = as_object(data, "Items/Counts")
        return cls(
            movie_count=read_count(obj, "MovieCount"),
            series_count=read_count(obj, "SeriesCount"),
            episode_count=read_count(obj, "EpisodeCount"),
            song_count=read_count(obj, "SongCount"),
            album_count=read_count(obj, "AlbumCount"),
            artist_count=read_count(obj, "ArtistCount"),
            music_video_count=read_count(obj, "MusicVideoCount"),
            box_set_count=read_count(obj, "BoxSetCount"),
            book_count=read_count(obj, "BookCount"),
            trailer_count=read_count(obj, "TrailerCount"),
            game_count=read_count(obj, "GameCount"),
            program_count=read_count(obj, "ProgramCount"),
            game_system_count=read_count(obj, "GameSystemCount"),
            item_count=read_count(obj, "ItemCount"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerUser:
    """A local user of a server, as `Users/Query` lists it (a UserDto)."""

    id: str
    name: str
    is_disabled: bool = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse a UserDto."""
        obj = as_object(data, "User")
        user_id = read_required_str(obj, "User", "Id")
        policy = get_value(obj, "Policy")
        return cls(
            id=user_id,
            name=read_str(obj, "Name") or user_id,
            is_disabled=isinstance(policy, Mapping) and read_bool(policy, "IsDisabled"),
        )

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
