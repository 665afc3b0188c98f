"""Exceptions raised by aioemby; nothing else escapes the library."""

from __future__ import annotations

from enum import StrEnum


class EmbyError(Exception):
    """Base error of aioemby."""


class EmbyConnectionError(EmbyError):
    """The service could not be reached or the connection broke."""


class EmbyTimeoutError(EmbyConnectionError):
    """The service did not answer in time."""


class EmbyCertificateError(EmbyConnectionError):
    """The server's TLS certificate failed verification (self-signed, expired, wrong host)."""


class AuthSource(StrEnum):
    """Who refused the credentials."""

    CONNECT = "connect"
    SERVER = "server"


class EmbyAuthenticationError(EmbyError):
    """Credentials, a token or an AccessKey were refused."""

    def __init__(self, message: str, *, source: AuthSource, status: int | None = None) -> None:
        """Store who refused and with which HTTP status."""
        super().__init__(message)
        self.source = source
        self.status = status


class EmbyForbiddenError(EmbyError):
    """The user is signed in but lacks the rights for this call (HTTP 403 on a server).

    Not an EmbyAuthenticationError: the sign-in is fine, so catching refused credentials
    (which asks the person to sign in again) never catches this by accident.
    """

    def __init__(self, message: str, *, source: AuthSource, status: int | None = None) -> None:
        """Store who refused and with which HTTP status."""
        super().__init__(message)
        self.source = source
        self.status = status


class EmbyResponseError(EmbyError):
    """The answer was malformed or not what the API promises."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        """Store the HTTP status of the answer, when it was an HTTP error."""
        super().__init__(message)
        self.status = status


class EmbyNotFoundError(EmbyResponseError):
    """The server has no such item (or the signed-in user may not see it): HTTP 404."""


class EmbyCommandError(EmbyError):
    """A client session refused a remote-control command, or is gone (status 404)."""

    def __init__(self, message: str, *, session_id: str, command: str, status: int) -> None:
        """Store which session refused which command, with the HTTP status."""
        super().__init__(message)
        self.session_id = session_id
        self.command = command
        self.status = status


class EmbyServerMismatchError(EmbyError):
    """An address answered with another server's Id."""

    def __init__(self, message: str, *, expected_id: str, actual_id: str | None) -> None:
        """Store the Id that was expected and the one that answered."""
        super().__init__(message)
        self.expected_id = expected_id
        self.actual_id = actual_id


class EmbyPinExpiredError(EmbyError):
    """The Emby Connect PIN expired or is unknown to Connect."""


class UnsupportedReason(StrEnum):
    """Why a server is refused before any secret is sent to it."""

    TOO_OLD = "too_old"
    NOT_EMBY = "not_emby"


class EmbyUnsupportedServerError(EmbyError):
    """The server is older than the oldest Emby supported, or it is not an Emby server."""

    def __init__(
        self,
        message: str,
        *,
        reason: UnsupportedReason,
        version: str | None,
        product_name: str | None = None,
    ) -> None:
        """Store why, and the version (and product) the server named."""
        super().__init__(message)
        self.reason = reason
        self.version = version
        self.product_name = product_name
