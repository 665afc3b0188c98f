"""The benchmarks' simulator process: commands answered over the pipe, errors raised, stopped."""

from __future__ import annotations

import os
from typing import Any

import pytest

from benchmarks._simulator import SimulatorCommandError, SimulatorProcess
from embysim import EmbySimulator


async def _add_server(sim: EmbySimulator, args: dict[str, Any]) -> dict[str, Any]:
    """Add a server; return where it listens and who runs it."""
    server = await sim.add_server(name=args["name"])
    return {"url": server.url, "pid": os.getpid(), "servers": len(sim.servers)}


async def _fail(_sim: EmbySimulator, _args: dict[str, Any]) -> None:
    """Fail, as a command with a bug does."""
    message = "no such server"
    raise LookupError(message)


COMMANDS = {"add_server": _add_server, "fail": _fail}


def test_commands_run_in_the_child_and_errors_come_back() -> None:
    """Answers come from the child; a failing command raises here and the child serves on."""
    with SimulatorProcess(COMMANDS) as sim:
        first = sim.call("add_server", name="Bench")
        assert first["pid"] == sim.pid != os.getpid()
        assert first["url"].startswith("http://127.0.0.1:")

        with pytest.raises(SimulatorCommandError, match="LookupError: no such server"):
            sim.call("fail")

        assert sim.call("add_server", name="Other")["servers"] == 2
        pid = sim.pid
    # Stopped on leaving: the process is gone.
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
