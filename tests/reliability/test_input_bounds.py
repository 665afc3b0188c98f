"""Input checks: the manual address is validated, and hostile answers are bounded.

- The server address typed in the manual step must be http(s), have a host and carry no
  credentials: anything else is refused with a clear error on the address field, and nothing
  is sent anywhere. The addresses people really paste (the browser's, a reverse proxy's) work.
- A broken or malicious server cannot exhaust Home Assistant: bodies are capped (by length,
  while streaming, and after decompression), a trickle or a stall ends at the timeout, oversized
  headers and websocket frames are refused, and Home Assistant keeps running meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import functools
import tracemalloc
import zlib

from aiohttp import ClientSession, web
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyConnect,
    EmbyConnectionError,
    EmbyError,
    EmbyResponseError,
    EmbyServer,
    EmbyTimeoutError,
)
from custom_components.emby_connect.aioemby._http import MAX_RESPONSE_BYTES
from custom_components.emby_connect.const import (
    DOMAIN,
)

from .conftest import (
    ADMIN_NAME,
    ADMIN_PASSWORD,
    SHORT_TIMEOUT,
    Stack,
    emby_path,
    report,
    serve_on_loopback,
    set_up_manual_entry,
)

SYSTEM_ID = "5a4b3c2d1e0f98877665544332211000"
TOKEN = "bounds-token-0a1b2c3d4e5f6a7b8c9d"
# Memory a single hostile answer may cost: the cap on bodies plus aiohttp's read buffers.
MEMORY_LIMIT = 3 * MAX_RESPONSE_BYTES

# -- the manual address ---------------------------------------------------------------------

INVALID_ADDRESSES = [
    pytest.param("ftp://{host}", id="ftp scheme"),
    pytest.param("file:///etc/passwd", id="file scheme"),
    pytest.param("javascript:alert(1)", id="javascript scheme"),
    pytest.param("{host}", id="no scheme"),
    pytest.param("http://", id="no host"),
    pytest.param("http:///System/Info", id="empty host"),
    pytest.param("http://admin:hunter2@{host}", id="user and password"),
    pytest.param("http://admin@{host}", id="user"),
    pytest.param("http://:hunter2@{host}", id="password"),
    pytest.param("http://admin%40home:pw@{host}", id="encoded credentials"),
    pytest.param("http://{host}/?api_key=0123456789abcdef", id="query with a key"),
    pytest.param("http://127.0.0.1:99999", id="port out of range"),
    pytest.param("http://[::1", id="broken IPv6 literal"),
    pytest.param(" \t ", id="blank"),
]


async def _manual_step(stack: Stack, url: str, password: str = ADMIN_PASSWORD) -> dict[str, object]:
    """Submit the manual step of the config flow; return the result."""
    flow = stack.hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "manual"})
    return dict(
        await flow.async_configure(
            result["flow_id"],
            {
                CONF_URL: url,
                CONF_USERNAME: ADMIN_NAME,
                CONF_PASSWORD: password,
                CONF_VERIFY_SSL: True,
            },
        )
    )


@pytest.mark.parametrize("template", INVALID_ADDRESSES)
async def test_manual_address_refused(stack: Stack, template: str) -> None:
    """An address that is not http(s) with a host, or that carries credentials, is refused."""
    server = await stack.add_server("Living Room", link=False)
    host = server.url.removeprefix("http://")
    result = await _manual_step(stack, template.format(host=host))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "invalid_url"}
    # Nothing was sent, so no password went anywhere; the form does not keep it either.
    assert not server.requests
    assert not stack.sim.connect_requests
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema  # type: ignore[attr-defined]
        if key.description and "suggested_value" in key.description
    }
    assert CONF_PASSWORD not in suggested
    assert not stack.entries()
    await stack.assert_no_secret_shown()


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{url}/" + "a" * 70_000, id="a huge path"),
        pytest.param("{url}/%00%0d%0aX-Injected:%20yes", id="encoded control characters"),
        pytest.param("{url}/../../../etc/passwd", id="dot segments"),
    ],
)
async def test_manual_address_odd_but_harmless(stack: Stack, template: str) -> None:
    """An odd address that passes the checks is only asked who it is; no secret is sent."""
    server = await stack.add_server("Living Room", link=False)
    result = await _manual_step(stack, template.format(url=server.url))

    assert result["type"] in {FlowResultType.FORM, FlowResultType.CREATE_ENTRY}
    if result["type"] is FlowResultType.FORM:
        assert result["errors"] in ({"base": "cannot_connect"}, {CONF_URL: "invalid_url"})
        assert not stack.entries()
    assert not any(record.headers.get("X-Injected") for record in server.requests)
    stack.assert_secrets_stayed_home()
    await stack.assert_no_secret_shown()


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{url}", "{url}", id="plain"),
        pytest.param("  {url}/  ", "{url}", id="spaces and a trailing slash"),
        pytest.param("{url}/web/index.html#!/home", "{url}", id="the browser's address"),
        pytest.param("{url}/emby/web/index.html", "{url}/emby", id="behind a proxy at /emby"),
        pytest.param("HTTP://{host}", "{url}", id="upper-case scheme"),
    ],
)
async def test_manual_address_accepted(stack: Stack, template: str, expected: str) -> None:
    """The addresses people paste are accepted and stored as the server's own address."""
    server = await stack.add_server("Living Room", link=False)
    host = server.url.removeprefix("http://")
    result = await _manual_step(stack, template.format(url=server.url, host=host))

    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["data"][CONF_URL] == expected.format(url=server.url)  # type: ignore[index]
    await stack.hass.async_block_till_done()
    await stack.until(lambda: stack.shows_truth(server), what="the server")


