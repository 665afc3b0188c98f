"""Loopback only: check an address to bind, and bind a listening socket on it."""

from __future__ import annotations

import ipaddress
import socket


def check_loopback(host: str) -> str:
    """Return host when it is a loopback address; raise ValueError otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        message = f"the simulator binds loopback addresses only, not {host!r}"
        raise ValueError(message)
    return host


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind and listen on host:port (0 picks a free port) right away, before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)  # noqa: FBT003 - stdlib signature
    except OSError:
        sock.close()
        raise
    return sock
