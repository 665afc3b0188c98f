"""Repairs of Emby Connect: a server that left the account, an untrusted certificate, lost rights."""

from __future__ import annotations

from typing import override

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.const import CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant

from .rights import async_forget_admin_features


class EntryRepairFlow(ConfirmRepairFlow):
    """Confirm, then fix the entry the issue is about (if it is still there)."""

    def __init__(self, entry_id: str) -> None:
        """Remember which entry to fix."""
        super().__init__()
        self.entry_id = entry_id

    @override
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Fix the entry once the person confirms."""
        if user_input is not None and self.hass.config_entries.async_get_entry(self.entry_id):
            await self.async_fix()
        return await super().async_step_confirm(user_input)

    async def async_fix(self) -> None:
        """Fix the entry."""
        raise NotImplementedError


class ServerRemovedRepairFlow(EntryRepairFlow):
    """Remove the entry of a server the account no longer lists."""

    @override
    async def async_fix(self) -> None:
        """Remove the entry."""
        await self.hass.config_entries.async_remove(self.entry_id)


class CertificateRepairFlow(EntryRepairFlow):
    """Stop verifying the certificate of a server whose certificate fails verification."""

    @override
    async def async_fix(self) -> None:
        """Turn certificate checks off for the entry and reload it (its HTTP session changes)."""
        entries = self.hass.config_entries
        entry = entries.async_get_entry(self.entry_id)
        assert entry is not None  # noqa: S101 - checked by async_step_confirm
        entries.async_update_entry(entry, data={**entry.data, CONF_VERIFY_SSL: False})
        entries.async_schedule_reload(entry.entry_id)


class AdminRightsRepairFlow(EntryRepairFlow):
    """Forget the admin-only features of a user who is not meant to administer the server."""

    @override
    async def async_fix(self) -> None:
        """Remove the admin-only entities, so the issue is not raised again."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        assert entry is not None  # noqa: S101 - checked by async_step_confirm
        async_forget_admin_features(self.hass, entry)


# The fix flow of each kind of issue, by the start of its id.
_FLOWS: dict[str, type[EntryRepairFlow]] = {
    "certificate_invalid_": CertificateRepairFlow,
    "admin_rights_lost_": AdminRightsRepairFlow,
}


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Create the fix flow of an issue."""
    flow = next(
        (flow for prefix, flow in _FLOWS.items() if issue_id.startswith(prefix)),
        ServerRemovedRepairFlow,
    )
    return flow(str((data or {}).get("entry_id")))
