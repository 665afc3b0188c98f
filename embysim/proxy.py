"""A loopback TCP proxy that can turn into a network black hole (silence: no FIN, no RST).

A listener fault answers per request; a connection that is already open (a websocket) keeps
working through it. Put this proxy in front of a listener and set `black_hole = True` to lose
the network under every open connection as well: bytes still go in, nothing comes out, and no
side learns that the other is gone, as when a cable is pulled or a VPN drops. Nothing is lost
either: as TCP retransmits, what was sent during the outage arrives once it ends, unless an
end gave up (closed) meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Self

from .net import check_loopback

_CHUNK = 64 * 1024


@dataclass(eq=False)
class _Link:
    """One client connection and its upstream."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    handler: asyncio.Task[None] | None = None


class BlackHoleProxy:
    """Forward connections from a loopback port to a target; hold every byte on demand."""

    def __init__(self, target_port: int, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """Prepare the proxy to target_port on host; it listens after start()."""
        self.host = check_loopback(host)
        self.target_port = target_port
        self.port = port
        self._network = asyncio.Event()
        self._network.set()
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()

    @property
    def black_hole(self) -> bool:
        """Return whether the network is gone."""
        return not self._network.is_set()

    @black_hole.setter
    def black_hole(self, value: bool) -> None:
        """Lose (True) or restore (False) the network."""
        if value:
            self._network.clear()
        else:
            self._network.set()

    def origin(self, scheme: str = "http") -> str:
        """Return scheme://host:port of the proxy."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def connection_count(self) -> int:
        """Return how many client connections are open."""
        return len(self._links)

    async def start(self) -> None:
        """Listen."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop every connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        links = list(self._links)
        for link in links:
            self._drop(link, abort=True)
        handlers = [link.handler for link in links if link.handler is not None]
        for handler in handlers:
            # One may still wait for the network to let its connection through.
            handler.cancel()
        tasks = [*handlers, *(task for link in links for task in link.tasks)]
        if tasks:
            await asyncio.wait(tasks)

    async def __aenter__(self) -> Self:
        """Start on entering the context."""
        await self.start()
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Close on exit."""
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Connect a new client upstream once the network lets it through."""
        link = _Link(client=writer, handler=asyncio.current_task())
        self._links.add(link)
        loop = asyncio.get_running_loop()
        try:
            await self._network.wait()
            try:
                up_reader, link.upstream = await asyncio.open_connection(
                    self.host, self.target_port
                )
            except OSError:
                return
            link.tasks.append(loop.create_task(self._pump(up_reader, link.client)))
            link.tasks.append(loop.create_task(self._pump(reader, link.upstream)))
            await asyncio.wait(link.tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._drop(link, abort=False)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy bytes one way until either side closes; hold them while the network is gone."""
        with contextlib.suppress(OSError):
            while data := await reader.read(_CHUNK):
                await self._network.wait()
                writer.write(data)
                await writer.drain()
        # Neither is a closed connection passed on during an outage.
        await self._network.wait()

    def _drop(self, link: _Link, *, abort: bool) -> None:
        """Close both sides of a link (abort: reset them) and forget it."""
        if link not in self._links:
            return
        self._links.discard(link)
        for writer in (link.client, link.upstream):
            if writer is None:
                continue
            if abort:
                writer.transport.abort()
            else:
                writer.close()
        for task in link.tasks:
            task.cancel()
