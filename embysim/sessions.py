"""One server's client sessions: who is connected and what each one plays."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict, Unpack

from .models import IssuedToken, SimSession, SimUser, Transcode, utcnow

if TYPE_CHECKING:
    from .auth import Identity
    from .ids import IdFactory

# Illustrative DeviceType and AppIconUrl per client; the icons' host can never resolve.
_CLIENT_KINDS: dict[str, tuple[str, str]] = {
    "Emby Web": ("Web", "emby-web"),
    "Emby for Android": ("Android", "android"),
    "Emby for iOS": ("iOS", "ios"),
    "Emby Theater": ("Theater", "theater"),
}
ICON_BASE = "https://icons.embysim.invalid/"


class PlayOptions(TypedDict, total=False):
    """Describe what a simulated client plays (every key has a default)."""

    item_name: str
    item_type: str
    paused: bool
    transcoding: bool
    transcode: Transcode
    transcoding_info: bool
    transcode_reasons: tuple[str, ...]
    bitrate: int | None
    client: str
    device_name: str
    device_id: str | None
    series_name: str | None
    runtime_seconds: int
    position_seconds: int
    remote_end_point: str


class IdleOptions(TypedDict, total=False):
    """Describe a connected client that plays nothing (every key has a default)."""

    client: str
    device_name: str
    device_id: str | None
    remote_end_point: str


class SessionStore:
    """Keep the sessions of one server and say when they change."""

    def __init__(self, *, ids: IdFactory, on_change: Callable[[], None]) -> None:
        """Start without sessions; on_change runs after every change."""
        self._ids = ids
        self._on_change = on_change
        self.by_id: dict[str, SimSession] = {}

    def add(self, session: SimSession) -> SimSession:
        """Keep a session built elsewhere, giving it the device fields a server fills in."""
        if not session.internal_device_id:
            session.internal_device_id = self._ids.sequence()
        kind, icon = _CLIENT_KINDS.get(session.client, ("Other", ""))
        session.device_type = session.device_type or kind
        if icon and not session.app_icon_url:
            session.app_icon_url = f"{ICON_BASE}{icon}.png"
        self.by_id[session.id] = session
        self._on_change()
        return session

    def note_caller(
        self, *, user: SimUser, token: str, identity: Identity, remote: str
    ) -> SimSession:
        """Return the caller's own session, made on its first call (as a real server does)."""
        for session in self.by_id.values():
            if session.device_id == identity.device_id:
                session.last_activity = utcnow()
                if session.token != token or session.user is not user:
                    session.token, session.user = token, user
                    self._on_change()
                return session
        return self.add(
            SimSession(
                id=self._ids.hex(),
                user=user,
                client=identity.client,
                device_name=identity.device_name,
                device_id=identity.device_id,
                application_version=identity.version,
                remote_end_point=remote,
                supports_remote_control=False,
                token=token,
            )
        )

    def end_for_token(self, token: str) -> None:
        """End the caller sessions of a token that stopped working."""
        ended = [s.id for s in self.by_id.values() if s.token == token]
        for session_id in ended:
            del self.by_id[session_id]
        if ended:
            self._on_change()

    def play(self, *, user: SimUser | None, **options: Unpack[PlayOptions]) -> SimSession:
        """Start a playing (or paused) session."""
        session = SimSession(
            id=self._ids.hex(),
            user=user,
            client=options.get("client", "Emby Web"),
            device_name=options.get("device_name", "Firefox"),
            device_id=options.get("device_id") or self._ids.hex(8),
            item_name=options.get("item_name", "Big Buck Bunny"),
            item_type=options.get("item_type", "Movie"),
            item_id=str(100_000 + self._ids.sequence()),
            series_name=options.get("series_name"),
            runtime_seconds=options.get("runtime_seconds", 5400),
            position_seconds=options.get("position_seconds", 600),
            paused=options.get("paused", False),
            transcoding=options.get("transcoding", False),
            transcode=Transcode(options.get("transcode", Transcode.VIDEO)),
            transcoding_info=options.get("transcoding_info", True),
            transcode_reasons=tuple(options.get("transcode_reasons", ())),
            bitrate=options.get("bitrate", 8_000_000),
            remote_end_point=options.get("remote_end_point", "192.168.1.50"),
        )
        return self.add(session)

    def add_idle(self, *, user: SimUser | None, **options: Unpack[IdleOptions]) -> SimSession:
        """Add a connected session that plays nothing."""
        session = SimSession(
            id=self._ids.hex(),
            user=user,
            client=options.get("client", "Emby Theater"),
            device_name=options.get("device_name", "Living Room TV"),
            device_id=options.get("device_id") or self._ids.hex(8),
            remote_end_point=options.get("remote_end_point", "192.168.1.51"),
        )
        return self.add(session)

    def pause(self, session_id: str, *, paused: bool = True) -> SimSession:
        """Pause or resume playback in a session."""
        session = self.by_id[session_id]
        session.position_seconds = session.current_position()
        session.paused = paused
        session.last_activity = utcnow()
        self._on_change()
        return session

    def stop_playback(self, session_id: str) -> SimSession:
        """Stop playback; the session stays, idle."""
        session = self.by_id[session_id]
        session.item_name = None
        session.paused = False
        session.transcoding = False
        session.last_activity = utcnow()
        self._on_change()
        return session

    def remove(self, session_id: str) -> None:
        """Remove a session (the client disconnected)."""
        self.by_id.pop(session_id, None)
        self._on_change()

    def visible_to(self, issued: IssuedToken) -> list[SimSession]:
        """Return the sessions a token may see (administrators all, users their own)."""
        sessions = list(self.by_id.values())
        if issued.is_admin:
            return sessions
        return [s for s in sessions if s.user is not None and s.user is issued.user]
