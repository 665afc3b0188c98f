"""The harness itself: a loopback-only world, the simulator's control API, signing in to the UI."""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import pytest

from .browser import Ui
from .conftest import E2E, in_world
from .hass_process import OWNER_NAME, integration_problems

# Runs in the world (so in its namespace): try to reach an address beyond the machine.
REACH_OUTSIDE = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=5).close()
except OSError as err:
    print(type(err).__name__, err.errno)
else:
    print("connected")
"""


async def _run(*argv: str) -> str:
    """Run a command from the world thread; return its output."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    return output.decode()


@pytest.mark.e2e
@in_world
async def test_nothing_leaves_the_machine(e2e: E2E, socket_enabled: None) -> None:
    """Everything binds 127.0.0.1; in the namespace (as root) there is no way out at all."""
    for url in (
        e2e.hass.url,
        e2e.sim.control_url,
        *(s["local_url"] for s in e2e.sim.summary["servers"]),
    ):
        assert url.startswith("http://127.0.0.1:"), url
    if not e2e.world.isolate:
        # Not root (or E2E_NETNS=0): the processes share the machine's network.
        assert "machine's network namespace" in e2e.world.mode
        return
    links = await _run("ip", "-o", "link", "show")
    assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"], links
    outside = await _run(sys.executable, "-c", REACH_OUTSIDE)
    assert outside.strip() == "OSError 101", outside  # ENETUNREACH, at once


@pytest.mark.e2e
@in_world
async def test_simulator_control_api_stops_and_starts_a_server(
    e2e: E2E, socket_enabled: None
) -> None:
    """The control API of the simulator process stops a server's listeners and starts them."""
    server = await e2e.sim.add_server("Harness")
    url = f"{server['local_url']}/System/Info/Public"
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 200
            assert (await response.json())["Id"] == server["system_id"]
        await e2e.sim.control("POST", f"/servers/{server['system_id']}/stop")
        assert (await e2e.sim.server(server["system_id"]))["running"] is False
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)
        await e2e.sim.control("POST", f"/servers/{server['system_id']}/start")
        async with session.get(url) as response:
            assert response.status == 200


@pytest.mark.e2e
@in_world
async def test_owner_logs_in_on_the_login_page(e2e: E2E, ui: Ui, socket_enabled: None) -> None:
    """The onboarded owner signs in on Home Assistant's login page and sees the sidebar."""
    # Start signed out (the tests share the browser profile): forget the stored tokens, on a
    # page of Home Assistant's origin that runs no script.
    await ui.page.goto(f"{e2e.hass.url}/manifest.json")
    await ui.page.evaluate("window.localStorage.clear()")
    await ui.page.context.clear_cookies()
    await ui.page.goto(e2e.hass.url)
    await ui.page.wait_for_url("**/auth/authorize**")
    await ui.see("Welcome home!", "login page")
    await ui.log_in()
    await ui.see("Settings")
    await ui.see(OWNER_NAME, "signed in")


SAMPLE_LOG = """\
2026-12-01 20:40:12.411 ERROR (MainThread) [custom_components.emby_connect] Error requesting Emby server Shed data: The Emby server Shed is shutting down
2026-12-01 20:40:12.411 DEBUG (MainThread) [custom_components.emby_connect] Full error:
Traceback (most recent call last):
  File "/config/custom_components/emby_connect/coordinator.py", line 270, in _async_update_data
2026-12-01 20:40:12.500 ERROR (MainThread) [haffmpeg.core] FFmpeg fails
Traceback (most recent call last):
  File "/venv/haffmpeg/core.py", line 130, in open
2026-12-01 20:40:12.433 WARNING (MainThread) [homeassistant.helpers.frame] Detected that custom integration 'emby_connect' has an update listener and should use it for scheduling a reload. This will stop working in Home Assistant 2026.12.0
2026-12-01 20:40:13.000 ERROR (MainThread) [custom_components.emby_connect] Unexpected error fetching Emby server Shed data
Traceback (most recent call last):
  File "/config/custom_components/emby_connect/coordinator.py", line 1, in x
/config/custom_components/emby_connect/entity.py:12: DeprecationWarning: old
"""


@pytest.mark.e2e
def test_log_check_finds_our_problems_only() -> None:
    """The log check flags deprecations, tracebacks and warnings of ours, nothing else."""
    problems = integration_problems(SAMPLE_LOG)
    assert [problem.split("\n")[0][24:60] for problem in problems] == [
        "WARNING (MainThread) [homeassistant.",
        "ERROR (MainThread) [custom_component",
    ]
    assert "DeprecationWarning" in problems[1]
    assert not integration_problems(SAMPLE_LOG.split("2026-12-01 20:40:12.433", maxsplit=1)[0])
