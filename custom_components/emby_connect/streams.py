"""Stream load of a server: what its playing sessions send, and how much of it leaves the LAN."""

from __future__ import annotations

import ipaddress
from typing import Final

from .aioemby import Session

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The home networks (RFC 1918 and IPv6 unique local addresses). Python's is_private also takes
# in documentation and reserved ranges (203.0.113.0/24 among them), which are no one's LAN.
_LAN_NETWORKS: Final = tuple(
    ipaddress.ip_network(network)
    for network in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def parse_end_point(end_point: str | None) -> IPAddress | None:
    """Return the address of a RemoteEndPoint ("192.168.1.5", "[::1]:8096", "10.0.0.2:51000")."""
    if not end_point or not (text := end_point.strip()):
        return None
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_lan(address: IPAddress) -> bool:
    """Return whether an address is on the LAN: private, loopback or link-local."""
    if address.is_loopback or address.is_link_local:
        return True
    return any(
        address in network for network in _LAN_NETWORKS if network.version == address.version
    )


def stream_bitrate(session: Session) -> int | None:
    """Return the bit rate a session is sent: its transcode's or remux's, else the media's."""
    if (info := session.transcoding_info) is not None and info.bitrate:
        return info.bitrate
    return session.now_playing.bitrate if session.now_playing is not None else None


def total_bitrate(sessions: list[Session]) -> int:
    """Return the summed bit rate of the playing (not paused) streams whose rate is known."""
    return sum(rate for item in sessions if item.is_playing and (rate := stream_bitrate(item)))


def remote_streams(sessions: list[Session]) -> int:
    """Return how many playing streams go outside the LAN (an unknown end point is not counted)."""
    return sum(
        1
        for item in sessions
        if item.is_playing
        and (address := parse_end_point(item.remote_end_point)) is not None
        and not is_lan(address)
    )
