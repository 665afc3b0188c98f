"""The Emby Connect integration: Emby servers reached through Emby Connect or by address.

How a changed entry takes effect: entries have no update listener, on purpose.
- What a flow changes (reauth, reconfigure, discovery or a manual flow bringing new addresses
  or tokens) takes effect by a reload: the flows end with `async_update_reload_and_abort`, and
  `_abort_if_unique_id_configured(updates=...)` reloads a running entry whose data changed. The
  reload sets the entry up again from its data; `EmbyAccountRegistry.async_acquire` then adopts
  a newer Emby Connect sign-in for the account and its other entries.
- What the running entry writes itself (the mode that won, addresses and AccessKey Emby
  Connect listed, Wake-on-LAN targets, a sibling's newer sign-in) it has taken up in memory
  already, or reads from the entry when needed: nothing needs to follow those writes.
- Options (an options flow) take effect the same way: subclass `OptionsFlowWithReload`.
Home Assistant refuses that class, and reports flows reloading an entry (stopping in 2026.12),
when the entry has an update listener: do not add one.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_VERIFY_SSL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .account import (
    DATA_ACCOUNTS,
    EmbyAccountCoordinator,
    EmbyAccountRegistry,
    async_get_account_registry,
)
from .aioemby import ConnectionManager
from .clients import EmbyClientDevices, async_remove_record
from .connection import EmbyConnection
from .const import AUTH_METHOD_CONNECT, CONF_AUTH_METHOD, CONF_SYSTEM_ID, DOMAIN, LOGGER
from .coordinator import (
    EmbyConfigEntry,
    EmbyLibraryCoordinator,
    EmbyRuntimeData,
    EmbyStatusCoordinator,
)
from .entry_data import entry_system_id
from .entry_issues import ENTRY_ISSUES
from .helpers import async_client_identity
from .media_proxy import async_register_views
from .push import EmbyPushListener
from .rights import EmbyRightsWatch, async_check_rights
from .services import async_setup_services
from .standby import EmbyStandby, async_first_refresh
from .wake import EmbyWaker

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.MEDIA_PLAYER,
    Platform.REMOTE,
    Platform.SENSOR,
    Platform.UPDATE,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the registry of the Emby Connect accounts the entries share."""
    hass.data[DATA_ACCOUNTS] = EmbyAccountRegistry(hass)
    async_setup_services(hass)
    async_register_views(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EmbyConfigEntry) -> bool:
    """Set up an Emby server from a config entry."""
    identity = await async_client_identity(hass)
    manager = ConnectionManager(
        session=async_get_clientsession(hass, verify_ssl=entry.data.get(CONF_VERIFY_SSL, True)),
        identity=identity,
    )
    account: EmbyAccountCoordinator | None = None
    if entry.data[CONF_AUTH_METHOD] == AUTH_METHOD_CONNECT:
        registry = async_get_account_registry(hass)
        account = acquired = await registry.async_acquire(entry)

        async def _async_release() -> None:
            """Let go of the shared Emby Connect account."""
            await registry.async_release(acquired, entry.entry_id)

        entry.async_on_unload(_async_release)

    connection = EmbyConnection(hass, entry, manager=manager, identity=identity, account=account)
    if account is not None:
        # Listening before the first refresh lets a server list read on failure fix the record.
        entry.async_on_unload(account.async_add_listener(connection.async_handle_account_update))
        connection.async_handle_account_update()

    status = EmbyStatusCoordinator(hass, entry, connection)
    library = EmbyLibraryCoordinator(hass, entry, connection)
    # False: the server sleeps, and the entry loads what wakes it (standby.py).
    if reached := await async_first_refresh(entry, status):
        await library.async_config_entry_first_refresh()

    if account is not None and not account.reads and account.last_exception is None:
        # The account's first entry: read the list once (nothing failed that read it yet).
        connection.async_request_server_list()

    push = EmbyPushListener(entry, connection, status=status, library=library)
    wake = EmbyWaker(entry, connection, status)
    clients = EmbyClientDevices(hass, entry, connection.system_id, status)
    await clients.async_load()

    async def _async_reached() -> None:
        """Read what setup skipped while the server slept."""
        await library.async_refresh()
        entry.runtime_data.is_admin = await async_check_rights(hass, entry, connection)

    standby = EmbyStandby(
        hass, entry, status, PLATFORMS, reached=reached, on_reached=_async_reached
    )
    entry.runtime_data = EmbyRuntimeData(
        connection=connection,
        status=status,
        library=library,
        push=push,
        wake=wake,
        clients=clients,
        is_admin=reached and await async_check_rights(hass, entry, connection),
        account=account,
        standby=standby,
    )
    push.async_start()
    await wake.async_start()
    clients.async_start()
    EmbyRightsWatch(hass, entry, connection).async_start()
    await standby.async_start()
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: EmbyConfigEntry) -> bool:
    """Bring the data of an entry stored by an older version up to date."""
    if entry.version == 1:
        # Version 2 keeps the SystemId only as the unique_id, which every flow has set.
        data = dict(entry.data)
        system_id = data.pop(CONF_SYSTEM_ID, None)
        if (unique_id := entry.unique_id or system_id) is None:
            LOGGER.error("The config entry %s has no SystemId; add the server again", entry.title)
            return False
        hass.config_entries.async_update_entry(
            entry, data=data, unique_id=unique_id, version=2, minor_version=1
        )
        LOGGER.debug("Migrated the config entry %s to version 2", entry.title)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EmbyConfigEntry) -> bool:
    """Unload an Emby server entry."""
    return await hass.config_entries.async_unload_platforms(
        entry, entry.runtime_data.standby.platforms
    )


async def async_remove_entry(hass: HomeAssistant, entry: EmbyConfigEntry) -> None:
    """Drop the repair issues and the clients' last-seen record of a removed entry."""
    for issue in ENTRY_ISSUES:
        issue.async_delete(hass, entry)
    await async_remove_record(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EmbyConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a client's device (not one with a session now), never the server's."""
    if entry.state is not ConfigEntryState.LOADED:
        return (DOMAIN, entry_system_id(entry)) not in device_entry.identifiers
    return entry.runtime_data.clients.async_removable(device_entry)
