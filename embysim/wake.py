"""The simulated LAN segment for Wake-on-LAN: a UDP listener on loopback reading magic packets.

A magic packet is six 0xFF bytes followed by the target's MAC address sixteen times (102 bytes),
optionally followed by a six-byte SecureOn password. Every simulated server has a MAC address and
reports this listener (127.0.0.1 and its port) in `System/WakeOnLanInfo`, so a client that wakes a
server the way Home Assistant does sends its packet here and nowhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import ipaddress
import re

from .models import utcnow

SYNC_STREAM = b"\xff" * 6
MAC_REPEATS = 16
MAGIC_PACKET_BYTES = len(SYNC_STREAM) + 6 * MAC_REPEATS
SECUREON_BYTES = 6
_MAC_HEX = re.compile(r"^[0-9A-Fa-f]{12}$")


def require_loopback(host: str) -> str:
    """Return host when it is a loopback IP address; raise ValueError for anything else.

    Host names are refused too: a name is resolved by whoever binds it, and could mean anything.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        message = f"the wake listener binds loopback IP addresses only, not {host!r}"
        raise ValueError(message)
    return host


def normalise_mac(mac: str) -> str:
    """Return a MAC address as AA:BB:CC:DD:EE:FF (accepts :, - or . separators or none)."""
    digits = re.sub(r"[:\-.]", "", mac.strip())
    if _MAC_HEX.match(digits) is None:
        message = f"not a MAC address: {mac!r}"
        raise ValueError(message)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2)).upper()


def magic_packet_target(payload: bytes) -> str | None:
    """Return the MAC address a magic packet is for (None when the payload is not one)."""
    if len(payload) not in (MAGIC_PACKET_BYTES, MAGIC_PACKET_BYTES + SECUREON_BYTES):
        return None
    if not payload.startswith(SYNC_STREAM):
        return None
    mac = payload[len(SYNC_STREAM) : len(SYNC_STREAM) + 6]
    if payload[len(SYNC_STREAM) : MAGIC_PACKET_BYTES] != mac * MAC_REPEATS:
        return None
    return ":".join(f"{byte:02X}" for byte in mac)


@dataclass(frozen=True, kw_only=True)
class WakePacket:
    """Record one valid magic packet: whom it was for, where it came from and when."""

    mac: str
    source: tuple[str, int]
    time: datetime
    secureon: bool = False


class _Protocol(asyncio.DatagramProtocol):
    """Hand every datagram to the listener."""

    def __init__(self, listener: WakeListener) -> None:
        """Remember the listener."""
        self._listener = listener

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        """Pass one datagram on."""
        self._listener.received(data, (str(addr[0]), int(addr[1])))


class WakeListener:
    """Listen for magic packets on a loopback UDP port and report the valid ones."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        on_packet: Callable[[WakePacket], None] | None = None,
    ) -> None:
        """Prepare the listener (port 0: any free port); start() binds it."""
        self.host = require_loopback(host)
        self.port = port
        self.packets: list[WakePacket] = []
        self.ignored = 0
        self._on_packet = on_packet
        self._transport: asyncio.DatagramTransport | None = None

    def address(self) -> tuple[str, int]:
        """Return (host, port): what servers report as their Wake-on-LAN target."""
        return (self.host, self.port)

    @property
    def listening(self) -> bool:
        """Return whether the port is bound."""
        return self._transport is not None

    async def start(self) -> None:
        """Bind the UDP port (the same one again after a close, once it was chosen)."""
        if self._transport is not None:
            return
        transport, _protocol = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Protocol(self), local_addr=(self.host, self.port)
        )
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])

    async def close(self) -> None:
        """Unbind the port."""
        if (transport := self._transport) is not None:
            self._transport = None
            transport.close()
            await asyncio.sleep(0)

    def received(self, payload: bytes, source: tuple[str, int]) -> None:
        """Record a datagram; tell the owner about a valid magic packet."""
        mac = magic_packet_target(payload)
        if mac is None:
            self.ignored += 1
            return
        packet = WakePacket(
            mac=mac,
            source=source,
            time=utcnow(),
            secureon=len(payload) > MAGIC_PACKET_BYTES,
        )
        self.packets.append(packet)
        if self._on_packet is not None:
            self._on_packet(packet)
