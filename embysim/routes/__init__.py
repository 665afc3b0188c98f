"""The server's route modules, one per concern, and the list the server core serves.

To add a concern: write `embysim/routes/<concern>.py` with `ROUTES = RouteTable("<concern>")` and
decorated handlers (see embysim/routing.py), then add it to `ROUTE_TABLES` below (kept sorted
by name, one per line, so parallel additions merge cleanly).
"""

from __future__ import annotations

from embysim.routing import RouteTable

from . import admin, library, scan, sessions, system, updates, users, wake, websocket

ROUTE_TABLES: tuple[RouteTable, ...] = (
    admin.ROUTES,
    library.ROUTES,
    scan.ROUTES,
    sessions.ROUTES,
    system.ROUTES,
    updates.ROUTES,
    users.ROUTES,
    wake.ROUTES,
    websocket.ROUTES,
)
