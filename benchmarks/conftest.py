"""Fixtures of the benchmarks that run Home Assistant under pytest (its test harness)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from benchmarks._embysim import SimulatorControl, running_simulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/emby_connect."""


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Keep asyncio's debug mode off (the harness turns it on): it would distort timings."""
    asyncio.get_running_loop().set_debug(False)


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncIterator[SimulatorControl]:
    """Start the simulator in a child process and talk to its control API."""
    async with running_simulator() as control:
        yield control
