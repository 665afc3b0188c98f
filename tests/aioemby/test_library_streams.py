"""Over real HTTP: browsing as another user, and opening streams with the token in a header."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyLibrary,
    EmbyNotFoundError,
    EmbyResponseError,
    EmbyServer,
    EmbyTimeoutError,
    MediaItem,
    MediaType,
)
from embysim import EmbySimulator, Fault, SimServer
from tests.living_room import add_living_room

from .conftest import signed_in


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a server with the default generated library, an admin and bob."""
    return await add_living_room(emby_sim, library=True)


def _first(server: SimServer, kind: str) -> MediaItem:
    """Return the first item of a type, as the server describes it."""
    item = next(item for item in server.library.items.values() if item.type == kind)
    return MediaItem.from_dict(server.library.dto(item))


async def test_an_administrator_browses_as_another_user(
    server: SimServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """An administrator's token browses what another user may see; bob may not browse as admin."""
    bob = server.find_user("bob")
    admin = server.find_user("admin")
    assert bob is not None
    assert admin is not None
    music = server.library.find_view("Music")
    assert music is not None
    bob.enabled_folders = frozenset({music.id})
    admin_client = await signed_in(server, session, identity, "admin")
    as_bob = EmbyLibrary(admin_client, user_id=bob.id)
    assert [view.name for view in await as_bob.get_views()] == ["Music"]
    assert len(await EmbyLibrary(admin_client).get_views()) == 5
    bob_client = await signed_in(server, session, identity, "bob")
    with pytest.raises(EmbyForbiddenError):
        await EmbyLibrary(bob_client, user_id=admin.id).get_views()
    signed_out = EmbyServer(url=server.url, identity=identity, session=session)
    with pytest.raises(EmbyAuthenticationError):
        await EmbyLibrary(signed_out, user_id=bob.id).get_views()


async def test_open_stream_sends_the_token_in_a_header_and_passes_range(
    server: SimServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """A stream opens with the token in a header only; a Range gets its 206 part."""
    client = await signed_in(server, session, identity, "admin")
    library = EmbyLibrary(client)
    song = _first(server, "Audio")
    request = library.stream_request(song, container="wav")
    assert client.access_token
    assert client.access_token not in str(request.url)
    async with library.open_stream(request) as whole:
        assert whole.status == 200
        body = await whole.read()
    assert body.startswith(b"RIFF")
    async with library.open_stream(request, byte_range="bytes=4-11") as part:
        assert part.status == 206
        assert part.headers["Content-Range"] == f"bytes 4-11/{len(body)}"
        assert await part.read() == body[4:12]
    async with library.open_stream(request, byte_range=f"bytes={len(body) + 10}-") as beyond:
        assert beyond.status == 416
    movie = _first(server, "Movie")
    async with library.open_stream(library.stream_request(movie, direct=False)) as video:
        assert video.status == 200
        assert video.content_type == "video/mp4"
    streams = [record for record in server.requests if "/stream" in record.path]
    assert streams
    for record in streams:
        assert client.access_token not in str(record.query)
        assert {key.lower() for key in record.query} & {"api_key", "x-emby-token"} == set()


async def test_open_stream_errors(
    server: SimServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """Refusals and a dead server raise the library's own errors."""
    client = await signed_in(server, session, identity, "admin")
    library = EmbyLibrary(client)
    missing = library.stream_request(MediaItem(id="999999", name="", media_type=MediaType.AUDIO))
    with pytest.raises(EmbyNotFoundError):
        async with library.open_stream(missing):
            pass
    song = library.stream_request(_first(server, "Audio"))
    stranger = EmbyLibrary(EmbyServer(url=server.url, identity=identity, session=session))
    with pytest.raises(EmbyAuthenticationError):
        async with stranger.open_stream(stranger.stream_request(_first(server, "Audio"))):
            pass
    server.fault = Fault.HTTP_500
    with pytest.raises(EmbyResponseError) as caught:
        async with library.open_stream(song):
            pass
    assert caught.value.status == 500
    server.fault = Fault.STOPPED
    with pytest.raises(EmbyConnectionError):
        async with library.open_stream(song):
            pass


async def test_open_stream_of_a_hanging_server_times_out(
    server: SimServer, session: ClientSession, identity: ClientIdentity
) -> None:
    """A server that takes the connection and never answers is given the request timeout.

    Not the minute a started stream may stall for: a device asking for a stream of a black
    hole hears of it as soon as any other call would.
    """
    client = EmbyServer(url=server.url, identity=identity, session=session, request_timeout=0.2)
    await client.authenticate_by_name("admin", "admin-pw")
    library = EmbyLibrary(client)
    song = library.stream_request(_first(server, "Audio"))
    server.fault = Fault.HANGING
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(EmbyTimeoutError):
        async with asyncio.timeout(5), library.open_stream(song):
            pass
    assert loop.time() - started < 2
