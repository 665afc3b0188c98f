"""Wake-on-LAN: System/WakeOnLanInfo, the loopback UDP listener, sleeping and waking servers."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
import wakeonlan

from embysim import EmbySimulator
from embysim.wake import (
    WakeListener,
    magic_packet_target,
    normalise_mac,
    require_loopback,
)
from tests.living_room import add_living_room

from .care_helpers import next_message, wait_until, ws_url
from .helpers import sign_in, with_token
from .openapi import validate_response

MAC = "02:AB:CD:EF:01:23"


@pytest.fixture
async def server(emby_sim: EmbySimulator):
    """Return a running server with an admin and a plain user, waking quickly."""
    server = await add_living_room(emby_sim, admin=("alice", "pw"))
    server.wake_delay = 0.2
    return server


async def _wake_info(http: aiohttp.ClientSession, server, token: str) -> list[dict]:
    async with http.get(f"{server.url}/System/WakeOnLanInfo", headers=with_token(token)) as r:
        assert r.status == 200
        return await r.json()


def _send(mac: str, port: int, ip_address: str = "127.0.0.1") -> None:
    """Send a magic packet the way Home Assistant's wake_on_lan integration does."""
    wakeonlan.send_magic_packet(mac, ip_address=ip_address, port=port)


# -- the packet format and the loopback rule ---------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "192.168.1.5", "255.255.255.255", "10.0.0.255", "::", "localhost", "example.com"],  # noqa: S104
)
def test_listener_refuses_anything_but_loopback(host) -> None:
    with pytest.raises(ValueError, match="loopback"):
        WakeListener(host=host)
    with pytest.raises(ValueError, match="loopback"):
        require_loopback(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1"])
def test_listener_accepts_loopback(host) -> None:
    assert WakeListener(host=host).host == host


def test_magic_packet_parsing() -> None:
    packet = wakeonlan.create_magic_packet(MAC)
    assert magic_packet_target(packet) == MAC
    assert magic_packet_target(wakeonlan.create_magic_packet(f"{MAC}/01:02:03:04:05:06")) == MAC
    assert magic_packet_target(packet[:-1]) is None  # too short
    assert magic_packet_target(b"\x00" + packet[1:]) is None  # no sync stream
    broken = bytearray(packet)
    broken[-1] ^= 0xFF  # the sixteenth repetition differs
    assert magic_packet_target(bytes(broken)) is None
    assert magic_packet_target(b"who is EmbyServer?") is None


@pytest.mark.parametrize(
    "mac", ["02:ab:cd:ef:01:23", "02-AB-CD-EF-01-23", "02abcdef0123", "02ab.cdef.0123"]
)
def test_normalise_mac(mac) -> None:
    assert normalise_mac(mac) == MAC


@pytest.mark.parametrize("mac", ["", "02:ab:cd:ef:01", "zz:ab:cd:ef:01:23", "02:ab:cd:ef:01:23:45"])
def test_normalise_mac_refuses_garbage(mac) -> None:
    with pytest.raises(ValueError, match="MAC"):
        normalise_mac(mac)


async def test_listener_records_valid_packets_and_counts_the_rest(emby_sim) -> None:
    listener = emby_sim.wake
    assert listener.listening
    assert listener.host == "127.0.0.1"
    _send(MAC, listener.port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"not a magic packet", ("127.0.0.1", listener.port))
    await wait_until(lambda: len(listener.packets) == 1 and listener.ignored == 1)
    (packet,) = listener.packets
    assert packet.mac == MAC
    assert packet.source[0] == "127.0.0.1"
    assert packet.secureon is False


async def test_listener_keeps_its_port_across_restarts(emby_sim) -> None:
    listener = emby_sim.wake
    port = listener.port
    await listener.close()
    assert not listener.listening
    await listener.close()  # closing twice is harmless
    await listener.start()
    await listener.start()  # starting twice too
    assert listener.port == port


# -- System/WakeOnLanInfo ----------------------------------------------------------------------


async def test_wake_on_lan_info_points_at_the_loopback_listener(http, emby_sim, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    info = await _wake_info(http, server, token)
    assert info == [
        {
            "MacAddress": server.mac_address,
            "BroadcastAddress": "127.0.0.1",
            "Port": emby_sim.wake.port,
        }
    ]
    validate_response("GET", "/System/WakeOnLanInfo", info)
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as r:
        assert (await r.json())["WakeOnLanInfo"] == info


async def test_wake_on_lan_info_needs_a_user_not_an_administrator(http, server) -> None:
    # Emby's spec: "Requires authentication as user".
    token = await sign_in(http, server, "bob", "bob-pw")
    assert (await _wake_info(http, server, token))[0]["MacAddress"] == server.mac_address
    async with http.get(f"{server.url}/System/WakeOnLanInfo") as r:
        assert r.status == 401


async def test_each_server_has_its_own_stable_mac(emby_sim, server) -> None:
    other = await emby_sim.add_server(name="Basement")
    assert normalise_mac(server.mac_address) == server.mac_address
    assert server.mac_address != other.mac_address
    assert server.mac_address.startswith("02:")  # locally administered
    again = EmbySimulator()
    copy = await again.add_server(name="Copy", system_id=server.system_id, start=False)
    assert copy.mac_address == server.mac_address


# -- sleeping and waking -----------------------------------------------------------------------


async def test_sleep_refuses_connections_and_drops_websockets_silently(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await next_message(ws, "ForceKeepAlive")
        await server.sleep()
        async with asyncio.timeout(2):
            message = await ws.receive()
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert server.asleep
    assert not server.running
    with pytest.raises(aiohttp.ClientConnectorError):
        await http.get(f"{server.url}/System/Info/Public")


async def test_magic_packet_wakes_a_sleeping_server_after_the_delay(http, emby_sim, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    (info,) = await _wake_info(http, server, token)
    await server.sleep()
    loop = asyncio.get_running_loop()
    sent = loop.time()
    _send(info["MacAddress"], info["Port"], info["BroadcastAddress"])
    await wait_until(lambda: not server.asleep)
    assert loop.time() - sent >= server.wake_delay
    async with http.get(f"{server.url}/System/Info/Public") as r:
        assert (await r.json())["Id"] == server.system_id
    (packet,) = server.wake_packets
    assert packet.mac == server.mac_address
    assert packet.source[0] == "127.0.0.1"
    # The token survives a sleep, as on a real server.
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as r:
        assert r.status == 200


async def test_only_the_addressed_server_wakes(emby_sim, server) -> None:
    other = await emby_sim.add_server(name="Basement")
    await server.sleep()
    await other.sleep()
    _send(other.mac_address, emby_sim.wake.port)
    await wait_until(lambda: not other.asleep)
    await asyncio.sleep(server.wake_delay + 0.1)
    assert server.asleep
    assert server.wake_packets == []
    assert len(other.wake_packets) == 1


async def test_packets_while_awake_or_waking_are_recorded_only(emby_sim, server) -> None:
    _send(server.mac_address, emby_sim.wake.port)
    await wait_until(lambda: len(server.wake_packets) == 1)
    assert server.running
    await server.sleep()
    for _ in range(3):
        _send(server.mac_address, emby_sim.wake.port)
    await wait_until(lambda: len(server.wake_packets) == 4)
    await wait_until(lambda: not server.asleep)
    assert server.running


async def test_wake_at_once_cancels_a_pending_wake(emby_sim, server) -> None:
    server.wake_delay = 5
    await server.sleep()
    _send(server.mac_address, emby_sim.wake.port)
    await wait_until(lambda: len(server.wake_packets) == 1)
    await server.wake()
    assert server.running
    assert not server.asleep


async def test_a_scan_running_at_sleep_is_cancelled(server) -> None:
    scan = server.scan_library([{"Name": "Sintel", "Type": "Movie"}], duration=5)
    await asyncio.sleep(0.05)
    await server.sleep()
    assert (await scan) == "Cancelled"
    assert server.task("RefreshLibrary").last_result["Status"] == "Cancelled"
