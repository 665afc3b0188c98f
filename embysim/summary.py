"""Describe a simulated server as plain JSON data (summary() and the control API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import SimServer


def server_summary(server: SimServer) -> dict[str, Any]:
    """Describe a server for summary() and the control API."""
    return {
        "system_id": server.system_id,
        "name": server.name,
        "version": server.version,
        "profile": server.profile.name,
        "url": server.url,
        "local_url": server.local.url,
        "remote_url": server.remote.url,
        "local_address": server.local_address,
        "remote_address": server.remote_address,
        "base_path": server.base_path,
        "https": server.https,
        "running": server.running,
        "local_fault": str(server.local.fault),
        "remote_fault": str(server.remote.fault),
        "local_proxy": str(server.local.proxy),
        "remote_proxy": str(server.remote.proxy),
        "latency": server.latency,
        "users": [
            {"id": u.id, "name": u.name, "password": u.password, "is_admin": u.is_admin}
            for u in server.users
        ],
        "links": [
            {
                "link_id": link.link_id,
                "connect_user": link.connect_user.name,
                "local_user": link.local_user.name,
                "user_type": link.user_type,
                "access_key": link.access_key,
            }
            for link in server.links
        ],
        "api_keys": server.accounts.api_keys(),
        "sessions": [
            {
                "id": s.id,
                "user": s.user.name if s.user else None,
                "client": s.client,
                "device_name": s.device_name,
                "item_name": s.item_name,
                "paused": s.paused,
            }
            for s in server.sessions.values()
        ],
        "care": server.care.summary(),
    }
