"""Waking a sleeping server: the magic packet goes where the server said (the simulator's
loopback listener) and nowhere else."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession
import pytest
import wakeonlan

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    EmbyAdmin,
    EmbyConnectionError,
    EmbyServer,
    EmbyWakeOnLan,
    EmbyWakeOnLanError,
    WakeOnLanInfo,
)
from embysim import EmbySimulator, SimServer

MAC = "02:AB:CD:EF:01:23"


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a running server with a user; it wakes 0.2 s after its magic packet."""
    server = await emby_sim.add_server(name="Living Room")
    server.add_user("bob", "pw")
    server.wake_delay = 0.2
    return server


async def _reported(
    server: SimServer, identity: ClientIdentity, session: ClientSession
) -> list[WakeOnLanInfo]:
    """Return what the server reports in System/WakeOnLanInfo (read while it is awake)."""
    client = EmbyServer(url=server.url, identity=identity, session=session)
    await client.authenticate_by_name("bob", "pw")
    return await EmbyAdmin(server=client).get_wake_on_lan_info()


async def test_a_magic_packet_wakes_a_sleeping_server(
    emby_sim: EmbySimulator, server: SimServer, identity: ClientIdentity, session: ClientSession
) -> None:
    reported = await _reported(server, identity, session)
    assert [(i.broadcast_address, i.port) for i in reported] == [("127.0.0.1", emby_sim.wake.port)]
    await server.sleep()
    client = EmbyServer(url=server.url, identity=identity, session=session)
    with pytest.raises(EmbyConnectionError):
        await client.get_public_info()

    sent = await EmbyWakeOnLan(reported).send()

    assert sent == reported
    async with asyncio.timeout(3):
        while server.asleep:  # noqa: ASYNC110 - the simulator's state, no event to wait on
            await asyncio.sleep(0.01)
    assert (await client.get_public_info()).id == server.system_id
    # The packet reached the listener the server reported, from this host, for this MAC.
    (packet,) = server.wake_packets
    assert packet.mac == server.mac_address
    assert packet.source[0] == "127.0.0.1"
    assert emby_sim.wake.packets == [packet]


async def test_one_reported_target_can_be_chosen(
    emby_sim: EmbySimulator, server: SimServer
) -> None:
    info = WakeOnLanInfo(
        mac_address=server.mac_address, broadcast_address="127.0.0.1", port=emby_sim.wake.port
    )
    lower = WakeOnLanInfo(
        mac_address=server.mac_address.lower().replace(":", "-"),
        broadcast_address="127.0.0.1",
        port=emby_sim.wake.port,
    )
    waker = EmbyWakeOnLan([info])
    assert await waker.send(lower) == [info]  # the same target, written differently
    async with asyncio.timeout(2):
        while not server.wake_packets:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("broadcast", "port", "mac"),
    [
        ("192.168.1.255", None, None),  # another address: a LAN broadcast
        ("255.255.255.255", None, None),
        ("127.0.0.2", None, None),  # even another loopback address
        (None, 9, None),  # another port
        (None, None, "02:00:00:00:00:01"),  # another machine
    ],
)
async def test_a_target_the_server_did_not_report_is_refused(
    emby_sim: EmbySimulator, server: SimServer, broadcast, port, mac
) -> None:
    reported = WakeOnLanInfo(
        mac_address=server.mac_address, broadcast_address="127.0.0.1", port=emby_sim.wake.port
    )
    other = WakeOnLanInfo(
        mac_address=mac or reported.mac_address,
        broadcast_address=broadcast or reported.broadcast_address,
        port=port or reported.port,
    )
    with pytest.raises(EmbyWakeOnLanError, match="did not report"):
        await EmbyWakeOnLan([reported]).send(other)
    await asyncio.sleep(0.05)
    assert emby_sim.wake.packets == []


async def test_nothing_reported_nothing_sent(emby_sim: EmbySimulator) -> None:
    with pytest.raises(EmbyWakeOnLanError, match="no Wake-on-LAN target"):
        await EmbyWakeOnLan([]).send()
    assert emby_sim.wake.packets == []


@pytest.mark.parametrize(
    "info",
    [
        WakeOnLanInfo(mac_address=MAC, broadcast_address="nas.example.com"),
        WakeOnLanInfo(mac_address="nope", broadcast_address="127.0.0.1"),
        WakeOnLanInfo(mac_address=MAC, broadcast_address="127.0.0.1", port=0),
        WakeOnLanInfo(mac_address=MAC, broadcast_address="127.0.0.1", port=65536),
    ],
)
def test_unusable_targets_are_refused_up_front(info) -> None:
    with pytest.raises(EmbyWakeOnLanError):
        EmbyWakeOnLan([info])


async def test_a_send_failure_is_a_connection_error(
    emby_sim: EmbySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*_args: object, **_kwargs: object) -> None:
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(wakeonlan, "send_magic_packet", unreachable)
    waker = EmbyWakeOnLan(
        [WakeOnLanInfo(mac_address=MAC, broadcast_address="127.0.0.1", port=emby_sim.wake.port)]
    )
    with pytest.raises(EmbyConnectionError, match="Network is unreachable"):
        await waker.send()
