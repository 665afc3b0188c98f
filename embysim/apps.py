"""A server's library and the apps that play from it under remote control.

ServerState takes these parts from this mixin (each built on first use), so that what route
handlers reach stays `call.server.library` and `call.server.remote_control`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Coroutine
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .library import SimItem, SimLibrary
from .playback import start_item
from .remote import RemoteControl, SimCommand

if TYPE_CHECKING:
    from .models import SimSession
    from .sessions import SessionStore


class AppsAndLibrary(ABC):
    """Give a server a library, apps that take remote control, and their records."""

    system_id: str
    playback: SessionStore

    @abstractmethod
    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a background job owned by the server."""

    @abstractmethod
    def _sessions_changed(self) -> None:
        """Push Sessions to the websockets that asked for them."""

    @cached_property
    def library(self) -> SimLibrary:
        """Return the server's library (empty until embysim.catalog.generate fills it)."""
        return SimLibrary(self.system_id)

    @cached_property
    def remote_control(self) -> RemoteControl:
        """Return the remote control of the server's sessions."""
        return RemoteControl(
            sessions=self.playback.by_id, changed=self._sessions_changed, spawn=self.spawn
        )

    @property
    def client_delay(self) -> float:
        """Return how long a simulated app takes to obey a command, in seconds."""
        return self.remote_control.delay

    @client_delay.setter
    def client_delay(self, value: float) -> None:
        """Set how long a simulated app takes to obey a command, in seconds."""
        self.remote_control.delay = value

    def client_commands(
        self, session_id: str, *, include_refused: bool = False
    ) -> list[SimCommand]:
        """Return the remote-control commands a session's app received, oldest first."""
        return self.remote_control.commands_for(session_id, include_refused=include_refused)

    def play_item(
        self, session_id: str, item: SimItem, *, position_seconds: int = 0, paused: bool = False
    ) -> SimSession:
        """Make a session play a library item now (as if its user had started it)."""
        session = self.playback.by_id[session_id]
        start_item(session, item, self.library, position_seconds)
        session.queue = [item.id]
        session.queue_index = 0
        session.paused = paused
        self._sessions_changed()
        return session
