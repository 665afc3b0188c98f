"""Emby Connect, Emby's cloud account service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp.hdrs import METH_GET, METH_POST

from ._http import SignedInClient, decode_json, header_value, join_url, parse_url, send
from .exceptions import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyError,
    EmbyPinExpiredError,
    EmbyResponseError,
)
from .models import ConnectLogin, ConnectPin, ConnectServer, ConnectUser

DEFAULT_CONNECT_URL = "https://connect.emby.media/service"


def _pin_gone(_status: int | None = None) -> EmbyError:
    """Return the error for a PIN that Connect no longer knows."""
    message = "The Emby Connect PIN expired or is unknown"
    return EmbyPinExpiredError(message)


def _credentials_refused(status: int) -> EmbyError:
    """Return the error for a refused sign-in (older Connect deployments answer 404)."""
    message = f"Emby Connect refused the name or password (HTTP {status})"
    return EmbyAuthenticationError(message, source=AuthSource.CONNECT, status=status)


@dataclass(kw_only=True)
class EmbyConnect(SignedInClient):
    """Talk to Emby Connect: sign in (password or PIN), list servers, read the user."""

    app_name: str
    app_version: str
    base_url: str = DEFAULT_CONNECT_URL
    request_timeout: float = 15.0

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        token: str | None = None,
        not_found: Callable[[int], EmbyError] | None = None,
    ) -> Any:
        """Send one call to Connect and return its decoded JSON answer."""
        what = f"Emby Connect ({path})"
        try:
            url = join_url(parse_url(self.base_url), path)
        except (TypeError, ValueError) as err:
            message = "The Emby Connect address is not a valid URL"
            raise EmbyConnectionError(message) from err
        headers = {
            "X-Application": header_value(f"{self.app_name}/{self.app_version}"),
            "Accept": "application/json",
        }
        if token is not None:
            headers["X-Connect-UserToken"] = header_value(token)

        raw = await send(
            self.http_session(),
            method,
            url,
            what=what,
            time_limit=self.request_timeout,
            headers=headers,
            params=params,
            data=form,
        )
        if raw.status == HTTPStatus.NOT_FOUND and not_found is not None:
            raise not_found(raw.status)
        if raw.status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            message = f"{what} refused the credentials (HTTP {raw.status})"
            raise EmbyAuthenticationError(message, source=AuthSource.CONNECT, status=raw.status)
        if not HTTPStatus.OK <= raw.status < HTTPStatus.MULTIPLE_CHOICES:
            message = f"{what} answered with HTTP {raw.status}"
            raise EmbyResponseError(message)
        return decode_json(raw, what)

    def _signed_in(self) -> tuple[str, str]:
        """Return the signed-in Connect user id and token or raise EmbyAuthenticationError."""
        if not self.user_id or not self.access_token:
            message = "Not signed in to Emby Connect"
            raise EmbyAuthenticationError(message, source=AuthSource.CONNECT)
        return self.user_id, self.access_token

    async def _sign_in(
        self, path: str, form: Mapping[str, str], not_found: Callable[[int], EmbyError]
    ) -> ConnectLogin:
        """Sign in through one of Connect's sign-in calls; keep the user and token it gives."""
        data = await self._request(METH_POST, path, form=form, not_found=not_found)
        return self._keep(ConnectLogin.from_dict(data))

    async def authenticate(self, name_or_email: str, password: str) -> ConnectLogin:
        """Sign in with a password (form-encoded, as Emby's apps send it); store the token."""
        form = {"nameOrEmail": name_or_email, "rawpw": password}
        return await self._sign_in("user/authenticate", form, _credentials_refused)

    async def create_pin(self, device_id: str) -> ConnectPin:
        """Create a PIN for the person to confirm at https://emby.media/pin."""
        data = await self._request(METH_POST, "pin", form={"deviceId": device_id})
        return ConnectPin.from_dict(data)

    async def get_pin(self, device_id: str, pin: str) -> ConnectPin:
        """Poll a PIN; raise EmbyPinExpiredError when Connect no longer knows it."""
        data = await self._request(
            METH_GET, "pin", params={"deviceId": device_id, "pin": pin}, not_found=_pin_gone
        )
        result = ConnectPin.from_dict(data)
        if result.is_expired:
            raise _pin_gone()
        return result

    async def authenticate_pin(self, device_id: str, pin: str) -> ConnectLogin:
        """Exchange a confirmed PIN for a Connect token; store the token."""
        form = {"deviceId": device_id, "pin": pin}
        return await self._sign_in("pin/authenticate", form, _pin_gone)

    async def get_servers(self) -> list[ConnectServer]:
        """List the servers the signed-in account may use."""
        user_id, token = self._signed_in()
        data = await self._request(METH_GET, "servers", params={"userId": user_id}, token=token)
        return ConnectServer.list_from(data)

    async def get_user(self) -> ConnectUser:
        """Read the signed-in account."""
        user_id, token = self._signed_in()
        data = await self._request(METH_GET, "user", params={"id": user_id}, token=token)
        return ConnectUser.from_dict(data)
