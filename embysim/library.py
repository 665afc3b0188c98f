"""A server's media library: views, folders and items, and the queries Emby answers on them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
import hashlib
from typing import Any

from .models import TICKS_PER_SECOND, SimUser, emby_date

type SortKey = Callable[["SimItem"], tuple[bool, Any]]

_KEPT_SELECTIONS = 8

# Images every item of a type has, and the types that also have a backdrop.
_BACKDROP_TYPES = frozenset({"Movie", "Series", "MusicArtist"})
_NO_IMAGE_TYPES = frozenset({"Audio"})


@dataclass(eq=False, slots=True, kw_only=True)
class SimItem:
    """Hold one library item (a view, a folder or a playable item)."""

    id: str
    name: str
    type: str
    view_id: str
    parent_id: str | None
    number: int = 0  # its place in generation: drives the generated user data
    is_folder: bool = False
    media_type: str | None = None
    collection_type: str | None = None
    sort_name: str = ""
    index_number: int | None = None
    parent_index_number: int | None = None
    production_year: int | None = None
    run_time_seconds: int | None = None
    community_rating: float | None = None
    overview: str | None = None
    container: str | None = None
    series_id: str | None = None
    series_name: str | None = None
    season_id: str | None = None
    season_name: str | None = None
    album_id: str | None = None
    album: str | None = None
    album_artist: str | None = None
    artists: tuple[str, ...] = ()
    image_types: tuple[str, ...] = ("Primary",)
    date_created: datetime = field(default_factory=lambda: datetime(2024, 1, 1, tzinfo=UTC))

    def image_tag(self, image_type: str, index: int = 0) -> str | None:
        """Return the tag of one of the item's images (None: it has no such image)."""
        if image_type not in self.image_types or index != 0:
            return None
        seed = f"{self.id}:{image_type}:{index}".encode()
        return hashlib.sha256(seed).hexdigest()[:32]

    @property
    def played(self) -> bool:
        """Return whether the (generated) user data marks this item played."""
        return not self.is_folder and self.number % 4 == 0

    @property
    def resume_seconds(self) -> int:
        """Return the (generated) resume position: a third in, for every fifth item."""
        if self.run_time_seconds is None or self.number % 5 != 1:
            return 0
        return self.run_time_seconds // 3


@dataclass(frozen=True, kw_only=True)
class ItemQuery:
    """Hold the parameters of a /Users/{UserId}/Items query Emby's apps send."""

    parent_id: str | None = None
    recursive: bool = False
    include_types: frozenset[str] = frozenset()
    exclude_types: frozenset[str] = frozenset()
    media_types: frozenset[str] = frozenset()
    is_folder: bool | None = None
    search_term: str | None = None
    ids: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = ("SortName",)
    descending: bool = False
    start_index: int = 0
    limit: int | None = None
    fields: frozenset[str] = frozenset()
    enable_user_data: bool = True
    enable_images: bool = True
    image_types: frozenset[str] | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ItemQuery:
        """Parse query parameters (names case-insensitive); raise ValueError on bad numbers."""
        lowered = {key.lower(): value for key, value in query.items()}

        def names(key: str) -> frozenset[str]:
            return frozenset(part.strip().lower() for part in _split(lowered.get(key)))

        limit = lowered.get("limit")
        ids = tuple(_split(lowered.get("ids")))
        enabled_images = lowered.get("enableimagetypes")
        return cls(
            parent_id=lowered.get("parentid") or None,
            recursive=_flag(lowered.get("recursive"), default=False),
            include_types=names("includeitemtypes"),
            exclude_types=names("excludeitemtypes"),
            media_types=names("mediatypes"),
            is_folder=_flag(lowered["isfolder"], default=False) if "isfolder" in lowered else None,
            search_term=(lowered.get("searchterm") or "").strip() or None,
            ids=ids,
            # Ids without SortBy answer in the order asked, as Emby does.
            sort_by=tuple(_split(lowered.get("sortby"))) or (() if ids else ("SortName",)),
            descending=(lowered.get("sortorder") or "").lower().startswith("desc"),
            start_index=_count(lowered.get("startindex"), "StartIndex") or 0,
            limit=_count(limit, "Limit") if limit else None,
            fields=names("fields"),
            enable_user_data=_flag(lowered.get("enableuserdata"), default=True),
            enable_images=_flag(lowered.get("enableimages"), default=True),
            image_types=names("enableimagetypes") if enabled_images is not None else None,
        )


