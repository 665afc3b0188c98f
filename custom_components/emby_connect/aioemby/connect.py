"""Emby Connect, Emby's cloud account service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from aiohttp import ClientSession

from .models import ConnectLogin, ConnectPin, ConnectServer, ConnectUser

DEFAULT_CONNECT_URL = "https://connect.emby.media/service"


@dataclass(kw_only=True)
class EmbyConnect:
    """Talk to Emby Connect: sign in (password or PIN), list servers, read the user."""

    app_name: str
    app_version: str
    session: ClientSession | None = None
    base_url: str = DEFAULT_CONNECT_URL
    request_timeout: float = 15.0
    user_id: str | None = None
    access_token: str | None = field(default=None, repr=False)

    async def authenticate(self, name_or_email: str, password: str) -> ConnectLogin:
        """Sign in with a password (form-encoded, as Emby's apps send it); store the token."""
        raise NotImplementedError

    async def create_pin(self, device_id: str) -> ConnectPin:
        """Create a PIN for the person to confirm at https://emby.media/pin."""
        raise NotImplementedError

    async def get_pin(self, device_id: str, pin: str) -> ConnectPin:
        """Poll a PIN; raise EmbyPinExpiredError when Connect no longer knows it."""
        raise NotImplementedError

    async def authenticate_pin(self, device_id: str, pin: str) -> ConnectLogin:
        """Exchange a confirmed PIN for a Connect token; store the token."""
        raise NotImplementedError

    async def get_servers(self) -> list[ConnectServer]:
        """List the servers the signed-in account may use."""
        raise NotImplementedError

    async def get_user(self) -> ConnectUser:
        """Read the signed-in account."""
        raise NotImplementedError

    async def close(self) -> None:
        """Close the session if this client created it."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        """Enter the async context."""
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Close on exit."""
        await self.close()
