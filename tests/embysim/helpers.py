"""Requests the tests send the way Emby's clients do."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import signal
import sys
from typing import Any

import aiohttp

from embysim import EmbySimulator, SimConnectUser, SimLink, SimServer

ROOT = Path(__file__).resolve().parents[2]
APP = {"X-Application": "pytest/1.0"}
DEVICE_ID = "pytest-device"
IDENTITY = {
    "X-Emby-Authorization": (
        f'Emby Client="pytest", Device="runner", DeviceId="{DEVICE_ID}", Version="1.0"'
    )
}


def with_token(token: str) -> dict[str, str]:
    """Return identity headers plus a token."""
    return {**IDENTITY, "X-Emby-Token": token}


async def connect_login(
    http: aiohttp.ClientSession, sim: EmbySimulator, user: SimConnectUser
) -> dict[str, Any]:
    """Sign in to Connect with a form, as Emby's apps do; return the answer."""
    async with http.post(
        f"{sim.connect_url}/user/authenticate",
        data={"nameOrEmail": user.name, "rawpw": user.password},
        headers=APP,
    ) as response:
        assert response.status == 200
        return await response.json()


async def connect_servers(
    http: aiohttp.ClientSession, sim: EmbySimulator, user: SimConnectUser, **params: str
) -> list[dict[str, Any]]:
    """Sign in to Connect as a user and return the servers it lists for them."""
    login = await connect_login(http, sim, user)
    async with http.get(
        f"{sim.connect_url}/servers",
        params={"userId": user.id, **params},
        headers={**APP, "X-Connect-UserToken": login["AccessToken"]},
    ) as response:
        assert response.status == 200
        servers: list[dict[str, Any]] = await response.json()
        return servers


async def exchange(
    http: aiohttp.ClientSession, server: SimServer, link: SimLink, url: str | None = None
) -> dict[str, Any]:
    """Exchange a link's AccessKey for a server token; return the answer."""
    async with http.get(
        f"{url or server.url}/Connect/Exchange",
        params={"format": "json", "ConnectUserId": link.connect_user.id},
        headers=with_token(link.access_key),
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def sign_in(
    http: aiohttp.ClientSession, server: SimServer, name: str, password: str | None
) -> str:
    """Sign in with a local user name and password; return the token."""
    async with http.post(
        f"{server.url}/Users/AuthenticateByName",
        json={"Username": name, "Pw": password or ""},
        headers=IDENTITY,
    ) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["AccessToken"]


async def start_simulator(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    """Start `python -m embysim` on free ports with these options; return it and its summary."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "embysim",
        "--port",
        "0",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async with asyncio.timeout(20):
        line = await process.stdout.readline()
    return process, json.loads(line)


async def stop_simulator(process: asyncio.subprocess.Process) -> int:
    """Stop a simulator started by start_simulator as a service manager would; return its code."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(10):
        await process.communicate()
    assert process.returncode is not None
    return process.returncode
