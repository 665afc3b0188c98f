"""What the entities of one Emby client share: its device, its session, sending it commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import override
from weakref import WeakKeyDictionary

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .aioemby import EmbyError, EmbyServer, Session
from .aioemby.control import EmbyControl
from .clients import client_devices
from .const import DOMAIN
from .coordinator import EmbyConfigEntry, EmbyStatusCoordinator
from .data import EmbyData
from .device import device_info
from .errors import command_error

# The sessions of each coordinator's data by DeviceId, made once per data for all its clients'
# entities (hundreds of them on a big server; each would otherwise walk every session).
_INDEX: WeakKeyDictionary[EmbyStatusCoordinator, tuple[EmbyData | None, dict[str, Session]]] = (
    WeakKeyDictionary()
)


def client_sessions(coordinator: EmbyStatusCoordinator) -> dict[str, Session]:
    """Return the sessions of the clients by DeviceId (Home Assistant's own is left out)."""
    data = coordinator.data
    cached = _INDEX.get(coordinator)
    if cached is not None and cached[0] is data:
        return cached[1]
    index = (
        {}
        if data is None or data.sessions is None
        else {item.device_id: item for item in data.sessions if item.device_id}
    )
    _INDEX[coordinator] = (data, index)
    return index


@callback
def async_add_client_entities(
    hass: HomeAssistant,
    entry: EmbyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    create: Callable[[EmbyConfigEntry, Session, str], Entity],
    wanted: Callable[[Session], bool] = lambda _: True,
) -> None:
    """Add an entity for every client, once, when it is first seen (and wanted)."""
    coordinator = entry.runtime_data.status
    system_id = entry.runtime_data.connection.system_id
    # The server's device is made here too: the clients' devices hang off it (via_device).
    server_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(system_id, coordinator.data)
    )
    clients = entry.runtime_data.clients
    known: set[str] = set()

    @callback
    def _async_create(device_id: str, session: Session) -> Entity:
        """Create a client's entity; a removed one is added again if the client comes back."""
        known.add(device_id)
        entity = create(entry, session, server_device.id)
        entity.async_on_remove(lambda: known.discard(device_id))
        return entity

    @callback
    def _async_add_new() -> None:
        """Add entities for the clients not seen before (of the apps the options let in)."""
        new = [
            _async_create(device_id, session)
            for device_id, session in client_sessions(coordinator).items()
            if device_id not in known
            and clients.options.wants_client(session.client)
            and wanted(session)
        ]
        if new:
            async_add_entities(new)

    # The clients known from before that have no session now: back as they were (off).
    sessions = client_sessions(coordinator)
    restored = [
        _async_create(device_id, session)
        for device_id, device in client_devices(hass, entry, system_id).items()
        if device_id not in sessions
        and clients.options.wants_client(device.model)
        and wanted(session := _known_client(device_id, device))
    ]
    if restored:
        async_add_entities(restored)
    _async_add_new()
    entry.async_on_unload(coordinator.async_add_listener(_async_add_new))


def _known_client(device_id: str, device: dr.DeviceEntry) -> Session:
    """Return a client as its device describes it, for a client without a session now."""
    return Session(
        id="",
        device_id=device_id,
        device_name=device.name,
        client=device.model,
        application_version=device.sw_version,
    )


class EmbyClientEntity(CoordinatorEntity[EmbyStatusCoordinator]):
    """An entity of one Emby client (a DeviceId), on a device of its own via the server's."""

    _attr_has_entity_name = True

    def __init__(
        self, entry: EmbyConfigEntry, session: Session, via_device_id: str, suffix: str = ""
    ) -> None:
        """Initialize the entity of a client, as its first session showed it."""
        super().__init__(entry.runtime_data.status)
        assert session.device_id is not None  # noqa: S101 - only sessions with one are clients
        self._entry = entry
        self._device_id = session.device_id
        self._client_name = session.device_name or session.client or session.device_id
        system_id = entry.runtime_data.connection.system_id
        self._attr_unique_id = f"{system_id}_{session.device_id}{suffix}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{system_id}_{session.device_id}")},
            manufacturer="Emby",
            model=session.client,
            name=self._client_name,
            sw_version=session.application_version,
            via_device_id=via_device_id,
        )
        self._session: Session | None = None
        self._shown_available = True
        self._async_update_session()

    @callback
    def _async_update_session(self) -> None:
        """Take this client's session from what the coordinator holds."""
        self._session = client_sessions(self.coordinator).get(self._device_id)

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Show the client's new session; write no state when neither it nor the server moved."""
        session = client_sessions(self.coordinator).get(self._device_id)
        if session == self._session and self.available is self._shown_available:
            return
        self._shown_available = self.available
        self._async_update_session()
        super()._handle_coordinator_update()

    async def _async_call[T](self, call: Callable[[EmbyServer], Awaitable[T]]) -> T:
        """Call the server through the connection; errors become one translated message."""
        try:
            return await self._entry.runtime_data.connection.async_call(call)
        except EmbyError as err:
            raise command_error(err, self._client_name) from err

    async def _async_control(self, send: Callable[[EmbyControl, str], Awaitable[None]]) -> None:
        """Send one command to the client's session; its new state comes back by push."""
        if (session := self._session) is None:
            raise command_error(None, self._client_name)
        session_id = session.id
        await self._async_call(lambda server: send(EmbyControl(server), session_id))
