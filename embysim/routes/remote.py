"""Remote-control routes: play, playstate, general commands and messages to a session's app.

What each command needs from the session: any command, SupportsRemoteControl; a general command
(and a message, which apps show as DisplayMessage), its name in SupportedCommands; a play
command, items the controlling user may see whose media type is in PlayableMediaTypes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from embysim.httputil import lower_keys, read_body, text_response
from embysim.models import TICKS_PER_SECOND, SimSession
from embysim.playback import (
    PLAYSTATE_COMMANDS,
    Change,
    plan_general,
    plan_play,
    plan_playstate,
)
from embysim.remote import CommandKind, CommandRefusedError, Received
from embysim.routing import Call, RouteTable

ROUTES = RouteTable("remote")
_SESSION = r"/Sessions/(?P<session_id>[^/]+)"


@ROUTES.post(_SESSION + r"/Playing", auth="user")
async def play(call: Call) -> web.StreamResponse:
    """Answer POST /Sessions/{Id}/Playing: play, or queue, library items."""
    arguments = await _arguments(call)
    params = lower_keys(arguments)
    name = params.get("playcommand") or "PlayNow"
    library = call.server.library

    def plan(session: SimSession) -> Change:
        items = []
        for item_id in (part.strip() for part in params.get("itemids", "").split(",")):
            if not item_id:
                continue
            item = library.get(item_id, call.token.user)
            if item is None:
                raise CommandRefusedError(400, f"Item {item_id} not found.")
            if item.media_type not in session.playable_media_types:
                message = f"{session.client} cannot play {item.media_type or 'folders'}."
                raise CommandRefusedError(400, message)
            items.append(item)
        start_ticks = _number(params.get("startpositionticks"), "StartPositionTicks")
        return plan_play(
            name,
            items,
            library,
            start_index=_number(params.get("startindex"), "StartIndex"),
            start_seconds=start_ticks // TICKS_PER_SECOND,
        )

    return _deliver(call, "Play", name, arguments, plan)


@ROUTES.post(_SESSION + r"/Playing/(?P<command>[^/]+)", auth="user")
async def playstate(call: Call) -> web.StreamResponse:
    """Answer POST /Sessions/{Id}/Playing/{Command}: pause, seek, next, ..."""
    arguments = await _arguments(call)
    asked = call.match.group("command")
    # Emby reads enum names case-insensitively.
    name = next((known for known in PLAYSTATE_COMMANDS if known.lower() == asked.lower()), asked)
    seek = lower_keys(arguments).get("seekpositionticks")

    def plan(_session: SimSession) -> Change:
        ticks = _number(seek, "SeekPositionTicks", negative=True) if seek is not None else None
        return plan_playstate(name, ticks, call.server.library)

    return _deliver(call, "Playstate", name, arguments, plan)


@ROUTES.post(_SESSION + r"/Command", auth="user")
@ROUTES.post(_SESSION + r"/Command/(?P<command>[^/]+)", auth="user")
async def general_command(call: Call) -> web.StreamResponse:
    """Answer POST /Sessions/{Id}/Command[/{Command}]: volume, navigation, messages, ..."""
    body = lower_keys(await read_body(call.request))
    raw_arguments = body.get("arguments")
    arguments = _strings(raw_arguments if isinstance(raw_arguments, dict) else {})
    arguments.update(_strings(call.request.query))
    name = str(call.match.groupdict().get("command") or body.get("name") or "")

    def plan(session: SimSession) -> Change:
        if name not in session.supported_commands:
            message = f"{session.client} does not support the command {name!r}."
            raise CommandRefusedError(400, message)
        return plan_general(name, lower_keys(arguments)) or _nothing

    return _deliver(call, "GeneralCommand", name, arguments, plan)


@ROUTES.post(_SESSION + r"/Message", auth="user")
async def message(call: Call) -> web.StreamResponse:
    """Answer POST /Sessions/{Id}/Message: show a message (the app needs DisplayMessage)."""
    params = lower_keys(await _arguments(call))
    arguments = {
        key: params[key.lower()] for key in ("Header", "Text", "TimeoutMs") if key.lower() in params
    }

    def plan(session: SimSession) -> Change:
        if "DisplayMessage" not in session.supported_commands:
            refusal = f"{session.client} does not support the command 'DisplayMessage'."
            raise CommandRefusedError(400, refusal)
        if not arguments.get("Text"):
            raise CommandRefusedError(400, "Text is required.")
        if "TimeoutMs" in arguments:
            _number(arguments["TimeoutMs"], "TimeoutMs")
        return _nothing

    return _deliver(call, "Message", "DisplayMessage", arguments, plan)


def _deliver(
    call: Call,
    kind: CommandKind,
    name: str,
    arguments: dict[str, str],
    plan: Callable[[SimSession], Change],
) -> web.Response:
    """Hand the command to the session's app and answer as Emby does."""
    received = Received(
        session_id=call.match.group("session_id"),
        kind=kind,
        name=name,
        arguments=arguments,
        issued=call.token,
    )
    status, text = call.server.remote_control.deliver(received, plan)
    return web.Response(status=204) if status == 204 else text_response(status, text)  # noqa: PLR2004


def _nothing(_session: SimSession) -> None:
    """Change nothing (a navigation command, a message)."""


async def _arguments(call: Call) -> dict[str, str]:
    """Return a command's parameters: the JSON body's, then the query's (which win)."""
    return {**_strings(await read_body(call.request)), **_strings(call.request.query)}


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
