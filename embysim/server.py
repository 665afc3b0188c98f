"""One simulated Emby Server: two listeners (local and remote), its users, tokens and sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
import json
import logging
import re
import ssl
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from .auth import Credentials, Identity, read_credentials
from .browse import LibraryRoutes
from .clients import THEATER, WEB, ClientProfile, client_fields
from .library import SimItem, SimLibrary
from .listener import SimListener
from .models import (
    TICKS_PER_SECOND,
    Fault,
    IssuedToken,
    ListenerName,
    RecordedRequest,
    SimLink,
    SimSession,
    SimUser,
    emby_date,
    utcnow,
)
from .playback import start_item
from .records import record_request, secrets_in
from .remote import RemoteControl, SimCommand

if TYPE_CHECKING:
    from .simulator import EmbySimulator

_LOGGER = logging.getLogger(__name__)

type AuthLevel = Literal["none", "identity", "access_key", "user", "admin"]
type Handler = Callable[["_Call"], Awaitable[web.StreamResponse]]

DEFAULT_COUNTS: dict[str, int] = {
    "MovieCount": 0,
    "SeriesCount": 0,
    "EpisodeCount": 0,
    "SongCount": 0,
    "AlbumCount": 0,
    "ArtistCount": 0,
    "MusicVideoCount": 0,
    "BoxSetCount": 0,
    "BookCount": 0,
    "TrailerCount": 0,
    "ItemCount": 0,
}
_AUDIO_TYPES = frozenset({"Audio", "AudioBook", "MusicVideo"})
_WS_CLOSE = object()
_IDENTITY_REQUIRED = "Authorization header with Client and DeviceId is required."
_TOKEN_INVALID = "Access token is invalid or expired."  # noqa: S105 - an error message


@dataclass(kw_only=True)
class _Call:
    """Carry one authorised request to its endpoint handler."""

    request: web.Request
    listener: SimListener
    path: str
    match: re.Match[str]
    credentials: Credentials
    issued: IssuedToken | None = None
    link: SimLink | None = None


@dataclass(frozen=True, kw_only=True)
class _Route:
    """Map a method and a path pattern to a handler and the access it needs."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: AuthLevel


