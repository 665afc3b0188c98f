"""End-to-end fixtures: the Emby simulator, Home Assistant and Chromium, in a loopback world.

One session starts them once, on the first e2e test, and stops them after the last (e2e tests
run after all other tests, so nothing else runs beside these processes). Tests are plain sync
functions that hand coroutines to the world thread with `e2e.run(...)` or the `in_world`
decorator; they take `socket_enabled` because the Home Assistant test plugin blocks sockets.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator, Iterator
from dataclasses import dataclass
import functools
from pathlib import Path
import shutil
import tempfile
import time
from typing import Any

import pytest
import pytest_socket

from .browser import Browser, Ui
from .hass_process import (
    HomeAssistant,
    integration_problems,
    is_prepared,
    known_problem,
    prepare,
    versions,
)
from .simulator import Simulator
from .world import ARTIFACTS, LoopbackWorld, find_chromium

E2E_DIR = Path(__file__).parent
SKIP_NO_CHROMIUM = (
    "Chromium is not installed: the end-to-end tests need it. Run scripts/install-browser "
    "(as root on Debian/Ubuntu it runs `apt-get install chromium`) or set CHROMIUM to a "
    "Chromium binary."
)
_REPORT_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()


@dataclass(eq=False)
class E2E:
    """The running end-to-end world: simulator, Home Assistant, browser and timings."""

    world: LoopbackWorld
    sim: Simulator
    hass: HomeAssistant
    browser: Browser

    def run[T](self, coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        """Run a coroutine in the world thread."""
        return self.world.run(coro, timeout)


def in_world[**P](
    test: Callable[P, Coroutine[Any, Any, None]],
) -> Callable[P, None]:
    """Turn an async test body into a sync test that runs it in the e2e world thread.

    pytest-asyncio would run an `async def` test on its own loop, in the main thread; the
    browser, the processes and their clients live in the world thread instead.
    """

    @functools.wraps(test)
    def run_in_world(*args: P.args, **kwargs: P.kwargs) -> None:
        e2e = kwargs.get("e2e")
        if not isinstance(e2e, E2E):
            message = f"{test.__name__} must take the `e2e` fixture to run in the e2e world"
            raise TypeError(message)
        e2e.run(test(*args, **kwargs), timeout=240)

    # pytest reads the fixture names from the wrapped test's signature (`__wrapped__`).
    return run_in_world


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Require the e2e marker on every e2e test, and run the e2e tests last."""
    e2e_items = [item for item in items if E2E_DIR in Path(str(item.path)).parents]
    for item in e2e_items:
        if item.get_closest_marker("e2e") is None:
            message = f"{item.nodeid}: every test in tests/e2e needs @pytest.mark.e2e"
            raise pytest.UsageError(message)
    chosen = set(e2e_items)
    items[:] = [item for item in items if item not in chosen] + e2e_items


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORT_KEY, {})[report.when] = report
    return report


@pytest.fixture
def verify_cleanup() -> None:
    """Replace PHCC's per-test cleanup check, which is about an in-process Home Assistant.

    E2E tests start no Home Assistant in this process; the threads their world thread starts
    (asyncio's executor, for one) would trip PHCC's check. What they start is stopped, and
    checked for leftovers, when the session's `e2e` fixture ends.
    """


@pytest.fixture(scope="session")
def chromium() -> str:
    """Return Debian's Chromium, or skip every e2e test saying how to install it."""
    if (path := find_chromium()) is None:
        pytest.skip(SKIP_NO_CHROMIUM)
    return path


