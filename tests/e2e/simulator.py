"""The Emby simulator as a separate process (`python -m embysim`) and its control API (/_sim)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
from pathlib import Path
import sys
from typing import Any

import aiohttp

from .world import ManagedProcess

START_TIMEOUT = 60
# The local administrator add_server() gives every server it creates.
ADMIN = "admin"
ADMIN_PASSWORD = "admin-password"


@dataclass(eq=False)
class Simulator:
    """A running simulator: its start summary and a client for its control API."""

    process: ManagedProcess
    summary: dict[str, Any]
    session: aiohttp.ClientSession

    @classmethod
    async def start(cls, log_path: Path, servers: int = 2) -> Simulator:
        """Start `python -m embysim` on a free loopback port; read its JSON summary."""
        process = await ManagedProcess.start(
            "Emby simulator",
            [sys.executable, "-m", "embysim", "--port", "0", "--servers", str(servers)],
            log_path=log_path,
            stdout_pipe=True,
        )
        assert process.process.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT):
                line = await process.process.stdout.readline()
        except BaseException:
            await process.stop()
            raise
        if not line:
            await process.stop()
            message = f"the simulator exited without a summary:\n{process.log_tail()}"
            raise RuntimeError(message)
        summary = json.loads(line)
        return cls(process=process, summary=summary, session=aiohttp.ClientSession())

    @property
    def connect_url(self) -> str:
        """Return the Emby Connect URL (what the config flow's connect_url field takes)."""
        return str(self.summary["connect_url"])

    @property
    def control_url(self) -> str:
        """Return the control API's base URL."""
        return str(self.summary["control_url"]).rstrip("/")

    @property
    def demo_account(self) -> dict[str, Any]:
        """Return the demo Connect account (name, password)."""
        account: dict[str, Any] = self.summary["connect_users"][0]
        return account

    async def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the control API, e.g. control("POST", "/servers/Basement/stop")."""
        async with self.session.request(method, f"{self.control_url}{path}", json=body) as response:
            answer = await response.json()
            if response.status >= 400:
                message = f"simulator {method} {path} -> {response.status}: {answer}"
                raise RuntimeError(message)
            return answer

    async def server(self, name: str) -> dict[str, Any]:
        """Describe a server (SystemId, name or index)."""
        result: dict[str, Any] = await self.control("GET", f"/servers/{name}")
        return result

    async def add_server(self, name: str) -> dict[str, Any]:
        """Add a server with a local administrator (ADMIN, ADMIN_PASSWORD); describe it."""
        server: dict[str, Any] = await self.control("POST", "/servers", {"name": name})
        await self.control(
            "POST",
            f"/servers/{server['system_id']}/users",
            {"name": ADMIN, "password": ADMIN_PASSWORD, "is_admin": True},
        )
        return await self.server(server["system_id"])

    async def stop(self) -> list[str]:
        """Stop the simulator; return problems."""
        await self.session.close()
        return await self.process.stop()
