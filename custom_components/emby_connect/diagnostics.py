"""Diagnostics of Emby Connect: what a person may post in a public issue."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .aioemby import Session
from .coordinator import EmbyConfigEntry
from .entry_data import PRIVATE_KEYS

# The entry data marked private (secrets, the ids and names of people, the addresses that
# locate someone's home), and the same in what the server and the connection tell.
TO_REDACT = PRIVATE_KEYS | {"address", "remote_addresses", "wan_address"}


# What a session tells of itself that says nothing of who is watching what, or from where.
_SESSION_FIELDS = (
    "client",
    "application_version",
    "is_playing",
    "is_paused",
    "is_transcoding",
    "supports_remote_control",
)


def _session(session: Session) -> dict[str, Any]:
    """Describe a session by those fields, how it plays and the kind of media."""
    return {
        **{name: getattr(session, name) for name in _SESSION_FIELDS},
        "play_method": session.play_state.play_method,
        "media_type": session.now_playing.media_type if session.now_playing else None,
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EmbyConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    status = entry.runtime_data.status
    counts = entry.runtime_data.library.data
    account = entry.runtime_data.account
    data = status.data
    options = entry.runtime_data.clients.options
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
            },
            # Whose sessions count is told by how many users were chosen, never who they are.
            "options": {
                "excluded_clients": sorted(options.excluded_clients),
                "users_chosen": len(options.users),
                "stale_days": options.stale_days,
            },
            "last_update_success": status.last_update_success,
            # No data yet: the server slept when the entry loaded, and has not answered since.
            "connection": None
            if data is None
            else {"mode": data.mode.value, "address": data.address},
            "public_info": None if data is None else asdict(data.public_info),
            "system_info": asdict(data.system_info) if data and data.system_info else None,
            "sessions": [_session(item) for item in data.sessions]
            if data is not None and data.sessions is not None
            else None,
            "counts": asdict(counts) if counts else None,
            "account": None
            if account is None
            else {
                "last_update_success": account.last_update_success,
                "entries": len(account.entry_ids),
                "servers": [
                    {"system_id": server.system_id, "user_type": server.user_type.value}
                    for server in account.data or []
                ],
            },
        },
        TO_REDACT,
    )