# -- hostile answers to the client ------------------------------------------------------------

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _endless(request: web.Request) -> web.StreamResponse:
    """Stream JSON-looking bytes forever, without a length."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(b'{"Id": "')
    chunk = b"9" * 65536
    while True:
        await response.write(chunk)


async def _trickle(request: web.Request) -> web.StreamResponse:
    """Send the headers, then one byte now and then, forever."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    while True:
        await response.write(b" ")
        await asyncio.sleep(0.02)


async def _stall_headers(request: web.Request) -> web.StreamResponse:
    """Accept the request and never answer."""
    await asyncio.Event().wait()
    raise AssertionError


async def _huge_length(request: web.Request) -> web.StreamResponse:
    """Announce a body larger than the cap (and send only the start of it)."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/json",
            "Content-Length": str(1024 * MAX_RESPONSE_BYTES),
        }
    )
    await response.prepare(request)
    await response.write(b"{" * 65536)
    await asyncio.Event().wait()
    raise AssertionError


@functools.cache
def _bomb() -> bytes:
    """Return 128 MiB of zeros (16 times the cap) gzip-compressed to about 130 kB."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * (1 << 20)
    return b"".join([*(compressor.compress(block) for _ in range(128)), compressor.flush()])


async def _gzip_bomb(request: web.Request) -> web.StreamResponse:
    """Answer a small gzip body that expands far beyond the cap."""
    return web.Response(
        body=_bomb(), headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )


async def _huge_header(request: web.Request) -> web.StreamResponse:
    """Answer with a header line far beyond what a client reads."""
    return web.Response(text="{}", headers={"X-Padding": "x" * 200_000})


async def _redirect(request: web.Request) -> web.StreamResponse:
    """Redirect to another address (which must not get the token)."""
    raise web.HTTPFound(location=str(request.url.with_path("/elsewhere")))


HOSTILE: dict[str, tuple[Handler, type[EmbyError]]] = {
    "endless body": (_endless, EmbyResponseError),
    "trickling body": (_trickle, EmbyTimeoutError),
    "no answer": (_stall_headers, EmbyTimeoutError),
    "huge Content-Length": (_huge_length, EmbyResponseError),
    "gzip bomb": (_gzip_bomb, EmbyResponseError),
    "huge header": (_huge_header, EmbyConnectionError),
    "redirect": (_redirect, EmbyResponseError),
}


