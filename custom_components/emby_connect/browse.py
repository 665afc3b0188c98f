"""Emby libraries as Home Assistant's media browser shows them: views, folders, items, paged.

One browser serves the players (BrowseMedia) and the media source (BrowseMediaSource): the
caller says how a node is made and where its thumbnail is served, never an Emby address. A
folder is read a page at a time (PAGE_SIZE items, then a node for the next page), so a library
of any size costs one page of memory and one or two requests per step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from homeassistant.components.media_player.browse_media import (
    BrowseMedia,
    SearchMedia,
    SearchMediaQuery,
)
from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.exceptions import HomeAssistantError

from .aioemby import EmbyError, EmbyNotFoundError
from .aioemby.library import EmbyLibrary
from .aioemby.media_models import (
    ImageRef,
    ImageType,
    ItemPage,
    ItemQuery,
    ItemType,
    MediaItem,
    MediaType as EmbyMediaType,
)
from .const import DOMAIN

PAGE_SIZE = 100
SEARCH_LIMIT = 25
THUMBNAIL_WIDTH = 400
# A page's id is "<folder id>@<first index>"; Emby ids are digits or hex, never "@".
_PAGE_SEPARATOR = "@"
DIRECTORY = "directory"

_CLASSES: dict[ItemType, tuple[MediaClass, MediaType | str]] = {
    ItemType.MOVIE: (MediaClass.MOVIE, MediaType.MOVIE),
    ItemType.SERIES: (MediaClass.TV_SHOW, MediaType.TVSHOW),
    ItemType.SEASON: (MediaClass.SEASON, MediaType.SEASON),
    ItemType.EPISODE: (MediaClass.EPISODE, MediaType.EPISODE),
    ItemType.MUSIC_ARTIST: (MediaClass.ARTIST, MediaType.ARTIST),
    ItemType.MUSIC_ALBUM: (MediaClass.ALBUM, MediaType.ALBUM),
    ItemType.AUDIO: (MediaClass.TRACK, MediaType.TRACK),
    ItemType.AUDIO_BOOK: (MediaClass.TRACK, MediaType.TRACK),
    ItemType.MUSIC_VIDEO: (MediaClass.VIDEO, MediaType.VIDEO),
    ItemType.VIDEO: (MediaClass.VIDEO, MediaType.VIDEO),
    ItemType.TRAILER: (MediaClass.VIDEO, MediaType.VIDEO),
    ItemType.PHOTO: (MediaClass.IMAGE, MediaType.IMAGE),
    ItemType.PHOTO_ALBUM: (MediaClass.ALBUM, DIRECTORY),
    ItemType.PLAYLIST: (MediaClass.PLAYLIST, MediaType.PLAYLIST),
    ItemType.TV_CHANNEL: (MediaClass.CHANNEL, MediaType.CHANNEL),
}
_BY_MEDIA_TYPE: dict[EmbyMediaType, tuple[MediaClass, MediaType]] = {
    EmbyMediaType.AUDIO: (MediaClass.MUSIC, MediaType.MUSIC),
    EmbyMediaType.VIDEO: (MediaClass.VIDEO, MediaType.VIDEO),
    EmbyMediaType.PHOTO: (MediaClass.IMAGE, MediaType.IMAGE),
}
# What each library (view) holds, for the class of its children.
_VIEW_CHILDREN = {
    "movies": MediaClass.MOVIE,
    "tvshows": MediaClass.TV_SHOW,
    "music": MediaClass.DIRECTORY,
    "musicvideos": MediaClass.VIDEO,
    "homevideos": MediaClass.VIDEO,
    "photos": MediaClass.IMAGE,
    "playlists": MediaClass.PLAYLIST,
}
_SEARCH_TYPES: dict[MediaClass, tuple[ItemType, ...]] = {
    MediaClass.MOVIE: (ItemType.MOVIE,),
    MediaClass.TV_SHOW: (ItemType.SERIES,),
    MediaClass.SEASON: (ItemType.SEASON,),
    MediaClass.EPISODE: (ItemType.EPISODE,),
    MediaClass.ARTIST: (ItemType.MUSIC_ARTIST,),
    MediaClass.ALBUM: (ItemType.MUSIC_ALBUM,),
    MediaClass.TRACK: (ItemType.AUDIO,),
    MediaClass.MUSIC: (ItemType.AUDIO,),
    MediaClass.VIDEO: (ItemType.VIDEO, ItemType.MUSIC_VIDEO),
    MediaClass.PLAYLIST: (ItemType.PLAYLIST,),
    MediaClass.IMAGE: (ItemType.PHOTO,),
}


# Makes one node of the tree, BrowseMedia or a media source's own, from BrowseMedia's keywords
# (media_content_id being the node's id within one server).
type NodeFactory = Callable[..., BrowseMedia]
type Thumbnail = Callable[[str, str, ImageRef], str | None]
"""Where a picture is served: (content type, content id, picture) -> a URL without secrets."""


def directory[NodeT: BrowseMedia](
    node: Callable[..., NodeT], media_content_id: str, title: str, **kwargs: Any
) -> NodeT:
    """Return a folder of this integration's own (the views, a next page, the servers)."""
    return node(
        media_content_id=media_content_id,
        media_class=MediaClass.DIRECTORY,
        media_content_type=DIRECTORY,
        title=title,
        can_play=False,
        can_expand=True,
        **kwargs,
    )


