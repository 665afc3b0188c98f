"""Tell a seek from play positions moving on their own, in pushed sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .aioemby import Session
from .const import POSITION_JUMP_TOLERANCE

TICKS_PER_SECOND = 10_000_000
_TOLERANCE = POSITION_JUMP_TOLERANCE.total_seconds() * TICKS_PER_SECOND


@dataclass(frozen=True, slots=True)
class _Mark:
    """Where a client's position was when it last changed, and whether it was paused."""

    ticks: int
    paused: bool
    at: datetime


class PositionJumps:
    """Remember each client's last position change; say when a new one is no mere tick.

    Clients report their position every few seconds: between two reports the pushed position
    stands still, then moves by about the time since it last moved. A seek is a position
    before the last one, or beyond it by more than the time since (plus a tolerance).
    """

    def __init__(self) -> None:
        """Initialize with no position known."""
        self._marks: dict[str, _Mark] = {}

    def jumped(self, sessions: list[Session], now: datetime) -> bool:
        """Take the positions of pushed sessions; return whether any of them jumped."""
        jumped = False
        marks: dict[str, _Mark] = {}
        for session in sessions:
            ticks = session.play_state.position_ticks
            if session.device_id is None or ticks is None:
                continue
            paused = session.is_paused
            mark = self._marks.get(session.device_id)
            if mark is None or mark.ticks != ticks or mark.paused != paused:
                marks[session.device_id] = _Mark(ticks, paused, now)
            else:
                marks[session.device_id] = mark
            if mark is None or mark.ticks == ticks:
                continue
            moved = 0.0 if mark.paused and paused else (now - mark.at).total_seconds()
            if not -_TOLERANCE <= ticks - mark.ticks <= moved * TICKS_PER_SECOND + _TOLERANCE:
                jumped = True
        self._marks = marks
        return jumped
