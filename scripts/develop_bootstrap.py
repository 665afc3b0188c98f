"""Onboard the development Home Assistant and add the simulator's servers, as a person would."""

from __future__ import annotations

import argparse
import asyncio
from http import HTTPStatus
import json
from pathlib import Path
from typing import Any

import aiohttp

DEV_USER = "dev"
DEV_PASSWORD = "dev-password"  # noqa: S105 - the printed login of the local development instance
DOMAIN = "emby_connect"


async def wait_until_up(session: aiohttp.ClientSession, hass: str) -> None:
    """Wait until Home Assistant answers its onboarding view."""
    for _ in range(900):
        try:
            async with session.get(f"{hass}/api/onboarding") as response:
                if response.status == HTTPStatus.OK:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    message = "Home Assistant did not start within 3 minutes"
    raise SystemExit(message)


async def token_from_code(session: aiohttp.ClientSession, hass: str, code: str) -> str:
    """Exchange an authorization code for an access token."""
    form = {"grant_type": "authorization_code", "code": code, "client_id": f"{hass}/"}
    async with session.post(f"{hass}/auth/token", data=form) as response:
        response.raise_for_status()
        return str((await response.json())["access_token"])


async def sign_in(session: aiohttp.ClientSession, hass: str) -> str:
    """Create the owner account on first run, or log in to it; return an access token."""
    async with session.get(f"{hass}/api/onboarding") as response:
        steps = {step["step"]: step["done"] for step in await response.json()}
    client_id = f"{hass}/"
    if not steps.get("user", True):
        owner = {
            "client_id": client_id,
            "name": "Developer",
            "username": DEV_USER,
            "password": DEV_PASSWORD,
            "language": "en",
        }
        async with session.post(f"{hass}/api/onboarding/users", json=owner) as response:
            response.raise_for_status()
            return await token_from_code(session, hass, (await response.json())["auth_code"])
    body: dict[str, Any] = {
        "client_id": client_id,
        "handler": ["homeassistant", None],
        "redirect_uri": client_id,
    }
    async with session.post(f"{hass}/auth/login_flow", json=body) as response:
        flow = await response.json()
    body = {"client_id": client_id, "username": DEV_USER, "password": DEV_PASSWORD}
    async with session.post(f"{hass}/auth/login_flow/{flow['flow_id']}", json=body) as response:
        result = await response.json()
    if result.get("type") != "create_entry":
        message = "Could not log in as the development user; remove config/.storage to start over"
        raise SystemExit(message)
    return await token_from_code(session, hass, result["result"])


async def flow_step(
    session: aiohttp.ClientSession, hass: str, flow_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Submit one step of a config flow."""
    url = f"{hass}/api/config/config_entries/flow/{flow_id}"
    async with session.post(url, json=data) as response:
        response.raise_for_status()
        result: dict[str, Any] = await response.json()
        return result


async def discovered_flows(session: aiohttp.ClientSession, hass: str, token: str) -> list[str]:
    """List the ids of this integration's discovered flows (there is no REST call for it)."""
    async with session.ws_connect(f"{hass}/api/websocket") as socket:
        await socket.receive_json()
        await socket.send_json({"type": "auth", "access_token": token})
        await socket.receive_json()
        await socket.send_json({"id": 1, "type": "config_entries/flow/progress"})
        answer = await socket.receive_json()
    return [
        flow["flow_id"]
        for flow in answer.get("result", [])
        if flow["handler"] == DOMAIN and flow["context"].get("source") == "integration_discovery"
    ]


async def add_servers(
    session: aiohttp.ClientSession, hass: str, token: str, simulator: dict[str, Any]
) -> None:
    """Sign in to the simulator's Emby Connect and add every server of the demo account."""
    url = f"{hass}/api/config/config_entries/entry?domain={DOMAIN}"
    async with session.get(url) as response:
        if await response.json():
            return
    account = simulator["connect_users"][0]
    async with session.post(
        f"{hass}/api/config/config_entries/flow", json={"handler": DOMAIN}
    ) as response:
        response.raise_for_status()
        flow = await response.json()
    flow = await flow_step(session, hass, flow["flow_id"], {"next_step_id": "connect"})
    flow = await flow_step(
        session,
        hass,
        flow["flow_id"],
        {
            "username": account["name"],
            "password": account["password"],
            "advanced": {"connect_url": simulator["connect_url"]},
        },
    )
    if flow.get("step_id") == "select_server":
        choice = flow["data_schema"][0]["selector"]["select"]["options"][0]["value"]
        flow = await flow_step(session, hass, flow["flow_id"], {"server": choice})
    await asyncio.sleep(1)
    for flow_id in await discovered_flows(session, hass, token):
        await flow_step(session, hass, flow_id, {})


async def main() -> None:
    """Onboard, add the servers and print how to log in."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hass", required=True, help="Home Assistant base URL")
    parser.add_argument("--simulator", required=True, type=Path, help="embysim summary JSON")
    args = parser.parse_args()
    simulator = json.loads(args.simulator.read_text())
    hass = args.hass.rstrip("/")
    async with aiohttp.ClientSession() as session:
        await wait_until_up(session, hass)
        token = await sign_in(session, hass)
        session.headers["Authorization"] = f"Bearer {token}"
        await add_servers(session, hass, token, simulator)
    account = simulator["connect_users"][0]
    print(
        f"\n  Home Assistant: {hass}  (user {DEV_USER!r}, password {DEV_PASSWORD!r})\n"
        f"  Emby Connect simulator: {simulator['connect_url']}"
        f"  (account {account['name']!r}, password {account['password']!r})\n"
        f"  Simulator control API: {simulator.get('control_url')}\n",
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
