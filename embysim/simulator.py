"""The simulator: Emby Connect, a control API and any number of Emby servers, on loopback."""

from __future__ import annotations

import ipaddress
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import connect as connect_module
from .connect import ConnectService
from .control import ControlApi
from .ids import IdFactory
from .listener import SimListener
from .models import (
    ConnectFault,
    RecordedRequest,
    SimConnectUser,
    SimLink,
    SimPin,
    SimUser,
    UserType,
)
from .server import SimServer
from .tls import TlsMaterial, generate_tls_material
from .wake import WakeListener, WakePacket

CONTROL_PREFIX = "/_sim"
DEFAULT_PORT = 8099


def check_loopback(host: str) -> str:
    """Return host when it is a loopback address; raise ValueError otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        message = f"the simulator binds loopback addresses only, not {host!r}"
        raise ValueError(message)
    return host


class EmbySimulator:
    """Run Emby Connect (under /service), a control API (/_sim) and simulated Emby servers."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int | None = None,
        wake_port: int = 0,
    ) -> None:
        """Prepare the simulator (port 0: any free port); start() makes it listen."""
        self.host = check_loopback(host)
        self.ids = IdFactory(seed)
        self.servers: list[SimServer] = []
        self.connect_users: list[SimConnectUser] = []
        self.connect = ConnectService(sim=self)
        self.control_api = ControlApi(sim=self)
        self._tls: TlsMaterial | None = None
        self.control = SimListener(name="control", host=self.host, handler=self._handle, port=port)
        # The simulated LAN's Wake-on-LAN port: UDP on loopback, one for all servers.
        self.wake = WakeListener(host=self.host, port=wake_port, on_packet=self._wake_packet)

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

    @property
    def tls(self) -> TlsMaterial:
        """Return the self-signed certificate HTTPS servers present (made on first use)."""
        if self._tls is None:
            self._tls = generate_tls_material()
        return self._tls

    @property
    def certificate_pem(self) -> str:
        """Return the PEM certificate of HTTPS servers."""
        return self.tls.certificate_pem

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

    def add_connect_user(
        self, name: str, email: str | None = None, password: str | None = None
    ) -> SimConnectUser:
        """Create an Emby Connect account (password defaults to "<name>-password")."""
        if self.find_connect_user(name) is not None:
            message = f"Connect user {name!r} already exists"
            raise ValueError(message)
        user = SimConnectUser(
            id=self.ids.hex(),
            name=name,
            email=email or f"{name.lower()}@example.com",
            password=password if password is not None else f"{name}-password",
        )
        user.image_url = f"https://connect.emby.media/service/user/image?userId={user.id}"
        self.connect_users.append(user)
        return user

    def find_connect_user(self, name_email_or_id: str) -> SimConnectUser | None:
        """Return the account with that name or e-mail (case-insensitive) or id."""
        lowered = name_email_or_id.lower()
        for user in self.connect_users:
            if user.id == name_email_or_id or lowered in (user.name.lower(), user.email.lower()):
                return user
        return None

    def issued_connect_tokens(self, user: SimConnectUser) -> set[str]:
        """Return every Connect token issued to an account."""
        return self.connect.tokens_of(user)

    def revoke_connect_tokens(self, user: SimConnectUser | None = None) -> None:
        """Forget Connect tokens (of one account, or all): their calls get 401."""
        for token in [t for t, owner in self.connect.tokens.items() if user in (None, owner)]:
            del self.connect.tokens[token]

    @property
    def pins(self) -> dict[str, SimPin]:
        """Return the PINs Connect knows, by code."""
        return self.connect.pins

    def confirm_pin(self, pin: str, user: SimConnectUser | str) -> SimPin:
        """Confirm a PIN as the person would at emby.media/pin."""
        account = self._connect_user(user)
        found = self.connect.live_pin(pin)
        if found is None or found.expired:
            message = f"no live PIN {pin!r}"
            raise KeyError(message)
        found.confirmed_by = account
        return found

    def expire_pin(self, pin: str) -> None:
        """Expire a PIN."""
        self.connect.pins[pin].expired = True

    def connect_servers(self, user: SimConnectUser) -> list[dict[str, Any]]:
        """Return the Connect server list of an account."""
        return [
            {
                "Id": link.link_id,
                "Url": server.remote_address,
                "Name": server.name,
                "SystemId": server.system_id,
                "AccessKey": link.access_key,
                "LocalAddress": server.local_address,
                "UserType": link.user_type,
                "SupporterKey": "",
            }
            for server in self.servers
            for link in server.links
            if link.connect_user is user
        ]

    # -- servers ----------------------------------------------------------------------------

    async def add_server(
        self,
        name: str = "Emby Server",
        system_id: str | None = None,
        version: str = "4.8.11.0",
        base_path: str = "",
        *,
        https: bool = False,
        local_port: int = 0,
        remote_port: int = 0,
        start: bool = True,
    ) -> SimServer:
        """Create a server and (by default) start listening on its two addresses."""
        server = SimServer(
            self,
            name=name,
            system_id=system_id or self.ids.hex(),
            version=version,
            base_path=base_path,
            https=https,
            local_port=local_port,
            remote_port=remote_port,
        )
        self.servers.append(server)
        if start:
            await server.start()
        return server

    def find_server(self, key: str) -> SimServer | None:
        """Return the server with that SystemId, name (case-insensitive) or index."""
        for server in self.servers:
            if key in (server.system_id,) or server.name.lower() == key.lower():
                return server
        if key.isdigit() and int(key) < len(self.servers):
            return self.servers[int(key)]
        return None

    def link(
        self,
        user: SimConnectUser,
        server: SimServer,
        local_user: SimUser | None = None,
        user_type: UserType = "Linked",
    ) -> SimLink:
        """Link an account to a server (a Guest maps to a non-admin local user)."""
        if user_type not in ("Linked", "Guest"):
            message = f"user_type must be Linked or Guest, not {user_type!r}"
            raise ValueError(message)
        if local_user is None:
            local_user = server.find_user(user.name) or server.add_user(user.name, is_admin=False)
        if local_user not in server.users:
            message = f"{local_user.name!r} is not a user of {server.name}"
            raise ValueError(message)
        if user_type == "Guest" and local_user.is_admin:
            message = "a Guest link maps to a non-admin local user"
            raise ValueError(message)
        if any(link.connect_user is user for link in server.links):
            message = f"{user.name!r} is already linked to {server.name}"
            raise ValueError(message)
        link = SimLink(
            link_id=str(100_000 + self.ids.sequence()),
            access_key=self.ids.hex(),
            user_type=user_type,
            connect_user=user,
            local_user=local_user,
            server_system_id=server.system_id,
        )
        local_user.connect_user = user
        local_user.connect_link_type = user_type
        server.links.append(link)
        return link

    def unlink(self, user: SimConnectUser, server: SimServer) -> None:
        """Remove a server from an account; its AccessKey stops working."""
        for link in [link for link in server.links if link.connect_user is user]:
            server.links.remove(link)
            server.retired_access_keys.add(link.access_key)
            link.local_user.connect_user = None
            link.local_user.connect_link_type = None

    def unlink_by_id(self, user: SimConnectUser, link_or_system_id: str) -> bool:
        """Unlink by link Id (or SystemId); return whether something was unlinked."""
        for server in self.servers:
            for link in server.links:
                if link.connect_user is user and link_or_system_id in (
                    link.link_id,
                    server.system_id,
                ):
                    self.unlink(user, server)
                    return True
        return False

    def all_secrets(self) -> set[str]:
        """Return every secret the simulator handed out or holds (for leak checks)."""
        found: set[str] = set(self.connect.tokens)
        found |= {user.password for user in self.connect_users if user.password}
        for server in self.servers:
            found |= server.own_secrets()
        return found

    def _connect_user(self, user: SimConnectUser | str) -> SimConnectUser:
        """Resolve an account given as object, name, e-mail or id."""
        if isinstance(user, SimConnectUser):
            return user
        found = self.find_connect_user(user)
        if found is None:
            message = f"no Connect user {user!r}"
            raise KeyError(message)
        return found

    def _wake_packet(self, packet: WakePacket) -> None:
        """Hand a magic packet to every server, as a LAN does; the one with that MAC wakes."""
        for server in self.servers:
            server.care.receive_wake(packet)

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


