"""Library scans: media found on disk becomes library items, with progress pushed as Emby does.

A scan is the "Scan media library" scheduled task. While it runs, every library folder reports
`RefreshProgress` ({"ItemId", "Progress"} as strings, to administrators; 0 and 100 always, steps
in between at most once per `refresh_progress_interval` per folder, as Emby throttles them). The
items the scan finds are added as it goes; `LibraryChanged` lists them once no item was added for
`library_changed_delay` seconds (Emby waits 5 s), so a scan normally gives one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .ids import IdFactory
from .models import TICKS_PER_SECOND, emby_date, utcnow
from .tasks import TaskStatus

# Item type -> (library collection type, Items/Counts field).
ITEM_TYPES: dict[str, tuple[str, str]] = {
    "Movie": ("movies", "MovieCount"),
    "Episode": ("tvshows", "EpisodeCount"),
    "Audio": ("music", "SongCount"),
    "MusicVideo": ("musicvideos", "MusicVideoCount"),
    "Book": ("books", "BookCount"),
    "Trailer": ("movies", "TrailerCount"),
}
_AUDIO_TYPES = frozenset({"Audio"})
COMPLETE = 100.0
DEFAULT_LIBRARIES = [("Movies", "movies"), ("TV Shows", "tvshows"), ("Music", "music")]


@dataclass(eq=False, kw_only=True)
class SimLibrary:
    """Hold one library (a CollectionFolder)."""

    id: str
    name: str
    collection_type: str


@dataclass(eq=False, kw_only=True)
class SimItem:
    """Hold one media item (a movie, an episode, a song, ...)."""

    id: str
    name: str
    type: str = "Movie"
    library_id: str = ""
    series_name: str | None = None
    series_id: str | None = None
    season_number: int | None = None
    episode_number: int | None = None
    year: int | None = None
    runtime_seconds: int = 5400
    date_created: datetime = field(default_factory=utcnow)

    def to_json(self, server_id: str) -> dict[str, Any]:
        """Return the item as Emby's BaseItemDto."""
        dto: dict[str, Any] = {
            "Name": self.name,
            "ServerId": server_id,
            "Id": self.id,
            "DateCreated": emby_date(self.date_created),
            "RunTimeTicks": self.runtime_seconds * TICKS_PER_SECOND,
            "IsFolder": False,
            "ParentId": self.library_id,
            "Type": self.type,
            "MediaType": "Audio" if self.type in _AUDIO_TYPES else "Video",
            "LocationType": "FileSystem",
        }
        optional: dict[str, Any] = {
            "ProductionYear": self.year,
            "SeriesName": self.series_name,
            "SeriesId": self.series_id,
            "ParentIndexNumber": self.season_number,
            "IndexNumber": self.episode_number,
        }
        if self.season_number is not None:
            optional["SeasonName"] = f"Season {self.season_number}"
        dto.update({key: value for key, value in optional.items() if value is not None})
        return dto


class MediaLibrary:
    """Hold a server's libraries, its items and the media waiting on disk for the next scan."""

    def __init__(self, ids: IdFactory, counts: dict[str, int]) -> None:
        """Create the default libraries; counts is the server's Items/Counts, kept up to date."""
        self._ids = ids
        self._counts = counts
        self.libraries = [
            SimLibrary(id=ids.hex(), name=name, collection_type=kind)
            for name, kind in DEFAULT_LIBRARIES
        ]
        self.items: dict[str, SimItem] = {}
        self.pending: list[SimItem] = []
        self._series: dict[str, str] = {}

    def item(self, spec: SimItem | Mapping[str, Any]) -> SimItem:
        """Build an item from a SimItem or a dict (BaseItemDto or snake_case field names)."""
        if isinstance(spec, SimItem):
            return spec
        fields = {_snake(key): value for key, value in spec.items()}
        kind = str(fields.get("type", "Movie"))
        series = fields.get("series_name")
        item = SimItem(
            id=str(fields.get("id") or self._ids.hex()),
            name=str(fields.get("name") or "Untitled"),
            type=kind,
            library_id=str(fields.get("library_id") or self._library_for(kind).id),
            series_name=None if series is None else str(series),
            series_id=None if series is None else self._series_id(str(series)),
            season_number=_optional_int(
                fields.get("season_number", fields.get("parent_index_number"))
            ),
            episode_number=_optional_int(fields.get("episode_number", fields.get("index_number"))),
            year=_optional_int(fields.get("year", fields.get("production_year"))),
            runtime_seconds=int(fields.get("runtime_seconds", 5400)),
        )
        if kind not in ITEM_TYPES:
            message = f"item type must be one of {sorted(ITEM_TYPES)}, not {kind!r}"
            raise ValueError(message)
        return item

    def add(self, item: SimItem) -> None:
        """Put an item in the library and count it."""
        if item.series_name is not None and item.series_name not in self._series_counted():
            self._counts["SeriesCount"] = self._counts.get("SeriesCount", 0) + 1
        self.items[item.id] = item
        field_name = ITEM_TYPES[item.type][1]
        self._counts[field_name] = self._counts.get(field_name, 0) + 1
        self._counts["ItemCount"] = self._counts.get("ItemCount", 0) + 1

    def find(self, ids: Iterable[str]) -> list[SimItem]:
        """Return the items with these Ids, in the order asked, skipping unknown ones."""
        return [self.items[item_id] for item_id in ids if item_id in self.items]

    def _library_for(self, kind: str) -> SimLibrary:
        """Return the library an item type goes to (the first one when none matches)."""
        wanted = ITEM_TYPES.get(kind, ("movies", ""))[0]
        return next(
            (lib for lib in self.libraries if lib.collection_type == wanted), self.libraries[0]
        )

    def _series_id(self, name: str) -> str:
        """Return a stable Id for a series name."""
        return self._series.setdefault(name, self._ids.hex())

    def _series_counted(self) -> set[str]:
        """Return the series that already have an item in the library."""
        return {item.series_name for item in self.items.values() if item.series_name is not None}


