"""The simulated world: Emby Connect accounts, Emby servers and the links between them."""

from __future__ import annotations

from typing import Any

from .ids import IdFactory
from .models import SimConnectUser, SimLink, SimUser, UserType
from .net import check_loopback
from .profiles import DEFAULT_PROFILE, ServerProfile
from .server import SimServer
from .tls import TlsMaterial, generate_tls_material
from .wake import WakeListener, WakePacket

# Emby Connect user ids are short decimal strings ("79718"); link ids are 32 hex characters.
CONNECT_USER_ID_DIGITS = 5


class SimWorld:
    """Hold every account, server and link; the services read it, the tests change it."""

    def __init__(
        self, host: str = "127.0.0.1", *, seed: int | None = None, wake_port: int = 0
    ) -> None:
        """Start empty on a loopback host (refuses any other)."""
        self.host = check_loopback(host)
        self.ids = IdFactory(seed)
        self.servers: list[SimServer] = []
        self.connect_users: list[SimConnectUser] = []
        self._tls: TlsMaterial | None = None
        # The LAN's Wake-on-LAN port: UDP on loopback, one for every server (the owner starts it).
        self.wake = WakeListener(host=self.host, port=wake_port, on_packet=self._wake_packet)

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

    def all_secrets(self) -> set[str]:
        """Return every secret the world holds (passwords, AccessKeys, server tokens)."""
        found = {user.password for user in self.connect_users if user.password}
        for server in self.servers:
            found |= server.own_secrets()
        return found

    # -- Connect accounts -------------------------------------------------------------------

    def add_connect_user(
        self, name: str, email: str | None = None, password: str | None = None
    ) -> SimConnectUser:
        """Create an Emby Connect account (password defaults to "<name>-password")."""
        if self.find_connect_user(name) is not None:
            message = f"Connect user {name!r} already exists"
            raise ValueError(message)
        taken = {existing.id for existing in self.connect_users}
        while (user_id := self.ids.digits(CONNECT_USER_ID_DIGITS)) in taken:
            pass
        user = SimConnectUser(
            id=user_id,
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

    def connect_user(self, user: SimConnectUser | str) -> SimConnectUser:
        """Resolve an account given as object, name, e-mail or id (KeyError when unknown)."""
        if isinstance(user, SimConnectUser):
            return user
        found = self.find_connect_user(user)
        if found is None:
            message = f"no Connect user {user!r}"
            raise KeyError(message)
        return found

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
        version: str | None = None,
        base_path: str = "",
        *,
        profile: str | ServerProfile = DEFAULT_PROFILE,
        https: bool = False,
        local_port: int = 0,
        remote_port: int = 0,
        start: bool = True,
    ) -> SimServer:
        """Create a server and (by default) start listening on its two addresses.

        profile: "4.6" (too old), "4.7", "4.8", "4.9" or "jellyfin"; version defaults to the
        profile's.
        """
        server = SimServer(
            name=name,
            system_id=system_id or self.ids.hex(),
            host=self.host,
            ids=self.ids,
            known_secrets=self.all_secrets,
            version=version,
            profile=profile,
            base_path=base_path,
            tls=self.tls if https else None,
            local_port=local_port,
            remote_port=remote_port,
            wake_address=self.wake.address,
        )
        self.servers.append(server)
        if start:
            await server.start()
        return server

    def _wake_packet(self, packet: WakePacket) -> None:
        """Hand a magic packet to every server, as a LAN does; the one with that MAC wakes."""
        for server in self.servers:
            server.care.receive_wake(packet)

    def find_server(self, key: str) -> SimServer | None:
        """Return the server with that SystemId, name (case-insensitive) or index."""
        for server in self.servers:
            if key in (server.system_id,) or server.name.lower() == key.lower():
                return server
        if key.isdigit() and int(key) < len(self.servers):
            return self.servers[int(key)]
        return None

    # -- links ------------------------------------------------------------------------------

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
            link_id=self.ids.hex(),
            access_key=self.ids.hex(),
            user_type=user_type,
            connect_user=user,
            local_user=local_user,
            server_system_id=server.system_id,
        )
        server.accounts.add_link(link)
        return link

    def unlink(self, user: SimConnectUser, server: SimServer) -> None:
        """Remove a server from an account; its AccessKey stops working."""
        for link in [link for link in server.links if link.connect_user is user]:
            server.accounts.remove_link(link)

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
