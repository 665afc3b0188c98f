"""The loopback world of the end-to-end tests: a thread with its own event loop and network.

Everything the end-to-end tests start (the Emby simulator, Home Assistant, Playwright's driver
and Chromium) and every HTTP client they use is created from one worker thread. As root, that
thread first moves into a network namespace of its own, where only loopback exists, so nothing
started from it can reach beyond the machine; processes inherit the namespace of the thread that
starts them, and sockets keep the namespace they were created in. The pytest process itself, and
every other test, stay in the machine's network namespace.

Running the browser in a thread of its own also keeps Playwright's event loop away from the
thread where pytest-asyncio runs the other tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
import concurrent.futures
from contextlib import suppress
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
# The Home Assistant under test: the one of the venv running the tests, or the one of another
# venv named by EMBY_HASS_VENV (scripts/test runs the suite again on .venv-ha-next, the newest
# release). The harness (pytest, Playwright) stays this venv's; only `hass` comes from there.
HASS_VENV = Path(os.environ.get("EMBY_HASS_VENV") or sys.prefix).absolute()
# Screenshots and logs: artifacts/e2e for this venv's Home Assistant (the README's come from
# there), artifacts/e2e-ha-next for .venv-ha-next's.
OWN_HASS = Path(sys.prefix).absolute() == HASS_VENV
ARTIFACTS = (
    ROOT / "artifacts" / ("e2e" if OWN_HASS else "e2e" + HASS_VENV.name.removeprefix(".venv"))
)

# Debian's real binary first: /usr/bin/chromium is a shell wrapper that adds flags of its own.
CHROMIUM_CANDIDATES = (
    "/usr/lib/chromium/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
)

# `unshare --net` gives a namespace whose loopback is down; Home Assistant's shared HTTP session
# fails with ENODEV without a multicast route.
LOOPBACK_SETUP = (
    ("ip", "link", "set", "lo", "up"),
    ("ip", "link", "set", "lo", "multicast", "on"),
    ("ip", "route", "add", "224.0.0.0/4", "dev", "lo"),
)

# Variables that would make a child Python measure coverage or pick up this test process's
# settings; Home Assistant and the simulator run as they would for a user.
CHILD_ENV_DROP_PREFIXES = ("COV_CORE_", "COVERAGE_", "PYTEST_", "PYTHONBREAKPOINT")


def find_chromium() -> str | None:
    """Return the Chromium binary to use: $CHROMIUM, else Debian's chromium, else None."""
    if configured := os.environ.get("CHROMIUM"):
        return configured if os.access(configured, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        path = candidate if Path(candidate).is_absolute() else shutil.which(candidate)
        if path and os.access(path, os.X_OK):
            return path
    return None


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment for a child process: this one without test-only variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(CHILD_ENV_DROP_PREFIXES)
    }
    env.update(extra or {})
    return env


def _want_isolation() -> bool:
    """Return whether to try a network namespace (root, Linux, `ip`, not switched off)."""
    return (
        os.environ.get("E2E_NETNS", "1") != "0"
        and hasattr(os, "unshare")
        and os.geteuid() == 0
        and shutil.which("ip") is not None
    )


@dataclass(eq=False)
class LoopbackWorld:
    """Run coroutines in a worker thread that lives in a loopback-only network namespace."""

    isolate: bool = field(default_factory=_want_isolation)
    mode: str = "not started"
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread (and its namespace); return once its loop runs."""
        ready = concurrent.futures.Future[asyncio.AbstractEventLoop]()
        self._thread = threading.Thread(
            target=self._main, args=(ready,), name="e2e-loopback-world", daemon=True
        )
        self._thread.start()
        self._loop = ready.result(timeout=30)

    def _main(self, ready: concurrent.futures.Future[asyncio.AbstractEventLoop]) -> None:
        """Enter the namespace, then run the event loop until stop()."""
        try:
            self.mode = self._enter_namespace()
            loop = asyncio.new_event_loop()
        except BaseException as err:
            ready.set_exception(err)
            raise
        asyncio.set_event_loop(loop)
        ready.set_result(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def _enter_namespace(self) -> str:
        """Move this thread into a new network namespace with loopback up; describe the result."""
        if not self.isolate:
            return "127.0.0.1 in the machine's network namespace (not root, or E2E_NETNS=0)"
        try:
            os.unshare(os.CLONE_NEWNET)
        except OSError as err:
            self.isolate = False
            return f"127.0.0.1 in the machine's network namespace (unshare failed: {err})"
        for command in LOOPBACK_SETUP:
            subprocess.run(command, check=True, capture_output=True, timeout=10)  # noqa: S603
        return "a loopback-only network namespace (nothing can leave the machine)"

    def run[T](self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """Run a coroutine in the world and return its result (raise what it raises)."""
        if self._loop is None:
            coro.close()
            message = "the e2e world is not running"
            raise RuntimeError(message)
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        """Stop the loop and the thread (call after everything in the world was closed)."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        self._loop = None


@dataclass(eq=False)
class ManagedProcess:
    """A child process in its own process group, with its output in a log file."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    _log: IO[bytes] | None = None

    @classmethod
    async def start(
        cls,
        name: str,
        argv: list[str],
        *,
        log_path: Path,
        cwd: Path = ROOT,
        stdout_pipe: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> ManagedProcess:
        """Start argv from the world thread (so in its namespace), logging to log_path."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if setpriv := shutil.which("setpriv"):
            # Should this process die without stopping the world (SIGKILL, a CI timeout), the
            # kernel kills the child when the world thread that started it is gone.
            argv = [setpriv, "--pdeathsig", "KILL", "--", *argv]
        log = log_path.open("wb")
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                env=child_env(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout_pipe else log,
                stderr=log,
                start_new_session=True,
            )
        except BaseException:
            log.close()
            raise
        return cls(name=name, process=process, log_path=log_path, _log=log)

    @property
    def running(self) -> bool:
        """Return whether the process has not exited."""
        return self.process.returncode is None

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self, grace: float = 30) -> list[str]:
        """Stop the process group: SIGTERM, then SIGKILL; return problems (orphans, kills)."""
        problems: list[str] = []
        pgid = self.process.pid
        if self.running:
            _signal_group(pgid, signal.SIGTERM)
            try:
                async with asyncio.timeout(grace):
                    await self.process.wait()
            except TimeoutError:
                problems.append(f"{self.name} ignored SIGTERM for {grace:.0f} s: killed")
                _signal_group(pgid, signal.SIGKILL)
                await self.process.wait()
        # Children that outlived their parent keep its process group; end them too.
        deadline = time.monotonic() + 5
        while _group_alive(pgid):
            if time.monotonic() > deadline:
                problems.append(f"{self.name} left processes behind: killed")
                _signal_group(pgid, signal.SIGKILL)
                break
            await asyncio.sleep(0.1)
        if self._log is not None:
            self._log.close()
            self._log = None
        return problems


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send a signal to a process group we started (ignore a group that is gone)."""
    with suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    """Return whether any process of the group still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def processes_with_argument(argument: str) -> list[int]:
    """Return the ids of processes whose command line contains argument (e.g. a temp dir)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            if argument.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found
