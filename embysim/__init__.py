"""Emby simulator: Emby Connect and Emby servers on 127.0.0.1 for tests, benchmarks and demos."""

from __future__ import annotations

from .listener import SimListener
from .models import (
    ConnectFault,
    Fault,
    Proxy,
    RecordedRequest,
    SimConnectUser,
    SimLink,
    SimPin,
    SimSession,
    SimUser,
    Transcode,
)
from .net import check_loopback
from .server import SimServer
from .simulator import DEFAULT_PORT, EmbySimulator
from .tls import TlsMaterial, generate_tls_material
from .world import SimWorld

__all__ = [
    "DEFAULT_PORT",
    "ConnectFault",
    "EmbySimulator",
    "Fault",
    "Proxy",
    "RecordedRequest",
    "SimConnectUser",
    "SimLink",
    "SimListener",
    "SimPin",
    "SimServer",
    "SimSession",
    "SimUser",
    "SimWorld",
    "TlsMaterial",
    "Transcode",
    "check_loopback",
    "generate_tls_material",
]
