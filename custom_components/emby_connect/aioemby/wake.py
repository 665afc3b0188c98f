"""Wake a sleeping Emby server with a magic packet, where the server itself said to send it.

Packets are sent with `wakeonlan`, the library Home Assistant's own `wake_on_lan` integration
uses. The only targets are the ones the server reported in `System/WakeOnLanInfo`: an address
it did not report is refused, so no caller can aim a packet anywhere else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
import ipaddress

import wakeonlan

from .admin_models import WakeOnLanInfo, normalize_mac
from .exceptions import EmbyConnectionError, EmbyError


class EmbyWakeOnLanError(EmbyError):
    """A magic packet was refused: its target is not one the server reported, or is invalid."""


def _checked(info: WakeOnLanInfo) -> WakeOnLanInfo:
    """Return the target with a normalised MAC; raise EmbyWakeOnLanError if it is unusable."""
    try:
        mac = normalize_mac(info.mac_address)
        address = str(ipaddress.ip_address(info.broadcast_address))
    except ValueError as err:
        message = "A Wake-on-LAN target needs a MAC address and an IP address"
        raise EmbyWakeOnLanError(message) from err
    if not 0 < info.port < 2**16:
        message = "A Wake-on-LAN target needs a port between 1 and 65535"
        raise EmbyWakeOnLanError(message)
    return WakeOnLanInfo(mac_address=mac, broadcast_address=address, port=info.port)


@dataclass(frozen=True, slots=True, init=False)
class EmbyWakeOnLan:
    """Send one server's magic packets to the targets it reported, and nowhere else."""

    reported: tuple[WakeOnLanInfo, ...]

    def __init__(self, reported: Iterable[WakeOnLanInfo]) -> None:
        """Take the targets from the server's `System/WakeOnLanInfo` (or a stored copy)."""
        object.__setattr__(self, "reported", tuple(_checked(info) for info in reported))

    async def send(self, target: WakeOnLanInfo | None = None) -> list[WakeOnLanInfo]:
        """Send the magic packet to one reported target, or to all; return where it went.

        Raises EmbyWakeOnLanError for a target the server did not report (or none reported),
        EmbyConnectionError when the packet cannot be sent.
        """
        if target is None:
            targets = list(self.reported)
        elif (checked := _checked(target)) in self.reported:
            targets = [checked]
        else:
            message = "Refusing a Wake-on-LAN target the server did not report"
            raise EmbyWakeOnLanError(message)
        if not targets:
            message = "The server reported no Wake-on-LAN target"
            raise EmbyWakeOnLanError(message)
        loop = asyncio.get_running_loop()
        for info in targets:
            send = partial(
                wakeonlan.send_magic_packet,
                info.mac_address,
                ip_address=info.broadcast_address,
                port=info.port,
            )
            try:
                # A datagram socket's connect and send may block on a busy system.
                await loop.run_in_executor(None, send)
            except OSError as err:
                message = f"Cannot send the Wake-on-LAN packet: {err.strerror or err}"
                raise EmbyConnectionError(message) from err
        return targets
