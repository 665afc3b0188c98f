"""The options of a server: which clients get players, whose sessions count, stale clients."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.const import UnitOfTime
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio

from .aioemby import EmbyError, EmbyServer, ServerUser
from .clients import client_devices
from .const import CONF_EXCLUDED_CLIENTS, CONF_STALE_DAYS, CONF_USERS, LOGGER, MAX_STALE_DAYS
from .coordinator import EmbyConfigEntry
from .entry_data import entry_system_id
from .options import EmbyOptions


async def _users(server: EmbyServer) -> list[ServerUser]:
    """Read the server's users (administrators may)."""
    return await server.get_users()


class EmbyOptionsFlow(OptionsFlow):
    """Choose the clients that get players, whose sessions count, and when a client is stale.

    The options apply at once, without a reload (the entry's client devices follow them).
    """

    config_entry: EmbyConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, filled in with what the server knows of its clients and users."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_EXCLUDED_CLIENTS: sorted(user_input[CONF_EXCLUDED_CLIENTS]),
                    CONF_USERS: sorted(user_input[CONF_USERS]),
                    CONF_STALE_DAYS: int(user_input[CONF_STALE_DAYS]),
                }
            )
        options = EmbyOptions.from_entry(self.config_entry)
        schema = probatio.Schema(
            {
                probatio.Optional(
                    CONF_EXCLUDED_CLIENTS, default=sorted(options.excluded_clients)
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=self._client_apps(options),
                        multiple=True,
                        custom_value=True,
                        sort=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                probatio.Optional(CONF_USERS, default=sorted(options.users)): SelectSelector(
                    SelectSelectorConfig(
                        options=await self._async_users(options),
                        multiple=True,
                        sort=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                probatio.Required(CONF_STALE_DAYS, default=options.stale_days): NumberSelector(
                    NumberSelectorConfig(
                        min=1,
                        max=MAX_STALE_DAYS,
                        step=1,
                        mode=NumberSelectorMode.BOX,
                        unit_of_measurement=UnitOfTime.DAYS,
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)

    def _loaded(self) -> bool:
        """Return whether the entry runs (its server's clients and users can be read)."""
        return self.config_entry.state is ConfigEntryState.LOADED

    def _client_apps(self, options: EmbyOptions) -> list[str]:
        """Return the client apps seen on the server (as Emby names them), and those left out."""
        entry = self.config_entry
        apps = set(options.excluded_clients)
        apps.update(
            device.model
            for device in client_devices(self.hass, entry, entry_system_id(entry)).values()
            if device.model
        )
        if self._loaded() and (data := entry.runtime_data.status.data) is not None:
            apps.update(session.client for session in data.sessions or [] if session.client)
        return sorted(apps)

    async def _async_users(self, options: EmbyOptions) -> list[SelectOptionDict]:
        """Return the server's users; without the right to list them, those seen in sessions."""
        names: dict[str, str] = {user_id: user_id for user_id in options.users}
        if self._loaded():
            runtime = self.config_entry.runtime_data
            try:
                users = await runtime.connection.async_call(_users)
            except EmbyError as err:
                # Not an administrator, or not reachable now: offer the users seen watching.
                LOGGER.debug("Cannot list the users of %s: %s", self.config_entry.title, err)
                data = runtime.status.data
                for session in [] if data is None else data.sessions or []:
                    if session.user_id:
                        names[session.user_id] = session.user_name or session.user_id
            else:
                names.update(
                    (user.id, user.name)
                    for user in users
                    if not user.is_disabled or user.id in names
                )
        return [SelectOptionDict(value=key, label=label) for key, label in names.items()]
