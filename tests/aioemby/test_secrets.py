"""No error message, log line or repr shows a password, Connect token, AccessKey or token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import logging

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    ConnectionManager,
    EmbyConnect,
    EmbyControl,
    EmbyError,
    EmbyLibrary,
    EmbyServer,
    GeneralCommand,
    ImageRef,
    ItemQuery,
    MediaType,
    PlaystateCommand,
    ServerRecord,
    manager as manager_module,
)
from embysim import ConnectFault, EmbySimulator, Fault, SimConnectUser, SimLink, SimServer
from embysim.catalog import LibrarySpec, generate

from .conftest import HostileServer, assert_no_secret, error_texts

CONNECT_PASSWORD = "connect-password-7f3a9c"
LOCAL_PASSWORD = "local-password-2b8e4d"


@dataclass
class World:
    """A Connect account, a linked server, signed-in clients and every secret among them."""

    sim: EmbySimulator
    user: SimConnectUser
    server: SimServer
    link: SimLink
    connect: EmbyConnect
    client: EmbyServer
    manager: ConnectionManager
    record: ServerRecord
    secrets: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    errors: int = 0

    async def expect_error(self, call: Callable[[], Awaitable[object]]) -> None:
        """Run a call that must fail with an aioemby error; keep what the error shows."""
        try:
            await call()
        except EmbyError as err:
            self.texts.extend(error_texts(err))
            self.errors += 1
        else:
            pytest.fail("the call did not fail")

    def check(self, caplog: pytest.LogCaptureFixture) -> None:
        """Fail if any collected text, log line or client repr shows a secret."""
        texts = [*self.texts, caplog.text, repr(self.connect), repr(self.client)]
        texts += [repr(self.manager), repr(self.record)]
        texts += [record.getMessage() for record in caplog.records]
        assert_no_secret(self.secrets, *texts)


@pytest.fixture
async def world(
    emby_sim: EmbySimulator,
    session: ClientSession,
    identity: ClientIdentity,
    caplog: pytest.LogCaptureFixture,
) -> World:
    """Build a signed-in world and collect its secrets."""
    caplog.set_level(logging.DEBUG)
    user = emby_sim.add_connect_user(name="alice", password=CONNECT_PASSWORD)
    server = await emby_sim.add_server(name="Living Room")
    server.add_user("bob", LOCAL_PASSWORD)
    link = emby_sim.link(user, server)
    connect = EmbyConnect(
        app_name="Home Assistant",
        app_version="0.1.0",
        session=session,
        base_url=emby_sim.connect_url,
        request_timeout=0.3,
    )
    connect_login = await connect.authenticate("alice", CONNECT_PASSWORD)
    client = EmbyServer(url=server.url, identity=identity, session=session, request_timeout=0.3)
    server_login = await client.authenticate_by_name("bob", LOCAL_PASSWORD)
    record = ServerRecord(
        system_id=server.system_id,
        local_address=server.local_address,
        remote_address=server.remote_address,
        access_key=link.access_key,
        connect_user_id=user.id,
    )
    manager = ConnectionManager(session=session, identity=identity, request_timeout=0.3)
    _, result = await manager.connect(record)
    secrets = [
        CONNECT_PASSWORD,
        LOCAL_PASSWORD,
        connect_login.access_token,
        link.access_key,
        server_login.access_token,
        result.access_token,
    ]
    return World(emby_sim, user, server, link, connect, client, manager, record, secrets)


async def test_connect_error_paths(world: World, caplog: pytest.LogCaptureFixture) -> None:
    connect, sim = world.connect, world.sim
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: connect.authenticate("alice", CONNECT_PASSWORD),
        lambda: connect.create_pin("d"),
        lambda: connect.get_pin("d", "1234"),
        lambda: connect.authenticate_pin("d", "1234"),
        connect.get_servers,
        connect.get_user,
    ]
    for fault in [f for f in ConnectFault if f is not ConnectFault.NONE]:
        sim.connect_fault = fault
        for call in calls:
            await world.expect_error(call)
    sim.connect_fault = ConnectFault.NONE

    await world.expect_error(lambda: connect.authenticate("alice", CONNECT_PASSWORD + "x"))
    await world.expect_error(lambda: connect.get_pin("d", "0000"))
    pin = await connect.create_pin("d")
    await world.expect_error(lambda: connect.authenticate_pin("d", pin.pin))
    sim.expire_pin(pin.pin)
    await world.expect_error(lambda: connect.get_pin("d", pin.pin))
    sim.revoke_connect_tokens(world.user)
    await world.expect_error(connect.get_servers)
    await world.expect_error(connect.get_user)
    assert world.errors == 5 * len(calls) + 6
    world.check(caplog)


async def test_server_error_paths(world: World, caplog: pytest.LogCaptureFixture) -> None:
    client, server, link = world.client, world.server, world.link
    calls: list[Callable[[], Awaitable[object]]] = [
        client.get_public_info,
        lambda: client.authenticate_by_name("bob", LOCAL_PASSWORD),
        lambda: client.exchange(link.access_key, world.user.id),
        client.get_system_info,
        client.get_sessions,
        client.get_item_counts,
    ]
    faults = [f for f in Fault if f is not Fault.NONE]
    for fault in faults:
        server.fault = fault
        for call in calls:
            await world.expect_error(call)
    server.fault = Fault.NONE

    await world.expect_error(lambda: client.authenticate_by_name("bob", "wrong"))
    await world.expect_error(lambda: client.exchange(link.access_key + "0", world.user.id))
    await world.expect_error(lambda: client.exchange(link.access_key, "999"))
    server.revoke_tokens()
    for call in calls[3:]:
        await world.expect_error(call)
    await client.logout()
    for call in calls[3:]:
        await world.expect_error(call)
    assert world.errors == len(faults) * len(calls) + 3 + 6
    world.check(caplog)


async def test_manager_error_paths(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager_module, "LOCAL_PROBE_TIMEOUT", 0.2)
    monkeypatch.setattr(manager_module, "REMOTE_PROBE_TIMEOUT", 0.2)
    manager, record, server, sim = world.manager, world.record, world.server, world.sim
    other = await sim.add_server(name="Other")
    other_token = other.issue_token(other.add_user("eve", "eve-password-91c2"))
    world.secrets.append(other_token)

    for fault in [f for f in Fault if f is not Fault.NONE]:
        server.fault = fault
        await world.expect_error(lambda: manager.connect(record))
    server.fault = Fault.NONE

    record.local_address, record.remote_address = other.local.url, other.remote.url
    await world.expect_error(lambda: manager.connect(record))
    record.local_address, record.remote_address = server.local.url, server.remote.url

    sim.unlink(world.user, server)
    await world.expect_error(lambda: manager.connect(record))

    manual = ServerRecord(
        system_id=server.system_id, manual_address=server.url, access_token="0" * 32
    )
    await world.expect_error(lambda: manager.connect(manual))
    manual.access_token = None
    await world.expect_error(lambda: manager.connect(manual))
    assert other.received_secrets() == set()
    world.check(caplog)


async def test_hostile_server_echoing_secrets(
    hostile: HostileServer,
    session: ClientSession,
    identity: ClientIdentity,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A server that repeats the token everywhere still cannot get it into our errors."""
    caplog.set_level(logging.DEBUG)
    token, key = "hostile-token-5d1f0b2a", "hostile-access-key-8c4e"
    echo = f"you sent {token} and {key} and {LOCAL_PASSWORD}"
    for path, status in [
        ("/System/Info", 500),
        ("/Sessions", 401),
        ("/Items/Counts", 403),
        ("/Connect/Exchange", 404),
        ("/Users/AuthenticateByName", 302),
    ]:
        hostile.answer(
            path,
            status=status,
            body=echo,
            content_type="text/plain",
            headers={"Location": f"http://evil.invalid/?{token}", "X-Echo": echo},
        )
    hostile.answer("/Sessions/Logout", status=500, body=echo)
    client = EmbyServer(url=hostile.url, identity=identity, session=session, access_token=token)
    texts: list[str] = []
    calls: list[Callable[[], Awaitable[object]]] = [
        client.get_system_info,
        client.get_sessions,
        client.get_item_counts,
        lambda: client.exchange(key, "u"),
        lambda: client.authenticate_by_name("bob", LOCAL_PASSWORD),
        client.logout,
    ]
    for call in calls:
        with pytest.raises(EmbyError) as caught:
            await call()
        texts.extend(error_texts(caught.value))
    assert len(hostile.requests) == len(calls)
    assert_no_secret([token, key, LOCAL_PASSWORD], *texts, caplog.text, repr(client))


