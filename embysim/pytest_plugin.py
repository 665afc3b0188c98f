"""Pytest plugin: the `emby_sim` fixture (load with `pytest_plugins = ["embysim.pytest_plugin"]`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib

import pytest
import pytest_asyncio

from .simulator import EmbySimulator


def _enable_sockets(request: pytest.FixtureRequest) -> None:
    """Ask pytest-socket (when installed, e.g. by PHCC) to allow sockets for this test."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("socket_enabled")


@pytest_asyncio.fixture
async def emby_sim(request: pytest.FixtureRequest) -> AsyncIterator[EmbySimulator]:
    """Yield a started, empty simulator on 127.0.0.1; stop it cleanly afterwards."""
    _enable_sockets(request)
    sim = EmbySimulator(host="127.0.0.1")
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
