"""Repairs of Emby Connect: remove a server that left the Emby Connect account."""

from __future__ import annotations

from typing import override

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant


class ServerRemovedRepairFlow(ConfirmRepairFlow):
    """Confirm, then remove the entry of a server the account no longer lists."""

    def __init__(self, entry_id: str) -> None:
        """Remember which entry to remove."""
        super().__init__()
        self.entry_id = entry_id

    @override
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Remove the entry once the person confirms."""
        if user_input is not None and self.hass.config_entries.async_get_entry(self.entry_id):
            await self.hass.config_entries.async_remove(self.entry_id)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Create the fix flow of an issue."""
    return ServerRemovedRepairFlow(str((data or {}).get("entry_id")))