class SimLibrary:
    """Hold a server's items and answer the queries Emby's library endpoints take."""

    def __init__(self, server_id: str) -> None:
        """Start empty; add_view/add_item (or embysim.catalog.generate) fill it."""
        self.server_id = server_id
        self.items: dict[str, SimItem] = {}
        self._children: dict[str | None, list[SimItem]] = {}
        self._next_id = 1_000_000
        self._version = 0
        self._selections: dict[tuple[object, ...], list[SimItem]] = {}

    def __len__(self) -> int:
        """Return how many items (views included) the library holds."""
        return len(self.items)

    @property
    def views(self) -> list[SimItem]:
        """Return the libraries (user views), in the order they were added."""
        return list(self._children.get(None, []))

    def new_id(self) -> str:
        """Return the next item id (Emby's ids are numbers sent as strings)."""
        self._next_id += 1
        return str(self._next_id)

    def add_view(self, name: str, collection_type: str) -> SimItem:
        """Add a library (shown to users as a view)."""
        item_id = self.new_id()
        view = SimItem(
            id=item_id,
            name=name,
            type="CollectionFolder",
            view_id=item_id,
            parent_id=None,
            is_folder=True,
            collection_type=collection_type,
            sort_name=name.lower(),
        )
        return self._store(view)

    def add_item(self, parent: SimItem, **fields: Any) -> SimItem:
        """Add an item below a view or folder (fields as SimItem takes them)."""
        fields.setdefault("sort_name", str(fields["name"]).lower())
        item = SimItem(id=self.new_id(), view_id=parent.view_id, parent_id=parent.id, **fields)
        return self._store(item)

    def _store(self, item: SimItem) -> SimItem:
        """Index a new item under its parent."""
        self.items[item.id] = item
        self._children.setdefault(item.parent_id, []).append(item)
        self._version += 1
        return item

    def find_view(self, name_or_id: str) -> SimItem | None:
        """Return the view with that name (case-insensitive) or id."""
        lowered = name_or_id.lower()
        return next(
            (view for view in self.views if name_or_id == view.id or view.name.lower() == lowered),
            None,
        )

    def get(self, item_id: str, user: SimUser | None = None) -> SimItem | None:
        """Return an item the user may see (user None: any item)."""
        item = self.items.get(item_id)
        return item if item is not None and self.visible(item, user) else None

    @staticmethod
    def visible(item: SimItem, user: SimUser | None) -> bool:
        """Return whether a user may see an item (None or no restriction: every item)."""
        folders = user.enabled_folders if user is not None else None
        return folders is None or item.view_id in folders

    def children(self, parent_id: str | None) -> list[SimItem]:
        """Return the direct children of an item (None: the views)."""
        return self._children.get(parent_id, [])

    def descendants(self, parent_id: str) -> Iterator[SimItem]:
        """Yield every item below an item, depth first."""
        stack = list(reversed(self.children(parent_id)))
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(self.children(item.id)))

    def child_count(self, item: SimItem) -> int:
        """Return how many direct children an item has."""
        return len(self._children.get(item.id, ()))

    def query(self, query: ItemQuery, user: SimUser | None) -> tuple[list[SimItem], int]:
        """Return one page of the items a query selects, and how many it selects in all.

        The selection of the last few queries is kept, so that paging through a big library
        costs a slice per page, as an indexed database makes it for Emby.
        """
        key = (
            replace(query, start_index=0, limit=None, fields=frozenset()),
            user.enabled_folders if user is not None else None,
            self._version,
            len(self.items),
        )
        selected = self._selections.pop(key, None)
        if selected is None:
            selected = [
                item for item in self._candidates(query, user) if _matches(item, query, user)
            ]
            for name in reversed(query.sort_by):
                selected.sort(key=_sort_key(name), reverse=query.descending)
        self._selections[key] = selected
        while len(self._selections) > _KEPT_SELECTIONS:
            del self._selections[next(iter(self._selections))]
        end = None if query.limit is None else query.start_index + query.limit
        return selected[query.start_index : end], len(selected)

    def _candidates(self, query: ItemQuery, user: SimUser | None) -> Iterator[SimItem]:
        """Yield the items a query looks at, before filters."""
        if query.ids:
            yield from (item for i in query.ids if (item := self.items.get(i)) is not None)
        elif query.parent_id is not None:
            if query.recursive:
                yield from self.descendants(query.parent_id)
            else:
                yield from self.children(query.parent_id)
        elif query.recursive or query.search_term:
            for view in self.views:
                if self.visible(view, user):
                    yield from self.descendants(view.id)
        else:
            yield from self.views

    def counts(self) -> dict[str, int]:
        """Return /Items/Counts for the whole library."""
        by_type: dict[str, int] = {}
        for item in self.items.values():
            by_type[item.type] = by_type.get(item.type, 0) + 1
        return {
            "MovieCount": by_type.get("Movie", 0),
            "SeriesCount": by_type.get("Series", 0),
            "EpisodeCount": by_type.get("Episode", 0),
            "SongCount": by_type.get("Audio", 0),
            "AlbumCount": by_type.get("MusicAlbum", 0),
            "ArtistCount": 0,  # Emby is known to answer 0 here
            "MusicVideoCount": by_type.get("MusicVideo", 0),
            "BoxSetCount": 0,
            "BookCount": 0,
            "TrailerCount": 0,
            "ItemCount": sum(1 for item in self.items.values() if not item.is_folder),
        }

    def dto(self, item: SimItem, query: ItemQuery | None = None) -> dict[str, Any]:
        """Return an item as Emby's BaseItemDto, with the fields a query asks for."""
        return item_dto(item, self, query or ItemQuery())


