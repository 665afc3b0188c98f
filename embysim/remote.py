"""Remote control of a server's sessions: apps that obey or refuse, and what they received.

Emby Server hands a command to the app over its own connection and answers at once; the app
changes its play state a moment later and the server pushes `Sessions`. A simulated app obeys
`delay` seconds later. It refuses (HTTP 400, as Emby answers a session that takes no remote
control) what its session does not offer; the routes (embysim/routes/remote.py) say what that
is for each command. Every command received is recorded, refused ones too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .models import IssuedToken, SimSession, utcnow
from .playback import Change

type CommandKind = Literal["Play", "Playstate", "GeneralCommand", "Message"]
type Plan = Callable[[SimSession], Change]

DEFAULT_CLIENT_DELAY = 0.05


@dataclass(frozen=True, kw_only=True)
class SimCommand:
    """Record one remote-control command a simulated app received."""

    session_id: str
    kind: CommandKind
    name: str
    arguments: dict[str, str]  # as sent (query and body), names as the caller spelt them
    user_id: str | None  # the controlling user (None: an API key)
    time: datetime
    loop_time: float  # the event loop's clock when the app received it
    refused: str | None = None  # why the app refused it (None: it obeyed)

    @property
    def accepted(self) -> bool:
        """Return whether the app obeyed the command."""
        return self.refused is None


class CommandRefusedError(Exception):
    """Refuse a command with an HTTP status and the text Emby would answer."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the status with the message."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, kw_only=True)
class Received:
    """Describe one command as a route read it."""

    session_id: str
    kind: CommandKind
    name: str
    arguments: dict[str, str]
    issued: IssuedToken


@dataclass(eq=False, kw_only=True)
class RemoteControl:
    """Deliver commands to a server's sessions, record them, and let the apps obey."""

    sessions: Mapping[str, SimSession]
    changed: Callable[[], None]  # push Sessions to the websockets that asked
    spawn: Callable[[Coroutine[Any, Any, None]], None]  # run a job the server owns
    delay: float = DEFAULT_CLIENT_DELAY
    commands: list[SimCommand] = field(default_factory=list)

    def commands_for(self, session_id: str, *, include_refused: bool = False) -> list[SimCommand]:
        """Return the commands a session received, oldest first."""
        return [
            command
            for command in self.commands
            if command.session_id == session_id and (include_refused or command.accepted)
        ]

    def deliver(self, received: Received, plan: Plan) -> tuple[int, str]:
        """Hand a command to its session's app; return the HTTP status and text to answer.

        `plan` checks the command against the session (raising CommandRefusedError or
        ValueError to refuse it) and returns the change the app makes.
        """
        session = self.sessions.get(received.session_id)
        if session is None:
            return 404, f"Session {received.session_id} not found."
        issued = received.issued
        if not issued.is_admin and session.user is not issued.user:
            return 403, "User is not allowed to control this session."
        try:
            if not session.supports_remote_control:
                message = f"Session {session.id} does not support remote control."
                raise CommandRefusedError(400, message)  # noqa: TRY301 - one refusal path
            change = plan(session)
        except (CommandRefusedError, ValueError) as err:
            status = err.status if isinstance(err, CommandRefusedError) else 400
            self._record(received, refused=str(err))
            return status, str(err)
        self._record(received)
        self.spawn(self._apply_later(session.id, change))
        return 204, ""

    def _record(self, received: Received, *, refused: str | None = None) -> None:
        """Append one received command to the records."""
        user = received.issued.user
        self.commands.append(
            SimCommand(
                session_id=received.session_id,
                kind=received.kind,
                name=received.name,
                arguments=received.arguments,
                user_id=user.id if user is not None else None,
                time=utcnow(),
                loop_time=asyncio.get_running_loop().time(),
                refused=refused,
            )
        )

    async def _apply_later(self, session_id: str, change: Change) -> None:
        """Let the app react after the delay, then push the new state."""
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        session = self.sessions.get(session_id)
        if session is None:
            return  # the app went away meanwhile
        change(session)
        self.changed()
