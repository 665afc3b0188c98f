"""What the status coordinator of a server holds, and how its sessions compare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from .aioemby import ConnectionMode, PublicSystemInfo, Session, SystemInfo


@dataclass(frozen=True, kw_only=True)
class EmbyData:
    """What one poll of a server found; None where the user may not read it."""

    mode: ConnectionMode
    address: str
    public_info: PublicSystemInfo
    system_info: SystemInfo | None
    sessions: list[Session] | None

    @property
    def server_name(self) -> str:
        """Return the name the server gives itself."""
        if self.system_info is not None:
            return self.system_info.server_name
        return self.public_info.server_name

    @property
    def version(self) -> str | None:
        """Return the version of Emby Server."""
        if self.system_info is not None and self.system_info.version:
            return self.system_info.version
        return self.public_info.version

    @property
    def operating_system(self) -> str | None:
        """Return the operating system the server runs on, when the user may read it."""
        if self.system_info is None:
            return None
        return self.system_info.operating_system_display_name or None


def others_sessions(sessions: list[Session], device_id: str) -> list[Session]:
    """Return the sessions but Home Assistant's own (it is no one watching anything)."""
    return [item for item in sessions if item.device_id != device_id]


def counted_sessions(
    sessions: list[Session], device_id: str, counts: Callable[[Session], bool]
) -> list[Session]:
    """Return the sessions that count: not Home Assistant's own, and of a user chosen."""
    return [item for item in others_sessions(sessions, device_id) if counts(item)]


def _without_ticking(session: Session) -> Session:
    """Return a session without what moves on its own while playing."""
    return replace(
        session,
        last_activity_date=None,
        play_state=replace(session.play_state, position_ticks=None),
    )


def same_as_shown(sessions: list[Session], shown: list[Session]) -> bool:
    """Return whether sessions differ from those shown only in what moves on its own.

    Most sessions of a big server are idle and equal as they come: only those that differ are
    compared without their play position and activity time.
    """
    if len(sessions) != len(shown):
        return False
    return all(
        new == old or _without_ticking(new) == _without_ticking(old)
        for new, old in zip(sessions, shown, strict=True)
    )
