"""The black-hole proxy: forwards, then goes silent without closing anything."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from embysim import EmbySimulator
from embysim.proxy import BlackHoleProxy


async def _echo_server() -> asyncio.Server:
    """Return a TCP echo server on loopback."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(echo, "127.0.0.1", 0)


async def test_forwards_holds_and_delivers(socket_enabled: None) -> None:
    server = await _echo_server()
    async with server, BlackHoleProxy(server.sockets[0].getsockname()[1]) as proxy:
        assert proxy.origin("ws").startswith("ws://127.0.0.1:")
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await asyncio.wait_for(reader.read(4), 1) == b"ping"
        assert proxy.connection_count == 1

        proxy.black_hole = True
        assert proxy.black_hole
        writer.write(b"held")
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(4), 0.1)

        # New connections are accepted and go nowhere for now.
        reader2, writer2 = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer2.write(b"later")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader2.read(5), 0.1)
        # A client giving up during the outage: the other side learns it only afterwards.
        _reader3, writer3 = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer3.close()
        await asyncio.sleep(0.05)
        assert proxy.connection_count == 3

        # What was sent during the outage arrives once it ends, as TCP retransmits it.
        proxy.black_hole = False
        assert await asyncio.wait_for(reader.read(4), 1) == b"held"
        assert await asyncio.wait_for(reader2.read(5), 1) == b"later"
        await asyncio.sleep(0.05)
        assert proxy.connection_count == 2
        writer2.close()
        await asyncio.sleep(0.05)
        assert proxy.connection_count == 1
    # Closing the proxy resets what is left.
    assert proxy.connection_count == 0
    assert await asyncio.wait_for(reader.read(4), 1) == b""
    writer.close()


async def test_target_down_closes_the_client(socket_enabled: None) -> None:
    server = await _echo_server()
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with BlackHoleProxy(port) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        assert await asyncio.wait_for(reader.read(4), 1) == b""
        writer.close()
        assert proxy.connection_count == 0


async def test_in_front_of_a_server(emby_sim: EmbySimulator) -> None:
    server = await emby_sim.add_server(name="Living Room")
    async with (
        BlackHoleProxy(server.local.port) as proxy,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(f"{proxy.origin()}/System/Info/Public") as response:
            assert (await response.json())["Id"] == server.system_id
        proxy.black_hole = True
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await session.get(f"{proxy.origin()}/System/Info/Public", headers={"X": "y"})


async def test_loopback_only_and_idle_close() -> None:
    with pytest.raises(ValueError, match="loopback"):
        BlackHoleProxy(1, host="192.0.2.1")
    await BlackHoleProxy(1).close()
