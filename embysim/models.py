"""Plain data the simulator keeps: faults, accounts, links, sessions and recorded requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

type ListenerName = Literal["local", "remote"]
type UserType = Literal["Linked", "Guest"]

TICKS_PER_SECOND = 10_000_000


class Fault(StrEnum):
    """Say how a server listener misbehaves."""

    NONE = "NONE"
    STOPPED = "STOPPED"  # listening socket closed: connection refused
    HANGING = "HANGING"  # connection accepted, no answer ever (a black hole)
    RESET = "RESET"  # connection accepted, then closed without an answer
    HTTP_500 = "HTTP_500"
    HTTP_503 = "HTTP_503"
    HTTP_404 = "HTTP_404"  # e.g. a reverse proxy that does not publish this path
    UNAUTHORIZED = "UNAUTHORIZED"  # 401 on every call, even public ones
    MALFORMED_JSON = "MALFORMED_JSON"  # 200 with a truncated JSON body
    HTML_ERROR = "HTML_ERROR"  # 502 with a text/html error page (a proxy whose upstream is gone)
    HTML_200 = "HTML_200"  # 200 with a text/html page (a captive portal or proxy login page)


class Proxy(StrEnum):
    """Say what stands in front of a server listener."""

    NONE = "NONE"  # clients reach the server directly: every path works
    # A reverse proxy that publishes only /emby/... and /embywebsocket, the paths Emby's apps
    # use (nginx answers its own 404 page elsewhere, e.g. for a bare /System/Info/Public).
    EMBY_PATHS = "EMBY_PATHS"


class ConnectFault(StrEnum):
    """Say how the Emby Connect service misbehaves."""

    NONE = "NONE"
    DOWN = "DOWN"  # connection closed without an answer
    UNAUTHORIZED = "UNAUTHORIZED"  # 401 on every call
    HTTP_500 = "HTTP_500"
    HANGING = "HANGING"
    MALFORMED_JSON = "MALFORMED_JSON"


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def emby_date(value: datetime) -> str:
    """Format a datetime the way Emby does (ISO 8601 with 7 fraction digits, Z)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


@dataclass(eq=False, kw_only=True)
class SimConnectUser:
    """Hold an Emby Connect account."""

    id: str
    name: str
    email: str
    password: str
    image_url: str = ""

    def to_json(self) -> dict[str, str]:
        """Return the account as Connect describes it."""
        return {
            "Id": self.id,
            "Name": self.name,
            "Email": self.email,
            "IsActive": "true",
            "ImageUrl": self.image_url,
        }


@dataclass(eq=False, kw_only=True)
class SimUser:
    """Hold a local user of one server (password None means no password)."""

    id: str
    name: str
    password: str | None = field(default=None, repr=False)
    is_admin: bool = False
    is_disabled: bool = False
    connect_user: SimConnectUser | None = None
    connect_link_type: UserType | None = None
    date_created: datetime = field(default_factory=utcnow)
    last_login: datetime | None = None

    @property
    def has_password(self) -> bool:
        """Return whether signing in needs a password."""
        return bool(self.password)


@dataclass(eq=False, kw_only=True)
class SimLink:
    """Hold the link between a Connect account and a local user of a server."""

    link_id: str
    access_key: str = field(repr=False)
    user_type: UserType
    connect_user: SimConnectUser
    local_user: SimUser
    server_system_id: str


class Transcode(StrEnum):
    """Say what a transcoding session converts."""

    VIDEO = "VIDEO"  # video and audio (e.g. an unsupported video codec), hardware accelerated
    AUDIO = "AUDIO"  # audio only: the video stream is copied (IsVideoDirect)


@dataclass(eq=False, kw_only=True)
class SimSession:
    """Hold one client session on a server, idle or playing.

    A caller's own session (the device that authenticated) has `token` set: it ends when that
    token is revoked.
    """

    id: str
    user: SimUser | None
    client: str = "Emby Web"
    device_name: str = "Firefox"
    device_id: str = ""
    internal_device_id: int = 0
    device_type: str = ""
    app_icon_url: str = ""
    application_version: str = "4.8.11.0"
    remote_end_point: str = "192.168.1.50"
    last_activity: datetime = field(default_factory=utcnow)
    item_name: str | None = None
    item_type: str = "Movie"
    item_id: str = ""
    series_name: str | None = None
    runtime_seconds: int = 5400
    position_seconds: int = 600
    paused: bool = False
    muted: bool = False
    volume_level: int = 100
    transcoding: bool = False
    transcode: Transcode = Transcode.VIDEO
    # Real servers drop TranscodingInfo once a paused transcode's encoder stops: False says so.
    transcoding_info: bool = True
    transcode_reasons: tuple[str, ...] = ()
    bitrate: int | None = 8_000_000
    supports_remote_control: bool = True
    token: str | None = field(default=None, repr=False)

    @property
    def is_playing(self) -> bool:
        """Return whether something is playing (or paused) in this session."""
        return self.item_name is not None

    def current_position(self) -> int:
        """Return the playback position in seconds (it advances while playing, not paused)."""
        position = self.position_seconds
        if self.is_playing and not self.paused:
            position += int((utcnow() - self.last_activity).total_seconds())
        return min(position, self.runtime_seconds)


@dataclass(eq=False, kw_only=True)
class SimPin:
    """Hold a Connect PIN a device asked for."""

    pin: str
    device_id: str
    created: datetime = field(default_factory=utcnow)
    expired: bool = False
    confirmed_by: SimConnectUser | None = None
    access_token: str | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, object]:
        """Return the PIN as Connect describes it."""
        return {
            "Id": None,
            "Pin": self.pin,
            "DeviceId": self.device_id,
            "IsExpired": self.expired,
            "IsConfirmed": self.confirmed_by is not None,
            "AccessToken": None,
        }


@dataclass(frozen=True, kw_only=True)
class RecordedRequest:
    """Record one request that reached the simulator."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    listener: str
    token: str | None
    time: datetime
    body: str = ""


@dataclass(eq=False, kw_only=True)
class IssuedToken:
    """Hold a server access token and what it grants."""

    token: str = field(repr=False)
    user: SimUser | None  # None for an API key
    device_id: str
    client: str
    device_name: str
    app_version: str
    revoked: bool = False

    @property
    def is_admin(self) -> bool:
        """Return whether this token may call administrator endpoints."""
        return self.user is None or self.user.is_admin