async def test_control_and_library_hand_out_no_secret(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """No URL, repr or error of remote control and browsing shows a secret."""
    server, client = world.server, world.client
    generate(server.library, LibrarySpec())
    library, control = EmbyLibrary(client), EmbyControl(client)
    session = server.add_idle_session(user=server.find_user("bob"), profile="web")
    dlna = server.add_idle_session(user=server.find_user("bob"), profile="dlna")
    items = [item async for item in library.iter_items(ItemQuery(recursive=True, limit=50))]
    urls: list[str] = []
    for item in items:
        if (image := item.best_image()) is not None:
            urls.append(str(library.image_url(image, max_width=300)))
        if item.is_playable and item.media_type in {MediaType.AUDIO, MediaType.VIDEO}:
            for direct in (True, False):
                request = library.stream_request(item, direct=direct)
                urls.append(str(request.url))
                world.texts.append(repr(request))
                assert request.headers["X-Emby-Token"] == client.access_token
    assert len(urls) > 50
    picture = await library.fetch_image(next(i for i in items if i.best_image()).best_image())  # type: ignore[arg-type]
    world.texts += [*urls, repr(picture), repr(library), repr(control), repr(items[0])]
    assert all("api_key" not in record.query for record in server.requests)
    assert all(client.access_token not in record.path for record in server.requests)  # type: ignore[operator]

    song = next(i for i in items if i.media_type is MediaType.AUDIO)
    calls: list[Callable[[], Awaitable[object]]] = [
        lambda: control.playstate(dlna.id, PlaystateCommand.PAUSE),
        lambda: control.set_volume("gone", 5),
        lambda: control.play(session.id, ["999"]),
        lambda: library.get_item("999"),
        lambda: library.fetch_image(ImageRef(item_id=song.id)),
    ]
    for call in calls:
        await world.expect_error(call)
    for fault in [f for f in Fault if f is not Fault.NONE]:
        server.fault = fault
        failing: list[Callable[[], Awaitable[object]]] = [
            library.get_views,
            lambda: library.fetch_image(ImageRef(item_id=song.id)),
        ]
        if fault is not Fault.MALFORMED_JSON:  # a command reads no body: any JSON is an answer
            failing.append(lambda: control.send_command(session.id, GeneralCommand.MUTE))
        for call in failing:
            await world.expect_error(call)
    server.fault = Fault.NONE
    world.check(caplog)
