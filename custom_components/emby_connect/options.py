"""The options of a server entry, read once into a typed value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Self

from homeassistant.config_entries import ConfigEntry

from .aioemby import Session
from .const import CONF_EXCLUDED_CLIENTS, CONF_STALE_DAYS, CONF_USERS, DEFAULT_STALE_DAYS


@dataclass(frozen=True, kw_only=True)
class EmbyOptions:
    """What the person chose in the options flow (the defaults until they do)."""

    excluded_clients: frozenset[str] = frozenset()
    # None chosen: the sessions of every user count.
    users: frozenset[str] = frozenset()
    stale_days: int = DEFAULT_STALE_DAYS

    @classmethod
    def from_entry(cls, entry: ConfigEntry) -> Self:
        """Read the options of an entry."""
        options = entry.options
        return cls(
            excluded_clients=frozenset(options.get(CONF_EXCLUDED_CLIENTS, ())),
            users=frozenset(options.get(CONF_USERS, ())),
            stale_days=int(options.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS)),
        )

    @property
    def stale_after(self) -> timedelta:
        """Return how long a client may stay unseen before it is removed."""
        return timedelta(days=self.stale_days)

    def counts(self, session: Session) -> bool:
        """Return whether a session counts: its user is one of those chosen, or none are."""
        return not self.users or session.user_id in self.users

    def wants_client(self, client: str | None) -> bool:
        """Return whether a client app gets entities (players, remotes)."""
        return client not in self.excluded_clients
