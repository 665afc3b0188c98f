"""What a simulated Emby app does with a command: how its play state changes.

Each `plan_*` function checks a command's arguments at once (ValueError: the server answers
400) and returns the change to make, which the app applies a moment later, as a real one does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import hashlib

from .library import SimItem, SimLibrary
from .models import TICKS_PER_SECOND, SimSession, utcnow

type Change = Callable[[SimSession], None]

PLAY_COMMANDS = frozenset({"PlayNow", "PlayNext", "PlayLast", "PlayInstantMix", "PlayShuffle"})
PLAYSTATE_COMMANDS = frozenset(
    {
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
    }
)
REPEAT_MODES = frozenset({"RepeatNone", "RepeatAll", "RepeatOne"})
SHUFFLE_MODES = {"shuffle": True, "sorted": False}
REWIND_SECONDS = 10
FAST_FORWARD_SECONDS = 30
VOLUME_STEP = 2
# PreviousTrack restarts the item when it has played longer than this, as Emby's apps do.
RESTART_AFTER_SECONDS = 5


def _settle(session: SimSession) -> None:
    """Fix the position reached so far, so that a change starts from it."""
    session.position_seconds = session.current_position()
    session.last_activity = utcnow()


def start_item(
    session: SimSession, item: SimItem, library: SimLibrary, position_seconds: int = 0
) -> None:
    """Start playing a library item from a position."""
    session.item_name = item.name
    session.item_type = item.type
    session.item_id = item.id
    session.series_name = item.series_name
    session.runtime_seconds = item.run_time_seconds or 0
    session.position_seconds = max(0, min(position_seconds, session.runtime_seconds))
    session.paused = False
    session.transcoding = False
    session.last_activity = utcnow()
    session.now_playing = library.dto(item)


def stop(session: SimSession) -> None:
    """Stop playback and forget the queue; the session stays, idle."""
    session.item_name = None
    session.now_playing = None
    session.paused = False
    session.transcoding = False
    session.queue = []
    session.queue_index = 0
    session.last_activity = utcnow()


def _play_at(session: SimSession, library: SimLibrary, index: int, position: int = 0) -> None:
    """Play the queue's item at index (stop if it is gone from the library)."""
    item = library.items.get(session.queue[index])
    if item is None:
        stop(session)
        return
    session.queue_index = index
    start_item(session, item, library, position)


def plan_play(
    command: str,
    items: list[SimItem],
    library: SimLibrary,
    *,
    start_index: int = 0,
    start_seconds: int = 0,
) -> Change:
    """Return what a Play command does: replace the queue, or add to it."""
    if command not in PLAY_COMMANDS:
        message = f"PlayCommand {command!r} is not one of {', '.join(sorted(PLAY_COMMANDS))}"
        raise ValueError(message)
    if not items:
        message = "ItemIds names no item"
        raise ValueError(message)
    if not 0 <= start_index < len(items):
        message = f"StartIndex {start_index} is outside the {len(items)} items"
        raise ValueError(message)
    ids = [item.id for item in items]
    if command == "PlayShuffle":
        ids.sort(key=lambda item_id: hashlib.sha256(item_id.encode()).digest())

    def change(session: SimSession) -> None:
        if command in {"PlayNext", "PlayLast"} and session.is_playing:
            at = session.queue_index + 1 if command == "PlayNext" else len(session.queue)
            session.queue[at:at] = ids
            return
        session.queue = list(ids)
        session.shuffle = command == "PlayShuffle" or session.shuffle
        _play_at(session, library, start_index, start_seconds)

    return change


def plan_playstate(command: str, seek_ticks: int | None, library: SimLibrary) -> Change:
    """Return what a playstate command does to the playing item."""
    if command not in PLAYSTATE_COMMANDS:
        message = f"{command!r} is not a playstate command"
        raise ValueError(message)
    if command in {"Seek", "SeekRelative"} and seek_ticks is None:
        message = f"{command} needs SeekPositionTicks"
        raise ValueError(message)

    def change(session: SimSession) -> None:
        if not session.is_playing:
            return  # an idle app ignores playstate commands
        _settle(session)
        if command == "Stop":
            stop(session)
        elif command in {"Pause", "Unpause", "PlayPause"}:
            session.paused = {"Pause": True, "Unpause": False}.get(command, not session.paused)
        elif command in {"NextTrack", "PreviousTrack"}:
            _skip(session, library, forward=command == "NextTrack")
        else:
            _seek(session, command, seek_ticks or 0)

    return change


def _skip(session: SimSession, library: SimLibrary, *, forward: bool) -> None:
    """Go to the next or previous item of the queue (previous restarts a started item)."""
    index = session.queue_index
    if forward:
        if index + 1 < len(session.queue):
            _play_at(session, library, index + 1)
        elif session.repeat_mode == "RepeatAll" and session.queue:
            _play_at(session, library, 0)
    elif session.position_seconds > RESTART_AFTER_SECONDS or index == 0 or not session.queue:
        session.position_seconds = 0
    else:
        _play_at(session, library, index - 1)


def _seek(session: SimSession, command: str, ticks: int) -> None:
    """Move the position (absolutely, relatively, or by the rewind/fast-forward step)."""
    seconds = {
        "Seek": ticks // TICKS_PER_SECOND,
        "SeekRelative": session.position_seconds + ticks // TICKS_PER_SECOND,
        "Rewind": session.position_seconds - REWIND_SECONDS,
        "FastForward": session.position_seconds + FAST_FORWARD_SECONDS,
    }[command]
    session.position_seconds = max(0, min(seconds, session.runtime_seconds))


_STATELESS_CHANGES: dict[str, Change] = {
    "VolumeUp": lambda session: setattr(
        session, "volume_level", min(100, session.volume_level + VOLUME_STEP)
    ),
    "VolumeDown": lambda session: setattr(
        session, "volume_level", max(0, session.volume_level - VOLUME_STEP)
    ),
    "Mute": lambda session: setattr(session, "muted", True),
    "Unmute": lambda session: setattr(session, "muted", False),
    "ToggleMute": lambda session: setattr(session, "muted", not session.muted),
}


def plan_general(name: str, arguments: Mapping[str, str]) -> Change | None:
    """Return what a general command does to the play state (None: nothing, e.g. MoveUp)."""
    if (change := _STATELESS_CHANGES.get(name)) is not None:
        return change
    match name:
        case "SetVolume":
            volume = _volume(arguments.get("volume"))
            return lambda session: setattr(session, "volume_level", volume)
        case "SetRepeatMode":
            mode = arguments.get("repeatmode", "")
            if mode not in REPEAT_MODES:
                message = f"RepeatMode must be one of {', '.join(sorted(REPEAT_MODES))}"
                raise ValueError(message)
            return lambda session: setattr(session, "repeat_mode", mode)
        case "SetShuffleQueue":
            shuffle = SHUFFLE_MODES.get(arguments.get("shufflemode", "").lower())
            if shuffle is None:
                message = "ShuffleMode must be Shuffle or Sorted"
                raise ValueError(message)
            return lambda session: setattr(session, "shuffle", shuffle)
    return None


def _volume(value: str | None) -> int:
    """Parse a Volume argument (0 to 100)."""
    try:
        volume = int(str(value))
    except ValueError as err:
        message = "SetVolume needs a Volume from 0 to 100"
        raise ValueError(message) from err
    if not 0 <= volume <= 100:  # noqa: PLR2004 - Emby's volume scale
        message = "SetVolume needs a Volume from 0 to 100"
        raise ValueError(message)
    return volume
