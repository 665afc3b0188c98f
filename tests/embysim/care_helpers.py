"""Helpers for the push channel tests: a websocket reader that collects what the server pushes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp

from embysim import SimServer


def ws_url(server: SimServer, token: str) -> str:
    """Return the embywebsocket address for a token."""
    base = server.url.replace("http", "ws", 1)
    return f"{base}/embywebsocket?api_key={token}&deviceId=care-tests"


async def next_message(
    ws: aiohttp.ClientWebSocketResponse,
    message_type: str,
    *,
    where: Callable[[Any], bool] = lambda _data: True,
    limit: float = 3.0,
) -> Any:
    """Return the Data of the next message of a type that satisfies where (skipping others)."""
    async with asyncio.timeout(limit):
        while True:
            message = await ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                reason = f"websocket ended: {message.type}"
                raise AssertionError(reason)
            data = message.json()
            if data["MessageType"] == message_type and where(data.get("Data")):
                return data.get("Data")


async def collect(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> list[tuple[str, Any]]:
    """Return (MessageType, Data) of every message within a time window."""
    received: list[tuple[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            message = await ws.receive(timeout=left)
        except TimeoutError:
            break
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        data = message.json()
        received.append((data["MessageType"], data.get("Data")))
    return received


async def wait_until(predicate: Callable[[], bool], limit: float = 3.0) -> None:
    """Wait until predicate() holds (simulator state changes without an event to wait on)."""
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