@pytest.fixture(scope="session")
def e2e(chromium: str) -> Iterator[E2E]:
    """Start the simulator, Home Assistant and Chromium in the loopback world; stop them all."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    # This runs in the first e2e test's setup, before its function-scoped `socket_enabled`:
    # the Home Assistant plugin has blocked sockets by now.
    pytest_socket.enable_socket()
    timings: dict[str, float] = {}
    world = LoopbackWorld()
    if world.isolate and not is_prepared():
        # Home Assistant's first start installs packages; the isolated world cannot.
        timings["prepare (once per venv)"] = prepare(log=ARTIFACTS / "hass-prepare.log")
    world.start()
    config_dir = Path(tempfile.mkdtemp(prefix="e2e-hass-"))
    running: list[tuple[str, Callable[[], Coroutine[Any, Any, list[str]]]]] = []
    try:
        started = time.monotonic()
        sim = world.run(Simulator.start(ARTIFACTS / "embysim.log"))
        running.append(("the simulator", sim.stop))
        timings["simulator"] = time.monotonic() - started
        hass = world.run(HomeAssistant.start(config_dir, ARTIFACTS / "hass.log"), timeout=900)
        running.append(("Home Assistant", hass.stop))
        timings["home assistant"] = hass.startup_seconds
        started = time.monotonic()
        browser = world.run(Browser.start(chromium))
        running.append(("Chromium", browser.stop))
        timings["chromium"] = time.monotonic() - started
        yield E2E(world=world, sim=sim, hass=hass, browser=browser)
    finally:
        problems: list[str] = []
        for name, stop in reversed(running):
            try:
                problems += world.run(stop(), timeout=120)
            except Exception as err:  # noqa: BLE001 - stop the others all the same
                problems.append(f"stopping {name} failed: {err!r}")
        world.stop()
        if (log := config_dir / "home-assistant.log").exists():
            shutil.copy(log, ARTIFACTS / log.name)
        # Whichever release runs: nothing deprecated, no blocking call, no traceback of ours.
        known: list[str] = []
        for path in (ARTIFACTS / "home-assistant.log", ARTIFACTS / "hass.log"):
            if path.exists():
                for record in integration_problems(path.read_text(errors="replace")):
                    if (why := known_problem(record)) is None:
                        problems.append(f"{path.name}: {record}")
                    else:
                        known.append(f"{why}: {record.splitlines()[0][:300]}")
        _SUMMARY["known"] = sorted(set(known))
        shutil.rmtree(config_dir, ignore_errors=True)
        _SUMMARY.update(mode=world.mode, versions=versions(), timings=timings)
        _SUMMARY.setdefault("known", [])
    assert not problems, f"the e2e world did not stop cleanly: {problems}"


_SUMMARY: dict[str, Any] = {}


@pytest.fixture
def ui(e2e: E2E, request: pytest.FixtureRequest) -> Iterator[Ui]:
    """Open a browser tab for one test; screenshot it when the test fails; close it."""
    page = e2e.run(e2e.browser.context.new_page())
    tab = Ui(page=page, hass=e2e.hass, artifacts=ARTIFACTS, test_name=request.node.name)
    try:
        yield tab
    finally:
        reports = request.node.stash.get(_REPORT_KEY, {})
        if (call := reports.get("call")) is not None and call.failed:
            e2e.run(tab.shot("failed"))
            # What the locators see: the accessibility tree, shadow roots included.
            tree = e2e.run(tab.page.locator("body").aria_snapshot())
            (ARTIFACTS / f"{request.node.name}-failed.aria.yaml").write_text(tree)
        e2e.run(page.close())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the e2e world ran, how long its parts took to start and where the shots are."""
    if not _SUMMARY:
        return
    timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _SUMMARY["timings"].items())
    terminalreporter.write_sep("-", "end-to-end")
    terminalreporter.write_line(f"e2e: ran in {_SUMMARY['mode']}")
    terminalreporter.write_line(f"e2e: {_SUMMARY['versions']}; started: {timings}")
    terminalreporter.write_line(f"e2e: screenshots and logs in {ARTIFACTS}")
    for line in _SUMMARY["known"]:
        terminalreporter.write_line(f"e2e: KNOWN PROBLEM in Home Assistant's log ({line})")
