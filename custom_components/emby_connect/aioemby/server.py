"""One Emby server: public info, sign-in, the Connect exchange and status calls."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp.hdrs import METH_GET, METH_POST
from yarl import URL

from ._http import (
    RawResponse,
    SignedInClient,
    api_url,
    decode_json,
    has_emby_base,
    header_value,
    parse_address,
    refusal,
    send,
)
from .exceptions import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
)
from .models import (
    ClientIdentity,
    ItemCounts,
    PublicSystemInfo,
    ServerLogin,
    ServerUser,
    SystemInfo,
)
from .sessions import Session

# Emby refuses a Connect/Exchange (AccessKey revoked, user unlinked) with any of these.
_EXCHANGE_REFUSED = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND})


def normalize_address(address: str) -> str:
    """Return an address as scheme://host[:port][/base path]; raise ValueError if unusable."""
    return str(parse_address(address))


def identity_headers(
    identity: ClientIdentity, *, user_id: str | None = None, token: str | None = None
) -> dict[str, str]:
    """Return the headers that tell an Emby server who is calling (and with which token)."""
    pairs = [
        ("UserId", user_id),
        ("Client", identity.client),
        ("Device", identity.device_name),
        ("DeviceId", identity.device_id),
        ("Version", identity.version),
        ("Token", token),
    ]
    authorization = ", ".join(
        f'{name}="{header_value(value)}"' for name, value in pairs if value is not None
    )
    headers = {
        "X-Emby-Authorization": f"Emby {authorization}",
        "X-Emby-Client": header_value(identity.client),
        "X-Emby-Device-Name": header_value(identity.device_name),
        "X-Emby-Device-Id": header_value(identity.device_id),
        "X-Emby-Client-Version": header_value(identity.version),
        "Accept": "application/json",
    }
    if token is not None:
        headers["X-Emby-Token"] = header_value(token)
    return headers


