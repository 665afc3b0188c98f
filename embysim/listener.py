"""One listening address of the simulator: a real TCP port on loopback with faults and latency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import ssl
from typing import TYPE_CHECKING

from aiohttp import web

from .models import Fault, Proxy
from .net import bind_socket

if TYPE_CHECKING:
    import socket

type RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTML_ERROR = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_HTML_200 = (
    "<!DOCTYPE html><html><head><title>Sign in</title></head>"
    "<body><form method='post'><input name='user'><input type='password' name='pass'>"
    "</form></body></html>"
)
_NGINX_404 = (
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
    "<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_MALFORMED_JSON = '{"Id": "0123456789abcdef", "ServerName": "Living Room", "Version": '


class SimListener:
    """Serve one address (e.g. a server's local or remote one) on a loopback port."""

    def __init__(
        self,
        *,
        name: str,
        host: str,
        handler: RequestHandler,
        ssl_context: ssl.SSLContext | None = None,
        base_path: str = "",
        port: int = 0,
    ) -> None:
        """Prepare the listener; it listens only after start()."""
        self.name = name
        self.host = host
        self.base_path = base_path
        self.port = port
        self.latency: float = 0.0
        self.proxy = Proxy.NONE
        self.ssl_context = ssl_context
        self._handler = handler
        self._fault = Fault.NONE
        self._running = False
        self._runner: web.AppRunner | None = None
        self._sock: socket.socket | None = None
        self._server: asyncio.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self._hanging: set[asyncio.Future[None]] = set()

    # -- public state -----------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        """Return http or https."""
        return "https" if self.ssl_context is not None else "http"

    @property
    def origin(self) -> str:
        """Return scheme://host:port without the base path."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def url(self) -> str:
        """Return the address clients use, base path included."""
        return f"{self.origin}{self.base_path}"

    @property
    def is_listening(self) -> bool:
        """Return whether connections to the port are accepted now."""
        return self._sock is not None

    @property
    def running(self) -> bool:
        """Return whether the listener was started (it may still be STOPPED by a fault)."""
        return self._running

    @property
    def fault(self) -> Fault:
        """Return the current fault."""
        return self._fault

    @fault.setter
    def fault(self, value: Fault | str) -> None:
        """Set the fault; STOPPED closes the port at once, leaving STOPPED reopens it."""
        fault = Fault(value)
        previous, self._fault = self._fault, fault
        if fault is not Fault.HANGING:
            self._release_hanging()
        if not self._running or previous is fault:
            return
        if fault is Fault.STOPPED:
            self._close()
        elif previous is Fault.STOPPED:
            self._open()

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (on the same port as before, or a free one the first time)."""
        if self._runner is None:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(
                app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
            )
            await self._runner.setup()
        self._running = True
        if self._fault is not Fault.STOPPED and not self.is_listening:
            self._open()
        await self._wait_serving()

    async def stop(self) -> None:
        """Close the port and every open connection."""
        self._running = False
        self._close()
        await asyncio.sleep(0)

    async def move(self) -> None:
        """Listen on a new port, then close the old one (so the two always differ)."""
        new_sock = bind_socket(self.host, 0)
        if not self._running or self._fault is Fault.STOPPED:
            self.port = new_sock.getsockname()[1]
            new_sock.close()
            return
        self._close()
        self._serve(new_sock)
        await self._wait_serving()

    async def close(self) -> None:
        """Stop for good and free the aiohttp runner."""
        await self.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- request handling -------------------------------------------------------------------

    async def apply_fault(self, request: web.Request) -> web.StreamResponse | None:
        """Wait for latency, then answer as the current fault says (None: answer normally)."""
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self._fault
        if fault is Fault.NONE:
            return None
        if fault is Fault.HANGING:
            await self.hang(request)
        if fault in (Fault.RESET, Fault.STOPPED):
            abort_connection(request)
            raise asyncio.CancelledError
        return fault_response(fault)

    def apply_proxy(self, request: web.Request) -> web.Response | None:
        """Answer as the proxy in front would for a path it does not publish (None: pass)."""
        if self.proxy is Proxy.NONE or proxy_publishes(request.path):
            return None
        return web.Response(
            status=404, text=_NGINX_404, content_type="text/html", headers={"Server": "nginx"}
        )

    async def hang(self, request: web.Request) -> None:
        """Never answer: wait until the listener closes or the fault changes, then drop it."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._hanging.add(waiter)
        try:
            await waiter
        finally:
            self._hanging.discard(waiter)
            abort_connection(request)
        raise asyncio.CancelledError

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Pass every request to the owner's handler."""
        return await self._handler(request)

    # -- sockets ----------------------------------------------------------------------------

    def _open(self) -> None:
        """Bind the port synchronously (connections queue in the backlog) and start serving."""
        self._serve(bind_socket(self.host, self.port))

    def _serve(self, sock: socket.socket) -> None:
        """Start serving aiohttp on an already listening socket."""
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._serving = asyncio.get_running_loop().create_task(self._create_server(sock))

    async def _create_server(self, sock: socket.socket) -> None:
        """Attach aiohttp's protocol to the socket."""
        assert self._runner is not None  # noqa: S101 - start() set it up
        assert self._runner.server is not None  # noqa: S101 - start() set it up
        self._server = await asyncio.get_running_loop().create_server(
            self._runner.server, sock=sock, ssl=self.ssl_context
        )

    async def _wait_serving(self) -> None:
        """Wait until aiohttp accepts on the socket."""
        if self._serving is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._serving

    def _close(self) -> None:
        """Close the port and abort every connection, synchronously."""
        self._release_hanging()
        if self._serving is not None and not self._serving.done():
            self._serving.cancel()
        self._serving = None
        if self._server is not None:
            self._server.close()
            self._server.abort_clients()
            self._server = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _release_hanging(self) -> None:
        """Let every hanging request go (their connections are dropped)."""
        for waiter in list(self._hanging):
            if not waiter.done():
                waiter.set_result(None)


def proxy_publishes(path: str) -> bool:
    """Return whether an EMBY_PATHS proxy forwards a path (nginx matches case-sensitively)."""
    return path in ("/emby", "/embywebsocket") or path.startswith("/emby/")


def abort_connection(request: web.Request) -> None:
    """Drop the request's TCP connection without an answer."""
    if request.transport is not None:
        request.transport.abort()


_FAULT_ANSWERS: dict[Fault, tuple[int, str, str]] = {
    Fault.HTTP_500: (500, "Internal Server Error", "text/plain"),
    Fault.HTTP_503: (503, "Service Unavailable", "text/plain"),
    Fault.HTTP_404: (404, "Not Found", "text/plain"),
    Fault.UNAUTHORIZED: (401, "Access token is invalid or expired.", "text/plain"),
    Fault.MALFORMED_JSON: (200, _MALFORMED_JSON, "application/json"),
    Fault.HTML_ERROR: (502, _HTML_ERROR, "text/html"),
    Fault.HTML_200: (200, _HTML_200, "text/html"),
}


def fault_response(fault: Fault) -> web.Response:
    """Build the answer for a fault that answers."""
    status, text, content_type = _FAULT_ANSWERS.get(
        fault, (500, f"unexpected fault {fault}", "text/plain")
    )
    return web.Response(status=status, text=text, content_type=content_type)
