"""The one place where client errors become what Home Assistant shows: typed reasons."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any, Concatenate

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .aioemby import (
    EmbyAuthenticationError,
    EmbyCertificateError,
    EmbyCommandError,
    EmbyConnectionError,
    EmbyError,
    EmbyServerMismatchError,
    EmbyUnsupportedServerError,
)
from .const import DOMAIN
from .entry_issues import CERTIFICATE_INVALID, UNSUPPORTED_SERVER


class ErrorReason(StrEnum):
    """Why a refresh failed; the value is the translation key of the message."""

    AUTHENTICATION_FAILED = "authentication_failed"
    CANNOT_CONNECT = "cannot_connect"
    ACCESS_KEY_UNCONFIRMED = "access_key_unconfirmed"
    SERVER_MISMATCH = "server_mismatch"
    INVALID_RESPONSE = "invalid_response"
    SERVER_SHUTTING_DOWN = "server_shutting_down"
    SERVER_RESTARTING = "server_restarting"
    CONNECT_AUTHENTICATION_FAILED = "connect_authentication_failed"
    CONNECT_UNAVAILABLE = "connect_unavailable"
    UNSUPPORTED_SERVER = "unsupported_server"
    CERTIFICATE_INVALID = "certificate_invalid"

    @property
    def unreachable(self) -> bool:
        """Return whether the server is not there (yet): asking again soon may find it."""
        return self in {ErrorReason.CANNOT_CONNECT, ErrorReason.SERVER_SHUTTING_DOWN}


class EmbyUpdateFailed(UpdateFailed):
    """A refresh failed for a known reason, with a translated message."""

    def __init__(
        self, reason: ErrorReason, *, name: str | None = None, version: str | None = None
    ) -> None:
        """Store the reason; name is the server's and version the one it names, in the message."""
        placeholders = {} if name is None else {"name": name}
        if reason is ErrorReason.UNSUPPORTED_SERVER:
            placeholders["version"] = version or "?"
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=reason.value,
            translation_placeholders=placeholders or None,
        )
        self.reason = reason


class AccessKeyUnconfirmedError(EmbyError):
    """The server refused its AccessKey while Emby Connect could not be asked for a new one."""


class ServerShuttingDownError(EmbyError):
    """The server answered, but says it is shutting down."""


# Why talking to a server failed, by error type: the first that matches (subclasses first).
_SERVER_REASONS: tuple[tuple[type[EmbyError], ErrorReason], ...] = (
    (EmbyServerMismatchError, ErrorReason.SERVER_MISMATCH),
    (EmbyUnsupportedServerError, ErrorReason.UNSUPPORTED_SERVER),
    (AccessKeyUnconfirmedError, ErrorReason.ACCESS_KEY_UNCONFIRMED),
    (ServerShuttingDownError, ErrorReason.SERVER_SHUTTING_DOWN),
    (EmbyCertificateError, ErrorReason.CERTIFICATE_INVALID),
    (EmbyConnectionError, ErrorReason.CANNOT_CONNECT),
)


def server_error_reason(err: EmbyError) -> ErrorReason:
    """Return why talking to a server failed (refused credentials aside)."""
    for error_type, reason in _SERVER_REASONS:
        if isinstance(err, error_type):
            return reason
    # A bad answer, or a refusal (HTTP 403) of a call every user may make.
    return ErrorReason.INVALID_RESPONSE


def update_error(err: EmbyError, entry: ConfigEntry | None) -> HomeAssistantError:
    """Return what a refresh raises for a client error: the one place errors are mapped.

    For a server entry: refused credentials start a reauth (ConfigEntryAuthFailed), anything
    else is a failed refresh with its reason. For the Emby Connect account (shared by entries,
    so without one): Connect refusing the sign-in or being unavailable is a failed refresh;
    the account asks its entries to sign in again itself.
    """
    if entry is None:
        reason = (
            ErrorReason.CONNECT_AUTHENTICATION_FAILED
            if isinstance(err, EmbyAuthenticationError)
            else ErrorReason.CONNECT_UNAVAILABLE
        )
        return EmbyUpdateFailed(reason)
    if isinstance(err, EmbyAuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key=ErrorReason.AUTHENTICATION_FAILED.value,
            translation_placeholders={"name": entry.title},
        )
    version = err.version if isinstance(err, EmbyUnsupportedServerError) else None
    return EmbyUpdateFailed(server_error_reason(err), name=entry.title, version=version)


@callback
def async_update_refresh_issues(
    hass: HomeAssistant, entry: ConfigEntry, err: EmbyError | None
) -> None:
    """Keep the issues a refresh tells about in step: an unsupported or untrusted server.

    Both go once the server is reached (err None); other failures (the server asleep, say)
    tell nothing about the version or the certificate and leave the issues as they are.
    """
    if err is None:
        UNSUPPORTED_SERVER.async_delete(hass, entry)
        CERTIFICATE_INVALID.async_delete(hass, entry)
    elif isinstance(err, EmbyUnsupportedServerError):
        UNSUPPORTED_SERVER.async_raise(hass, entry, version=err.version or "?")
    elif isinstance(err, EmbyCertificateError):
        CERTIFICATE_INVALID.async_raise(hass, entry)


def emby_error_handler[CoordinatorT: DataUpdateCoordinator[Any], **P, R](
    func: Callable[Concatenate[CoordinatorT, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[CoordinatorT, P], Coroutine[Any, Any, R]]:
    """Map the client errors of a coordinator's refresh with update_error."""

    async def handler(self: CoordinatorT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = await func(self, *args, **kwargs)
        except EmbyError as err:
            if self.config_entry is not None:
                async_update_refresh_issues(self.hass, self.config_entry, err)
            raise update_error(err, self.config_entry) from err
        if self.config_entry is not None:
            async_update_refresh_issues(self.hass, self.config_entry, None)
        return result

    return handler


class CommandFailure(StrEnum):
    """Why a command to a client failed; the value is the translation key of the message."""

    CLIENT_GONE = "client_gone"
    REFUSED = "command_refused"
    UNAUTHORIZED = "command_unauthorized"
    CANNOT_CONNECT = "command_cannot_connect"
    FAILED = "command_failed"
    UNSUPPORTED = "command_not_supported"


def command_error(err: EmbyError | None, name: str) -> HomeAssistantError:
    """Return what an action raises when a client's command fails (None: it has no session)."""
    match err:
        case None | EmbyCommandError(status=404):
            failure = CommandFailure.CLIENT_GONE
        case EmbyCommandError(status=int(status)) if status >= 500:  # noqa: PLR2004
            # The server failed, not the client: no refusal of the client's.
            failure = CommandFailure.FAILED
        case EmbyCommandError():
            failure = CommandFailure.REFUSED
        case EmbyAuthenticationError():
            failure = CommandFailure.UNAUTHORIZED
        case EmbyConnectionError():
            failure = CommandFailure.CANNOT_CONNECT
        case _:
            failure = CommandFailure.FAILED
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=failure.value,
        translation_placeholders={"name": name},
    )


def unsupported_command_error(command: str, name: str) -> HomeAssistantError:
    """Return what an action raises for a command the client does not list."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=CommandFailure.UNSUPPORTED.value,
        translation_placeholders={"command": command, "name": name},
    )


def button_error(translation_key: str, err: EmbyError, *, name: str) -> HomeAssistantError:
    """Return what a failed command (a button press) raises: a translated message."""
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=translation_key,
        translation_placeholders={"name": name, "error": str(err)},
    )
