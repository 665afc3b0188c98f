"""Library scans: media found on disk becomes library items, with progress pushed as Emby does.

A scan is the "Scan media library" scheduled task. While it runs, every library folder reports
`RefreshProgress` ({"ItemId", "Progress"} as strings, to administrators; 0 and 100 always, steps
in between at most once per `refresh_progress_interval` per folder, as Emby throttles them). The
items the scan finds are added as it goes; `LibraryChanged` lists them once no item was added for
`library_changed_delay` seconds (Emby waits 5 s), so a scan normally gives one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .intake import FoundMedia, MediaIntake
from .library import SimItem
from .tasks import TaskStatus

COMPLETE = 100.0


class LibraryScan:
    """Turn a scan's progress into RefreshProgress pushes, added items and one LibraryChanged."""

    def __init__(
        self,
        intake: MediaIntake,
        *,
        push_admins: Callable[[str, object], None],
        library_changed: Callable[[list[str]], None],
    ) -> None:
        """Wire the scan to the media intake and to the server's pushes."""
        self._intake = intake
        self._push_admins = push_admins
        self._library_changed = library_changed
        self.refresh_progress_interval = 1.0
        self.library_changed_delay = 0.5
        self.added: list[SimItem] = []
        self._batch: list[str] = []
        self._found: list[FoundMedia] = []
        self._last_progress: dict[str, float] = {}
        self._reported = 0.0
        self._flush: asyncio.TimerHandle | None = None

    def begin(self) -> None:
        """Start a scan: take what is on disk now; every folder reports 0 %."""
        self._found, self._intake.pending = list(self._intake.pending), []
        self._intake.prepare()
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
            self._intake.pending[:0] = self._found[len(self.added) :]
        self._found = []

    def close(self) -> None:
        """Drop a LibraryChanged not sent yet."""
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None

    def _add(self, media: FoundMedia) -> None:
        """File one found item and (re)start the LibraryChanged countdown."""
        item = self._intake.add(media)
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
        for library in self._intake.libraries:
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
