"""Fixtures for the aioemby tests: an identity, a session and a hostile HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import json
from pathlib import Path
import traceback
from typing import Any

from aiohttp import ClientSession, web
import pytest

from custom_components.emby_connect.aioemby import ClientIdentity, EmbyServer
from embysim import SimServer

# The simulator's pytest plugin (fixture `emby_sim`) is loaded by tests/conftest.py: pytest
# accepts `pytest_plugins` only in the top-level conftest.

FIXTURES = Path(__file__).parent / "fixtures"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def load_fixture(name: str) -> Any:
    """Return a recorded JSON payload."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def error_texts(err: BaseException) -> list[str]:
    """Return everything an error shows: message, repr, args and the chained traceback."""
    texts = [str(err), repr(err), *(repr(arg) for arg in err.args)]
    texts.append("".join(traceback.format_exception(err)))
    return texts


def assert_no_secret(secrets: list[str], *texts: str) -> None:
    """Fail if any text contains any secret."""
    for secret in secrets:
        assert secret
        for text in texts:
            assert secret not in text, f"secret leaked into: {text[:300]}"


async def signed_in(
    server: SimServer, session: ClientSession, identity: ClientIdentity, name: str
) -> EmbyServer:
    """Return a client signed in as a user of the Living Room server with its password."""
    client = EmbyServer(url=server.url, identity=identity, session=session)
    await client.authenticate_by_name(name, f"{name}-pw")
    return client


@pytest.fixture
def identity() -> ClientIdentity:
    """Return the client identity the tests send."""
    return ClientIdentity(
        client="Home Assistant", device_name="Home", device_id="ha-device-1", version="0.1.0"
    )


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Return an aiohttp session closed after the test."""
    async with ClientSession() as client_session:
        yield client_session


@dataclass
class HostileServer:
    """A real HTTP server on 127.0.0.1 answering whatever a test tells it to.

    Like a real Emby server it serves every path below /emby as well (the path recorded is
    the one asked for); with `emby_prefix` False it answers only the bare paths.
    """

    url: str = ""
    handlers: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    emby_prefix: bool = True

    def answer(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | str = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer requests to path with a fixed response."""
        raw = body.encode() if isinstance(body, str) else body

        async def handler(_request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, body=raw, content_type=content_type, headers=headers)

        self.handlers[path] = handler

    def answer_json(self, path: str, payload: Any, *, status: int = 200) -> None:
        """Answer requests to path with JSON."""
        self.answer(path, status=status, body=json.dumps(payload))

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Record the request and run the handler registered for its path."""
        self.requests.append((request.method, request.path, dict(request.headers)))
        path = request.path
        if self.emby_prefix and path.lower().startswith("/emby/") and path not in self.handlers:
            path = path[len("/emby") :]
        handler = self.handlers.get(path)
        if handler is None:
            return web.Response(status=404, text="not here")
        return await handler(request)


@pytest.fixture
async def hostile(socket_enabled: None) -> AsyncIterator[HostileServer]:
    """Run a HostileServer for one test."""
    server = HostileServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    yield server
    await runner.cleanup()
