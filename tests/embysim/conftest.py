"""Fixtures for the simulator's own tests.

tests/conftest.py loads `embysim.pytest_plugin` for the whole suite; `pytest_plugins` may only be
declared in the top-level conftest, so the fixture is imported here to keep this folder
self-sufficient even if that changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from embysim.pytest_plugin import emby_sim

__all__ = ["emby_sim", "http"]


@pytest_asyncio.fixture
async def http(emby_sim) -> AsyncIterator[aiohttp.ClientSession]:
    """Yield a client session (sockets are enabled by emby_sim)."""
    async with aiohttp.ClientSession() as session:
        yield session
