"""One server's accounts: local users, Connect links, access tokens, API keys and devices."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .models import IssuedToken, SimLink, SimUser, utcnow

if TYPE_CHECKING:
    from .auth import Identity
    from .ids import IdFactory


class ServerAccounts:
    """Keep who may use one server and with which token."""

    def __init__(
        self, *, server_name: str, ids: IdFactory, on_revoke: Callable[[IssuedToken], None]
    ) -> None:
        """Start empty; on_revoke is told about each token that stops working."""
        self._server_name = server_name
        self._ids = ids
        self._on_revoke = on_revoke
        self.users: list[SimUser] = []
        self.links: list[SimLink] = []
        self.retired_access_keys: set[str] = set()
        self.tokens: dict[str, IssuedToken] = {}
        self.devices: dict[str, dict[str, str]] = {}

    # -- users ------------------------------------------------------------------------------

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
            message = f"user {name!r} already exists on {self._server_name}"
            raise ValueError(message)
        user = SimUser(
            id=self._ids.hex(),
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

    # -- Connect links ----------------------------------------------------------------------

    def add_link(self, link: SimLink) -> None:
        """Keep a Connect link to one of the users (the world checks it first)."""
        link.local_user.connect_user = link.connect_user
        link.local_user.connect_link_type = link.user_type
        self.links.append(link)

    def remove_link(self, link: SimLink) -> None:
        """Drop a Connect link; its AccessKey stops working (and is remembered as retired)."""
        self.links.remove(link)
        self.retired_access_keys.add(link.access_key)
        link.local_user.connect_user = None
        link.local_user.connect_link_type = None

    def link_with_access_key(self, access_key: str) -> SimLink | None:
        """Return the current link whose AccessKey this is."""
        return next((link for link in self.links if link.access_key == access_key), None)

    # -- tokens -----------------------------------------------------------------------------

    def create_api_key(self, app_name: str = "Home Assistant") -> str:
        """Create an administrator API key (as in Dashboard > Advanced > API Keys)."""
        token = self._ids.hex()
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
        token = self._ids.hex()
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

    def valid_token(self, token: str) -> IssuedToken | None:
        """Return what a token grants, or None when it is unknown, revoked or its user disabled."""
        issued = self.tokens.get(token)
        if issued is None or issued.revoked or (issued.user and issued.user.is_disabled):
            return None
        return issued

    def revoke_tokens(self) -> None:
        """Revoke every token issued so far (API keys too): each answers 401 from now on."""
        for issued in self.tokens.values():
            if not issued.revoked:
                issued.revoked = True
                self._on_revoke(issued)

    def revoke_token(self, token: str) -> bool:
        """Revoke one token; return whether it was known and valid."""
        issued = self.tokens.get(token)
        if issued is None or issued.revoked:
            return False
        issued.revoked = True
        self._on_revoke(issued)
        return True

    def valid_tokens(self) -> set[str]:
        """Return the tokens that work now."""
        return {token for token, issued in self.tokens.items() if not issued.revoked}

    def api_keys(self) -> list[str]:
        """Return the API keys that work now."""
        return [
            t for t, issued in self.tokens.items() if issued.user is None and not issued.revoked
        ]

    # -- devices and secrets ----------------------------------------------------------------

    def note_device(self, identity: Identity) -> None:
        """Remember a device that called with a token (the server lists every DeviceId)."""
        self.devices[identity.device_id] = {
            "Client": identity.client,
            "DeviceName": identity.device_name,
        }

    def own_secrets(self) -> set[str]:
        """Return the secrets that belong here: link AccessKeys, issued tokens, passwords."""
        owned = {link.access_key for link in self.links} | self.retired_access_keys
        owned |= set(self.tokens)
        owned |= {user.password for user in self.users if user.password}
        return owned