@dataclass(kw_only=True)
class EmbyServer(SignedInClient):
    """Talk to one Emby server at one address, the way Emby's apps address it.

    Every API path goes below `/emby` (`{address}/emby/{path}`, as the apps' getEmbyServerUrl
    builds it); an address that already ends in /emby is not doubled. Real servers answer
    with and without the prefix; a reverse proxy may publish only the prefixed paths.
    """

    url: str
    identity: ClientIdentity
    verify_ssl: bool = True
    request_timeout: float = 10.0
    # Whether this address answers below /emby: None until an answer tells. Calls go there
    # first; a 404 falls back to the bare path once, and whichever answered is kept (True or
    # False). The connection manager remembers it per address between connects.
    emby_prefix: bool | None = None

    def __post_init__(self) -> None:
        """Normalise the address; an unusable one fails on the first request instead."""
        try:
            self.url = normalize_address(self.url)
        except TypeError, ValueError:
            return

    async def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        user_id: str | None = None,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        time_limit: float | None = None,
        exchange: bool = False,
        expect_json: bool = True,
    ) -> Any:
        """Send one call to the server and return its decoded JSON answer (or None)."""
        try:
            base = parse_address(self.url)
        except (TypeError, ValueError) as err:
            message = "The server address is not a valid http(s) address"
            raise EmbyConnectionError(message) from err
        what = f"Emby server {base} ({path})"
        limit = self.request_timeout if time_limit is None else time_limit
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit

        async def attempt(*, prefixed: bool) -> RawResponse:
            return await send(
                self.http_session(),
                method,
                api_url(base, path, prefixed=prefixed),
                what=what,
                time_limit=max(deadline - loop.time(), 0.0),
                headers=identity_headers(self.identity, user_id=user_id, token=token),
                params=params,
                json_body=json_body,
                ssl=self.verify_ssl,
            )

        raw = await attempt(prefixed=self.emby_prefix is not False)
        if self.emby_prefix is None and not has_emby_base(base):
            if raw.status != HTTPStatus.NOT_FOUND:
                self.emby_prefix = True
            elif (bare := await attempt(prefixed=False)).status != HTTPStatus.NOT_FOUND:
                # Served only without the prefix (an old or foreign server, a custom base
                # path): the one fallback, kept for this address.
                self.emby_prefix = False
                raw = bare
        if exchange and raw.status in _EXCHANGE_REFUSED:
            message = f"{what} refused the Emby Connect AccessKey (HTTP {raw.status})"
            raise EmbyAuthenticationError(message, source=AuthSource.SERVER, status=raw.status)
        if (refused := refusal(what, raw.status)) is not None:
            raise refused
        if not HTTPStatus.OK <= raw.status < HTTPStatus.MULTIPLE_CHOICES:
            message = f"{what} answered with HTTP {raw.status}"
            raise EmbyResponseError(message, status=raw.status)
        return decode_json(raw, what) if expect_json else raw

    def url_for(self, path: str) -> URL:
        """Return the address of an API path on this server; it never carries a token."""
        return api_url(parse_address(self.url), path, prefixed=self.emby_prefix is not False)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        expect_json: bool = True,
    ) -> Any:
        """Send one call as the signed-in user: the primitive the control and library APIs use.

        Return the decoded JSON answer, or the RawResponse (body, content type) when
        expect_json is False. HTTP errors raise as for every call (EmbyResponseError with the
        status; 401 EmbyAuthenticationError; 403 EmbyForbiddenError).
        """
        if not self.access_token:
            message = "Not signed in to the Emby server"
            raise EmbyAuthenticationError(message, source=AuthSource.SERVER)
        return await self._request(
            method,
            path,
            token=self.access_token,
            user_id=self.user_id,
            params=params,
            json_body=json_body,
            expect_json=expect_json,
        )

    async def _user_request(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None
    ) -> Any:
        """Send one call as the signed-in user."""
        return await self.request(method, path, params=params)

    async def get_public_info(
        self,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-call limit for racing probes
    ) -> PublicSystemInfo:
        """Read System/Info/Public (no token is sent)."""
        data = await self._request(METH_GET, "System/Info/Public", token=None, time_limit=timeout)
        return PublicSystemInfo.from_dict(data)

    async def authenticate_by_name(self, username: str, password: str | None) -> ServerLogin:
        """Sign in a local user; store the token."""
        data = await self._request(
            METH_POST,
            "Users/AuthenticateByName",
            token=None,
            json_body={"Username": username, "Pw": password or ""},
        )
        return self._keep(ServerLogin.from_authenticate(data))

    async def exchange(self, access_key: str, connect_user_id: str) -> ServerLogin:
        """Exchange a Connect AccessKey for a local token; store the token."""
        data = await self._request(
            METH_GET,
            "Connect/Exchange",
            token=access_key,
            params={"format": "json", "ConnectUserId": connect_user_id},
            exchange=True,
        )
        return self._keep(ServerLogin.from_exchange(data))

    async def get_system_info(self) -> SystemInfo:
        """Read System/Info."""
        return SystemInfo.from_dict(await self._user_request(METH_GET, "System/Info"))

    async def get_sessions(self, *, device_id: str | None = None) -> list[Session]:
        """Read /Sessions, optionally only those of one device."""
        params = {"DeviceId": device_id} if device_id is not None else None
        return Session.list_from(await self._user_request(METH_GET, "Sessions", params=params))

    async def get_item_counts(self) -> ItemCounts:
        """Read /Items/Counts (as the signed-in user sees the libraries)."""
        params = {"UserId": self.user_id} if self.user_id else None
        return ItemCounts.from_dict(
            await self._user_request(METH_GET, "Items/Counts", params=params)
        )

    async def get_users(self) -> list[ServerUser]:
        """Read the server's users through `Users/Query` (administrators only)."""
        return ServerUser.list_from(await self._user_request(METH_GET, "Users/Query"))

    async def logout(self) -> None:
        """Revoke the current token."""
        if not self.access_token:
            return
        # A refused token is already revoked, a forbidden one cannot be used: the goal is reached.
        with suppress(EmbyAuthenticationError, EmbyForbiddenError):
            await self._request(
                METH_POST,
                "Sessions/Logout",
                token=self.access_token,
                user_id=self.user_id,
                expect_json=False,
            )
        self.access_token = None
