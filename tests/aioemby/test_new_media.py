"""New media and playback news over real HTTP and websockets: items by Ids, Playback messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyError,
    EmbyLibrary,
    EmbyMessage,
    EmbyServer,
    EmbyWebSocket,
    ItemType,
    LibraryChangedMessage,
    PlaybackMessage,
    parse_message,
)
from embysim import EmbySimulator, SimServer
from tests.living_room import add_living_room

EPISODES = [
    {
        "Name": f"Chapter {number}",
        "Type": "Episode",
        "SeriesName": "Blender Stories",
        "ParentIndexNumber": 1,
        "IndexNumber": number,
        "ProductionYear": 2024,
    }
    for number in range(1, 6)
]


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a server behind /emby with an administrator and bob; scans are quick."""
    server = await add_living_room(emby_sim, admin=("alice", "pw"), base_path="/emby")
    server.scan_duration = 0.2
    server.library_changed_delay = 0.2
    return server


@pytest.fixture
async def client(server: SimServer, identity: ClientIdentity, session: ClientSession) -> EmbyServer:
    """Return the administrator's signed-in client."""
    client = EmbyServer(url=server.local.url, identity=identity, session=session)
    await client.authenticate_by_name("alice", "pw")
    return client


@contextlib.asynccontextmanager
async def _listening(
    client: EmbyServer, session: ClientSession
) -> AsyncIterator[asyncio.Queue[EmbyMessage]]:
    """Listen on the websocket of a signed-in client; yield the messages as they come."""
    assert client.access_token is not None
    websocket = EmbyWebSocket(
        url=client.url, access_token=client.access_token, device_id="ha-1", session=session
    )
    queue: asyncio.Queue[EmbyMessage] = asyncio.Queue()
    await websocket.connect()
    task = asyncio.create_task(websocket.listen(queue.put_nowait))
    try:
        yield queue
    finally:
        await websocket.close()
        with contextlib.suppress(EmbyError):
            await task


async def _next[T](queue: asyncio.Queue[EmbyMessage], kind: type[T]) -> T:
    """Return the next message of a kind."""
    async with asyncio.timeout(10):
        while not isinstance(message := await queue.get(), kind):
            pass
    return message


async def test_a_scans_items_by_their_ids(
    server: SimServer, client: EmbyServer, session: ClientSession
) -> None:
    """The Ids of LibraryChanged resolve to the items, in order, a few Ids per request."""
    async with _listening(client, session) as queue:
        status = server.scan_library(EPISODES)
        changed = await _next(queue, LibraryChangedMessage)
        await status
    assert len(changed.items_added) == len(EPISODES)
    library = EmbyLibrary(client)
    before = len(server.requests)
    items = await library.get_items_by_ids(
        [*changed.items_added, "no-such-item", changed.items_added[0]], per_request=2
    )
    asked = [request for request in server.requests[before:] if request.path.endswith("/Items")]
    # Five known Ids and an unknown one, two per request; the repeated Id is asked once.
    assert [request.query["Ids"].count(",") + 1 for request in asked] == [2, 2, 2]
    assert [item.id for item in items] == changed.items_added
    first = items[0]
    assert (first.type, first.name, first.series_name) == (
        ItemType.EPISODE,
        "Chapter 1",
        "Blender Stories",
    )
    assert (first.parent_index_number, first.index_number, first.production_year) == (1, 1, 2024)
    assert not first.is_folder

    # Bounded: only the first Ids are read.
    before = len(server.requests)
    assert len(await library.get_items_by_ids(changed.items_added, max_items=3)) == 3
    assert len(server.requests) - before == 1
    assert await library.get_items_by_ids([]) == []
    with pytest.raises(ValueError, match="per_request"):
        await library.get_items_by_ids(changed.items_added, per_request=0)


async def test_items_a_user_may_not_see_are_left_out(
    server: SimServer, client: EmbyServer, identity: ClientIdentity, session: ClientSession
) -> None:
    """A user restricted to other libraries gets none of a scan's episodes."""
    async with _listening(client, session) as queue:
        await server.scan_library(EPISODES[:2])
        changed = await _next(queue, LibraryChangedMessage)
    music = next(view for view in server.library.views if view.collection_type == "music")
    bob = server.find_user("bob")
    assert bob is not None
    bob.enabled_folders = frozenset({music.id})
    other = EmbyServer(url=server.local.url, identity=identity, session=session)
    await other.authenticate_by_name("bob", "bob-pw")
    assert await EmbyLibrary(other).get_items_by_ids(changed.items_added) == []


def test_playback_messages() -> None:
    """PlaybackStart and PlaybackStopped carry the session; an unreadable one carries None."""
    session = {
        "Id": "s1",
        "UserName": "bob",
        "Client": "Emby Theater",
        "NowPlayingItem": {"Id": "m1", "Name": "Arrival", "Type": "Movie"},
    }
    started = parse_message(json.dumps({"MessageType": "PlaybackStart", "Data": session}))
    assert isinstance(started, PlaybackMessage)
    assert started.started
    assert started.session is not None
    assert started.session.now_playing is not None
    assert started.session.now_playing.name == "Arrival"
    stopped = parse_message(json.dumps({"MessageType": "PlaybackStopped", "Data": session}))
    assert isinstance(stopped, PlaybackMessage)
    assert not stopped.started
    for data in ({"UserName": "no id"}, "s1", None):
        message = parse_message(json.dumps({"MessageType": "PlaybackStart", "Data": data}))
        assert message == PlaybackMessage(started=True, session=None)