class Hostile:
    """A server on 127.0.0.1 whose every path runs one hostile handler."""

    def __init__(self) -> None:
        """Start with no handler; `elsewhere` counts what the redirect target received."""
        self.handler: Handler | None = None
        self.url = ""
        self.elsewhere_hits = 0

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Run the current handler."""
        if request.path.startswith("/elsewhere"):
            self.elsewhere_hits += 1
            return web.json_response({"Id": SYSTEM_ID})
        assert self.handler is not None
        return await self.handler(request)


@pytest.fixture
async def hostile(socket_enabled: None) -> AsyncIterator[Hostile]:
    """Run a hostile server."""
    async with serve_on_loopback(Hostile()) as server:
        yield server


IDENTITY = ClientIdentity(client="HA", device_name="Home", device_id="bounds", version="0.1.0")


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_hostile_answer_is_bounded(hostile: Hostile, kind: str) -> None:
    """Each hostile answer ends in the library's error, soon, within bounded memory."""
    handler, error = HOSTILE[kind]
    hostile.handler = handler
    _bomb()  # made once, before the clock runs
    loop = asyncio.get_running_loop()
    limit = 0.5
    async with ClientSession() as session:
        calls: list[Callable[[], Awaitable[object]]] = [
            EmbyServer(
                url=hostile.url,
                identity=IDENTITY,
                session=session,
                access_token=TOKEN,
                request_timeout=limit,
            ).get_sessions,
            EmbyConnect(
                app_name="HA",
                app_version="1",
                session=session,
                base_url=f"{hostile.url}/service",
                user_id="u",
                access_token=TOKEN,
                request_timeout=limit,
            ).get_servers,
        ]
        for call in calls:
            tracemalloc.start()
            started = loop.time()
            try:
                with pytest.raises(error):
                    await call()
                took = loop.time() - started
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            assert took < limit + 1.0
            assert peak < MEMORY_LIMIT, f"{kind}: {peak / 2**20:.0f} MiB"
            report(
                "input bounds (hostile answers)",
                f"{kind} ({call.__qualname__}): {error.__name__} after {took:.2f} s, "
                f"peak {peak / 2**20:.1f} MiB",
            )
    assert hostile.elsewhere_hits == 0


# -- hostile answers to Home Assistant ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["endless body", "trickling body", "gzip bomb", "no answer"])
async def test_home_assistant_outlasts_a_hostile_server(
    stack: Stack, hostile: Hostile, kind: str
) -> None:
    """A server turning hostile only makes it unavailable; Home Assistant stays responsive."""
    good = web.json_response
    answers = {
        "/System/Info/Public": {"Id": SYSTEM_ID, "ServerName": "Hostile", "Version": "4.8.11.0"},
        "/System/Info": {"Id": SYSTEM_ID, "ServerName": "Hostile", "Version": "4.8.11.0"},
        "/Sessions": [],
        "/Items/Counts": {"MovieCount": 1},
    }
    hostile_now = False

    async def serve(request: web.Request) -> web.StreamResponse:
        path = emby_path(request.path)
        if hostile_now and path != "/embywebsocket":
            return await HOSTILE[kind][0](request)
        if path in answers:
            return good(answers[path])
        return web.Response(status=404)

    hostile.handler = serve
    _bomb()  # made once, before the clock runs
    entry = await set_up_manual_entry(
        stack.hass, title="Hostile", system_id=SYSTEM_ID, url=hostile.url, user_id="u", token=TOKEN
    )
    connectivity = "binary_sensor.hostile_connectivity"
    assert stack.hass.states.get(connectivity).state == "on"  # type: ignore[union-attr]

    hostile_now = True
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    loop = asyncio.get_running_loop()
    started = loop.time()
    tracemalloc.start()
    try:
        await stack.until(
            lambda: stack.hass.states.get(connectivity).state == "off",  # type: ignore[union-attr]
            what="the hostile server unavailable",
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        beating.cancel()
    took = loop.time() - started
    # The event loop kept turning: nothing blocked Home Assistant while the answer was read.
    assert ticks >= took / 0.01 / 4
    assert peak < MEMORY_LIMIT
    assert took < 10 * SHORT_TIMEOUT + 5

    hostile_now = False
    await stack.until(
        lambda: stack.hass.states.get(connectivity).state == "on",  # type: ignore[union-attr]
        what="the server back",
    )
    assert entry.state is ConfigEntryState.LOADED
