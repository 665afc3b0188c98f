"""The repair issues about one server entry: one id scheme, one place raising and deleting them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


@dataclass(frozen=True, slots=True)
class EntryIssue:
    """A kind of repair issue raised about one entry; its key names the text and the id."""

    translation_key: str
    severity: ir.IssueSeverity
    # A fixable issue carries its entry's id for the repair flow (repairs.py).
    is_fixable: bool = True

    def issue_id(self, entry: ConfigEntry) -> str:
        """Return the id of this issue for an entry."""
        return f"{self.translation_key}_{entry.entry_id}"

    def is_raised(self, hass: HomeAssistant, entry: ConfigEntry) -> bool:
        """Return whether the issue is open for an entry."""
        return ir.async_get(hass).async_get_issue(DOMAIN, self.issue_id(entry)) is not None

    @callback
    def async_raise(self, hass: HomeAssistant, entry: ConfigEntry, **placeholders: str) -> None:
        """Raise (or update) the issue for an entry; its text names the server."""
        ir.async_create_issue(
            hass,
            DOMAIN,
            self.issue_id(entry),
            data={"entry_id": entry.entry_id} if self.is_fixable else None,
            is_fixable=self.is_fixable,
            severity=self.severity,
            translation_key=self.translation_key,
            translation_placeholders={"name": entry.title, **placeholders},
        )

    @callback
    def async_delete(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Delete the issue of an entry, if it is open."""
        ir.async_delete_issue(hass, DOMAIN, self.issue_id(entry))


# The account does not list the entry's server any more (account.py).
SERVER_REMOVED: Final = EntryIssue("server_removed", ir.IssueSeverity.WARNING)
# The server's version is older than the oldest supported (errors.py).
UNSUPPORTED_SERVER: Final = EntryIssue(
    "unsupported_server", ir.IssueSeverity.ERROR, is_fixable=False
)
# The server's certificate fails verification (errors.py).
CERTIFICATE_INVALID: Final = EntryIssue("certificate_invalid", ir.IssueSeverity.ERROR)
# A user who administered the server does not any more (rights.py).
ADMIN_RIGHTS_LOST: Final = EntryIssue("admin_rights_lost", ir.IssueSeverity.WARNING)

ENTRY_ISSUES: Final = (SERVER_REMOVED, UNSUPPORTED_SERVER, CERTIFICATE_INVALID, ADMIN_RIGHTS_LOST)
