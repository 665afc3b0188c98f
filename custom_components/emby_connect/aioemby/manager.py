"""The connection manager: find the right address of a server and sign in there."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import ClientSession

from .models import ClientIdentity, ConnectionResult, ServerRecord
from .server import EmbyServer

# A server on the local network answers System/Info/Public in milliseconds; a few seconds
# cover a busy or waking machine without making a dead LAN address hold up the remote one.
LOCAL_PROBE_TIMEOUT = 3.0
# A remote address crosses the internet, a router's NAT and often a reverse proxy and TLS.
REMOTE_PROBE_TIMEOUT = 12.0
# Emby's web app starts each next candidate 200 ms after the previous one.
PROBE_STAGGER = 0.2


@dataclass(kw_only=True)
class ConnectionManager:
    """Connect to a server the way Emby's own apps do."""

    session: ClientSession
    identity: ClientIdentity
    request_timeout: float = 10.0

    async def connect(self, record: ServerRecord) -> tuple[EmbyServer, ConnectionResult]:
        """Probe the candidate addresses, verify the SystemId, then exchange or reuse the token.

        Raises EmbyConnectionError when no address answered with the right Id,
        EmbyServerMismatchError when the only answers came from other servers,
        EmbyAuthenticationError when the AccessKey or the token is refused.
        """
        raise NotImplementedError
