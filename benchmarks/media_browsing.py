"""Benchmark browsing and the media source's stream proxy in Home Assistant; print the figures.

Run from the repository root: `.venv/bin/pytest benchmarks/media_browsing.py -q -s` (scripts/bench
runs it). Home Assistant's test harness runs the real integration; the simulator runs in a child
process (its own event loop and CPU) and answers every HTTP request 50 ms late. Figures:

(1) the stream of one item, fetched directly from the server (URL + token headers, as the
    proxy itself fetches it) and through the integration's proxy (the signed path a cast
    target gets): time to the first byte, time for a 16 MiB stream (throughput), and a
    64 KiB Range request (a seek). The proxy's cost is the difference.
(2) browsing a 10,000-item library HA-side (the media source, as the Media panel asks): the
    views, then the first page of the library (bound 2 x latency + 100 ms), and memory while
    walking every page (tracemalloc: the peak per page stays that of the first, nothing kept).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
import gc
import multiprocessing
from multiprocessing.connection import Connection
import statistics
import time
import tracemalloc
from typing import Any

from aiohttp import ClientSession
from homeassistant.components import media_source
from homeassistant.const import CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from benchmarks import report
import custom_components  # noqa: F401 - ours before the harness's package of that name
from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyLibrary,
    EmbyServer,
    MediaItem,
    MediaType,
)
from custom_components.emby_connect.const import (
    AUTH_METHOD_MANUAL,
    CONF_ACCESS_TOKEN,
    CONF_AUTH_METHOD,
    CONF_USER_ID,
    DOMAIN,
)

LATENCY = 0.05
LIBRARY_ITEMS = 10_000
FIRST_PAGE_BOUND = 2 * LATENCY + 0.100
STREAM_BYTES = 16 * 1024 * 1024
RANGE_BYTES = 64 * 1024
RUNS = 9
FLAT_FACTOR = 1.5
RETAINED_BOUND = 256 * 1024
IDENTITY = ClientIdentity(
    client="Benchmark", device_name="Benchmark", device_id="benchmark-media", version="0.1.0"
)


# -- the simulator, in a child process --------------------------------------------------------


def serve_simulator(conn: Connection) -> None:
    """Run the simulator (big audio streams) and answer the pipe until told to stop."""
    from embysim import EmbySimulator  # noqa: PLC0415
    from embysim.catalog import LibrarySpec, generate  # noqa: PLC0415
    import embysim.routes.media as media_routes  # noqa: PLC0415 - only in the child

    body = b"RIFF" + bytes(range(256)) * (STREAM_BYTES // 256)
    media_routes.wav = lambda *_args, **_kwargs: body  # type: ignore[assignment]

    async def run() -> None:
        async with EmbySimulator() as sim:
            server = await sim.add_server(name="Benchmark")
            server.add_user("bench", "bench-password", is_admin=True)
            spec = LibrarySpec(movies=LIBRARY_ITEMS, series=0, artists=1, albums=1, photo_albums=0)
            generate(server.library, spec)
            song = next(item for item in server.library.items.values() if item.type == "Audio")
            movies = server.library.find_view("Movies")
            assert movies is not None
            server.latency = LATENCY
            conn.send({"url": server.url, "song": song.id, "movies": movies.id})
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)

    asyncio.run(run())
    conn.send("stopped")


@dataclass
class World:
    """The simulator's server and the entry Home Assistant has for it."""

    url: str
    song: str
    movies: str
    system_id: str
    server: EmbyServer


