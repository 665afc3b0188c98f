"""Requests the tests send the way Emby's clients do."""

from __future__ import annotations

from typing import Any

import aiohttp

from embysim import EmbySimulator, SimConnectUser, SimLink, SimServer

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
