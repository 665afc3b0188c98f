"""One simulated Emby Server: its two listeners (local and remote), life cycle and records."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from .auth import read_credentials
from .care import ServerCare
from .httputil import text_response
from .listener import SimListener
from .models import Fault, ListenerName, Proxy, RecordedRequest
from .profiles import DEFAULT_PROFILE, ServerProfile
from .records import record_request, secrets_in
from .routes import ROUTE_TABLES
from .routing import CallStart, Router, strip_base_path
from .state import DEFAULT_COUNTS, ServerState

if TYPE_CHECKING:
    import ssl

    from .ids import IdFactory
    from .tls import TlsMaterial

__all__ = ["DEFAULT_COUNTS", "SimServer"]

_LOGGER = logging.getLogger(__name__)
# Without a simulated LAN (a server made outside a world), WakeOnLanInfo points at loopback.
NO_WAKE_LISTENER = "127.0.0.1"
_ROUTER = Router(ROUTE_TABLES)


class SimServer(ServerState):
    """Simulate one Emby Server reachable on a local and a remote address."""

    def __init__(
        self,
        *,
        name: str,
        system_id: str,
        host: str,
        ids: IdFactory,
        known_secrets: Callable[[], set[str]],
        version: str | None = None,
        profile: str | ServerProfile = DEFAULT_PROFILE,
        base_path: str = "",
        tls: TlsMaterial | None = None,
        local_port: int = 0,
        remote_port: int = 0,
        wake_address: Callable[[], tuple[str, int]] = lambda: (NO_WAKE_LISTENER, 9),
    ) -> None:
        """Create the server (tls given: HTTPS); call start() to listen.

        known_secrets returns every secret the simulator knows, for received_secrets();
        wake_address where the simulated LAN's Wake-on-LAN listener is (host, UDP port).
        """
        super().__init__(
            name=name,
            system_id=system_id,
            https=tls is not None,
            ids=ids,
            version=version,
            profile=profile,
        )
        self.care = ServerCare(self, wake_address=wake_address, clients=self.hub.clients)
        self.base_path = _normalise_base_path(base_path)
        self.requests: list[RecordedRequest] = []
        self._tls = tls
        self._known_secrets = known_secrets
        self._local_address: str | None = None
        self._remote_address: str | None = None
        self._local_address_set = False
        self._remote_address_set = False
        self.local = self._listener("local", host, local_port, tls)
        self.remote = self._listener("remote", host, remote_port, tls)

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
    def local_port(self) -> int:
        """Return the local listener's port."""
        return self.local.port

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
        return self._tls.certificate_pem if self._tls is not None else None

    def ssl_context(self) -> ssl.SSLContext | None:
        """Return a client SSL context that trusts this server's certificate (None for HTTP)."""
        return self._tls.client_context() if self._tls is not None else None

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
    def proxy(self) -> Proxy:
        """Return what stands in front of the local listener (set: both listeners)."""
        return self.local.proxy

    @proxy.setter
    def proxy(self, value: Proxy | str) -> None:
        """Put a reverse proxy (or none) in front of both listeners."""
        self.local.proxy = Proxy(value)
        self.remote.proxy = Proxy(value)

    @property
    def latency(self) -> float:
        """Return the local listener's latency (set: both listeners)."""
        return self.local.latency

    @latency.setter
    def latency(self, value: float) -> None:
        """Set the per-request latency on both listeners, in seconds."""
        self.local.latency = value
        self.remote.latency = value

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

    async def stop(self, message_type: str | None = "ServerShuttingDown") -> None:
        """Stop: tell websockets (None: nothing), close them, then refuse connections on both ports."""
        self.is_shutting_down = True
        await self.hub.close_all(message_type)
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
        await self.hub.close_all(None)
        await self.local.move()
        await self.remote.move()

    async def close(self) -> None:
        """Stop and release everything (the simulator calls this at the end)."""
        await self.stop()
        await self.care.close()
        await self.jobs.cancel()
        await self.local.close()
        await self.remote.close()

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
        known = self._known_secrets()
        found: set[str] = set()
        for record in self.requests:
            found |= secrets_in(record, known)
        return found

    # -- HTTP -------------------------------------------------------------------------------

    def _listener(
        self, name: ListenerName, host: str, port: int, tls: TlsMaterial | None
    ) -> SimListener:
        """Make one of the two listeners, its requests handled here."""

        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(name, request)

        return SimListener(
            name=name,
            host=host,
            handler=handle,
            ssl_context=tls.server_context() if tls is not None else None,
            base_path=self.base_path,
            port=port,
        )

    async def _handle(self, name: ListenerName, request: web.Request) -> web.StreamResponse:
        """Record, apply latency and fault, then route."""
        listener = self.local if name == "local" else self.remote
        path = strip_base_path(request.path, self.base_path)
        credentials = read_credentials(request.headers, request.query)
        self.requests.append(
            await record_request(
                request,
                path=path if path is not None else request.path,
                listener=name,
                token=credentials.token,
            )
        )
        _LOGGER.info("%s %s %s %s", self.name, name, request.method, request.path_qs)
        if (faulted := await listener.apply_fault(request)) is not None:
            return faulted
        if (proxied := listener.apply_proxy(request)) is not None:
            return proxied
        if path is None:
            return text_response(404, "Not found")
        return await _ROUTER.dispatch(
            CallStart(
                request=request, server=self, listener=name, path=path, credentials=credentials
            )
        )


def _normalise_base_path(base_path: str) -> str:
    """Return "" or "/segment..." without a trailing slash."""
    stripped = base_path.strip().strip("/")
    return f"/{stripped}" if stripped else ""
