"""The Emby simulator in a child process, driven by a benchmark through a pipe.

The simulator gets its own process (its own event loop and CPU), so its work does not slow the
client being measured. A benchmark names the commands the simulator can run, each an async
function of the simulator and keyword arguments; what a command returns must pickle:

    from benchmarks._simulator import SimulatorProcess
    from embysim import EmbySimulator

    async def _add_server(sim: EmbySimulator, args: dict[str, Any]) -> str:
        server = await sim.add_server(name="Bench")
        server.latency = args["latency"]
        return server.url

    COMMANDS = {"add_server": _add_server}

    def main() -> int:
        with SimulatorProcess(COMMANDS) as sim:
            url = sim.call("add_server", latency=0.05)
            ...

Commands, and `prepare` (run in the child before the simulator starts, e.g. to instrument
aiohttp there), must be module-level functions: the child is a fresh interpreter (started with
multiprocessing's "spawn", nothing inherited but what is pickled), which finds them by name. A command that raises stops
nothing: its error is raised in the benchmark as SimulatorCommandError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import multiprocessing
from multiprocessing.connection import Connection
import traceback
from types import TracebackType
from typing import Any, Final, Self

from embysim import EmbySimulator

type Command = Callable[[EmbySimulator, dict[str, Any]], Awaitable[Any]]

# A fresh interpreter: no threads or event loop of the benchmark's inherited, and no socket
# needed to start it (forkserver, Python 3.14's default, connects to its server over one).
START_METHOD: Final = "spawn"
READY = "ready"
STOP = "stop"
STOPPED = "stopped"
# Seconds to wait for the simulator to start, and to stop before it is killed.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class SimulatorCommandError(RuntimeError):
    """A command failed in the simulator process (its traceback is the message)."""


def _serve(
    conn: Connection, commands: Mapping[str, Command], prepare: Callable[[], None] | None
) -> None:
    """Run the simulator and answer commands from the pipe until told to stop."""

    async def run() -> None:
        if prepare is not None:
            prepare()
        async with EmbySimulator() as sim:
            loop = asyncio.get_running_loop()
            conn.send(READY)
            while (message := await loop.run_in_executor(None, conn.recv)) != STOP:
                command, args = message
                try:
                    conn.send((True, await commands[command](sim, args)))
                except Exception:  # noqa: BLE001 - handed to the benchmark, which raises it
                    conn.send((False, traceback.format_exc()))

    asyncio.run(run())
    conn.send(STOPPED)


class SimulatorProcess:
    """The benchmark's handle on a simulator running in a child process (a context manager)."""

    def __init__(
        self, commands: Mapping[str, Command], *, prepare: Callable[[], None] | None = None
    ) -> None:
        """Prepare to run the simulator with these commands; nothing starts before `with`."""
        context = multiprocessing.get_context(START_METHOD)
        self._conn, child = context.Pipe()
        self._child = child
        self._process = context.Process(
            target=_serve, args=(child, dict(commands), prepare), daemon=True
        )

    @property
    def pid(self) -> int:
        """Return the process id of the simulator (to read its CPU time, say)."""
        assert self._process.pid is not None, "the simulator has not started"
        return self._process.pid

    def call(self, command: str, **args: Any) -> Any:
        """Run a command in the simulator and return its answer."""
        self._conn.send((command, args))
        ok, answer = self._conn.recv()
        if not ok:
            message = f"the simulator's {command!r} failed:\n{answer}"
            raise SimulatorCommandError(message)
        return answer

    def __enter__(self) -> Self:
        """Start the simulator process and wait until it serves."""
        self._process.start()
        # The child holds its own end now: closing ours lets recv() see the child die.
        self._child.close()
        if not self._conn.poll(START_TIMEOUT) or self._conn.recv() != READY:
            self._stop()
            message = f"the simulator did not start within {START_TIMEOUT:.0f} s"
            raise RuntimeError(message)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the simulator process."""
        self._stop()

    def _stop(self) -> None:
        """Ask the simulator to stop; kill it when it does not in time."""
        if self._process.is_alive():
            try:
                self._conn.send(STOP)
                if self._conn.poll(STOP_TIMEOUT):
                    self._conn.recv()
            except OSError, EOFError:
                pass
        self._process.join(timeout=STOP_TIMEOUT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()
