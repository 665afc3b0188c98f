"""Media on disk waiting for a library scan, and how a scan files it into the server's library.

A found item goes to the view of its collection type (movies, tvshows, music, ...), below the
folders Emby makes for it: series -> season -> episode, artist -> album -> song. Views and folders
that are missing are created; `Items/Counts` (the server's `counts`) counts what is added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .library import SimItem, SimLibrary
from .models import utcnow

# Item type -> (library collection type, Items/Counts field).
ITEM_TYPES: dict[str, tuple[str, str]] = {
    "Movie": ("movies", "MovieCount"),
    "Episode": ("tvshows", "EpisodeCount"),
    "Audio": ("music", "SongCount"),
    "MusicVideo": ("musicvideos", "MusicVideoCount"),
    "Book": ("books", "BookCount"),
    "Trailer": ("movies", "TrailerCount"),
}
# The libraries a server without any gets at its first scan, and the names of created views.
DEFAULT_LIBRARIES = (("Movies", "movies"), ("TV Shows", "tvshows"), ("Music", "music"))
_VIEW_NAMES = {kind: name for name, kind in DEFAULT_LIBRARIES} | {
    "musicvideos": "Music Videos",
    "books": "Books",
}
_MEDIA_TYPES = {"Audio": "Audio", "Book": "Book"}
_CONTAINERS = {"Audio": "mp3", "Book": "epub"}
_BACKDROP_TYPES = frozenset({"Movie", "Trailer", "Series", "MusicArtist"})


@dataclass(frozen=True, kw_only=True)
class FoundMedia:
    """Hold one media file a scan will find (a movie, an episode, a song, ...)."""

    name: str
    type: str = "Movie"
    series_name: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    album: str | None = None
    album_artist: str | None = None
    year: int | None = None
    runtime_seconds: int = 5400


class MediaIntake:
    """Hold the media waiting on disk for the next scan and file found media into the library."""

    def __init__(self, library: SimLibrary, counts: dict[str, int]) -> None:
        """File into this library; counts is the server's Items/Counts, kept up to date."""
        self._library = library
        self._counts = counts
        self.pending: list[FoundMedia] = []
        self._added: list[str] = []

    @property
    def libraries(self) -> list[SimItem]:
        """Return the library folders a scan reports progress for (the server's views)."""
        return self._library.views

    @property
    def items(self) -> dict[str, SimItem]:
        """Return the items scans added (still in the library), by Id, in the order added."""
        found = ((item_id, self._library.items.get(item_id)) for item_id in self._added)
        return {item_id: item for item_id, item in found if item is not None}

    @staticmethod
    def item(spec: FoundMedia | Mapping[str, Any]) -> FoundMedia:
        """Build found media from a dict (BaseItemDto or snake_case field names)."""
        if isinstance(spec, FoundMedia):
            return spec
        fields = {_snake(key): value for key, value in spec.items()}
        kind = str(fields.get("type", "Movie"))
        if kind not in ITEM_TYPES:
            message = f"item type must be one of {sorted(ITEM_TYPES)}, not {kind!r}"
            raise ValueError(message)
        artists = fields.get("artists")
        artist = fields.get("album_artist") or (artists[0] if artists else None)
        return FoundMedia(
            name=str(fields.get("name") or "Untitled"),
            type=kind,
            series_name=_optional_str(fields.get("series_name")),
            season_number=_optional_int(
                fields.get("season_number", fields.get("parent_index_number"))
            ),
            episode_number=_optional_int(fields.get("episode_number", fields.get("index_number"))),
            album=_optional_str(fields.get("album")),
            album_artist=_optional_str(artist),
            year=_optional_int(fields.get("year", fields.get("production_year"))),
            runtime_seconds=int(fields.get("runtime_seconds", 5400)),
        )

    def prepare(self) -> None:
        """Give a server without libraries the default ones (a scan reports on every folder)."""
        if not self._library.views:
            for name, kind in DEFAULT_LIBRARIES:
                self._library.add_view(name, kind)

    def add(self, media: FoundMedia) -> SimItem:
        """File found media into the library (with the folders it needs) and count it."""
        kind, count_field = ITEM_TYPES[media.type]
        parent = self._view(kind)
        fields: dict[str, Any] = {}
        if media.type == "Episode" and media.series_name is not None:
            parent, fields = self._season(parent, media)
        elif media.type == "Audio":
            parent, fields = self._album(parent, media)
        item = self._new(
            parent,
            name=media.name,
            type=media.type,
            media_type=_MEDIA_TYPES.get(media.type, "Video"),
            container=_CONTAINERS.get(media.type, "mkv"),
            index_number=media.episode_number,
            production_year=media.year,
            run_time_seconds=media.runtime_seconds,
            image_types=() if media.type == "Audio" else _images(media.type),
            **fields,
        )
        self._count(count_field)
        self._count("ItemCount")
        self._added.append(item.id)
        return item

    def _view(self, collection_type: str) -> SimItem:
        """Return the first view of a collection type, creating it when there is none."""
        view = next((v for v in self._library.views if v.collection_type == collection_type), None)
        return view or self._library.add_view(_VIEW_NAMES[collection_type], collection_type)

    def _season(self, view: SimItem, media: FoundMedia) -> tuple[SimItem, dict[str, Any]]:
        """Return an episode's season folder (series and season made if missing) and its fields."""
        name = str(media.series_name)
        series = self._child(view, "Series", name)
        if series is None:
            series = self._new(
                view, name=name, type="Series", is_folder=True, production_year=media.year
            )
            self._count("SeriesCount")
        number = 1 if media.season_number is None else media.season_number
        season = next(
            (
                child
                for child in self._library.children(series.id)
                if child.type == "Season" and child.index_number == number
            ),
            None,
        ) or self._new(
            series,
            name=f"Season {number}",
            type="Season",
            is_folder=True,
            index_number=number,
            series_id=series.id,
            series_name=name,
            sort_name=f"{number:04d}",
        )
        return season, {
            "parent_index_number": number,
            "series_id": series.id,
            "series_name": name,
            "season_id": season.id,
            "season_name": season.name,
        }

    def _album(self, view: SimItem, media: FoundMedia) -> tuple[SimItem, dict[str, Any]]:
        """Return a song's album folder (artist and album made if missing) and its fields."""
        artist_name = media.album_artist or "Unknown Artist"
        album_name = media.album or "Unknown Album"
        artist = self._child(view, "MusicArtist", artist_name) or self._new(
            view, name=artist_name, type="MusicArtist", is_folder=True
        )
        album = self._child(artist, "MusicAlbum", album_name)
        if album is None:
            album = self._new(
                artist,
                name=album_name,
                type="MusicAlbum",
                is_folder=True,
                production_year=media.year,
                album_artist=artist_name,
                artists=(artist_name,),
            )
            self._count("AlbumCount")
        return album, {
            "parent_index_number": 1,
            "album_id": album.id,
            "album": album_name,
            "album_artist": artist_name,
            "artists": (artist_name,),
        }

    def _child(self, parent: SimItem, kind: str, name: str) -> SimItem | None:
        """Return the child of a folder with this type and name (case-insensitive)."""
        lowered = name.lower()
        return next(
            (
                child
                for child in self._library.children(parent.id)
                if child.type == kind and child.name.lower() == lowered
            ),
            None,
        )

    def _new(self, parent: SimItem, **fields: Any) -> SimItem:
        """Add one item, numbered and dated as the scan finds it."""
        fields.setdefault("image_types", _images(str(fields["type"])))
        return self._library.add_item(
            parent, number=len(self._library) + 1, date_created=utcnow(), **fields
        )

    def _count(self, field_name: str) -> None:
        """Count one more item in Items/Counts."""
        self._counts[field_name] = self._counts.get(field_name, 0) + 1


def _images(kind: str) -> tuple[str, ...]:
    """Return the images a new item of a type has."""
    return ("Primary", "Backdrop") if kind in _BACKDROP_TYPES else ("Primary",)


def _snake(name: str) -> str:
    """Return a CamelCase or snake_case field name as snake_case."""
    out = "".join(f"_{char.lower()}" if char.isupper() else char for char in name)
    return out.lstrip("_")


def _optional_str(value: object) -> str | None:
    """Return value as a str, or None."""
    return None if value is None else str(value)


def _optional_int(value: object) -> int | None:
    """Return value as an int, or None."""
    if value is None:
        return None
    return int(str(value))
