"""The simulator: Emby Connect, a control API and any number of Emby servers, on loopback."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import connect as connect_module
from .connect import ConnectService
from .control import ControlApi, ControlContext
from .listener import SimListener
from .models import ConnectFault, RecordedRequest, SimConnectUser, SimPin
from .net import check_loopback
from .summary import server_summary
from .world import SimWorld

__all__ = ["CONTROL_PREFIX", "DEFAULT_PORT", "EmbySimulator", "check_loopback"]

CONTROL_PREFIX = "/_sim"
DEFAULT_PORT = 8099


class EmbySimulator(SimWorld):
    """Run Emby Connect (under /service), a control API (/_sim) and simulated Emby servers.

    The world (accounts, servers, links) is the base class; this adds the services that serve it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int | None = None,
        wake_port: int = 0,
    ) -> None:
        """Prepare the simulator (port 0: any free port); start() makes it listen."""
        super().__init__(host, seed=seed, wake_port=wake_port)
        self.connect = ConnectService(ids=self.ids, directory=self)
        self.control_api = ControlApi(
            ControlContext(world=self, connect=self.connect, summary=self.summary)
        )
        self.control = SimListener(name="control", host=self.host, handler=self._handle, port=port)

    async def __aenter__(self) -> Self:
        """Start on entering the context."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on leaving the context."""
        await self.stop()

    async def start(self) -> None:
        """Listen for Connect and control calls, and for magic packets."""
        await self.control.start()
        await self.wake.start()

    async def stop(self) -> None:
        """Stop every server and the Connect/control port, and release everything."""
        self.connect.release_hanging()
        for server in self.servers:
            await server.close()
        await self.control.close()
        await self.wake.close()

    # -- addresses --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """Return the Connect/control port."""
        return self.control.port

    @property
    def connect_url(self) -> str:
        """Return the Emby Connect base URL (what a client uses instead of connect.emby.media)."""
        return f"{self.control.origin}{connect_module.PREFIX}"

    @property
    def control_url(self) -> str:
        """Return the control API base URL."""
        return f"{self.control.origin}{CONTROL_PREFIX}"

    # -- Connect ----------------------------------------------------------------------------

    @property
    def connect_fault(self) -> ConnectFault:
        """Return how Connect misbehaves."""
        return self.connect.fault

    @connect_fault.setter
    def connect_fault(self, value: ConnectFault | str) -> None:
        """Make Connect misbehave (NONE: behave)."""
        self.connect.set_fault(value)

    @property
    def connect_latency(self) -> float:
        """Return the seconds added to each Connect call."""
        return self.connect.latency

    @connect_latency.setter
    def connect_latency(self, value: float) -> None:
        """Add seconds to each Connect call."""
        self.connect.latency = value

    @property
    def connect_requests(self) -> list[RecordedRequest]:
        """Return every call Connect received."""
        return self.connect.requests

    def issued_connect_tokens(self, user: SimConnectUser) -> set[str]:
        """Return every Connect token issued to an account."""
        return self.connect.tokens_of(user)

    def revoke_connect_tokens(self, user: SimConnectUser | None = None) -> None:
        """Forget Connect tokens (of one account, or all): their calls get 401."""
        self.connect.revoke_tokens(user)

    @property
    def pins(self) -> dict[str, SimPin]:
        """Return the PINs Connect knows, by code."""
        return self.connect.pins

    def confirm_pin(self, pin: str, user: SimConnectUser | str) -> SimPin:
        """Confirm a PIN as the person would at emby.media/pin."""
        return self.connect.confirm_pin(pin, self.connect_user(user))

    def expire_pin(self, pin: str) -> None:
        """Expire a PIN."""
        self.connect.expire_pin(pin)

    def all_secrets(self) -> set[str]:
        """Return every secret the simulator handed out or holds (for leak checks)."""
        return super().all_secrets() | set(self.connect.tokens)

    # -- summary and demo -------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Return what a person or another process needs to use the simulator, as JSON data."""
        return {
            "connect_url": self.connect_url,
            "control_url": self.control_url,
            "wake_port": self.wake.port,
            "connect_users": [
                {"id": u.id, "name": u.name, "email": u.email, "password": u.password}
                for u in self.connect_users
            ],
            "servers": [server_summary(server) for server in self.servers],
        }

    async def load_demo(self, servers: int = 2, **server_options: Any) -> dict[str, Any]:
        """Fill the simulator with a realistic demo account; return summary()."""
        from .demo import load_demo  # noqa: PLC0415 - demo data is only needed here

        await load_demo(self, servers=servers, **server_options)
        return self.summary()

    # -- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Route a call on the Connect/control port."""
        path = request.path
        lowered = path.lower()
        if lowered == connect_module.PREFIX or lowered.startswith(connect_module.PREFIX + "/"):
            return await self.connect.handle(request, path[len(connect_module.PREFIX) :])
        if lowered == CONTROL_PREFIX or lowered.startswith(CONTROL_PREFIX + "/"):
            return await self.control_api.handle(request, path[len(CONTROL_PREFIX) :])
        return web.json_response({"Message": "Not found"}, status=404)
