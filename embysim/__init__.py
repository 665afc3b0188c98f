"""Emby simulator: Emby Connect and Emby servers on 127.0.0.1 for tests, benchmarks and demos."""

from __future__ import annotations

from .listener import SimListener
from .models import (
    ConnectFault,
    Fault,
    RecordedRequest,
    SimConnectUser,
    SimLink,
    SimPin,
    SimSession,
    SimUser,
)
from .server import SimServer
from .simulator import DEFAULT_PORT, EmbySimulator, check_loopback
from .tls import TlsMaterial, generate_tls_material

__all__ = [
    "DEFAULT_PORT",
    "ConnectFault",
    "EmbySimulator",
    "Fault",
    "RecordedRequest",
    "SimConnectUser",
    "SimLink",
    "SimListener",
    "SimPin",
    "SimServer",
    "SimSession",
    "SimUser",
    "TlsMaterial",
    "check_loopback",
    "generate_tls_material",
]