@dataclass(frozen=True, slots=True)
class BrowseId:
    """Where in a server's libraries a node is: its item (None: the views) and first index."""

    item_id: str | None = None
    start: int = 0

    @classmethod
    def parse(cls, text: str | None) -> Self:
        """Read a node id; an unreadable page index starts at the first item."""
        if not text:
            return cls()
        item_id, _, start = text.partition(_PAGE_SEPARATOR)
        return cls(item_id or None, int(start) if start.isdigit() else 0)

    def __str__(self) -> str:
        """Return the node id, as parse reads it."""
        if self.item_id is None:
            return ""
        return f"{self.item_id}{_PAGE_SEPARATOR}{self.start}" if self.start else self.item_id


def media_item_id(media_id: str, system_id: str) -> str:
    """Return the Emby item id of a play_media id: an item id, or this server's media source id.

    Any other id (another server's item) is left as it is, for the server to refuse.
    """
    prefix = f"media-source://{DOMAIN}/{system_id}/"
    if not media_id.startswith(prefix):
        return media_id
    return BrowseId.parse(media_id.removeprefix(prefix)).item_id or media_id


def image_id(image: ImageRef) -> str:
    """Return a picture as a player's media_image_id: item, type and tag (no secret)."""
    return "/".join((image.item_id, image.image_type, image.tag or ""))


def parse_image_id(text: str) -> ImageRef | None:
    """Read a media_image_id written by image_id (None: not one)."""
    item_id, _, rest = text.partition("/")
    kind, _, tag = rest.partition("/")
    image_type = next((member for member in ImageType if member.value == kind), None)
    if not item_id or image_type is None:
        return None
    return ImageRef(item_id=item_id, image_type=image_type, tag=tag or None)


def item_classes(item: MediaItem) -> tuple[MediaClass, MediaType | str]:
    """Return how the browser shows an item: its media class and content type."""
    if (known := _CLASSES.get(item.type)) is not None:
        return known
    if item.is_folder:
        return MediaClass.DIRECTORY, DIRECTORY
    if item.media_type is not None and item.media_type in _BY_MEDIA_TYPE:
        return _BY_MEDIA_TYPE[item.media_type]
    return MediaClass.DIRECTORY, DIRECTORY


def browse_error(err: EmbyError, server_name: str, item_id: str | None) -> HomeAssistantError:
    """Return what browsing raises: a translated message, never the server's detail."""
    if isinstance(err, EmbyNotFoundError) and item_id is not None:
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="media_not_found",
            translation_placeholders={"name": server_name, "item": item_id},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="browse_failed",
        translation_placeholders={"name": server_name},
    )


