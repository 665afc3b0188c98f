"""Remote control of Emby client sessions: play items, playstate, general commands, messages.

Emby answers a command as soon as it has handed it to the app; the app's new state comes back
later, by the `Sessions` push or the next `/Sessions` read. A refused command (the session
takes no remote control or not that command, the item cannot play there, the session is gone,
the user may not control it) raises EmbyCommandError with the HTTP status; a revoked token
still raises EmbyAuthenticationError, and a broken connection EmbyConnectionError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp.hdrs import METH_POST

from ._http import RawResponse
from .exceptions import EmbyCommandError, EmbyForbiddenError, EmbyResponseError
from .media_models import GeneralCommand, PlayCommand, PlaystateCommand, RepeatMode
from .server import EmbyServer

MAX_VOLUME = 100
type Argument = str | int | bool


@dataclass(frozen=True, slots=True)
class EmbyControl:
    """Send remote-control commands through one signed-in Emby server client."""

    server: EmbyServer

    # -- play ---------------------------------------------------------------------------------

    async def play(
        self,
        session_id: str,
        item_ids: Sequence[str],
        *,
        command: PlayCommand = PlayCommand.PLAY_NOW,
        start_position_ticks: int | None = None,
        start_index: int | None = None,
        media_source_id: str | None = None,
        audio_stream_index: int | None = None,
        subtitle_stream_index: int | None = None,
    ) -> None:
        """Play items in a session now, next or last (POST /Sessions/{Id}/Playing)."""
        if not item_ids:
            message = "play needs at least one item id"
            raise ValueError(message)
        params = {"ItemIds": ",".join(item_ids), "PlayCommand": str(command)}
        optional = {
            "StartPositionTicks": start_position_ticks,
            "StartIndex": start_index,
            "MediaSourceId": media_source_id,
            "AudioStreamIndex": audio_stream_index,
            "SubtitleStreamIndex": subtitle_stream_index,
        }
        params.update({key: str(value) for key, value in optional.items() if value is not None})
        await self._send(session_id, str(command), "Playing", params=params)

    # -- playstate ----------------------------------------------------------------------------

    async def playstate(
        self,
        session_id: str,
        command: PlaystateCommand,
        *,
        seek_position_ticks: int | None = None,
    ) -> None:
        """Send a playstate command, e.g. Pause (POST /Sessions/{Id}/Playing/{Command})."""
        needs_position = command in {PlaystateCommand.SEEK, PlaystateCommand.SEEK_RELATIVE}
        if needs_position and seek_position_ticks is None:
            message = f"{command} needs seek_position_ticks"
            raise ValueError(message)
        params = None
        if seek_position_ticks is not None:
            params = {"SeekPositionTicks": str(seek_position_ticks)}
        await self._send(session_id, str(command), f"Playing/{command}", params=params)

    async def seek(self, session_id: str, position_ticks: int) -> None:
        """Move the playing item to a position (in ticks of 100 ns)."""
        if position_ticks < 0:
            message = "position_ticks must not be negative"
            raise ValueError(message)
        await self.playstate(session_id, PlaystateCommand.SEEK, seek_position_ticks=position_ticks)

    # -- general commands ---------------------------------------------------------------------

    async def send_command(
        self,
        session_id: str,
        command: GeneralCommand,
        arguments: Mapping[str, Argument] | None = None,
    ) -> None:
        """Send a general command, e.g. MoveUp or GoHome (POST /Sessions/{Id}/Command)."""
        body = {"Name": str(command), "Arguments": _arguments(arguments or {})}
        await self._send(session_id, str(command), "Command", json_body=body)

    async def set_volume(self, session_id: str, level: int) -> None:
        """Set the volume, 0 to 100."""
        if not 0 <= level <= MAX_VOLUME:
            message = f"volume must be from 0 to {MAX_VOLUME}, not {level}"
            raise ValueError(message)
        await self.send_command(session_id, GeneralCommand.SET_VOLUME, {"Volume": level})

    async def set_repeat_mode(self, session_id: str, mode: RepeatMode) -> None:
        """Repeat nothing, the queue, or the item."""
        await self.send_command(session_id, GeneralCommand.SET_REPEAT_MODE, {"RepeatMode": mode})

    async def set_shuffle(self, session_id: str, *, shuffle: bool) -> None:
        """Shuffle the queue, or play it in order."""
        mode = "Shuffle" if shuffle else "Sorted"
        await self.send_command(session_id, GeneralCommand.SET_SHUFFLE_QUEUE, {"ShuffleMode": mode})

    async def display_message(
        self, session_id: str, text: str, *, header: str = "", timeout_ms: int | None = None
    ) -> None:
        """Show a message in the app (POST /Sessions/{Id}/Message); no timeout: until read."""
        if not text:
            message = "display_message needs a text"
            raise ValueError(message)
        params = {"Header": header, "Text": text}
        if timeout_ms is not None:
            params["TimeoutMs"] = str(timeout_ms)
        await self._send(session_id, str(GeneralCommand.DISPLAY_MESSAGE), "Message", params=params)

    # -- sending ------------------------------------------------------------------------------

    async def _send(
        self,
        session_id: str,
        command: str,
        suffix: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
    ) -> None:
        """POST one command to a session; a refusal becomes EmbyCommandError."""
        path = f"Sessions/{quote(session_id, safe='')}/{suffix}"
        try:
            raw = await self.server.request(
                METH_POST, path, params=params, json_body=json_body, expect_json=False
            )
        except EmbyForbiddenError as err:
            # For a command, 403 means this user may not control that session: a refusal,
            # not a reason to sign in again.
            raise _refused(session_id, command, err.status or 403) from err
        except EmbyResponseError as err:
            if err.status is None:
                raise
            raise _refused(session_id, command, err.status) from err
        if isinstance(raw, RawResponse) and (
            "html" in raw.content_type or raw.body.lstrip()[:1] == b"<"
        ):
            # Emby answers a command with no body; a page means something else answered
            # (a captive portal, a proxy's login page) and the command went nowhere.
            message = f"Emby server {self.server.url} did not take {command}: a web page answered"
            raise EmbyResponseError(message)


def _refused(session_id: str, command: str, status: int) -> EmbyCommandError:
    """Build the error of a refused command (no server text: it is not ours to show)."""
    what = "is gone" if status == 404 else f"refused {command}"  # noqa: PLR2004
    message = f"Emby session {session_id} {what} (HTTP {status})"
    return EmbyCommandError(message, session_id=session_id, command=command, status=status)


def _arguments(arguments: Mapping[str, Argument]) -> dict[str, str]:
    """Return command arguments as the strings Emby's GeneralCommand holds."""
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in arguments.items()
    }
