"""Typed models for remote control and browsing: commands, library items, pages, images, streams.

Items are read as tolerantly as the other models: unknown fields are ignored, unknown item and
media types are kept by name (`ItemType.OTHER`, `type_name`), missing optional fields default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
import math
from typing import Self

from yarl import URL

from ._fields import WireModel, wire
from ._wire import (
    JsonObject,
    as_object,
    get_value,
    parse_each,
    read_count,
    read_datetime,
    read_enum,
    read_flag,
    read_int,
    read_object,
    read_str,
    read_str_map,
    read_str_tuple,
    read_text,
)
from .sessions import Session

TICKS_PER_SECOND = 10_000_000


class PlayCommand(StrEnum):
    """How a Play command treats the session's queue."""

    PLAY_NOW = "PlayNow"
    PLAY_NEXT = "PlayNext"
    PLAY_LAST = "PlayLast"
    PLAY_SHUFFLE = "PlayShuffle"
    PLAY_INSTANT_MIX = "PlayInstantMix"


class PlaystateCommand(StrEnum):
    """A command to the item playing in a session."""

    STOP = "Stop"
    PAUSE = "Pause"
    UNPAUSE = "Unpause"
    PLAY_PAUSE = "PlayPause"
    NEXT_TRACK = "NextTrack"
    PREVIOUS_TRACK = "PreviousTrack"
    SEEK = "Seek"
    SEEK_RELATIVE = "SeekRelative"
    REWIND = "Rewind"
    FAST_FORWARD = "FastForward"


class GeneralCommand(StrEnum):
    """A general command an Emby app may list in its SupportedCommands."""

    MOVE_UP = "MoveUp"
    MOVE_DOWN = "MoveDown"
    MOVE_LEFT = "MoveLeft"
    MOVE_RIGHT = "MoveRight"
    PAGE_UP = "PageUp"
    PAGE_DOWN = "PageDown"
    PREVIOUS_LETTER = "PreviousLetter"
    NEXT_LETTER = "NextLetter"
    TOGGLE_OSD = "ToggleOsd"
    TOGGLE_CONTEXT_MENU = "ToggleContextMenu"
    SELECT = "Select"
    BACK = "Back"
    SEND_KEY = "SendKey"
    SEND_STRING = "SendString"
    GO_HOME = "GoHome"
    GO_TO_SETTINGS = "GoToSettings"
    GO_TO_SEARCH = "GoToSearch"
    VOLUME_UP = "VolumeUp"
    VOLUME_DOWN = "VolumeDown"
    MUTE = "Mute"
    UNMUTE = "Unmute"
    TOGGLE_MUTE = "ToggleMute"
    SET_VOLUME = "SetVolume"
    SET_AUDIO_STREAM_INDEX = "SetAudioStreamIndex"
    SET_SUBTITLE_STREAM_INDEX = "SetSubtitleStreamIndex"
    SET_REPEAT_MODE = "SetRepeatMode"
    SET_SHUFFLE_QUEUE = "SetShuffleQueue"
    PLAY_MEDIA_SOURCE = "PlayMediaSource"
    PLAY_TRAILERS = "PlayTrailers"
    DISPLAY_CONTENT = "DisplayContent"
    DISPLAY_MESSAGE = "DisplayMessage"


# The commands a remote (arrows, OK, back, home) sends.
NAVIGATION_COMMANDS = frozenset(
    {
        GeneralCommand.MOVE_UP,
        GeneralCommand.MOVE_DOWN,
        GeneralCommand.MOVE_LEFT,
        GeneralCommand.MOVE_RIGHT,
        GeneralCommand.PAGE_UP,
        GeneralCommand.PAGE_DOWN,
        GeneralCommand.PREVIOUS_LETTER,
        GeneralCommand.NEXT_LETTER,
        GeneralCommand.TOGGLE_OSD,
        GeneralCommand.TOGGLE_CONTEXT_MENU,
        GeneralCommand.SELECT,
        GeneralCommand.BACK,
        GeneralCommand.GO_HOME,
        GeneralCommand.GO_TO_SETTINGS,
        GeneralCommand.GO_TO_SEARCH,
    }
)


class RepeatMode(StrEnum):
    """What a session repeats."""

    NONE = "RepeatNone"
    ALL = "RepeatAll"
    ONE = "RepeatOne"