class LibraryScan:
    """Turn a scan's progress into RefreshProgress pushes, added items and one LibraryChanged."""

    def __init__(
        self,
        library: MediaLibrary,
        *,
        push_admins: Callable[[str, object], None],
        library_changed: Callable[[list[str]], None],
    ) -> None:
        """Wire the scan to the library and to the server's pushes."""
        self._library = library
        self._push_admins = push_admins
        self._library_changed = library_changed
        self.refresh_progress_interval = 1.0
        self.library_changed_delay = 0.5
        self.added: list[SimItem] = []
        self._batch: list[str] = []
        self._found: list[SimItem] = []
        self._last_progress: dict[str, float] = {}
        self._reported = 0.0
        self._flush: asyncio.TimerHandle | None = None

    def begin(self) -> None:
        """Start a scan: take what is on disk now; every folder reports 0 %."""
        self._found, self._library.pending = list(self._library.pending), []
        self.added = []
        self._progress(0.0)

    def step(self, progress: float) -> None:
        """Add the share of found items this progress stands for; report the folders' progress."""
        due = round(len(self._found) * progress / 100)
        for item in self._found[len(self.added) : due]:
            self._add(item)
        self._progress(progress)

    def end(self, status: TaskStatus) -> None:
        """Finish: a completed scan adds what is left and reports 100 %; others keep the rest."""
        if status is TaskStatus.COMPLETED:
            if self._reported < COMPLETE:
                self.step(COMPLETE)
        else:
            self._library.pending[:0] = self._found[len(self.added) :]
        self._found = []

    def close(self) -> None:
        """Drop a LibraryChanged not sent yet."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None

    def _add(self, item: SimItem) -> None:
        """Add one item and (re)start the LibraryChanged countdown."""
        self._library.add(item)
        self.added.append(item)
        self._batch.append(item.id)
        self.close()
        self._flush = asyncio.get_running_loop().call_later(self.library_changed_delay, self._send)

    def _send(self) -> None:
        """Send LibraryChanged for the batch."""
        self._flush = None
        batch, self._batch = self._batch, []
        if batch:
            self._library_changed(batch)

    def _progress(self, progress: float) -> None:
        """Push RefreshProgress for every library folder (throttled like Emby's)."""
        self._reported = progress
        now = asyncio.get_running_loop().time()
        for library in self._library.libraries:
            last = self._last_progress.get(library.id)
            if (
                0 < progress < COMPLETE
                and last is not None
                and now - last < self.refresh_progress_interval
            ):
                continue
            self._last_progress[library.id] = now
            self._push_admins(
                "RefreshProgress", {"ItemId": library.id, "Progress": f"{progress:g}"}
            )


def _snake(name: str) -> str:
    """Return a CamelCase or snake_case field name as snake_case."""
    out = "".join(f"_{char.lower()}" if char.isupper() else char for char in name)
    return out.lstrip("_")


def _optional_int(value: object) -> int | None:
    """Return value as an int, or None."""
    if value is None:
        return None
    return int(str(value))