@dataclass(eq=False, kw_only=True)
class _WsClient:
    """Hold one connected websocket and its outgoing queue."""

    ws: web.WebSocketResponse
    issued: IssuedToken
    device_id: str
    queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    sessions_subscribed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class SimServer:
    """Simulate one Emby Server reachable on a local and a remote address."""

    def __init__(
        self,
        sim: EmbySimulator,
        *,
        name: str,
        system_id: str,
        version: str = "4.8.11.0",
        base_path: str = "",
        https: bool = False,
        local_port: int = 0,
        remote_port: int = 0,
    ) -> None:
        """Create the server; call start() to listen."""
        self._sim = sim
        self.name = name
        self.system_id = system_id
        self.version = version
        self.base_path = _normalise_base_path(base_path)
        self.https = https
        self.has_update_available = False
        self.has_pending_restart = False
        self.is_shutting_down = False
        self.operating_system = "Linux"
        self.require_identity = True
        self.keepalive_interval: float = 30.0
        self.restart_downtime: float = 0.0
        self.counts: dict[str, int] = dict(DEFAULT_COUNTS)
        self.users: list[SimUser] = []
        self.links: list[SimLink] = []
        self.retired_access_keys: set[str] = set()
        self.tokens: dict[str, IssuedToken] = {}
        self.sessions: dict[str, SimSession] = {}
        self.activity: list[dict[str, Any]] = []
        self.devices: dict[str, dict[str, str]] = {}
        self.requests: list[RecordedRequest] = []
        self._local_address: str | None = None
        self._remote_address: str | None = None
        self._local_address_set = False
        self._remote_address_set = False
        self._clients: set[_WsClient] = set()
        self._background: set[asyncio.Task[None]] = set()
        self.library = SimLibrary(system_id)
        self.remote_control = RemoteControl(
            sessions=self.sessions,
            library=self.library,
            changed=self._sessions_changed,
            spawn=self._spawn,
        )
        self._library_routes = LibraryRoutes(library=self.library, find_user=self.find_user)
        ssl_context = sim.tls.server_context() if https else None
        self.local = SimListener(
            name="local",
            host=sim.host,
            handler=self._handler_for("local"),
            ssl_context=ssl_context,
            base_path=self.base_path,
            port=local_port,
        )
        self.remote = SimListener(
            name="remote",
            host=sim.host,
            handler=self._handler_for("remote"),
            ssl_context=ssl_context,
            base_path=self.base_path,
            port=remote_port,
        )
        self._routes = self._build_routes()

    def __repr__(self) -> str:
        """Describe the server briefly."""
        return f"SimServer(name={self.name!r}, system_id={self.system_id!r}, url={self.url!r})"

    # -- addresses --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the local listener's address."""
        return self.local.url

    @property
    def listeners(self) -> tuple[SimListener, SimListener]:
        """Return the local and the remote listener."""
        return (self.local, self.remote)

    @property
    def local_address(self) -> str | None:
        """Return the LAN address the server advertises (default: the local listener)."""
        return self._local_address if self._local_address_set else self.local.url

    @local_address.setter
    def local_address(self, value: str | None) -> None:
        """Advertise another LAN address (None: advertise none)."""
        self._local_address = value
        self._local_address_set = True

    @property
    def remote_address(self) -> str | None:
        """Return the WAN address the server advertises (default: the remote listener)."""
        return self._remote_address if self._remote_address_set else self.remote.url

    @remote_address.setter
    def remote_address(self, value: str | None) -> None:
        """Advertise another WAN address (None: advertise none)."""
        self._remote_address = value
        self._remote_address_set = True

    def reset_addresses(self) -> None:
        """Advertise the listeners' own addresses again."""
        self._local_address_set = self._remote_address_set = False

    @property
    def certificate_pem(self) -> str | None:
        """Return the PEM certificate an HTTPS server presents (None for HTTP)."""
        return self._sim.tls.certificate_pem if self.https else None

    def ssl_context(self) -> ssl.SSLContext | None:
        """Return a client SSL context that trusts this server's certificate (None for HTTP)."""
        return self._sim.tls.client_context() if self.https else None

    # -- faults -----------------------------------------------------------------------------

    @property
    def fault(self) -> Fault:
        """Return the local listener's fault (set: both listeners)."""
        return self.local.fault

    @fault.setter
    def fault(self, value: Fault | str) -> None:
        """Set the fault on both listeners."""
        self.local.fault = Fault(value)
        self.remote.fault = Fault(value)

    @property
    def latency(self) -> float:
        """Return the local listener's latency (set: both listeners)."""
        return self.local.latency

    @latency.setter
    def latency(self, value: float) -> None:
        """Set the per-request latency on both listeners, in seconds."""
        self.local.latency = value
        self.remote.latency = value

    # -- users, keys, tokens ----------------------------------------------------------------

    def add_user(
        self,
        name: str,
        password: str | None = None,
        *,
        is_admin: bool = False,
        is_disabled: bool = False,
    ) -> SimUser:
        """Create a local user (password None: signs in without a password)."""
        if self.find_user(name) is not None:
            message = f"user {name!r} already exists on {self.name}"
            raise ValueError(message)
        user = SimUser(
            id=self._sim.ids.hex(),
            name=name,
            password=password,
            is_admin=is_admin,
            is_disabled=is_disabled,
        )
        self.users.append(user)
        return user

    def find_user(self, name_or_id: str) -> SimUser | None:
        """Return the user with that name (case-insensitive) or id."""
        lowered = name_or_id.lower()
        for user in self.users:
            if user.id == name_or_id or user.name.lower() == lowered:
                return user
        return None

    def create_api_key(self, app_name: str = "Home Assistant") -> str:
        """Create an administrator API key (as in Dashboard > Advanced > API Keys)."""
        token = self._sim.ids.hex()
        self.tokens[token] = IssuedToken(
            token=token,
            user=None,
            device_id="",
            client=app_name,
            device_name=app_name,
            app_version="",
        )
        return token

    def issue_token(self, user: SimUser, identity: Identity | None = None) -> str:
        """Issue a new access token for a user (what a sign-in or exchange does)."""
        token = self._sim.ids.hex()
        self.tokens[token] = IssuedToken(
            token=token,
            user=user,
            device_id=identity.device_id if identity else "",
            client=identity.client if identity else "",
            device_name=identity.device_name if identity else "",
            app_version=identity.version if identity else "",
        )
        user.last_login = utcnow()
        return token

    def revoke_tokens(self) -> None:
        """Revoke every token issued so far (API keys too): each answers 401 from now on."""
        for issued in self.tokens.values():
            issued.revoked = True
        for client in list(self._clients):
            client.queue.put_nowait(_WS_CLOSE)

    def revoke_token(self, token: str) -> bool:
        """Revoke one token; return whether it was known and valid."""
        issued = self.tokens.get(token)
        if issued is None or issued.revoked:
            return False
        issued.revoked = True
        for client in list(self._clients):
            if client.issued is issued:
                client.queue.put_nowait(_WS_CLOSE)
        return True

    def valid_tokens(self) -> set[str]:
        """Return the tokens that work now."""
        return {token for token, issued in self.tokens.items() if not issued.revoked}

    # -- sessions ---------------------------------------------------------------------------

    def play(
        self,
        *,
        user: SimUser | None,
        item_name: str = "Big Buck Bunny",
        item_type: str = "Movie",
        paused: bool = False,
        transcoding: bool = False,
        client: str | None = None,
        device_name: str | None = None,
        device_id: str | None = None,
        series_name: str | None = None,
        runtime_seconds: int = 5400,
        position_seconds: int = 600,
        remote_end_point: str = "192.168.1.50",
        profile: ClientProfile | str | None = None,
        item: SimItem | None = None,
    ) -> SimSession:
        """Start a playing (or paused) session and tell subscribed websockets.

        The client's capabilities come from its profile (embysim.clients), found by client
        name when not given. With a library `item`, the session plays that item instead.
        """
        session = SimSession(
            id=self._sim.ids.hex(),
            user=user,
            **client_fields(profile, client=client, device_name=device_name, default=WEB),
            device_id=device_id or self._sim.ids.hex(8),
            item_name=item_name,
            item_type=item_type,
            item_id=str(100_000 + self._sim.ids.sequence()),
            series_name=series_name,
            runtime_seconds=runtime_seconds,
            position_seconds=position_seconds,
            paused=paused,
            transcoding=transcoding,
            remote_end_point=remote_end_point,
        )
        if item is not None:
            start_item(session, item, self.library, position_seconds)
            session.queue = [item.id]
            session.paused = paused
        self.sessions[session.id] = session
        self._sessions_changed()
        return session

    def add_idle_session(
        self,
        *,
        user: SimUser | None,
        client: str | None = None,
        device_name: str | None = None,
        device_id: str | None = None,
        remote_end_point: str = "192.168.1.51",
        profile: ClientProfile | str | None = None,
    ) -> SimSession:
        """Add a connected session that plays nothing (an Emby Theater unless told)."""
        session = SimSession(
            id=self._sim.ids.hex(),
            user=user,
            **client_fields(profile, client=client, device_name=device_name, default=THEATER),
            device_id=device_id or self._sim.ids.hex(8),
            remote_end_point=remote_end_point,
        )
        self.sessions[session.id] = session
        self._sessions_changed()
        return session

    def pause(self, session_id: str, *, paused: bool = True) -> SimSession:
        """Pause or resume playback in a session."""
        session = self.sessions[session_id]
        session.position_seconds = session.current_position()
        session.paused = paused
        session.last_activity = utcnow()
        self._sessions_changed()
        return session

    def stop_playback(self, session_id: str) -> SimSession:
        """Stop playback; the session stays, idle."""
        session = self.sessions[session_id]
        session.item_name = None
        session.paused = False
        session.transcoding = False
        session.last_activity = utcnow()
        self._sessions_changed()
        return session

    def remove_session(self, session_id: str) -> None:
        """Remove a session (the client disconnected)."""
        self.sessions.pop(session_id, None)
        self._sessions_changed()

    def client_commands(
        self, session_id: str, *, include_refused: bool = False
    ) -> list[SimCommand]:
        """Return the remote-control commands a session's app received, oldest first."""
        return self.remote_control.commands_for(session_id, include_refused=include_refused)

    @property
    def client_delay(self) -> float:
        """Return how long a simulated app takes to obey a command, in seconds."""
        return self.remote_control.delay

    @client_delay.setter
    def client_delay(self, value: float) -> None:
        """Set how long a simulated app takes to obey a command, in seconds."""
        self.remote_control.delay = value

    def _sessions_changed(self) -> None:
        """Send Sessions to every websocket that asked for them."""
        for client in list(self._clients):
            if client.sessions_subscribed:
                client.queue.put_nowait(self._sessions_message(client.issued))

    # -- push -------------------------------------------------------------------------------

    def push(self, message_type: str, data: object = None) -> None:
        """Send a message to every connected websocket."""
        message: dict[str, object] = {"MessageType": message_type}
        if data is not None:
            message["Data"] = data
        for client in list(self._clients):
            client.queue.put_nowait(message)

    def library_changed(self, items: list[str] | None = None) -> None:
        """Push LibraryChanged (as after a library scan added items)."""
        self.push(
            "LibraryChanged",
            {
                "FoldersAddedTo": [],
                "FoldersRemovedFrom": [],
                "ItemsAdded": items or [],
                "ItemsRemoved": [],
                "ItemsUpdated": [],
            },
        )

    def require_restart(self) -> None:
        """Mark a pending restart and push RestartRequired."""
        self.has_pending_restart = True
        self.push("RestartRequired")

    @property
    def websocket_count(self) -> int:
        """Return how many websockets are connected."""
        return len(self._clients)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Return whether the server was started and not stopped."""
        return self.local.running

    async def start(self) -> None:
        """Listen on both addresses (the same ports as before)."""
        self.is_shutting_down = False
        await self.local.start()
        await self.remote.start()

    async def stop(self, message_type: str = "ServerShuttingDown") -> None:
        """Stop gracefully: tell websockets, close them, then refuse connections on both ports."""
        self.is_shutting_down = True
        await self._close_websockets(message_type)
        await self.local.stop()
        await self.remote.stop()
        self.is_shutting_down = False

    async def restart(self) -> None:
        """Restart: push ServerRestarting, stop, wait restart_downtime, start again."""
        await self.stop("ServerRestarting")
        if self.restart_downtime > 0:
            await asyncio.sleep(self.restart_downtime)
        self.has_pending_restart = False
        await self.start()

    async def move(self) -> None:
        """Change address: listen on new ports; the old ones refuse connections.

        Websockets just drop, without a message, as when a server's address really changes.
        """
        await self._close_websockets(None)
        await self.local.move()
        await self.remote.move()

    async def close(self) -> None:
        """Stop and release everything (the simulator calls this at the end)."""
        await self.stop()
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.wait(self._background)
        await self.local.close()
        await self.remote.close()

    async def _close_websockets(self, message_type: str | None) -> None:
        """Send a last message to each websocket, close them and wait for their handlers."""
        clients = list(self._clients)
        for client in clients:
            if message_type is not None:
                client.queue.put_nowait({"MessageType": message_type})
            client.queue.put_nowait(_WS_CLOSE)
        tasks = [task for client in clients for task in client.tasks]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=2.0)
            for task in pending:
                task.cancel()

    def _spawn(self, coro: Awaitable[None]) -> None:
        """Run a background job owned by this server."""

        async def runner() -> None:
            await coro

        task = asyncio.get_running_loop().create_task(runner())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- records ----------------------------------------------------------------------------

    def request_count(self, path: str | None = None, *, method: str | None = None) -> int:
        """Count recorded requests, optionally for one path (case-insensitive) and method."""
        return sum(
            1
            for record in self.requests
            if (path is None or record.path.lower() == path.lower())
            and (method is None or record.method.upper() == method.upper())
        )

    def received_secrets(self) -> set[str]:
        """Return every token, AccessKey, api_key and password this server received."""
        known = self._sim.all_secrets()
        found: set[str] = set()
        for record in self.requests:
            found |= secrets_in(record, known)
        return found

    def own_secrets(self) -> set[str]:
        """Return the secrets that belong here: link AccessKeys, issued tokens, passwords."""
        owned = {link.access_key for link in self.links} | self.retired_access_keys
        owned |= set(self.tokens)
        owned |= {user.password for user in self.users if user.password}
        return owned

    # -- HTTP -------------------------------------------------------------------------------

    def _handler_for(
        self, listener_name: ListenerName
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        """Return the aiohttp handler for one of the listeners."""

        async def handle(request: web.Request) -> web.StreamResponse:
            listener = self.local if listener_name == "local" else self.remote
            return await self._handle(listener, request)

        return handle

    async def _handle(self, listener: SimListener, request: web.Request) -> web.StreamResponse:
        """Record, apply latency and fault, check access, then run the endpoint."""
        path = self._strip_base_path(request.path)
        credentials = read_credentials(request.headers, request.query)
        self.requests.append(
            await record_request(
                request,
                path=path if path is not None else request.path,
                listener=listener.name,
                token=credentials.token,
            )
        )
        _LOGGER.info("%s %s %s %s", self.name, listener.name, request.method, request.path_qs)
        if (faulted := await listener.apply_fault(request)) is not None:
            return faulted
        if path is None:
            return _text(404, "Not found")
        for route in self._routes:
            if (match := route.pattern.fullmatch(path)) is None:
                continue
            if route.method != request.method:
                continue
            call = _Call(
                request=request,
                listener=listener,
                path=path,
                match=match,
                credentials=credentials,
            )
            if (denied := self._authorise(route.auth, call)) is not None:
                return denied
            return await route.handler(call)
        if any(route.pattern.fullmatch(path) for route in self._routes):
            return _text(405, "Method not allowed")
        return _text(404, f"Unable to find the specified file: {path}")

    def _strip_base_path(self, path: str) -> str | None:
        """Return the path below the base path (None when outside it), without trailing /."""
        lowered = path.lower()
        prefixes = [self.base_path.lower()] if self.base_path else ["/emby", ""]
        for prefix in prefixes:
            if prefix and (lowered == prefix or lowered.startswith(prefix + "/")):
                rest = path[len(prefix) :]
                return rest.rstrip("/") or "/"
            if not prefix:
                return path.rstrip("/") or "/"
        return None

    def _authorise(self, level: AuthLevel, call: _Call) -> web.Response | None:
        """Check identity and token as Emby does; return the refusal, or None to go on."""
        credentials = call.credentials
        if level == "none":
            return None
        if level in ("identity", "access_key") and credentials.identity is None:
            return _text(400, _IDENTITY_REQUIRED)
        if level == "identity":
            return None
        if not credentials.token:
            return _text(401, "Access token is required.")
        if level == "access_key":
            return self._check_access_key(call, credentials.token)
        return self._check_token(call, credentials.token, admin=level == "admin")

    def _check_access_key(self, call: _Call, token: str) -> web.Response | None:
        """Accept only a current link AccessKey (Connect/Exchange)."""
        call.link = next((link for link in self.links if link.access_key == token), None)
        return _text(401, _TOKEN_INVALID) if call.link is None else None

    def _check_token(self, call: _Call, token: str, *, admin: bool) -> web.Response | None:
        """Accept a valid issued token (and identity, unless the token came as api_key)."""
        identity = call.credentials.identity
        if self.require_identity and identity is None and not call.credentials.token_in_query:
            return _text(400, _IDENTITY_REQUIRED)
        issued = self.tokens.get(token)
        if issued is None or issued.revoked or (issued.user and issued.user.is_disabled):
            return _text(401, _TOKEN_INVALID)
        call.issued = issued
        if identity is not None:
            self.devices[identity.device_id] = {
                "Client": identity.client,
                "DeviceName": identity.device_name,
            }
        if admin and not issued.is_admin:
            return _text(403, "Administrator access is required.")
        return None

    def _build_routes(self) -> list[_Route]:
        """List the endpoints (paths match case-insensitively, like Emby)."""
        table: list[tuple[str, str, Handler, AuthLevel]] = [
            ("GET", "/System/Info/Public", self._system_info_public, "none"),
            ("GET", "/System/Ping", self._ping, "none"),
            ("POST", "/System/Ping", self._ping, "none"),
            ("GET", "/System/Info", self._system_info, "user"),
            ("GET", "/Connect/Exchange", self._connect_exchange, "access_key"),
            ("POST", "/Users/AuthenticateByName", self._authenticate_by_name, "identity"),
            ("GET", "/Users/(?P<user_id>[0-9a-fA-F-]+)", self._get_user, "user"),
            ("GET", "/Sessions", self._get_sessions, "user"),
            ("POST", "/Sessions/Logout", self._logout, "user"),
            ("GET", "/Items/Counts", self._item_counts, "user"),
            ("GET", "/ScheduledTasks", self._scheduled_tasks, "admin"),
            ("GET", "/System/ActivityLog/Entries", self._activity_log, "admin"),
            ("POST", "/System/Restart", self._system_restart, "admin"),
            ("GET", "/embywebsocket", self._websocket, "user"),
            *self.remote_control.routes(),
            *self._library_routes.routes(),
        ]
        return [
            _Route(
                method=method,
                pattern=re.compile(pattern, re.IGNORECASE),
                handler=handler,
                auth=auth,
            )
            for method, pattern, handler, auth in table
        ]

    # -- endpoints --------------------------------------------------------------------------

    def public_info(self) -> dict[str, Any]:
        """Return the System/Info/Public answer."""
        info: dict[str, Any] = {}
        if (local := self.local_address) is not None:
            info["LocalAddress"] = local
            info["LocalAddresses"] = [local]
        else:
            info["LocalAddresses"] = []
        if (remote := self.remote_address) is not None:
            info["WanAddress"] = remote
            info["RemoteAddresses"] = [remote]
        else:
            info["RemoteAddresses"] = []
        info.update({"ServerName": self.name, "Version": self.version, "Id": self.system_id})
        return info

    def system_info(self) -> dict[str, Any]:
        """Return the System/Info answer."""
        http_port = self.local.port if not self.https else 8096
        https_port = self.local.port if self.https else 8920
        return {
            "SystemUpdateLevel": "Release",
            "OperatingSystemDisplayName": "Linux",
            "PackageName": "emby-server-deb_4.8.11.0_amd64.deb",
            "HasPendingRestart": self.has_pending_restart,
            "IsShuttingDown": self.is_shutting_down,
            "HasImageEnhancers": False,
            "OperatingSystem": self.operating_system,
            "SupportsLibraryMonitor": True,
            "SupportsLocalPortConfiguration": True,
            "SupportsWakeServer": False,
            "WebSocketPortNumber": self.local.port,
            "CompletedInstallations": [],
            "CanSelfRestart": True,
            "CanSelfUpdate": False,
            "CanLaunchWebBrowser": False,
            "ProgramDataPath": "/var/lib/emby",
            "ItemsByNamePath": "/var/lib/emby/metadata",
            "CachePath": "/var/lib/emby/cache",
            "LogPath": "/var/lib/emby/logs",
            "InternalMetadataPath": "/var/lib/emby/metadata",
            "TranscodingTempPath": "/var/lib/emby/transcoding-temp",
            "HttpServerPortNumber": http_port,
            "SupportsHttps": self.https,
            "HttpsPortNumber": https_port,
            "HasUpdateAvailable": self.has_update_available,
            "SupportsAutoRunAtStartup": False,
            "HardwareAccelerationRequiresPremiere": True,
            "WakeOnLanInfo": [],
            **self.public_info(),
        }

    async def _system_info_public(self, _call: _Call) -> web.Response:
        """Answer GET System/Info/Public."""
        return web.json_response(self.public_info())

    async def _ping(self, _call: _Call) -> web.Response:
        """Answer System/Ping."""
        return web.Response(text="Emby Server", content_type="text/plain")

    async def _system_info(self, _call: _Call) -> web.Response:
        """Answer GET System/Info."""
        return web.json_response(self.system_info())

    async def _connect_exchange(self, call: _Call) -> web.Response:
        """Answer GET Connect/Exchange: a new token for the link's local user."""
        link = call.link
        assert link is not None  # noqa: S101 - _authorise set it
        query = {key.lower(): value for key, value in call.request.query.items()}
        if query.get("connectuserid") != link.connect_user.id:
            return _text(401, "Invalid connect user id.")
        token = self.issue_token(link.local_user, call.credentials.identity)
        return web.json_response({"LocalUserId": link.local_user.id, "AccessToken": token})

    async def _authenticate_by_name(self, call: _Call) -> web.Response:
        """Answer POST Users/AuthenticateByName (JSON or form; Pw, or Password)."""
        body = await _read_body(call.request)
        fields = {key.lower(): value for key, value in body.items()}
        username = str(fields.get("username") or "")
        password = fields.get("pw")
        if password is None:
            password = fields.get("password")
        user = self.find_user(username) if username else None
        if user is None or user.is_disabled or not _password_matches(user, password):
            return _text(401, "Invalid username or password entered.")
        identity = call.credentials.identity
        token = self.issue_token(user, identity)
        self._log_activity(f"{user.name} has signed in", "SessionStarted", user)
        session = SimSession(
            id=self._sim.ids.hex(),
            user=user,
            client=identity.client if identity else "",
            device_name=identity.device_name if identity else "",
            device_id=identity.device_id if identity else "",
            application_version=identity.version if identity else "",
            remote_end_point=call.request.remote or "127.0.0.1",
        )
        return web.json_response(
            {
                "User": self.user_dto(user),
                "SessionInfo": self.session_json(session),
                "AccessToken": token,
                "ServerId": self.system_id,
            }
        )

    async def _get_user(self, call: _Call) -> web.Response:
        """Answer GET Users/{Id} (a user may read itself; administrators anyone)."""
        user = self.find_user(call.match.group("user_id"))
        issued = call.issued
        assert issued is not None  # noqa: S101 - _authorise set it
        if user is None:
            return _text(404, "User not found.")
        if not issued.is_admin and issued.user is not user:
            return _text(403, "Access denied.")
        return web.json_response(self.user_dto(user))

    async def _get_sessions(self, call: _Call) -> web.Response:
        """Answer GET Sessions (administrators see all, other users only their own)."""
        assert call.issued is not None  # noqa: S101 - _authorise set it
        query = {key.lower(): value for key, value in call.request.query.items()}
        sessions = self.visible_sessions(call.issued)
        if device_id := query.get("deviceid"):
            sessions = [s for s in sessions if s.device_id == device_id]
        if session_id := query.get("id"):
            sessions = [s for s in sessions if s.id == session_id]
        return web.json_response([self.session_json(session) for session in sessions])

    async def _logout(self, call: _Call) -> web.Response:
        """Answer POST Sessions/Logout: revoke the calling token."""
        assert call.credentials.token is not None  # noqa: S101 - _authorise checked it
        self.revoke_token(call.credentials.token)
        return web.Response(status=204)

    async def _item_counts(self, _call: _Call) -> web.Response:
        """Answer GET Items/Counts."""
        return web.json_response(dict(self.counts))

    async def _scheduled_tasks(self, _call: _Call) -> web.Response:
        """Answer GET ScheduledTasks (administrators only)."""
        return web.json_response(self._tasks())

    async def _activity_log(self, call: _Call) -> web.Response:
        """Answer GET System/ActivityLog/Entries (administrators only)."""
        query = {key.lower(): value for key, value in call.request.query.items()}
        entries = list(reversed(self.activity))
        start = _int(query.get("startindex"), 0)
        limit = _int(query.get("limit"), len(entries))
        return web.json_response(
            {"Items": entries[start : start + limit], "TotalRecordCount": len(entries)}
        )

    async def _system_restart(self, _call: _Call) -> web.Response:
        """Answer POST System/Restart: answer first, then restart."""

        async def later() -> None:
            await asyncio.sleep(0.05)
            await self.restart()

        self._spawn(later())
        return web.Response(status=204)

    # -- websocket --------------------------------------------------------------------------

    async def _websocket(self, call: _Call) -> web.StreamResponse:
        """Serve the embywebsocket push channel."""
        issued = call.issued
        assert issued is not None  # noqa: S101 - _authorise set it
        query = {key.lower(): value for key, value in call.request.query.items()}
        device_id = query.get("deviceid") or (
            call.credentials.identity.device_id if call.credentials.identity else ""
        )
        ws = web.WebSocketResponse(timeout=2.0, autoping=True)
        await ws.prepare(call.request)
        client = _WsClient(ws=ws, issued=issued, device_id=device_id)
        loop = asyncio.get_running_loop()
        client.tasks.append(loop.create_task(self._ws_writer(client)))
        client.tasks.append(loop.create_task(self._ws_keepalive(client)))
        self._clients.add(client)
        try:
            client.queue.put_nowait({"MessageType": "ForceKeepAlive", "Data": 60})
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                self._ws_received(client, message.data)
        finally:
            self._clients.discard(client)
            client.queue.put_nowait(_WS_CLOSE)
            for task in client.tasks[1:]:
                task.cancel()
        return ws

    def _ws_received(self, client: _WsClient, text: str) -> None:
        """Handle one message from a websocket client."""
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        match message.get("MessageType"):
            case "KeepAlive":
                client.queue.put_nowait({"MessageType": "KeepAlive"})
            case "SessionsStart":
                client.sessions_subscribed = True
                client.queue.put_nowait(self._sessions_message(client.issued))
            case "SessionsStop":
                client.sessions_subscribed = False
            case _:
                pass

    async def _ws_writer(self, client: _WsClient) -> None:
        """Send queued messages in order; close the websocket on the close marker."""
        while True:
            item = await client.queue.get()
            if item is _WS_CLOSE:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await client.ws.close()
                return
            if client.ws.closed:
                return
            try:
                await client.ws.send_json(item)
            except ConnectionError, RuntimeError:
                return

    async def _ws_keepalive(self, client: _WsClient) -> None:
        """Send ForceKeepAlive every keepalive_interval seconds."""
        while True:
            await asyncio.sleep(self.keepalive_interval)
            client.queue.put_nowait({"MessageType": "ForceKeepAlive", "Data": 60})

    def _sessions_message(self, issued: IssuedToken) -> dict[str, object]:
        """Build the Sessions push message for a token's view."""
        return {
            "MessageType": "Sessions",
            "Data": [self.session_json(session) for session in self.visible_sessions(issued)],
        }

    # -- JSON shapes ------------------------------------------------------------------------

    def visible_sessions(self, issued: IssuedToken) -> list[SimSession]:
        """Return the sessions a token may see."""
        sessions = list(self.sessions.values())
        if issued.is_admin:
            return sessions
        return [s for s in sessions if s.user is not None and s.user is issued.user]

    def user_dto(self, user: SimUser) -> dict[str, Any]:
        """Return a user as Emby's UserDto."""
        dto: dict[str, Any] = {
            "Name": user.name,
            "ServerId": self.system_id,
            "Prefix": user.name[:1].upper(),
            "DateCreated": emby_date(user.date_created),
            "Id": user.id,
            "HasPassword": user.has_password,
            "HasConfiguredPassword": user.has_password,
            "EnableAutoLogin": False,
            "LastLoginDate": emby_date(user.last_login) if user.last_login else None,
            "LastActivityDate": emby_date(user.last_login) if user.last_login else None,
            "Configuration": {
                "PlayDefaultAudioTrack": True,
                "DisplayMissingEpisodes": False,
                "SubtitleMode": "Smart",
                "OrderedViews": [],
                "LatestItemsExcludes": [],
                "MyMediaExcludes": [],
                "HidePlayedInLatest": True,
                "RememberAudioSelections": True,
                "RememberSubtitleSelections": True,
                "EnableNextEpisodeAutoPlay": True,
                "ResumeRewindSeconds": 0,
                "IntroSkipMode": "ShowButton",
            },
            "Policy": {
                "IsAdministrator": user.is_admin,
                "IsHidden": False,
                "IsHiddenRemotely": True,
                "IsDisabled": user.is_disabled,
                "EnableRemoteControlOfOtherUsers": user.is_admin,
                "EnableSharedDeviceControl": True,
                "EnableRemoteAccess": True,
                "EnableLiveTvManagement": user.is_admin,
                "EnableLiveTvAccess": True,
                "EnableMediaPlayback": True,
                "EnableAudioPlaybackTranscoding": True,
                "EnableVideoPlaybackTranscoding": True,
                "EnablePlaybackRemuxing": True,
                "EnableContentDeletion": user.is_admin,
                "EnableContentDownloading": True,
                "EnableAllFolders": user.enabled_folders is None,
                "EnabledFolders": sorted(user.enabled_folders or ()),
                "EnableAllChannels": True,
                "EnableAllDevices": True,
                "InvalidLoginAttemptCount": 0,
                "RemoteClientBitrateLimit": 0,
                "SimultaneousStreamLimit": 0,
                "AuthenticationProviderId": "Emby.Server.Implementations.Library.DefaultAuthenticationProvider",
            },
        }
        if user.connect_user is not None:
            dto["ConnectUserName"] = user.connect_user.name
            dto["ConnectLinkType"] = "Guest" if user.connect_link_type == "Guest" else "LinkedUser"
        return dto

    def session_json(self, session: SimSession) -> dict[str, Any]:
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
            "ServerId": self.system_id,
            "Client": session.client,
            "LastActivityDate": emby_date(session.last_activity),
            "DeviceName": session.device_name,
            "DeviceId": session.device_id,
            "ApplicationVersion": session.application_version,
            "SupportedCommands": list(session.supported_commands),
            "SupportsRemoteControl": session.supports_remote_control,
        }
        if session.user is not None:
            data["UserId"] = session.user.id
            data["UserName"] = session.user.name
        if session.is_playing:
            position = session.current_position()
            play_state.update(
                {
                    "PositionTicks": position * TICKS_PER_SECOND,
                    "MediaSourceId": session.item_id,
                    "PlayMethod": "Transcode" if session.transcoding else "DirectPlay",
                    "PlaybackRate": 1.0,
                }
            )
            data["NowPlayingItem"] = session.now_playing or self._now_playing(session)
            if session.queue:
                data["PlaylistIndex"] = session.queue_index
                data["PlaylistLength"] = len(session.queue)
            if session.transcoding:
                data["TranscodingInfo"] = {
                    "AudioCodec": "aac",
                    "VideoCodec": "h264",
                    "Container": "ts",
                    "IsVideoDirect": False,
                    "IsAudioDirect": False,
                    "Bitrate": 8_000_000,
                    "Width": 1920,
                    "Height": 1080,
                    "AudioChannels": 2,
                    "CompletionPercentage": 12.5,
                    "TranscodeReasons": ["VideoCodecNotSupported"],
                }
        return data

    def _now_playing(self, session: SimSession) -> dict[str, Any]:
        """Return the playing item as a BaseItemDto."""
        item: dict[str, Any] = {
            "Name": session.item_name,
            "ServerId": self.system_id,
            "Id": session.item_id,
            "Type": session.item_type,
            "MediaType": "Audio" if session.item_type in _AUDIO_TYPES else "Video",
            "RunTimeTicks": session.runtime_seconds * TICKS_PER_SECOND,
            "IsFolder": False,
        }
        if session.series_name is not None:
            item["SeriesName"] = session.series_name
        return item

    def _tasks(self) -> list[dict[str, Any]]:
        """Return a few scheduled tasks as TaskInfo."""
        finished = utcnow() - timedelta(hours=3)
        names = [
            ("Scan media library", "RefreshLibrary", "Library"),
            ("Check for plugin updates", "PluginUpdates", "Application"),
            ("Clean cache directory", "DeleteCacheFiles", "Maintenance"),
        ]
        return [
            {
                "Name": name,
                "State": "Idle",
                "Id": self._sim.ids.hex(),
                "LastExecutionResult": {
                    "StartTimeUtc": emby_date(finished - timedelta(minutes=4)),
                    "EndTimeUtc": emby_date(finished),
                    "Status": "Completed",
                    "Name": name,
                    "Key": key,
                    "Id": self._sim.ids.hex(),
                },
                "Triggers": [{"Type": "IntervalTrigger", "IntervalTicks": 12 * 3600 * 10**7}],
                "Description": name,
                "Category": category,
                "IsHidden": False,
                "Key": key,
            }
            for name, key, category in names
        ]

    def _log_activity(self, name: str, kind: str, user: SimUser | None = None) -> None:
        """Append an activity log entry."""
        entry: dict[str, Any] = {
            "Id": len(self.activity) + 1,
            "Name": name,
            "Type": kind,
            "Date": emby_date(utcnow()),
            "Severity": "Info",
        }
        if user is not None:
            entry["UserId"] = user.id
        self.activity.append(entry)


def _normalise_base_path(base_path: str) -> str:
    """Return "" or "/segment..." without a trailing slash."""
    stripped = base_path.strip().strip("/")
    return f"/{stripped}" if stripped else ""


def _password_matches(user: SimUser, given: object) -> bool:
    """Check a password the way Emby does (no password: only empty or missing matches)."""
    if not user.password:
        return given in (None, "")
    return isinstance(given, str) and given == user.password


async def _read_body(request: web.Request) -> dict[str, Any]:
    """Read a JSON or form body into a dict (empty when absent or unreadable)."""
    if not request.body_exists:
        return {}
    return parse_body(await request.text())


def parse_body(text: str) -> dict[str, Any]:
    """Parse a JSON object or a form-encoded body into a dict (empty when neither)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(stripped, keep_blank_values=True))


def _text(status: int, message: str) -> web.Response:
    """Return a plain-text error answer like Emby's."""
    return web.Response(status=status, text=message, content_type="text/plain")


def _int(value: str | None, default: int) -> int:
    """Parse an optional integer query parameter."""
    if value is None:
        return default
    try:
        return max(int(value), 0)
    except ValueError:
        return default
