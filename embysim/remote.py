"""Remote control: the /Sessions/{Id}/... endpoints, and apps that obey or refuse them.

Emby Server hands a command to the app over its own connection and answers 204 at once; the
app changes its play state a moment later and the server pushes `Sessions`. A simulated app
obeys `client_delay` seconds later. It refuses (HTTP 400, as Emby answers a session that takes
no remote control) what its session does not offer: any command when SupportsRemoteControl is
false, a general command missing from SupportedCommands, an item of a media type missing from
PlayableMediaTypes. Every command received is recorded, refused ones too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

from .calls import RouteCall, RouteSpec, lowered, read_json, text
from .library import SimLibrary
from .models import TICKS_PER_SECOND, IssuedToken, SimSession, SimUser, utcnow
from .playback import Change, plan_general, plan_play, plan_playstate

type CommandKind = Literal["Play", "Playstate", "GeneralCommand", "Message"]

DEFAULT_CLIENT_DELAY = 0.05
_SESSION = r"/Sessions/(?P<session_id>[^/]+)"


@dataclass(frozen=True, kw_only=True)
class SimCommand:
    """Record one remote-control command a simulated app received."""

    session_id: str
    kind: CommandKind
    name: str
    arguments: dict[str, str]
    user_id: str | None  # the controlling user (None: an API key)
    time: datetime
    loop_time: float  # the event loop's clock when the app received it
    refused: str | None = None  # why the app refused it (None: obeyed)

    @property
    def accepted(self) -> bool:
        """Return whether the app obeyed the command."""
        return self.refused is None


class _RefusedError(Exception):
    """Stop handling a command with an HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the answer."""
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(eq=False, kw_only=True)
class RemoteControl:
    """Serve the remote-control endpoints of one server's sessions."""

    sessions: Mapping[str, SimSession]
    library: SimLibrary
    changed: Callable[[], None]  # push Sessions to the websockets that asked
    spawn: Callable[[Awaitable[None]], None]  # run a job the server owns
    delay: float = DEFAULT_CLIENT_DELAY
    commands: list[SimCommand] = field(default_factory=list)

    def routes(self) -> list[RouteSpec]:
        """Return the endpoints: play, playstate, general commands and messages."""
        return [
            ("POST", _SESSION + r"/Playing", self._play, "user"),
            ("POST", _SESSION + r"/Playing/(?P<command>[^/]+)", self._playstate, "user"),
            ("POST", _SESSION + r"/Command", self._general, "user"),
            ("POST", _SESSION + r"/Command/(?P<command>[^/]+)", self._general, "user"),
            ("POST", _SESSION + r"/Message", self._message, "user"),
        ]

    def commands_for(self, session_id: str, *, include_refused: bool = False) -> list[SimCommand]:
        """Return the commands a session received, oldest first."""
        return [
            command
            for command in self.commands
            if command.session_id == session_id and (include_refused or command.accepted)
        ]

    # -- endpoints --------------------------------------------------------------------------

    async def _play(self, call: RouteCall) -> web.StreamResponse:
        """Answer POST /Sessions/{Id}/Playing: play, or queue, library items."""
        arguments = await _arguments(call)
        params = lowered(arguments)
        name = str(params.get("playcommand") or "PlayNow")

        def plan(session: SimSession) -> Change:
            items = []
            for item_id in str(params.get("itemids", "")).split(","):
                if not item_id.strip():
                    continue
                item = self.library.get(item_id.strip(), _user(call.issued))
                if item is None:
                    raise _RefusedError(400, f"Item {item_id.strip()} not found.")
                if item.media_type not in session.playable_media_types:
                    message = f"{session.client} cannot play {item.media_type or 'folders'}."
                    raise _RefusedError(400, message)
                items.append(item)
            return plan_play(
                name,
                items,
                self.library,
                start_index=_number(params.get("startindex"), "StartIndex"),
                start_seconds=_number(params.get("startpositionticks"), "StartPositionTicks")
                // TICKS_PER_SECOND,
            )

        return self._command(call, "Play", name, arguments, plan)

    async def _playstate(self, call: RouteCall) -> web.StreamResponse:
        """Answer POST /Sessions/{Id}/Playing/{Command}: pause, seek, next, ..."""
        arguments = await _arguments(call)
        name = _canonical(call.match.group("command"), _PLAYSTATE_NAMES)
        seek = lowered(arguments).get("seekpositionticks")

        def plan(_session: SimSession) -> Change:
            ticks = _number(seek, "SeekPositionTicks", negative=True) if seek is not None else None
            return plan_playstate(name, ticks, self.library)

        return self._command(call, "Playstate", name, arguments, plan)

    async def _general(self, call: RouteCall) -> web.StreamResponse:
        """Answer POST /Sessions/{Id}/Command[/{Command}]: volume, navigation, messages, ..."""
        body = lowered(await read_json(call.request))
        raw_arguments = body.get("arguments")
        arguments = _strings(raw_arguments if isinstance(raw_arguments, dict) else {})
        arguments.update(_strings(call.request.query))
        named = call.match.groupdict().get("command")
        name = str(named or body.get("name") or "")

        def plan(session: SimSession) -> Change:
            if name not in session.supported_commands:
                raise _RefusedError(400, f"{session.client} does not support the command {name!r}.")
            return plan_general(name, lowered(arguments)) or _nothing

        return self._command(call, "GeneralCommand", name, arguments, plan)

    async def _message(self, call: RouteCall) -> web.StreamResponse:
        """Answer POST /Sessions/{Id}/Message: show a message (needs DisplayMessage)."""
        params = lowered(await _arguments(call))
        arguments = {
            key: params[key.lower()]
            for key in ("Header", "Text", "TimeoutMs")
            if params.get(key.lower()) is not None
        }

        def plan(session: SimSession) -> Change:
            if "DisplayMessage" not in session.supported_commands:
                raise _RefusedError(
                    400, f"{session.client} does not support the command 'DisplayMessage'."
                )
            if not arguments.get("Text"):
                raise _RefusedError(400, "Text is required.")
            if "TimeoutMs" in arguments:
                _number(arguments["TimeoutMs"], "TimeoutMs")
            return _nothing

        return self._command(call, "Message", "DisplayMessage", arguments, plan)

    # -- shared -----------------------------------------------------------------------------

    def _command(
        self,
        call: RouteCall,
        kind: CommandKind,
        name: str,
        arguments: dict[str, str],
        plan: Callable[[SimSession], Change],
    ) -> web.Response:
        """Check access and capabilities, record the command, apply it after the delay."""
        session_id = call.match.group("session_id")
        session = self.sessions.get(session_id)
        if session is None:
            return text(404, f"Session {session_id} not found.")
        issued = call.issued
        if issued is not None and not issued.is_admin and session.user is not issued.user:
            return text(403, "User is not allowed to control this session.")
        try:
            change = _checked(session, plan)
        except (_RefusedError, ValueError) as err:
            status = err.status if isinstance(err, _RefusedError) else 400
            self._record(call, session_id, kind, name, arguments, refused=str(err))
            return text(status, str(err))
        self._record(call, session_id, kind, name, arguments)
        self.spawn(self._apply_later(session_id, change))
        return web.Response(status=204)

    def _record(
        self,
        call: RouteCall,
        session_id: str,
        kind: CommandKind,
        name: str,
        arguments: dict[str, str],
        *,
        refused: str | None = None,
    ) -> None:
        """Append one received command to the records."""
        user = _user(call.issued)
        self.commands.append(
            SimCommand(
                session_id=session_id,
                kind=kind,
                name=name,
                arguments=arguments,
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


_PLAYSTATE_NAMES = (
    "Stop",
    "Pause",
    "Unpause",
    "NextTrack",
    "PreviousTrack",
    "Seek",
    "Rewind",
    "FastForward",
    "PlayPause",
    "SeekRelative",
)


def _canonical(name: str, names: tuple[str, ...]) -> str:
    """Return a command's canonical spelling (Emby reads enum names case-insensitively)."""
    return next((known for known in names if known.lower() == name.lower()), name)


def _checked(session: SimSession, plan: Callable[[SimSession], Change]) -> Change:
    """Return a command's change, refusing every command when the session takes none."""
    if not session.supports_remote_control:
        message = f"Session {session.id} does not support remote control."
        raise _RefusedError(400, message)
    return plan(session)


def _nothing(_session: SimSession) -> None:
    """Change nothing (a navigation command, a message)."""


def _user(issued: IssuedToken | None) -> SimUser | None:
    """Return the user a token belongs to (None for an API key)."""
    return issued.user if issued is not None else None


async def _arguments(call: RouteCall) -> dict[str, str]:
    """Return a command's parameters: the JSON body's, then the query's (which win)."""
    return {**_strings(await read_json(call.request)), **_strings(call.request.query)}


def _strings(mapping: Mapping[str, Any]) -> dict[str, str]:
    """Return the scalar values of a mapping as strings (what Emby's Arguments hold)."""
    return {
        str(key): str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in mapping.items()
        if isinstance(value, str | int | float)
    }


def _number(value: object, name: str, *, negative: bool = False) -> int:
    """Parse an integer argument (absent: 0); raise ValueError for anything else."""
    if value is None or value == "":
        return 0
    try:
        number = int(str(value))
    except ValueError as err:
        message = f"{name} must be an integer."
        raise ValueError(message) from err
    if number < 0 and not negative:
        message = f"{name} must not be negative."
        raise ValueError(message)
    return number