class MediaType(StrEnum):
    """What kind of media an item is (Emby's MediaType)."""

    VIDEO = "Video"
    AUDIO = "Audio"
    PHOTO = "Photo"
    BOOK = "Book"
    GAME = "Game"


class ItemType(StrEnum):
    """The type of a library item (Emby's Type); OTHER for any type this library does not name."""

    MOVIE = "Movie"
    SERIES = "Series"
    SEASON = "Season"
    EPISODE = "Episode"
    MUSIC_ARTIST = "MusicArtist"
    MUSIC_ALBUM = "MusicAlbum"
    AUDIO = "Audio"
    MUSIC_VIDEO = "MusicVideo"
    AUDIO_BOOK = "AudioBook"
    BOOK = "Book"
    PHOTO = "Photo"
    PHOTO_ALBUM = "PhotoAlbum"
    VIDEO = "Video"
    TRAILER = "Trailer"
    FOLDER = "Folder"
    COLLECTION_FOLDER = "CollectionFolder"
    USER_VIEW = "UserView"
    BOX_SET = "BoxSet"
    PLAYLIST = "Playlist"
    TV_CHANNEL = "TvChannel"
    OTHER = ""


class CollectionType(StrEnum):
    """What a library (view) holds."""

    MOVIES = "movies"
    TV_SHOWS = "tvshows"
    MUSIC = "music"
    MUSIC_VIDEOS = "musicvideos"
    HOME_VIDEOS = "homevideos"
    PHOTOS = "photos"
    BOX_SETS = "boxsets"
    PLAYLISTS = "playlists"
    BOOKS = "books"
    LIVE_TV = "livetv"
    TRAILERS = "trailers"
    FOLDERS = "folders"


class ImageType(StrEnum):
    """The kind of an item's picture."""

    PRIMARY = "Primary"
    BACKDROP = "Backdrop"
    THUMB = "Thumb"
    LOGO = "Logo"
    BANNER = "Banner"
    ART = "Art"
    DISC = "Disc"
    BOX = "Box"
    SCREENSHOT = "Screenshot"
    MENU = "Menu"
    CHAPTER = "Chapter"


class ItemSortBy(StrEnum):
    """What item queries sort by (Emby's SortBy options)."""

    SORT_NAME = "SortName"
    PRODUCTION_YEAR = "ProductionYear"
    PREMIERE_DATE = "PremiereDate"
    DATE_CREATED = "DateCreated"
    DATE_PLAYED = "DatePlayed"
    COMMUNITY_RATING = "CommunityRating"
    CRITIC_RATING = "CriticRating"
    RUNTIME = "Runtime"
    ALBUM = "Album"
    ALBUM_ARTIST = "AlbumArtist"
    ARTIST = "Artist"
    PLAY_COUNT = "PlayCount"
    RANDOM = "Random"


class SortOrder(StrEnum):
    """Which way item queries sort."""

    ASCENDING = "Ascending"
    DESCENDING = "Descending"