def _playable_default(item: MediaItem) -> bool:
    """Return whether an item plays (audio or video, not a folder)."""
    return item.is_playable and item.media_type in (EmbyMediaType.AUDIO, EmbyMediaType.VIDEO)


@dataclass(frozen=True, kw_only=True)
class LibraryBrowser:
    """Browse one server's libraries as one Emby user; nodes made by `node`."""

    library: EmbyLibrary
    title: str
    thumbnail: Thumbnail
    node: NodeFactory = BrowseMedia
    playable: Callable[[MediaItem], bool] = _playable_default
    page_size: int = PAGE_SIZE
    # Whether the views offer a search box (a player's search_media; media sources have none).
    searchable: bool = False

    async def browse(self, content_id: str | None) -> BrowseMedia:
        """Return a node with its children: the views, or one page of a folder."""
        where = BrowseId.parse(content_id)
        if where.item_id is None:
            return await self._views()
        query = ItemQuery(parent_id=where.item_id, start_index=where.start, limit=self.page_size)
        # Both at once: the first page costs one round trip. A task, not gather(): gather's
        # future keeps its results alive after a page was shown.
        reading = asyncio.create_task(self.library.get_item(where.item_id))
        try:
            page = await self.library.get_items(query)
        except BaseException:
            reading.cancel()
            raise
        parent = await reading
        return self._folder(parent, page, where)

    async def search(self, query: SearchMediaQuery) -> SearchMedia:
        """Return the first items whose names match, across the user's libraries."""
        kinds = [
            kind
            for media_class in query.media_filter_classes or ()
            for kind in _SEARCH_TYPES.get(MediaClass(media_class), ())
        ]
        page = await self.library.search(
            query.search_query, limit=SEARCH_LIMIT, item_types=tuple(dict.fromkeys(kinds))
        )
        return SearchMedia(result=[self._child(item) for item in page.items])

    async def _views(self) -> BrowseMedia:
        """Return the libraries the user may see."""
        views = await self.library.get_views()
        children = [
            self._child(view, children_class=_VIEW_CHILDREN.get(view.collection_type or ""))
            for view in views
        ]
        return directory(
            self.node,
            "",
            self.title,
            children=children,
            children_media_class=MediaClass.DIRECTORY,
            can_search=self.searchable,
        )

    def _folder(self, parent: MediaItem, page: ItemPage, where: BrowseId) -> BrowseMedia:
        """Return one page of a folder, with a node for the next page when there is one."""
        children = [self._child(item) for item in page.items]
        title = parent.name
        end = where.start + len(page.items)
        total = page.total_record_count
        if where.start or page.next_start_index is not None:
            title = f"{parent.name} ({where.start + 1}-{end} / {total})"
        if (next_start := page.next_start_index) is not None:
            last = min(next_start + self.page_size, total)
            children.append(
                directory(
                    self.node,
                    str(BrowseId(parent.id, next_start)),
                    f"{next_start + 1}-{last} / {total} \u203a",
                )
            )
        media_class, content_type = item_classes(parent)
        return self.node(
            media_content_id=str(where),
            media_class=media_class,
            media_content_type=content_type,
            title=title,
            can_play=self.playable(parent),
            can_expand=True,
            children=children,
            thumbnail=self._thumbnail(parent, str(content_type)),
            not_shown=max(total - end, 0),
        )

    def _child(self, item: MediaItem, children_class: MediaClass | None = None) -> BrowseMedia:
        """Return an item as a child node (no children of its own read)."""
        media_class, content_type = item_classes(item)
        return self.node(
            media_content_id=item.id,
            media_class=media_class,
            media_content_type=content_type,
            title=item.name,
            can_play=self.playable(item),
            can_expand=item.is_folder,
            children_media_class=children_class,
            thumbnail=self._thumbnail(item, str(content_type)),
        )

    def _thumbnail(self, item: MediaItem, content_type: str) -> str | None:
        """Return where the item's picture is served, if it has one."""
        image = item.best_image()
        return None if image is None else self.thumbnail(content_type, item.id, image)
