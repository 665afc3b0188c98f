"""A remote per Emby client: the navigation commands its app takes (MoveUp, Select, Back...)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, override

from homeassistant.components.remote import RemoteEntity
from homeassistant.components.remote.const import (
    ATTR_DELAY_SECS,
    ATTR_NUM_REPEATS,
    DEFAULT_DELAY_SECS,
    DEFAULT_NUM_REPEATS,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioemby import Session
from .aioemby.control import EmbyControl
from .aioemby.media_models import ClientCapabilities, GeneralCommand
from .client_entity import EmbyClientEntity, async_add_client_entities
from .coordinator import EmbyConfigEntry
from .errors import unsupported_command_error

# Commands go to the server one at a time per entity; the state comes back by push.
PARALLEL_UPDATES = 1


def _navigation(session: Session | None) -> frozenset[GeneralCommand]:
    """Return the navigation commands a session takes (none without a session)."""
    if session is None:
        return frozenset()
    return ClientCapabilities.from_session(session).navigation_commands


def _sender(command: GeneralCommand) -> Callable[[EmbyControl, str], Awaitable[None]]:
    """Return how to send one general command to a session."""

    async def send(control: EmbyControl, session_id: str) -> None:
        await control.send_command(session_id, command)

    return send


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a remote for every client that takes navigation commands, as it first appears."""
    async_add_client_entities(
        hass, entry, async_add_entities, EmbyRemote, wanted=lambda item: bool(_navigation(item))
    )


class EmbyRemote(EmbyClientEntity, RemoteEntity):
    """The remote of one Emby client."""

    _attr_name = None

    def __init__(self, entry: EmbyConfigEntry, session: Session, via_device_id: str) -> None:
        """Initialize the remote of a client."""
        super().__init__(entry, session, via_device_id, suffix="_remote")

    @property
    @override
    def is_on(self) -> bool:
        """Return whether the client has a session."""
        return self._session is not None

    @override
    async def async_send_command(self, command: Iterable[str], **kwargs: Any) -> None:
        """Send navigation commands, each one the client takes, repeated as asked."""
        commands = list(command)
        takes = _navigation(self._session)
        for name in commands:
            if name not in takes:
                raise unsupported_command_error(name, self._client_name)
        repeats: int = kwargs.get(ATTR_NUM_REPEATS, DEFAULT_NUM_REPEATS)
        delay: float = kwargs.get(ATTR_DELAY_SECS, DEFAULT_DELAY_SECS)
        for repeat in range(repeats):
            for index, name in enumerate(commands):
                if repeat or index:
                    await asyncio.sleep(delay)
                await self._async_control(_sender(GeneralCommand(name)))
