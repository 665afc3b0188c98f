"""What one simulated server knows, apart from its sockets: the state route handlers work on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Unpack

from .accounts import ServerAccounts
from .activity import ActivityLog
from .care_api import CareApi
from .dto.sessions import session_json
from .jobs import BackgroundJobs
from .models import IssuedToken, SimLink, SimSession, SimUser
from .profiles import DEFAULT_PROFILE, ServerProfile, get_profile
from .push import PushHub
from .sessions import IdleOptions, PlayOptions, SessionStore

if TYPE_CHECKING:
    from .auth import Identity
    from .ids import IdFactory

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
    "GameCount": 0,
    "ProgramCount": 0,
    "GameSystemCount": 0,
    "ItemCount": 0,  # real servers answer 0 here, whatever the library holds
}


class ServerState(CareApi, ABC):
    """Hold a server's identity, flags, accounts, sessions, push channel and library counts.

    Route handlers get this (never the simulator); SimServer adds the listeners and the life
    cycle. Each part has its own object (`accounts`, `playback`, `hub`); the methods here are the
    short forms tests and the control API use.
    """

    def __init__(
        self,
        *,
        name: str,
        system_id: str,
        https: bool,
        ids: IdFactory,
        version: str | None = None,
        profile: str | ServerProfile = DEFAULT_PROFILE,
    ) -> None:
        """Start with no users, sessions or websockets (version: the profile's by default).

        The owner adds `care` (see CareApi), which needs the listeners.
        """
        self.name = name
        self.system_id = system_id
        self.profile = get_profile(profile)
        self.version = version or self.profile.version
        self.https = https
        self.ids = ids
        self.has_update_available = False
        self.has_pending_restart = False
        self.is_shutting_down = False
        self.is_in_maintenance_mode = False
        self.operating_system = "Linux"
        self.require_identity = False  # True: a token without identity headers gets 400
        self.accept_access_keys = True  # False: Connect/Exchange refuses every AccessKey
        self.caller_sessions = True  # False: callers' own devices are not listed in Sessions
        self.restart_downtime: float = 0.0
        self.counts: dict[str, int] = dict(DEFAULT_COUNTS)
        self.activity = ActivityLog()
        self.jobs = BackgroundJobs()
        self.hub = PushHub()
        self.accounts = ServerAccounts(server_name=name, ids=ids, on_revoke=self._token_revoked)
        self.playback = SessionStore(ids=ids, on_change=self._sessions_changed)

    # -- what the owner of the listeners tells --------------------------------------------

    @property
    @abstractmethod
    def local_port(self) -> int:
        """Return the local listener's port."""

    @property
    @abstractmethod
    def local_address(self) -> str | None:
        """Return the LAN address the server advertises."""

    @property
    @abstractmethod
    def remote_address(self) -> str | None:
        """Return the WAN address the server advertises."""

    @abstractmethod
    async def restart(self) -> None:
        """Restart the server."""

    def use_profile(self, profile: str | ServerProfile, version: str | None = None) -> None:
        """Answer as another kind of server from now on (version: the profile's by default)."""
        self.profile = get_profile(profile)
        self.version = version or self.profile.version

    # -- accounts ---------------------------------------------------------------------------

    @property
    def users(self) -> list[SimUser]:
        """Return the local users."""
        return self.accounts.users

    @property
    def links(self) -> list[SimLink]:
        """Return the Connect links to this server."""
        return self.accounts.links

    @property
    def retired_access_keys(self) -> set[str]:
        """Return the AccessKeys of removed links (they no longer work)."""
        return self.accounts.retired_access_keys

    @property
    def tokens(self) -> dict[str, IssuedToken]:
        """Return every token issued, by value."""
        return self.accounts.tokens

    @property
    def devices(self) -> dict[str, dict[str, str]]:
        """Return the devices that called with a token, by DeviceId."""
        return self.accounts.devices

    def add_user(
        self,
        name: str,
        password: str | None = None,
        *,
        is_admin: bool = False,
        is_disabled: bool = False,
    ) -> SimUser:
        """Create a local user (password None: signs in without a password)."""
        return self.accounts.add_user(name, password, is_admin=is_admin, is_disabled=is_disabled)

    def find_user(self, name_or_id: str) -> SimUser | None:
        """Return the user with that name (case-insensitive) or id."""
        return self.accounts.find_user(name_or_id)

    def create_api_key(self, app_name: str = "Home Assistant") -> str:
        """Create an administrator API key."""
        return self.accounts.create_api_key(app_name)

    def issue_token(self, user: SimUser, identity: Identity | None = None) -> str:
        """Issue a new access token for a user."""
        return self.accounts.issue_token(user, identity)

    def revoke_tokens(self) -> None:
        """Revoke every token (API keys too); their websockets close."""
        self.accounts.revoke_tokens()

    def revoke_token(self, token: str) -> bool:
        """Revoke one token; return whether it was known and valid."""
        return self.accounts.revoke_token(token)

    def valid_tokens(self) -> set[str]:
        """Return the tokens that work now."""
        return self.accounts.valid_tokens()

    def own_secrets(self) -> set[str]:
        """Return the secrets that belong here: link AccessKeys, issued tokens, passwords."""
        return self.accounts.own_secrets()

    # -- sessions ---------------------------------------------------------------------------

    @property
    def sessions(self) -> dict[str, SimSession]:
        """Return the sessions, by Id."""
        return self.playback.by_id

    def play(self, *, user: SimUser | None, **options: Unpack[PlayOptions]) -> SimSession:
        """Start a playing (or paused) session and tell subscribed websockets."""
        return self.playback.play(user=user, **options)

    def add_idle_session(
        self, *, user: SimUser | None, **options: Unpack[IdleOptions]
    ) -> SimSession:
        """Add a connected session that plays nothing."""
        return self.playback.add_idle(user=user, **options)

    def pause(self, session_id: str, *, paused: bool = True) -> SimSession:
        """Pause or resume playback in a session."""
        return self.playback.pause(session_id, paused=paused)

    def stop_playback(self, session_id: str) -> SimSession:
        """Stop playback; the session stays, idle."""
        return self.playback.stop_playback(session_id)

    def remove_session(self, session_id: str) -> None:
        """Remove a session (the client disconnected)."""
        self.playback.remove(session_id)

    def note_caller(
        self, issued: IssuedToken, identity: Identity | None, remote: str | None
    ) -> SimSession | None:
        """Keep the session of a device that called with a user's token (None: no session)."""
        if not self.caller_sessions or identity is None or issued.user is None:
            return None
        return self.playback.note_caller(
            user=issued.user, token=issued.token, identity=identity, remote=remote or "127.0.0.1"
        )

    def _token_revoked(self, issued: IssuedToken) -> None:
        """Close the websockets and end the caller sessions of a revoked token."""
        self.hub.close_for(issued)
        self.playback.end_for_token(issued.token)

    def sessions_message(self, issued: IssuedToken) -> dict[str, object]:
        """Build the Sessions push message for a token's view."""
        return {
            "MessageType": "Sessions",
            "Data": [self.session_json(s) for s in self.playback.visible_to(issued)],
        }

    def _sessions_changed(self) -> None:
        """Send Sessions to every websocket that asked for them."""
        self.hub.send_sessions(self.sessions_message)

    # -- push -------------------------------------------------------------------------------

    @property
    def keepalive_interval(self) -> float:
        """Return the seconds between two ForceKeepAlive messages."""
        return self.hub.keepalive_interval

    @keepalive_interval.setter
    def keepalive_interval(self, value: float) -> None:
        """Change the seconds between two ForceKeepAlive messages."""
        self.hub.keepalive_interval = value

    @property
    def websocket_count(self) -> int:
        """Return how many websockets are connected."""
        return self.hub.count

    def push(self, message_type: str, data: object = None) -> None:
        """Send a message to every connected websocket."""
        self.hub.push(message_type, data)

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

    # -- JSON shapes ------------------------------------------------------------------------

    def session_json(self, session: SimSession) -> dict[str, Any]:
        """Return a session as Emby's SessionInfo."""
        return session_json(session, self.system_id)

    # -- background jobs --------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a background job owned by this server (cancelled when it closes)."""
        self.jobs.spawn(coro)

    async def wait_background(self) -> None:
        """Wait for the background jobs running now (e.g. a restart asked over HTTP)."""
        await self.jobs.wait()
