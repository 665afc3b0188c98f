"""Asynchronous client for Emby Connect and Emby servers."""

from .connect import DEFAULT_CONNECT_URL, EmbyConnect
from .exceptions import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyError,
    EmbyForbiddenError,
    EmbyPinExpiredError,
    EmbyResponseError,
    EmbyServerMismatchError,
    EmbyTimeoutError,
    EmbyUnsupportedServerError,
    UnsupportedReason,
)
from .manager import ConnectionManager, ProbeSchedule
from .models import (
    ClientIdentity,
    ConnectionMode,
    ConnectionResult,
    ConnectLogin,
    ConnectPin,
    ConnectServer,
    ConnectUser,
    ConnectUserType,
    ItemCounts,
    PublicSystemInfo,
    ServerLogin,
    ServerRecord,
    SystemInfo,
)
from .server import EmbyServer, normalize_address
from .sessions import NowPlayingItem, PlayMethod, PlayState, Session, TranscodingInfo
from .support import MIN_SERVER_VERSION, check_supported
from .websocket import (
    EmbyMessage,
    EmbyWebSocket,
    LibraryChangedMessage,
    OtherMessage,
    RestartRequiredMessage,
    ServerRestartingMessage,
    ServerShuttingDownMessage,
    SessionsMessage,
    backoff,
)

# The names the integration uses, and the types its calls return or take. The websocket's
# parser (parse_message, MessageType, KeepAliveMessage) stays in aioemby.websocket: listen()
# delivers parsed messages and keeps keepalives to itself.
__all__ = [
    "DEFAULT_CONNECT_URL",
    "MIN_SERVER_VERSION",
    "AuthSource",
    "ClientIdentity",
    "ConnectLogin",
    "ConnectPin",
    "ConnectServer",
    "ConnectUser",
    "ConnectUserType",
    "ConnectionManager",
    "ConnectionMode",
    "ConnectionResult",
    "EmbyAuthenticationError",
    "EmbyConnect",
    "EmbyConnectionError",
    "EmbyError",
    "EmbyForbiddenError",
    "EmbyMessage",
    "EmbyPinExpiredError",
    "EmbyResponseError",
    "EmbyServer",
    "EmbyServerMismatchError",
    "EmbyTimeoutError",
    "EmbyUnsupportedServerError",
    "EmbyWebSocket",
    "ItemCounts",
    "LibraryChangedMessage",
    "NowPlayingItem",
    "OtherMessage",
    "PlayMethod",
    "PlayState",
    "ProbeSchedule",
    "PublicSystemInfo",
    "RestartRequiredMessage",
    "ServerLogin",
    "ServerRecord",
    "ServerRestartingMessage",
    "ServerShuttingDownMessage",
    "Session",
    "SessionsMessage",
    "SystemInfo",
    "TranscodingInfo",
    "UnsupportedReason",
    "backoff",
    "check_supported",
    "normalize_address",
]
