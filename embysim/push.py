"""One server's push channel: the connected websockets, their queues and keep-alives."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from .models import IssuedToken

type SessionsMessage = Callable[[IssuedToken], dict[str, object]]
type TextHandler = Callable[["WsClient", str], None]

_CLOSE = object()
KEEPALIVE_DATA = 60


@dataclass(eq=False, kw_only=True)
class WsClient:
    """Hold one connected websocket and its outgoing queue."""

    ws: web.WebSocketResponse
    issued: IssuedToken
    device_id: str
    queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    sessions_subscribed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def send(self, message: dict[str, object]) -> None:
        """Queue a message for this client."""
        self.queue.put_nowait(message)

    def close(self) -> None:
        """Queue the close: messages already queued go out first."""
        self.queue.put_nowait(_CLOSE)


class PushHub:
    """Send messages to every websocket of one server, in order, and close them on demand."""

    def __init__(self) -> None:
        """Start without clients."""
        self.keepalive_interval: float = 30.0
        self._clients: set[WsClient] = set()

    @property
    def count(self) -> int:
        """Return how many websockets are connected."""
        return len(self._clients)

    def clients(self) -> list[WsClient]:
        """Return the connected websockets (for feeds that send to some of them)."""
        return list(self._clients)

    def push(self, message_type: str, data: object = None) -> None:
        """Send a message to every connected websocket."""
        message: dict[str, object] = {"MessageType": message_type}
        if data is not None:
            message["Data"] = data
        for client in list(self._clients):
            client.send(message)

    def send_sessions(self, build: SessionsMessage) -> None:
        """Send each websocket that asked for Sessions its own view of them."""
        for client in list(self._clients):
            if client.sessions_subscribed:
                client.send(build(client.issued))

    def close_for(self, issued: IssuedToken) -> None:
        """Close the websockets opened with a token (it was revoked)."""
        for client in list(self._clients):
            if client.issued is issued:
                client.close()

    async def close_all(self, message_type: str | None) -> None:
        """Send a last message to each websocket, close them and wait for their handlers."""
        clients = list(self._clients)
        for client in clients:
            if message_type is not None:
                client.send({"MessageType": message_type})
            client.close()
        tasks = [task for client in clients for task in client.tasks]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=2.0)
            for task in pending:
                task.cancel()

    async def serve(
        self,
        request: web.Request,
        *,
        issued: IssuedToken,
        device_id: str,
        on_text: TextHandler,
    ) -> web.WebSocketResponse:
        """Accept a websocket, pass each text message to on_text, until either side closes."""
        ws = web.WebSocketResponse(timeout=2.0, autoping=True)
        await ws.prepare(request)
        client = WsClient(ws=ws, issued=issued, device_id=device_id)
        loop = asyncio.get_running_loop()
        client.tasks.append(loop.create_task(self._writer(client)))
        client.tasks.append(loop.create_task(self._keepalive(client)))
        self._clients.add(client)
        try:
            client.send({"MessageType": "ForceKeepAlive", "Data": KEEPALIVE_DATA})
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    on_text(client, message.data)
        finally:
            self._clients.discard(client)
            client.close()
            for task in client.tasks[1:]:
                task.cancel()
        return ws

    async def _writer(self, client: WsClient) -> None:
        """Send queued messages in order; close the websocket on the close marker."""
        while True:
            item = await client.queue.get()
            if item is _CLOSE:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await client.ws.close()
                return
            if client.ws.closed:
                return
            try:
                await client.ws.send_json(item)
            except ConnectionError, RuntimeError:
                return

    async def _keepalive(self, client: WsClient) -> None:
        """Send ForceKeepAlive every keepalive_interval seconds."""
        while True:
            await asyncio.sleep(self.keepalive_interval)
            client.send({"MessageType": "ForceKeepAlive", "Data": KEEPALIVE_DATA})
