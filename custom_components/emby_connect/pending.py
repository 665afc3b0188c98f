"""One pending callback to cancel at most once (a timer, a listener), as entries' parts hold them."""

from __future__ import annotations

from homeassistant.core import CALLBACK_TYPE, callback


class Pending:
    """Hold at most one cancel callback: a new one cancels the old, cancelling twice is harmless."""

    __slots__ = ("_cancel",)

    def __init__(self) -> None:
        """Initialize with nothing pending."""
        self._cancel: CALLBACK_TYPE | None = None

    @property
    def active(self) -> bool:
        """Return whether something is pending."""
        return self._cancel is not None

    @callback
    def hold(self, cancel: CALLBACK_TYPE) -> None:
        """Hold the cancel callback of what is now pending, cancelling what was before."""
        self.cancel()
        self._cancel = cancel

    @callback
    def done(self) -> None:
        """Forget the callback: what it would cancel has happened (the timer ran)."""
        self._cancel = None

    @callback
    def cancel(self) -> None:
        """Cancel what is pending, if anything."""
        if (cancel := self._cancel) is not None:
            self._cancel = None
            cancel()