def item_dto(item: SimItem, library: SimLibrary, query: ItemQuery) -> dict[str, Any]:
    """Build a BaseItemDto the way Emby does: base fields always, others when asked."""
    dto: dict[str, Any] = {
        "Name": item.name,
        "ServerId": library.server_id,
        "Id": item.id,
        "Type": item.type,
        "IsFolder": item.is_folder,
        "LocationType": "FileSystem",
    }
    optional: dict[str, Any] = {
        "MediaType": item.media_type,
        "CollectionType": item.collection_type,
        "Container": item.container,
        "ProductionYear": item.production_year,
        "CommunityRating": item.community_rating,
        "IndexNumber": item.index_number,
        "ParentIndexNumber": item.parent_index_number,
        "SeriesId": item.series_id,
        "SeriesName": item.series_name,
        "SeasonId": item.season_id,
        "SeasonName": item.season_name,
        "AlbumId": item.album_id,
        "Album": item.album,
        "AlbumArtist": item.album_artist,
    }
    dto.update({key: value for key, value in optional.items() if value is not None})
    if item.run_time_seconds is not None:
        dto["RunTimeTicks"] = item.run_time_seconds * TICKS_PER_SECOND
    if item.artists:
        dto["Artists"] = list(item.artists)
        dto["ArtistItems"] = [{"Name": name, "Id": _name_id(name)} for name in item.artists]
    if item.album_artist:
        dto["AlbumArtists"] = [{"Name": item.album_artist, "Id": _name_id(item.album_artist)}]
    if item.is_folder:
        dto["ChildCount"] = library.child_count(item)
    if query.enable_images:
        dto.update(_image_fields(item, library, query.image_types))
    if query.enable_user_data:
        dto["UserData"] = _user_data(item)
    fields = query.fields
    if "parentid" in fields and item.parent_id is not None:
        dto["ParentId"] = item.parent_id
    if "sortname" in fields:
        dto["SortName"] = item.sort_name
    if "overview" in fields and item.overview is not None:
        dto["Overview"] = item.overview
    if "datecreated" in fields:
        dto["DateCreated"] = emby_date(item.date_created)
    if "primaryimageaspectratio" in fields and "Primary" in item.image_types:
        dto["PrimaryImageAspectRatio"] = 1.0 if item.media_type == "Audio" else 2 / 3
    return dto


