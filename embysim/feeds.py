"""Websocket feeds a client subscribes to with `<Name>Start`, the way Emby's server sends them.

Emby's periodic listeners (ScheduledTasksInfo, ActivityLogEntry, ...) take `"<initial delay ms>,
<interval ms>"` in the Start message. A feed sends on its timer (when it has one), and on events:
forced ones go out at once, unforced ones only when the subscriber's interval has passed since
its last message (that is how task progress is throttled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
import math
from typing import Protocol

from .models import IssuedToken


@dataclass(eq=False, kw_only=True)
class Subscription:
    """Hold one websocket's subscription to one feed."""

    initial_delay: float
    interval: float
    last_sent: float = -math.inf


class PushClient(Protocol):
    """What a feed needs of a connected websocket."""

    issued: IssuedToken
    queue: asyncio.Queue[object]
    tasks: list[asyncio.Task[None]]


def parse_start(data: object) -> tuple[float, float]:
    """Return (initial delay, interval) in seconds from a Start message's "delay,interval" ms."""
    parts = str(data or "").split(",")
    try:
        delay_ms = float(parts[0]) if parts[0].strip() else 0.0
        interval_ms = float(parts[1]) if len(parts) > 1 else 1000.0
    except ValueError:
        delay_ms, interval_ms = 0.0, 1000.0
    return max(delay_ms, 0.0) / 1000, max(interval_ms, 0.0) / 1000


class Feed:
    """Send one kind of message to the websockets that subscribed to it (administrators only)."""

    def __init__(
        self,
        name: str,
        data: Callable[[], object],
        *,
        clients: Callable[[], Iterable[PushClient]],
        send_on_timer: bool,
    ) -> None:
        """Describe the feed: its message type, how to build its data, who may receive it."""
        self.name = name
        self._data = data
        self._clients = clients
        self._send_on_timer = send_on_timer
        self._subscriptions: dict[PushClient, Subscription] = {}

    def start(self, client: PushClient, data: object) -> None:
        """Subscribe a websocket (`<Name>Start`); a non-administrator is ignored."""
        if not client.issued.is_admin:
            return
        delay, interval = parse_start(data)
        subscription = Subscription(initial_delay=delay, interval=interval)
        self._subscriptions[client] = subscription
        if self._send_on_timer:
            loop = asyncio.get_running_loop()
            client.tasks.append(loop.create_task(self._timer(client, subscription)))

    def stop(self, client: PushClient) -> None:
        """Unsubscribe a websocket (`<Name>Stop`)."""
        self._subscriptions.pop(client, None)

    def send(self, *, force: bool) -> None:
        """Send the feed's current data to every subscriber (unforced: only if its interval passed)."""
        if not self._subscriptions:
            return
        now = asyncio.get_running_loop().time()
        connected = set(self._clients())
        for client, subscription in list(self._subscriptions.items()):
            if client not in connected:
                # It disconnected: its timer was cancelled with it, its subscription goes here.
                del self._subscriptions[client]
            elif force or now - subscription.last_sent >= subscription.interval:
                self._send_to(client, subscription, now)

    def _send_to(self, client: PushClient, subscription: Subscription, now: float) -> None:
        """Queue the message for one subscriber."""
        subscription.last_sent = now
        client.queue.put_nowait({"MessageType": self.name, "Data": self._data()})

    async def _timer(self, client: PushClient, subscription: Subscription) -> None:
        """Send after the initial delay, then every interval, until this subscription ends."""
        await asyncio.sleep(subscription.initial_delay)
        while self._subscriptions.get(client) is subscription:
            self._send_to(client, subscription, asyncio.get_running_loop().time())
            # An interval of 0 would spin: Emby's timers cannot fire faster than ~15 ms either.
            await asyncio.sleep(max(subscription.interval, 0.015))
