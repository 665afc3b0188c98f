"""One Emby server: public info, sign-in, the Connect exchange and status calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from aiohttp import ClientSession

from .models import ClientIdentity, ItemCounts, PublicSystemInfo, ServerLogin, Session, SystemInfo


@dataclass(kw_only=True)
class EmbyServer:
    """Talk to one Emby server at one address (with or without an /emby base path)."""

    url: str
    identity: ClientIdentity
    session: ClientSession | None = None
    verify_ssl: bool = True
    request_timeout: float = 10.0
    user_id: str | None = None
    access_token: str | None = field(default=None, repr=False)

    async def get_public_info(self, *, timeout: float | None = None) -> PublicSystemInfo:
        """Read System/Info/Public (no token is sent)."""
        raise NotImplementedError

    async def authenticate_by_name(self, username: str, password: str | None) -> ServerLogin:
        """Sign in a local user; store the token."""
        raise NotImplementedError

    async def exchange(self, access_key: str, connect_user_id: str) -> ServerLogin:
        """Exchange a Connect AccessKey for a local token; store the token."""
        raise NotImplementedError

    async def get_system_info(self) -> SystemInfo:
        """Read System/Info."""
        raise NotImplementedError

    async def get_sessions(self) -> list[Session]:
        """Read /Sessions."""
        raise NotImplementedError

    async def get_item_counts(self) -> ItemCounts:
        """Read /Items/Counts."""
        raise NotImplementedError

    async def logout(self) -> None:
        """Revoke the current token."""
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