def _image_fields(
    item: SimItem, library: SimLibrary, types: frozenset[str] | None
) -> dict[str, Any]:
    """Return ImageTags, BackdropImageTags and the parents' primary tags of an item."""

    def wanted(name: str) -> bool:
        return types is None or name.lower() in types

    tags = {
        name: tag
        for name in item.image_types
        if name != "Backdrop" and wanted(name) and (tag := item.image_tag(name)) is not None
    }
    fields: dict[str, Any] = {"ImageTags": tags}
    backdrop = item.image_tag("Backdrop")
    fields["BackdropImageTags"] = [backdrop] if backdrop and wanted("Backdrop") else []
    for key, parent_id in (
        ("SeriesPrimaryImageTag", item.series_id),
        ("AlbumPrimaryImageTag", item.album_id),
    ):
        parent = library.items.get(parent_id) if parent_id else None
        if parent is not None and (tag := parent.image_tag("Primary")) is not None:
            fields[key] = tag
    return fields


def _user_data(item: SimItem) -> dict[str, Any]:
    """Return generated UserData: some items played, some favourites, some half watched."""
    data: dict[str, Any] = {
        "PlaybackPositionTicks": item.resume_seconds * TICKS_PER_SECOND,
        "PlayCount": 1 if item.played else 0,
        "IsFavorite": item.number % 9 == 0,
        "Played": item.played,
        "Key": item.id,
        "ItemId": item.id,
    }
    if item.resume_seconds and item.run_time_seconds:
        data["PlayedPercentage"] = 100 * item.resume_seconds / item.run_time_seconds
    if item.played:
        data["LastPlayedDate"] = emby_date(datetime(2025, 6, 1, tzinfo=UTC))
    return data


def _name_id(name: str) -> str:
    """Return a stable id for a person or artist known by name."""
    return str(int(hashlib.sha256(name.encode()).hexdigest()[:7], 16))


def _matches(item: SimItem, query: ItemQuery, user: SimUser | None) -> bool:
    """Apply a query's filters (and the user's library access) to one item."""
    if not SimLibrary.visible(item, user):
        return False
    kind = item.type.lower()
    if query.include_types and kind not in query.include_types:
        return False
    if kind in query.exclude_types:
        return False
    if query.media_types and (item.media_type or "").lower() not in query.media_types:
        return False
    if query.is_folder is not None and item.is_folder != query.is_folder:
        return False
    return query.search_term is None or query.search_term.lower() in item.name.lower()


_SORT_FIELDS: dict[str, Callable[[SimItem], Any]] = {
    "sortname": lambda item: item.sort_name,
    "name": lambda item: item.name.lower(),
    "productionyear": lambda item: item.production_year,
    "premieredate": lambda item: item.production_year,
    "datecreated": lambda item: item.date_created,
    "runtime": lambda item: item.run_time_seconds,
    "communityrating": lambda item: item.community_rating,
    "criticrating": lambda item: item.community_rating,
    "album": lambda item: item.album,
    "albumartist": lambda item: item.album_artist,
    "artist": lambda item: item.artists[0] if item.artists else None,
    "indexnumber": lambda item: item.index_number,
    "parentindexnumber": lambda item: item.parent_index_number,
    "playcount": lambda item: 1 if item.played else 0,
    # "Random" is reproducible here: a hash of the id, so paging never repeats an item.
    "random": lambda item: hashlib.sha256(item.id.encode()).digest(),
}


def _sort_key(name: str) -> SortKey:
    """Return a sort key for a SortBy name; items without a value sort first."""
    value_of = _SORT_FIELDS.get(name.lower(), _SORT_FIELDS["sortname"])

    def key(item: SimItem) -> tuple[bool, Any]:
        value = value_of(item)
        return (value is not None, value if value is not None else 0)

    return key


def _split(value: str | None) -> list[str]:
    """Split a comma-separated parameter, dropping empty parts."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _flag(value: str | None, *, default: bool) -> bool:
    """Parse a true/false parameter."""
    if value is None:
        return default
    return value.strip().lower() in {"true", "1", "yes"}


def _count(value: str | None, name: str) -> int | None:
    """Parse a non-negative integer parameter; raise ValueError for anything else."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError as err:
        message = f"{name} must be an integer"
        raise ValueError(message) from err
    if number < 0:
        message = f"{name} must not be negative"
        raise ValueError(message)
    return number
