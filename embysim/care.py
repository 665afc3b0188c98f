"""Server care of one simulated server: Wake-on-LAN, tasks, activity, updates, scans and their pushes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
import contextlib
import hashlib
from typing import Any, Protocol

from .activity import ActivityLog
from .feeds import Feed, PushClient
from .ids import IdFactory
from .intake import FoundMedia, MediaIntake
from .library import SimLibrary
from .scan import LibraryScan
from .tasks import LIBRARY_SCAN_KEY, SimTask, TaskManager, TaskRun, TaskStatus
from .updates import UpdateCatalog
from .wake import WakePacket

SCHEDULED_TASKS_INFO = "ScheduledTasksInfo"
ACTIVITY_LOG_ENTRY = "ActivityLogEntry"


class CareHost(Protocol):
    """What server care needs of its server (a SimServer), without depending on it."""

    system_id: str
    version: str
    counts: dict[str, int]
    has_update_available: bool
    activity: ActivityLog

    @property
    def library(self) -> SimLibrary:
        """Return the server's library."""
        ...

    def library_changed(self, items: list[str] | None = None) -> None:
        """Push LibraryChanged with the items added."""
        ...

    async def start(self) -> None:
        """Listen on both addresses."""
        ...

    async def stop(self, message_type: str | None = ...) -> None:
        """Close the websockets (after a last message, unless None) and both addresses."""
        ...


