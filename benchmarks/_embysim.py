"""The simulator in a child process, for the benchmarks that run Home Assistant under pytest.

`python -m embysim --empty` runs in its own process (its CPU is not the integration's), and
the benchmark drives it through its control API. The `sim` fixture (benchmarks/conftest.py)
yields a `SimulatorControl`; a benchmark that needs a world of its own overrides `sim` with a
fixture of the same name that takes this one and adds to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
import json
import os
from pathlib import Path
import subprocess
import sys
from typing import Any

from aiohttp import ClientSession

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SimulatorControl:
    """The control API of a simulator running in another process."""

    http: ClientSession
    control_url: str
    connect_url: str
    pid: int
    # The server a benchmark of one server works with (set by its fixture).
    system_id: str = ""

    def cpu(self) -> float:
        """Return the CPU seconds the simulator process used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API and return its JSON answer."""
        async with self.http.request(method, f"{self.control_url}{path}", json=body) as response:
            data = await response.json()
            assert response.status < 300, data
            return data

    async def server(self, path: str, method: str = "POST", body: Any = None) -> Any:
        """Call the control API of the benchmark's server."""
        return await self.call(method, f"/servers/{self.system_id}{path}", body)

    async def requests(self, system_id: str) -> int:
        """Return how many HTTP requests a server received so far."""
        return int((await self.call("GET", f"/servers/{system_id}/requests"))["count"])


@asynccontextmanager
async def running_simulator() -> AsyncIterator[SimulatorControl]:
    """Start `python -m embysim --empty` and talk to its control API; stop it after."""
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [sys.executable, "-m", "embysim", "--empty", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        summary = json.loads(process.stdout.readline())
        async with ClientSession() as http:
            yield SimulatorControl(
                http, summary["control_url"], summary["connect_url"], process.pid
            )
    finally:
        process.terminate()
        process.wait(10)