@pytest.fixture
async def world(hass: HomeAssistant, socket_enabled: None) -> AsyncIterator[World]:
    """Start the simulator, sign in, and set up the entry and the media source."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve_simulator, args=(child,), daemon=True)
    process.start()
    try:
        setup: dict[str, Any] = await hass.async_add_executor_job(parent.recv)
        async with ClientSession() as session:
            client = EmbyServer(url=setup["url"], identity=IDENTITY, session=session)
            login = await client.authenticate_by_name("bench", "bench-password")
            system_id = (await client.get_public_info()).id
            assert await async_setup_component(hass, "http", {})
            entry = MockConfigEntry(
                domain=DOMAIN,
                title="Benchmark",
                unique_id=system_id,
                version=2,
                data={
                    CONF_AUTH_METHOD: AUTH_METHOD_MANUAL,
                    CONF_URL: setup["url"],
                    CONF_VERIFY_SSL: False,
                    CONF_USERNAME: "bench",
                    CONF_USER_ID: login.user_id,
                    CONF_ACCESS_TOKEN: login.access_token,
                },
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            assert await async_setup_component(hass, "media_source", {})
            await hass.async_block_till_done()
            yield World(setup["url"], setup["song"], setup["movies"], system_id, client)
            assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        parent.send("stop")
        await hass.async_add_executor_job(parent.recv)
        process.join(timeout=10)


def _ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:.1f} ms"


async def _timed_get(
    session: Any, url: str, headers: dict[str, str] | None = None
) -> tuple[float, float, int]:
    """GET a URL; return the time to the first byte, to the last, and the bytes read."""
    started = time.monotonic()
    async with session.get(url, headers=headers) as response:
        assert response.status in (200, 206), response.status
        first: float | None = None
        size = 0
        async for chunk in response.content.iter_any():
            first = first if first is not None else time.monotonic() - started
            size += len(chunk)
    return first or 0.0, time.monotonic() - started, size


async def _figures(label: str, fetch: Any) -> dict[str, float]:
    """Measure one way of fetching: first byte, whole stream, one range; report them."""
    await fetch(None)  # warm the connection
    first, whole, seek = [], [], []
    for _ in range(RUNS):
        ttfb, total, size = await fetch(None)
        assert size >= STREAM_BYTES
        first.append(ttfb)
        whole.append(total)
        _, ranged, got = await fetch({"Range": f"bytes=1048576-{1048576 + RANGE_BYTES - 1}"})
        assert got == RANGE_BYTES
        seek.append(ranged)
    result = {
        "first": statistics.median(first),
        "whole": statistics.median(whole),
        "seek": statistics.median(seek),
    }
    mib_s = STREAM_BYTES / 1024 / 1024 / result["whole"]
    report.figure(f"{label}: first byte", result["first"] * 1000, "ms")
    report.figure(f"{label}: 16 MiB stream", result["whole"] * 1000, "ms")
    report.figure(f"{label}: throughput", mib_s, "MiB/s")
    report.figure(f"{label}: 64 KiB range (seek)", result["seek"] * 1000, "ms")
    return result


async def test_stream_direct_and_proxied(
    hass: HomeAssistant, world: World, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Figure (1): the proxy's cost against fetching from the server directly."""
    report.section(
        f"(1) one item's stream, {STREAM_BYTES // 1024 // 1024} MiB, server latency "
        f"{_ms(LATENCY)}; medians of {RUNS}"
    )
    library = EmbyLibrary(world.server)
    song = MediaItem(id=world.song, name="", media_type=MediaType.AUDIO, container="wav")
    direct_request = library.stream_request(song)
    played = await media_source.async_resolve_media(
        hass, f"media-source://{DOMAIN}/{world.system_id}/{world.song}", None
    )
    async with ClientSession() as session:

        async def direct(headers: dict[str, str] | None) -> tuple[float, float, int]:
            return await _timed_get(
                session, str(direct_request.url), {**direct_request.headers, **(headers or {})}
            )

        straight = await _figures("direct from the server", direct)
    client = await hass_client_no_auth()

    async def proxied(headers: dict[str, str] | None) -> tuple[float, float, int]:
        return await _timed_get(client, played.url, headers)

    through = await _figures("through the proxy (signed path)", proxied)
    report.figure(
        "proxy's cost: first byte",
        (through["first"] - straight["first"]) * 1000,
        "ms",
        target="<= 20 ms",
        met=through["first"] - straight["first"] <= 0.020,
    )
    report.figure(
        "proxy's cost: 64 KiB range (seek)",
        (through["seek"] - straight["seek"]) * 1000,
        "ms",
        target="<= 20 ms",
        met=through["seek"] - straight["seek"] <= 0.020,
    )
    report.figure(
        "proxy's throughput, share of direct", straight["whole"] / through["whole"] * 100, "%"
    )


async def test_browse_ten_thousand_items(hass: HomeAssistant, world: World) -> None:
    """Figure (2): the first page of a 10,000-item library, and memory while paging through it."""
    report.section(f"(2) browsing a {LIBRARY_ITEMS}-item library in the media source")
    base = f"media-source://{DOMAIN}/{world.system_id}"
    views_times, page_times = [], []
    for _ in range(RUNS):
        started = time.monotonic()
        views = await media_source.async_browse_media(hass, f"{base}/")
        views_times.append(time.monotonic() - started)
        movies = next(child for child in views.children or () if child.title == "Movies")
        started = time.monotonic()
        page = await media_source.async_browse_media(hass, movies.media_content_id)
        page_times.append(time.monotonic() - started)
    assert page.children is not None
    assert page.not_shown == LIBRARY_ITEMS - 100
    first_page = statistics.median(page_times)
    report.figure("the views", statistics.median(views_times) * 1000, "ms")
    report.figure(
        "first page of the library (100 of 10,000)",
        first_page * 1000,
        "ms",
        target=f"<= {_ms(FIRST_PAGE_BOUND)} (2 x latency + 100 ms)",
        met=first_page <= FIRST_PAGE_BOUND,
    )
    report.figure("views + first page", (statistics.median(views_times) + first_page) * 1000, "ms")

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        costs = []  # what each page needs above what was held just before it
        pages = 0
        next_id: str | None = movies.media_content_id
        started = time.monotonic()
        while next_id is not None:
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            node = await media_source.async_browse_media(hass, next_id)
            costs.append(tracemalloc.get_traced_memory()[1] - held)
            pages += 1
            children = node.children or []
            last = children[-1] if children else None
            next_id = last.media_content_id if last is not None and last.can_expand else None
            del node, children, last
        walked = time.monotonic() - started
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert pages == LIBRARY_ITEMS // 100
    first_cost, worst = costs[0], max(costs)
    report.figure(f"walk of {pages} pages", walked, "s")
    report.figure("memory: the first page needs", first_cost / 1024, "KiB")
    report.figure(
        "memory: the most any page needs",
        worst / 1024,
        "KiB",
        target=f"<= {FLAT_FACTOR} x the first page's",
        met=worst <= FLAT_FACTOR * first_cost,
    )
    report.figure("memory: the last page needs", costs[-1] / 1024, "KiB")
    report.figure(
        "memory: retained after the walk",
        retained / 1024,
        "KiB",
        target=f"<= {RETAINED_BOUND // 1024} KiB",
        met=retained <= RETAINED_BOUND,
    )