class ServerCare:
    """Hold and run everything a server's administrator looks after, for one SimServer."""

    def __init__(
        self,
        server: CareHost,
        *,
        wake_address: Callable[[], tuple[str, int]],
        clients: Callable[[], Sequence[PushClient]],
    ) -> None:
        """Create the MAC address, tasks, activity log, update catalog and library of a server.

        wake_address tells where the simulated LAN's Wake-on-LAN listener is (host, port);
        clients returns the server's connected websockets.
        """
        self._server = server
        self._wake_address = wake_address
        self._clients = clients
        # Ids derived from the SystemId: the simulator's shared id sequence (and so every seeded
        # demo) stays as it was, and a server keeps its MAC address across simulator restarts.
        digest = hashlib.sha256(server.system_id.encode()).hexdigest()
        ids = IdFactory(seed=int(digest[:16], 16))
        # A locally administered unicast address (02:...).
        self.mac_address = "02:" + ":".join(ids.hex(5)[i : i + 2] for i in range(0, 10, 2)).upper()
        self._ids = ids
        self._plugin_guids: dict[str, str] = {}
        self.wake_delay = 1.0
        self.wake_packets: list[WakePacket] = []
        self.asleep = False
        self.can_self_restart = True
        self.can_self_update = False
        self.scan_duration = 1.0
        self.scan_steps = 10
        # The server's own log (sign-ins land there too); its entries feed ActivityLogEntry.
        self.activity = server.activity
        self.activity.watch(self._activity_added)
        self.updates = UpdateCatalog(lambda: server.version)
        self.tasks = TaskManager(ids, on_change=self._tasks_changed, on_ended=self._task_ended)
        # The scan side of server.library: media on disk, and what scans filed into it.
        self.library = MediaIntake(server.library, server.counts)
        self.scan = LibraryScan(
            self.library, push_admins=self.push_admins, library_changed=server.library_changed
        )
        self.feeds = {
            SCHEDULED_TASKS_INFO: Feed(
                SCHEDULED_TASKS_INFO,
                self.tasks.visible,
                clients=clients,
                send_on_timer=True,
            ),
            # Emby sends an empty list: the client reads the log again.
            ACTIVITY_LOG_ENTRY: Feed(
                ACTIVITY_LOG_ENTRY, list, clients=clients, send_on_timer=False
            ),
        }
        self._waking: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    def plugin_guid(self, name: str) -> str:
        """Return the stable GUID of an installed plugin."""
        if name not in self._plugin_guids:
            raw = self._ids.hex(16)
            self._plugin_guids[name] = "-".join(
                (raw[:8], raw[8:12], raw[12:16], raw[16:20], raw[20:])
            )
        return self._plugin_guids[name]

    # -- Wake-on-LAN ------------------------------------------------------------------------

    def wake_on_lan_info(self) -> list[dict[str, Any]]:
        """Return System/WakeOnLanInfo: this server's MAC and the simulator's wake listener."""
        host, port = self._wake_address()
        return [{"MacAddress": self.mac_address, "BroadcastAddress": host, "Port": port}]

    def receive_wake(self, packet: WakePacket) -> None:
        """Take a magic packet seen on the simulated LAN; wake up after wake_delay if it is ours."""
        if packet.mac != self.mac_address:
            return
        self.wake_packets.append(packet)
        if self.asleep and (self._waking is None or self._waking.done()):
            self._waking = self.spawn(self._wake_later())

    async def sleep(self) -> None:
        """Go to sleep: websockets drop without a message, both addresses stop answering."""
        self.asleep = True
        await self.tasks.close()
        await self._server.stop(None)

    async def wake(self) -> None:
        """Wake up now: listen on both addresses again."""
        if self._waking is not None and self._waking is not asyncio.current_task():
            self._waking.cancel()
        self.asleep = False
        await self._server.start()

    async def _wake_later(self) -> None:
        """Wake up after the configured delay (a machine takes a while to boot)."""
        await asyncio.sleep(self.wake_delay)
        if self.asleep:
            await self.wake()

    # -- push -------------------------------------------------------------------------------

    def websocket_message(self, client: PushClient, message_type: str, data: object) -> None:
        """Handle a `<Feed>Start` or `<Feed>Stop` message from a websocket."""
        for suffix, subscribe in (("Start", True), ("Stop", False)):
            if message_type.endswith(suffix) and (
                feed := self.feeds.get(message_type.removesuffix(suffix))
            ):
                if subscribe:
                    feed.start(client, data)
                else:
                    feed.stop(client)
                return

    def push_admins(self, message_type: str, data: object) -> None:
        """Send a message to every websocket of an administrator (as Emby's admin messages go)."""
        for client in self._clients():
            if client.issued.is_admin:
                client.queue.put_nowait({"MessageType": message_type, "Data": data})

    def _tasks_changed(self, force: bool) -> None:  # noqa: FBT001 - TaskManager's callback
        """Tell ScheduledTasksInfo subscribers (forced on start and end, throttled for progress)."""
        self.feeds[SCHEDULED_TASKS_INFO].send(force=force)

    def _task_ended(self, result: dict[str, Any]) -> None:
        """Push ScheduledTaskEnded with the TaskResult."""
        self.push_admins("ScheduledTaskEnded", result)

    def _activity_added(self, _entry: dict[str, Any]) -> None:
        """Tell ActivityLogEntry subscribers that there is something new."""
        self.feeds[ACTIVITY_LOG_ENTRY].send(force=True)

    # -- tasks and scans --------------------------------------------------------------------

    def scan_task(self) -> SimTask:
        """Return the "Scan media library" task."""
        task = self.tasks.find(LIBRARY_SCAN_KEY)
        assert task is not None  # noqa: S101 - a default task
        return task

    def start_scan(
        self,
        items: Iterable[FoundMedia | Mapping[str, Any]] = (),
        *,
        duration: float | None = None,
        fail_at: float | None = None,
    ) -> asyncio.Task[TaskStatus]:
        """Put items on disk and run "Scan media library" (what POST /Library/Refresh does)."""
        self.library.pending.extend(self.library.item(item) for item in items)
        return self.start_task(self.scan_task(), duration=duration, fail_at=fail_at)

    def start_task(
        self, task: SimTask, *, duration: float | None = None, fail_at: float | None = None
    ) -> asyncio.Task[TaskStatus]:
        """Run a task (a library scan finds and adds media as it goes)."""
        run = TaskRun(
            duration=self.scan_duration if duration is None else duration,
            steps=self.scan_steps,
            fail_at=fail_at,
        )
        if task is self.scan_task():
            run.on_start, run.on_step, run.on_end = self.scan.begin, self.scan.step, self.scan.end
        return self.tasks.start(task, run)

    # -- background jobs --------------------------------------------------------------------

    def spawn[T](self, coro: Awaitable[T]) -> asyncio.Task[T]:
        """Run a background job owned by this server."""

        async def runner() -> T:
            return await coro

        task = asyncio.get_running_loop().create_task(runner())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def close(self) -> None:
        """Stop every run, timer and background job (the simulator is stopping)."""
        self.scan.close()
        await self.tasks.close()
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def update_available(self) -> bool:
        """Return whether the server reports an update (HasUpdateAvailable)."""
        return self._server.has_update_available

    def summary(self) -> dict[str, Any]:
        """Describe the server-care state for the simulator summary and the control API."""
        return {
            "mac_address": self.mac_address,
            "wake_port": self._wake_address()[1],
            "wake_delay": self.wake_delay,
            "asleep": self.asleep,
            "wake_packets": len(self.wake_packets),
            "can_self_restart": self.can_self_restart,
            "can_self_update": self.can_self_update,
            "update_available": self._offered_version(),
            "plugin_updates": [p.name for p in self.updates.plugin_updates],
            "tasks": [
                {"id": t.id, "key": t.key, "name": t.name, "state": str(t.state)}
                for t in self.tasks.tasks
            ],
            "items": len(self.library.items),
        }

    def _offered_version(self) -> str | None:
        """Return the newer server version on offer (None when no update is available)."""
        if not self._server.has_update_available:
            return None
        return self.updates.ensure_available().version
