"""Playback on a server: who started, paused, resumed or stopped what, told once each.

Two ways bring the news: the sessions (pushed, or polled while push is down) and Emby's
PlaybackStart / PlaybackStopped messages. Each session's last known item and pause state is
kept, and an event fires only when that changes, so news that comes both ways fires once. The
sessions found at the start (or after a lost server came back) are compared, not announced:
a reconnect fires only what really changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback

from .aioemby import EmbyMessage, NowPlayingItem, PlaybackMessage, Session
from .connection import EmbyConnection
from .coordinator import EmbyStatusCoordinator
from .event_source import EmbyEventSource, item_data
from .push import EmbyPushListener


class PlaybackEvent(StrEnum):
    """What a session's playback did."""

    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class _Playing:
    """What a session plays, as last known."""

    session: Session
    item: NowPlayingItem
    paused: bool

    @property
    def key(self) -> str | None:
        """Return what tells the item apart (its Id, or its name when the server sent none)."""
        return self.item.id or self.item.name


def playback_data(playing: _Playing) -> dict[str, Any]:
    """Return the data of a playback event: the user, the client, the item."""
    session = playing.session
    return {
        "user": session.user_name,
        "client": session.client,
        "device": session.device_name,
        **item_data(playing.item),
    }


def _playing(session: Session) -> _Playing | None:
    """Return what a session plays (None: nothing)."""
    if (item := session.now_playing) is None:
        return None
    return _Playing(session, item, session.play_state.is_paused)


class EmbyPlayback(EmbyEventSource):
    """Tell listeners when someone's playback on a server starts, pauses, resumes or stops."""

    def __init__(
        self,
        connection: EmbyConnection,
        status: EmbyStatusCoordinator,
        push: EmbyPushListener,
    ) -> None:
        """Initialize the playback source of a server."""
        super().__init__()
        self._device_id = connection.identity.device_id
        self._status = status
        self._push = push
        self._known: dict[str, _Playing] | None = None

    def _async_watch(self) -> list[CALLBACK_TYPE]:
        """Follow the sessions and the playback messages (what they show now is the start)."""
        self._known = None
        self._async_sessions_updated()
        return [
            self._status.async_add_listener(self._async_sessions_updated),
            self._push.async_subscribe(self._async_message),
        ]

    @callback
    def _async_sessions_updated(self) -> None:
        """Compare the sessions the status coordinator holds with what was known."""
        status = self._status
        if not status.last_update_success or status.data is None:
            return
        if (sessions := status.data.sessions) is None:
            return
        now = {
            session.id: playing
            for session in sessions
            if (playing := _playing(session)) is not None
        }
        if (known := self._known) is None:
            self._known = now
            return
        for session_id in known.keys() - now.keys():
            self._async_stopped(session_id)
        for session_id, playing in now.items():
            self._async_seen(session_id, playing)

    @callback
    def _async_message(self, message: EmbyMessage) -> None:
        """Take PlaybackStart / PlaybackStopped as news of the session they carry."""
        if not isinstance(message, PlaybackMessage) or (session := message.session) is None:
            return
        if session.device_id == self._device_id or self._known is None:
            return
        playing = _playing(session)
        if message.started:
            if playing is not None:
                self._async_seen(session.id, playing)
            return
        known = self._known.get(session.id)
        if playing is None or known is None or known.key == playing.key:
            self._async_stopped(session.id)
        # Else the sessions told of the next item already: this stop is old news.

    @callback
    def _async_seen(self, session_id: str, playing: _Playing) -> None:
        """Fire what changed in a session that plays something."""
        assert self._known is not None  # noqa: S101 - callers start from a known state
        before = self._known.get(session_id)
        self._known[session_id] = playing
        if before is not None and before.key == playing.key:
            if before.paused != playing.paused:
                event = PlaybackEvent.PAUSED if playing.paused else PlaybackEvent.RESUMED
                self._async_fire(event, playback_data(playing))
            return
        if before is not None:
            self._async_fire(PlaybackEvent.STOPPED, playback_data(before))
        self._async_fire(PlaybackEvent.STARTED, playback_data(playing))

    @callback
    def _async_stopped(self, session_id: str) -> None:
        """Fire stopped for a session that played something (nothing when it did not)."""
        assert self._known is not None  # noqa: S101 - callers start from a known state
        if (before := self._known.pop(session_id, None)) is not None:
            self._async_fire(PlaybackEvent.STOPPED, playback_data(before))
