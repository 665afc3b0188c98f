"""Scheduled tasks of a simulated server: state, progress, last result, and runs that take time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .ids import IdFactory
from .models import TICKS_PER_SECOND, emby_date, utcnow

LIBRARY_SCAN_KEY = "RefreshLibrary"
LIBRARY_SCAN_NAME = "Scan media library"
_HOUR_TICKS = 3600 * TICKS_PER_SECOND
# (name, key, category, description, interval in hours): a few of Emby 4.8's built-in tasks.
DEFAULT_TASKS = [
    (
        LIBRARY_SCAN_NAME,
        LIBRARY_SCAN_KEY,
        "Library",
        "Scans your media library for new files and refreshes metadata.",
        12,
    ),
    (
        "Check for application updates",
        "SystemUpdateTask",
        "Application",
        "Downloads and installs application updates.",
        24,
    ),
    (
        "Check for plugin updates",
        "PluginUpdates",
        "Application",
        "Downloads and installs updates for plugins that are configured to update automatically.",
        24,
    ),
    (
        "Clean cache directory",
        "DeleteCacheFiles",
        "Maintenance",
        "Deletes cache files no longer needed by the system.",
        24,
    ),
]


class TaskState(StrEnum):
    """Say what a task is doing (Emby's TaskState)."""

    IDLE = "Idle"
    CANCELLING = "Cancelling"
    RUNNING = "Running"


class TaskStatus(StrEnum):
    """Say how a task run ended (Emby's TaskCompletionStatus)."""

    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    ABORTED = "Aborted"


@dataclass(eq=False, kw_only=True)
class TaskRun:
    """Describe how the next run of a task behaves: how long, in how many steps, how it ends."""

    duration: float = 1.0
    steps: int = 10
    fail_at: float | None = None  # progress (0-100) at which the run fails; None: it completes
    error_message: str = "The task failed."
    on_start: Callable[[], None] | None = None  # called once the task reports Running
    on_step: Callable[[float], None] | None = None  # called with the progress after each step
    on_end: Callable[[TaskStatus], None] | None = None


@dataclass(eq=False, kw_only=True)
class SimTask:
    """Hold one scheduled task."""

    id: str
    key: str
    name: str
    category: str
    description: str
    interval_hours: float
    is_hidden: bool = False
    state: TaskState = TaskState.IDLE
    progress: float | None = None
    last_result: dict[str, Any] | None = None
    runner: asyncio.Task[TaskStatus] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """Return whether a run is under way."""
        return self.runner is not None and not self.runner.done()

    def finish(
        self, status: TaskStatus, started: datetime, error: str | None = None
    ) -> dict[str, Any]:
        """Record the end of a run and return its TaskResult."""
        result: dict[str, Any] = {
            "StartTimeUtc": emby_date(started),
            "EndTimeUtc": emby_date(utcnow()),
            "Status": str(status),
            "Name": self.name,
            "Key": self.key,
            "Id": self.id,
        }
        if error is not None:
            result["ErrorMessage"] = error
        self.last_result = result
        self.state = TaskState.IDLE
        self.progress = None
        return result

    def to_json(self) -> dict[str, Any]:
        """Return the task as Emby's TaskInfo."""
        info: dict[str, Any] = {
            "Name": self.name,
            "State": str(self.state),
            "Id": self.id,
            "Triggers": [
                {"Type": "IntervalTrigger", "IntervalTicks": int(self.interval_hours * _HOUR_TICKS)}
            ],
            "Description": self.description,
            "Category": self.category,
            "IsHidden": self.is_hidden,
            "Key": self.key,
        }
        if self.state is not TaskState.IDLE:
            info["CurrentProgressPercentage"] = self.progress
        if self.last_result is not None:
            info["LastExecutionResult"] = dict(self.last_result)
        return info


class TaskManager:
    """Run a server's scheduled tasks and report every change."""

    def __init__(
        self,
        ids: IdFactory,
        *,
        on_change: Callable[[bool], None],
        on_ended: Callable[[dict[str, Any]], None],
    ) -> None:
        """Create the default tasks; on_change(force) and on_ended(result) report to websockets."""
        self._on_change = on_change
        self._on_ended = on_ended
        finished = utcnow() - timedelta(hours=3)
        self.tasks: list[SimTask] = []
        for name, key, category, description, hours in DEFAULT_TASKS:
            task = SimTask(
                id=ids.hex(),
                key=key,
                name=name,
                category=category,
                description=description,
                interval_hours=hours,
            )
            task.finish(TaskStatus.COMPLETED, finished - timedelta(minutes=4))
            task.last_result = {**(task.last_result or {}), "EndTimeUtc": emby_date(finished)}
            self.tasks.append(task)

    def find(self, key: str) -> SimTask | None:
        """Return the task with that Id, key or name (case-insensitive)."""
        lowered = key.lower()
        for task in self.tasks:
            if lowered in (task.id.lower(), task.key.lower(), task.name.lower()):
                return task
        return None

    def visible(self) -> list[dict[str, Any]]:
        """Return what ScheduledTasksInfo carries: the tasks that are not hidden, by name."""
        ordered = sorted(self.tasks, key=lambda task: task.name)
        return [task.to_json() for task in ordered if not task.is_hidden]

    def start(self, task: SimTask, run: TaskRun | None = None) -> asyncio.Task[TaskStatus]:
        """Start a run (a running one is cancelled first, as Emby's CancelIfRunningAndQueue)."""
        previous = task.runner if task.running else None
        if previous is not None:
            previous.cancel()
        runner = asyncio.get_running_loop().create_task(self._run(task, run or TaskRun(), previous))
        task.runner = runner
        return runner

    def cancel(self, task: SimTask) -> bool:
        """Ask a running task to stop; return whether one was running."""
        if not task.running:
            return False
        assert task.runner is not None  # noqa: S101 - running says so
        task.state = TaskState.CANCELLING
        self._on_change(True)  # noqa: FBT003 - a positional bool callback
        task.runner.cancel()
        return True

    async def close(self) -> None:
        """Abort every run (the server goes away)."""
        runners = [task.runner for task in self.tasks if task.running and task.runner]
        for runner in runners:
            runner.cancel()
        for runner in runners:
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    async def _run(
        self, task: SimTask, run: TaskRun, previous: asyncio.Task[TaskStatus] | None
    ) -> TaskStatus:
        """Run one task: Running with progress, then Idle with its result."""
        if previous is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await previous
        started = utcnow()
        task.state, task.progress = TaskState.RUNNING, 0.0
        self._on_change(True)  # noqa: FBT003 - a positional bool callback
        if run.on_start is not None:
            run.on_start()
        status, error = TaskStatus.COMPLETED, None
        steps = max(run.steps, 1)
        try:
            for step in range(1, steps + 1):
                await asyncio.sleep(run.duration / steps)
                progress = round(100 * step / steps, 1)
                if run.fail_at is not None and progress >= run.fail_at:
                    status, error = TaskStatus.FAILED, run.error_message
                    break
                task.progress = progress
                if run.on_step is not None:
                    run.on_step(progress)
                self._on_change(False)  # noqa: FBT003 - a positional bool callback
        except asyncio.CancelledError:
            status = TaskStatus.CANCELLED
        result = task.finish(status, started, error)
        if run.on_end is not None:
            run.on_end(status)
        self._on_ended(result)
        self._on_change(True)  # noqa: FBT003 - a positional bool callback
        return status
