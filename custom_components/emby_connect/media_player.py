"""A media player for every Emby client that has been seen on a server."""

from __future__ import annotations

from datetime import datetime
from typing import Any, override

from homeassistant.components.media_player.const import (
    MediaPlayerEnqueue,
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
    RepeatMode,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .aioemby import Session
from .aioemby.library import EmbyLibrary
from .aioemby.media_models import (
    ClientCapabilities,
    GeneralCommand,
    ImageRef,
    MediaType as EmbyMediaType,
    PlayCommand,
    PlaystateCommand,
    RepeatMode as EmbyRepeatMode,
)
from .browse import media_item_id
from .client_entity import async_add_client_entities
from .coordinator import EmbyConfigEntry
from .player_browse import EmbyBrowsingPlayer

# Commands go to the server one at a time per entity; the state comes back by push.
PARALLEL_UPDATES = 1

TICKS_PER_SECOND = 10_000_000

_CONTENT_TYPES = {
    "Movie": MediaType.MOVIE,
    "Episode": MediaType.TVSHOW,
    "Audio": MediaType.MUSIC,
    "MusicVideo": MediaType.VIDEO,
    "Video": MediaType.VIDEO,
    "TvChannel": MediaType.CHANNEL,
}
_REPEAT_TO_EMBY = {
    RepeatMode.OFF: EmbyRepeatMode.NONE,
    RepeatMode.ALL: EmbyRepeatMode.ALL,
    RepeatMode.ONE: EmbyRepeatMode.ONE,
}
_REPEAT_TO_HA: dict[str, RepeatMode] = {str(emby): ha for ha, emby in _REPEAT_TO_EMBY.items()}
_ENQUEUE = {
    MediaPlayerEnqueue.PLAY: PlayCommand.PLAY_NOW,
    MediaPlayerEnqueue.REPLACE: PlayCommand.PLAY_NOW,
    MediaPlayerEnqueue.NEXT: PlayCommand.PLAY_NEXT,
    MediaPlayerEnqueue.ADD: PlayCommand.PLAY_LAST,
}
# Playstate commands every remote-controllable Emby app takes.
_PLAYSTATE_FEATURES = (
    MediaPlayerEntityFeature.PLAY
    | MediaPlayerEntityFeature.PAUSE
    | MediaPlayerEntityFeature.STOP
    | MediaPlayerEntityFeature.NEXT_TRACK
    | MediaPlayerEntityFeature.PREVIOUS_TRACK
)
_COMMAND_FEATURES = {
    GeneralCommand.SET_VOLUME: MediaPlayerEntityFeature.VOLUME_SET,
    GeneralCommand.MUTE: MediaPlayerEntityFeature.VOLUME_MUTE,
    GeneralCommand.SET_SHUFFLE_QUEUE: MediaPlayerEntityFeature.SHUFFLE_SET,
    GeneralCommand.SET_REPEAT_MODE: MediaPlayerEntityFeature.REPEAT_SET,
}


def supported_features(session: Session) -> MediaPlayerEntityFeature:
    """Return what a client session takes from Home Assistant."""
    capabilities = ClientCapabilities.from_session(session)
    if not capabilities.supports_remote_control:
        return MediaPlayerEntityFeature(0)
    features = _PLAYSTATE_FEATURES
    if session.play_state.can_seek:
        features |= MediaPlayerEntityFeature.SEEK
    for command, feature in _COMMAND_FEATURES.items():
        if capabilities.supports(command):
            features |= feature
    if any(capabilities.can_play(kind) for kind in (EmbyMediaType.VIDEO, EmbyMediaType.AUDIO)):
        features |= (
            MediaPlayerEntityFeature.PLAY_MEDIA
            | MediaPlayerEntityFeature.MEDIA_ENQUEUE
            | MediaPlayerEntityFeature.BROWSE_MEDIA
            | MediaPlayerEntityFeature.SEARCH_MEDIA
        )
    return features


def now_playing_image(session: Session) -> ImageRef | None:
    """Return the picture of what a session plays: the item's, else its series' or album's."""
    if (item := session.now_playing) is None or item.id is None:
        return None
    if tag := item.image_tags.get("Primary"):
        return ImageRef(item_id=item.id, tag=tag)
    if item.series_id and item.series_primary_image_tag:
        return ImageRef(item_id=item.series_id, tag=item.series_primary_image_tag)
    if item.album_id and item.album_primary_image_tag:
        return ImageRef(item_id=item.album_id, tag=item.album_primary_image_tag)
    return None


def _number(value: int | None) -> str | None:
    """Return a season or episode number as the media player shows it."""
    return None if value is None else str(value)


def _seconds(ticks: int | None) -> int | None:
    """Return a duration or position in seconds."""
    return None if ticks is None else ticks // TICKS_PER_SECOND


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a media player for every client as it first appears."""
    async_add_client_entities(hass, entry, async_add_entities, EmbyMediaPlayer)


class EmbyMediaPlayer(EmbyBrowsingPlayer):
    """One Emby client: what it plays, and the commands it takes."""

    _attr_name = None
    _attr_media_image_remotely_accessible = False

    @callback
    def _async_update_session(self) -> None:
        """Show this client's session from what the coordinator holds."""
        old = self._session
        super()._async_update_session()
        session = self._session
        if session is None:
            self._attr_state = MediaPlayerState.OFF
            self._attr_supported_features = MediaPlayerEntityFeature(0)
            self._attr_extra_state_attributes = {"user": None}
            self._async_show_item(None, None)
            self._attr_volume_level = self._attr_is_volume_muted = None
            self._attr_shuffle = self._attr_repeat = self._attr_app_name = None
            return
        play_state = session.play_state
        if not session.has_media:
            self._attr_state = MediaPlayerState.IDLE
        elif session.is_paused:
            self._attr_state = MediaPlayerState.PAUSED
        else:
            self._attr_state = MediaPlayerState.PLAYING
        features = self._attr_supported_features = supported_features(session)
        self._attr_extra_state_attributes = {"user": session.user_name}
        self._attr_app_name = session.client
        if session.client and session.application_version:
            self._attr_app_name = f"{session.client} {session.application_version}"
        self._attr_volume_level = (
            None if play_state.volume_level is None else play_state.volume_level / 100
        )
        self._attr_is_volume_muted = play_state.is_muted
        # Shuffle and repeat are shown for the clients that take them only.
        self._attr_shuffle = (
            play_state.shuffle if features & MediaPlayerEntityFeature.SHUFFLE_SET else None
        )
        self._attr_repeat = (
            _REPEAT_TO_HA.get(play_state.repeat_mode or "")
            if features & MediaPlayerEntityFeature.REPEAT_SET
            else None
        )
        moved = (
            old is None or old.play_state != play_state or old.now_playing != session.now_playing
        )
        self._async_show_item(session, dt_util.utcnow() if moved else None)

    @callback
    def _async_show_item(self, session: Session | None, read_at: datetime | None) -> None:
        """Show what the session plays; read_at is when its position was read, if it moved."""
        item = None if session is None else session.now_playing
        image = None if session is None else now_playing_image(session)
        self._attr_media_image_hash = None if image is None else f"{image.item_id}_{image.tag}"
        self._attr_media_content_id = None if item is None else item.id
        self._attr_media_content_type = (
            None if item is None else _CONTENT_TYPES.get(item.type or "", MediaType.VIDEO)
        )
        self._attr_media_title = None if item is None else item.name
        self._attr_media_series_title = None if item is None else item.series_name
        self._attr_media_season = _number(None if item is None else item.parent_index_number)
        self._attr_media_episode = _number(None if item is None else item.index_number)
        self._attr_media_artist = (
            None if item is None or not item.artists else ", ".join(item.artists)
        )
        self._attr_media_album_name = None if item is None else item.album
        self._attr_media_album_artist = None if item is None else item.album_artist
        self._attr_media_duration = _seconds(None if item is None else item.run_time_ticks)
        position = None if session is None or item is None else session.play_state.position_ticks
        self._attr_media_position = _seconds(position)
        if self._attr_media_position is None:
            self._attr_media_position_updated_at = None
        elif read_at is not None:
            self._attr_media_position_updated_at = read_at

    @override
    async def async_get_media_image(self) -> tuple[bytes | None, str | None]:
        """Fetch the picture playing from the server, the token in a header."""
        if self._session is None or (image := now_playing_image(self._session)) is None:
            return None, None
        data = await self._async_call(lambda server: EmbyLibrary(server).fetch_image(image))
        return data.content, data.content_type

    async def _async_playstate(self, command: PlaystateCommand) -> None:
        """Send a playstate command (pause, stop, next, ...) to the client's session."""
        await self._async_control(lambda control, sid: control.playstate(sid, command))

    @override
    async def async_media_play(self) -> None:
        """Resume playback."""
        await self._async_playstate(PlaystateCommand.UNPAUSE)

    @override
    async def async_media_pause(self) -> None:
        """Pause playback."""
        await self._async_playstate(PlaystateCommand.PAUSE)

    @override
    async def async_media_stop(self) -> None:
        """Stop playback."""
        await self._async_playstate(PlaystateCommand.STOP)

    @override
    async def async_media_next_track(self) -> None:
        """Skip to the next item."""
        await self._async_playstate(PlaystateCommand.NEXT_TRACK)

    @override
    async def async_media_previous_track(self) -> None:
        """Go back to the previous item."""
        await self._async_playstate(PlaystateCommand.PREVIOUS_TRACK)

    @override
    async def async_media_seek(self, position: float) -> None:
        """Move to a position, in seconds."""
        ticks = int(position * TICKS_PER_SECOND)
        await self._async_control(lambda control, sid: control.seek(sid, ticks))

    @override
    async def async_set_volume_level(self, volume: float) -> None:
        """Set the volume, 0 to 1."""
        level = round(volume * 100)
        await self._async_control(lambda control, sid: control.set_volume(sid, level))

    @override
    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute (a real mute, the volume stays)."""
        command = GeneralCommand.MUTE if mute else GeneralCommand.UNMUTE
        await self._async_control(lambda control, sid: control.send_command(sid, command))

    @override
    async def async_set_shuffle(self, shuffle: bool) -> None:
        """Shuffle the queue or play it in order."""
        await self._async_control(lambda control, sid: control.set_shuffle(sid, shuffle=shuffle))

    @override
    async def async_set_repeat(self, repeat: RepeatMode) -> None:
        """Repeat nothing, the queue or the item."""
        mode = _REPEAT_TO_EMBY[repeat]
        await self._async_control(lambda control, sid: control.set_repeat_mode(sid, mode))

    @override
    async def async_play_media(
        self,
        media_type: MediaType | str,
        media_id: str,
        enqueue: MediaPlayerEnqueue | None = None,
        **kwargs: Any,
    ) -> None:
        """Play an Emby item (by its id, or its Emby media source id) now, next or last."""
        command = _ENQUEUE[enqueue or MediaPlayerEnqueue.PLAY]
        media_id = media_item_id(media_id, self._entry.runtime_data.connection.system_id)
        await self._async_control(
            lambda control, sid: control.play(sid, [media_id], command=command)
        )

    async def async_send_message(
        self,
        text: str,
        header: str,
        timeout: int | None = None,  # noqa: ASYNC109 - the action's field: how long it shows
    ) -> None:
        """Show a message in the client's app (emby_connect.send_message), for timeout seconds."""
        timeout_ms = None if timeout is None else timeout * 1000
        await self._async_control(
            lambda control, sid: control.display_message(
                sid, text, header=header, timeout_ms=timeout_ms
            )
        )
