"""Every client closes the aiohttp session it created, and never one it was given."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyConnect,
    EmbyServer,
    EmbyWebSocket,
)
from custom_components.emby_connect.aioemby._http import SessionClient

IDENTITY = ClientIdentity(client="Test", device_name="Test", device_id="d", version="1")

type Factory = Callable[[ClientSession | None], SessionClient]

FACTORIES: dict[str, Factory] = {
    "connect": lambda session: EmbyConnect(app_name="a", app_version="1", session=session),
    "server": lambda session: EmbyServer(
        url="http://127.0.0.1:9", identity=IDENTITY, session=session
    ),
    "websocket": lambda session: EmbyWebSocket(
        url="http://127.0.0.1:9", access_token="t", device_id="d", session=session
    ),
}


@pytest.fixture(params=sorted(FACTORIES))
def factory(request: pytest.FixtureRequest) -> Factory:
    """Return a way to build each kind of client."""
    return FACTORIES[request.param]


async def test_given_session_is_never_closed(factory: Factory) -> None:
    async with ClientSession() as shared:
        async with factory(shared) as client:
            assert client.http_session() is shared
        await client.close()
        assert not shared.closed
        assert client.session is shared


async def test_created_session_is_closed_once(factory: Factory) -> None:
    client = factory(None)
    async with client:
        own = client.http_session()
        assert client.http_session() is own
    assert own.closed
    assert client.session is None
    await client.close()
    # A new one is created (and owned) when the client is used again.
    again = client.http_session()
    assert again is not own
    await client.close()
    assert again.closed


async def test_replaced_session_stays_open(factory: Factory) -> None:
    """A session handed in after the client made its own is not the client's to close."""
    client = factory(None)
    own = client.http_session()
    async with ClientSession() as shared:
        client.session = shared
        await client.close()
        assert own.closed
        assert not shared.closed
        assert client.session is shared