def _float(data: JsonObject, *names: str) -> float | None:
    """Read an optional finite number."""
    value = get_value(data, *names)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _ticks(obj: JsonObject, *names: str) -> int | None:
    """Read a non-negative tick count."""
    value = read_int(obj, *names)
    return value if value is not None and value >= 0 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserData(WireModel):
    """What the signed-in user did with an item: played, favourite, where they stopped.

    Parsed from a UserItemDataDto.
    """

    _what = "UserData"
    _fold = True

    played: bool = wire(read_flag, "Played", default=False)
    play_count: int = wire(read_count, "PlayCount", default=0)
    is_favorite: bool = wire(read_flag, "IsFavorite", default=False)
    playback_position_ticks: int = wire(read_count, "PlaybackPositionTicks", default=0)
    played_percentage: float | None = wire(_float, "PlayedPercentage", default=None)
    unplayed_item_count: int | None = wire(read_int, "UnplayedItemCount", default=None)
    last_played_date: datetime | None = wire(read_datetime, "LastPlayedDate", default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRef:
    """Name one picture of one item: what image_url and fetch_image take."""

    item_id: str
    image_type: ImageType = ImageType.PRIMARY
    tag: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaItem(WireModel):
    """A library item: a view, a folder, or something to play (Emby's BaseItemDto)."""

    _what = "item"
    _fold = True

    id: str = wire(read_text, "Id", required="Item")
    name: str = wire(read_str, "Name", absent="")
    type: ItemType = wire(read_enum(ItemType), "Type", default=ItemType.OTHER)
    # The type as the server names it (kept when ItemType has no member for it).
    type_name: str = wire(read_str, "Type", default="")
    server_id: str | None = wire(read_str, "ServerId", default=None)
    media_type: MediaType | None = wire(read_enum(MediaType), "MediaType", default=None)
    is_folder: bool = wire(read_flag, "IsFolder", default=False)
    collection_type: str | None = wire(read_str, "CollectionType", default=None)
    parent_id: str | None = wire(read_str, "ParentId", default=None)
    container: str | None = wire(read_str, "Container", default=None)
    run_time_ticks: int | None = wire(_ticks, "RunTimeTicks", default=None)
    production_year: int | None = wire(read_int, "ProductionYear", default=None)
    community_rating: float | None = wire(_float, "CommunityRating", default=None)
    overview: str | None = wire(read_str, "Overview", default=None)
    index_number: int | None = wire(read_int, "IndexNumber", default=None)
    parent_index_number: int | None = wire(read_int, "ParentIndexNumber", default=None)
    series_id: str | None = wire(read_str, "SeriesId", default=None)
    series_name: str | None = wire(read_str, "SeriesName", default=None)
    season_id: str | None = wire(read_str, "SeasonId", default=None)
    season_name: str | None = wire(read_str, "SeasonName", default=None)
    album_id: str | None = wire(read_str, "AlbumId", default=None)
    album: str | None = wire(read_str, "Album", default=None)
    album_artist: str | None = wire(read_str, "AlbumArtist", default=None)
    artists: tuple[str, ...] = wire(read_str_tuple, "Artists", default=())
    image_tags: Mapping[str, str] = wire(read_str_map, "ImageTags", default_factory=dict)
    backdrop_image_tags: tuple[str, ...] = wire(read_str_tuple, "BackdropImageTags", default=())
    series_primary_image_tag: str | None = wire(read_str, "SeriesPrimaryImageTag", default=None)
    album_primary_image_tag: str | None = wire(read_str, "AlbumPrimaryImageTag", default=None)
    child_count: int | None = wire(read_int, "ChildCount", default=None)
    user_data: UserData | None = wire(read_object(UserData.from_dict), "UserData", default=None)

    @property
    def duration(self) -> float | None:
        """Return the run time in seconds."""
        return None if self.run_time_ticks is None else self.run_time_ticks / TICKS_PER_SECOND

    @property
    def is_playable(self) -> bool:
        """Return whether the item itself plays (not a folder, and of a media type)."""
        return not self.is_folder and self.media_type is not None

    def best_image(self) -> ImageRef | None:
        """Return the picture to show: the item's own poster, else its album's or series'."""
        if tag := self.image_tags.get(ImageType.PRIMARY):
            return ImageRef(item_id=self.id, image_type=ImageType.PRIMARY, tag=tag)
        if self.album_id and self.album_primary_image_tag:
            return ImageRef(item_id=self.album_id, tag=self.album_primary_image_tag)
        if self.series_id and self.series_primary_image_tag:
            return ImageRef(item_id=self.series_id, tag=self.series_primary_image_tag)
        if tag := self.image_tags.get(ImageType.THUMB):
            return ImageRef(item_id=self.id, image_type=ImageType.THUMB, tag=tag)
        if self.backdrop_image_tags:
            tag = self.backdrop_image_tags[0]
            return ImageRef(item_id=self.id, image_type=ImageType.BACKDROP, tag=tag)
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemPage:
    """One page of an item query, and how many items the whole query holds."""

    items: tuple[MediaItem, ...]
    total_record_count: int
    start_index: int = 0

    @property
    def next_start_index(self) -> int | None:
        """Return where the next page starts (None: this is the last one)."""
        end = self.start_index + len(self.items)
        return end if self.items and end < self.total_record_count else None

    @classmethod
    def from_dict(cls, data: object, *, start_index: int = 0) -> Self:
        """Parse a QueryResult<BaseItemDto>, skipping items without an Id."""
        obj = as_object(data, "item query result")
        raw_items = get_value(obj, "Items")
        items = tuple(
            parse_each(MediaItem.from_dict, raw_items if raw_items is not None else [], "Items")
        )
        total = read_int(obj, "TotalRecordCount")
        return cls(
            items=items,
            total_record_count=max(total if total is not None else 0, start_index + len(items)),
            start_index=start_index,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemQuery:
    """Ask for one page of items (what `/Users/{UserId}/Items` takes)."""

    parent_id: str | None = None
    start_index: int = 0
    limit: int = 100
    recursive: bool = False
    include_item_types: tuple[ItemType, ...] = ()
    exclude_item_types: tuple[ItemType, ...] = ()
    media_types: tuple[MediaType, ...] = ()
    is_folder: bool | None = None
    search_term: str | None = None
    ids: tuple[str, ...] = ()
    sort_by: tuple[ItemSortBy, ...] = (ItemSortBy.SORT_NAME,)
    sort_order: SortOrder = SortOrder.ASCENDING
    fields: tuple[str, ...] = ()
    # Tags of these images only, one each: what a browser needs for thumbnails.
    image_types: tuple[ImageType, ...] = (ImageType.PRIMARY, ImageType.BACKDROP, ImageType.THUMB)

    def __post_init__(self) -> None:
        """Refuse a page that cannot be asked for."""
        if self.start_index < 0 or self.limit < 1:
            message = "start_index must be >= 0 and limit >= 1"
            raise ValueError(message)

    def next_page(self, page: ItemPage) -> ItemQuery | None:
        """Return the query of the page after `page` (None: there is none)."""
        start = page.next_start_index
        return None if start is None else replace(self, start_index=start)

    def params(self) -> dict[str, str]:
        """Return the query parameters, as Emby's apps send them."""
        params: dict[str, str] = {
            "StartIndex": str(self.start_index),
            "Limit": str(self.limit),
            "Recursive": "true" if self.recursive else "false",
            "SortOrder": self.sort_order,
            "EnableImageTypes": ",".join(self.image_types),
            "ImageTypeLimit": "1",
            "EnableUserData": "true",
        }
        optional = {
            "ParentId": self.parent_id,
            # None asked for: Emby answers Ids in the order asked.
            "SortBy": ",".join(self.sort_by),
            "SearchTerm": self.search_term,
            "IncludeItemTypes": ",".join(self.include_item_types),
            "ExcludeItemTypes": ",".join(self.exclude_item_types),
            "MediaTypes": ",".join(self.media_types),
            "Ids": ",".join(self.ids),
            "Fields": ",".join(self.fields),
            "IsFolder": None if self.is_folder is None else str(self.is_folder).lower(),
        }
        params.update({key: value for key, value in optional.items() if value})
        return params


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageData:
    """A picture fetched from the server."""

    content: bytes = field(repr=False)
    content_type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamRequest:
    """How to fetch an item's media: a URL without any token, and the headers that carry it.

    Whoever fetches the stream (the integration's own proxy) sends `headers`; the URL alone
    opens nothing, so it may be logged or shown.
    """

    url: URL
    headers: Mapping[str, str] = field(repr=False)
    mime_type: str | None = None
    direct: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCapabilities:
    """What a client session takes from a remote control, read from its session."""

    supports_remote_control: bool = False
    supported_commands: frozenset[str] = frozenset()
    playable_media_types: frozenset[str] = frozenset()

    @classmethod
    def from_session(cls, session: Session) -> Self:
        """Read a session's capabilities."""
        return cls(
            supports_remote_control=session.supports_remote_control,
            supported_commands=frozenset(session.supported_commands),
            playable_media_types=frozenset(session.playable_media_types),
        )

    def supports(self, command: GeneralCommand) -> bool:
        """Return whether the session takes a general command."""
        return self.supports_remote_control and command in self.supported_commands

    def can_play(self, media_type: MediaType | None) -> bool:
        """Return whether the session may be told to play media of a type."""
        return (
            self.supports_remote_control
            and media_type is not None
            and media_type in self.playable_media_types
        )

    @property
    def navigation_commands(self) -> frozenset[GeneralCommand]:
        """Return the remote's navigation commands the session takes."""
        return frozenset(command for command in NAVIGATION_COMMANDS if self.supports(command))