def server_summary(server: SimServer) -> dict[str, Any]:
    """Describe a server for summary() and the control API."""
    return {
        "system_id": server.system_id,
        "name": server.name,
        "version": server.version,
        "url": server.url,
        "local_url": server.local.url,
        "remote_url": server.remote.url,
        "local_address": server.local_address,
        "remote_address": server.remote_address,
        "base_path": server.base_path,
        "https": server.https,
        "running": server.running,
        "local_fault": str(server.local.fault),
        "remote_fault": str(server.remote.fault),
        "latency": server.latency,
        "users": [
            {"id": u.id, "name": u.name, "password": u.password, "is_admin": u.is_admin}
            for u in server.users
        ],
        "links": [
            {
                "link_id": link.link_id,
                "connect_user": link.connect_user.name,
                "local_user": link.local_user.name,
                "user_type": link.user_type,
                "access_key": link.access_key,
            }
            for link in server.links
        ],
        "api_keys": [
            token
            for token, issued in server.tokens.items()
            if issued.user is None and not issued.revoked
        ],
        "sessions": [
            {
                "id": s.id,
                "user": s.user.name if s.user else None,
                "client": s.client,
                "device_name": s.device_name,
                "item_name": s.item_name,
                "paused": s.paused,
            }
            for s in server.sessions.values()
        ],
        "care": server.care.summary(),
    }
