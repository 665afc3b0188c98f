"""The simulated Emby Connect service (connect.emby.media/service), served under /service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
import logging
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from .httputil import lower_keys, parse_body
from .listener import abort_connection
from .models import ConnectFault, RecordedRequest, SimConnectUser, SimPin, utcnow
from .records import record_request

if TYPE_CHECKING:
    from .ids import IdFactory

_LOGGER = logging.getLogger(__name__)
PREFIX = "/service"
_MALFORMED = '[{"Id": "1", "Url": "http://'


class ConnectDirectory(Protocol):
    """What Connect reads and changes of the world: accounts and their server links."""

    def find_connect_user(self, name_email_or_id: str) -> SimConnectUser | None:
        """Return the account with that name, e-mail or id."""

    def connect_servers(self, user: SimConnectUser) -> list[dict[str, Any]]:
        """Return the Connect server list of an account."""

    def unlink_by_id(self, user: SimConnectUser, link_or_system_id: str) -> bool:
        """Unlink a server from an account; return whether one was unlinked."""


@dataclass(eq=False, kw_only=True)
class ConnectService:
    """Answer Emby Connect calls from a directory of accounts and links, and its own PINs."""

    ids: IdFactory
    directory: ConnectDirectory
    fault: ConnectFault = ConnectFault.NONE
    latency: float = 0.0
    pin_lifetime: float = 600.0
    pin_digits: int = 5  # real PINs are digit strings that may start with 0 ("09751")
    requests: list[RecordedRequest] = field(default_factory=list)
    tokens: dict[str, SimConnectUser] = field(default_factory=dict, repr=False)
    pins: dict[str, SimPin] = field(default_factory=dict)
    _hanging: set[asyncio.Future[None]] = field(default_factory=set)

    # -- state ------------------------------------------------------------------------------

    def set_fault(self, fault: ConnectFault | str) -> None:
        """Change the fault; hanging calls are dropped when it leaves HANGING."""
        self.fault = ConnectFault(fault)
        if self.fault is not ConnectFault.HANGING:
            self.release_hanging()

    def release_hanging(self) -> None:
        """Let every hanging call go (their connections are dropped)."""
        for waiter in list(self._hanging):
            if not waiter.done():
                waiter.set_result(None)

    def issue_token(self, user: SimConnectUser) -> str:
        """Issue a Connect access token for an account."""
        token = self.ids.hex()
        self.tokens[token] = user
        return token

    def tokens_of(self, user: SimConnectUser) -> set[str]:
        """Return every token issued to an account."""
        return {token for token, owner in self.tokens.items() if owner is user}

    def revoke_tokens(self, user: SimConnectUser | None = None) -> None:
        """Forget tokens (of one account, or all): their calls get 401."""
        for token in [t for t, owner in self.tokens.items() if user in (None, owner)]:
            del self.tokens[token]

    def create_pin(self, device_id: str) -> SimPin:
        """Create a new PIN for a device (pin_digits digits, unique among live PINs)."""
        while (code := self.ids.digits(self.pin_digits, leading_zero=True)) in self.pins:
            pass
        pin = SimPin(pin=code, device_id=device_id)
        self.pins[code] = pin
        return pin

    def live_pin(self, code: str) -> SimPin | None:
        """Return a PIN, marking it expired once its lifetime passed."""
        pin = self.pins.get(code)
        if pin is not None and utcnow() - pin.created > timedelta(seconds=self.pin_lifetime):
            pin.expired = True
        return pin

    def confirm_pin(self, code: str, user: SimConnectUser) -> SimPin:
        """Confirm a PIN as the person would at emby.media/pin (KeyError when not live)."""
        found = self.live_pin(code)
        if found is None or found.expired:
            message = f"no live PIN {code!r}"
            raise KeyError(message)
        found.confirmed_by = user
        return found

    def expire_pin(self, code: str) -> None:
        """Expire a PIN (KeyError when unknown)."""
        self.pins[code].expired = True

    # -- HTTP -------------------------------------------------------------------------------

    async def handle(self, request: web.Request, path: str) -> web.StreamResponse:
        """Record the call, apply latency and fault, then answer it."""
        self.requests.append(
            await record_request(
                request,
                path=path,
                listener="connect",
                token=request.headers.get("X-Connect-UserToken"),
            )
        )
        _LOGGER.info("connect %s %s", request.method, request.path_qs)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        match self.fault:
            case ConnectFault.DOWN:
                abort_connection(request)
                raise asyncio.CancelledError
            case ConnectFault.HANGING:
                await self._hang(request)
            case ConnectFault.UNAUTHORIZED:
                return _error(401, "Unauthorized")
            case ConnectFault.HTTP_500:
                return _error(500, "Internal Server Error")
            case ConnectFault.MALFORMED_JSON:
                return web.Response(text=_MALFORMED, content_type="application/json")
            case _:
                pass
        if not request.headers.get("X-Application"):
            return _error(400, "X-Application header is required")
        key = (request.method, path.lower().rstrip("/"))
        handler = {
            ("POST", "/user/authenticate"): self._authenticate,
            ("GET", "/servers"): self._servers,
            ("GET", "/user"): self._user,
            ("POST", "/pin"): self._create_pin,
            ("GET", "/pin"): self._get_pin,
            ("POST", "/pin/authenticate"): self._authenticate_pin,
            ("DELETE", "/serverauthorizations"): self._delete_authorization,
        }.get(key)
        if handler is None:
            return _error(404, "Not found")
        return await handler(request)

    async def _hang(self, request: web.Request) -> None:
        """Never answer: wait until the fault changes or the simulator stops."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._hanging.add(waiter)
        try:
            await waiter
        finally:
            self._hanging.discard(waiter)
            abort_connection(request)
        raise asyncio.CancelledError

    def _signed_in(self, request: web.Request) -> SimConnectUser | None:
        """Return the account whose token the call carries."""
        return self.tokens.get(request.headers.get("X-Connect-UserToken", ""))

    async def _authenticate(self, request: web.Request) -> web.Response:
        """Answer POST user/authenticate (form nameOrEmail/rawpw, or JSON)."""
        fields = lower_keys(parse_body(await request.text()))
        name = str(fields.get("nameoremail") or fields.get("name") or "")
        password = fields.get("rawpw")
        if password is None:
            password = fields.get("password")
        user = self.directory.find_connect_user(name) if name else None
        if user is None or password != user.password:
            return _error(401, "Invalid username or password")
        return web.json_response({"AccessToken": self.issue_token(user), "User": user.to_json()})

    async def _servers(self, request: web.Request) -> web.Response:
        """Answer GET servers?userId=: the account's linked servers."""
        user = self._signed_in(request)
        if user is None:
            return _error(401, "Unauthorized")
        query = _lower_query(request)
        if query.get("userid") != user.id:
            return _error(403, "Forbidden")
        if query.get("status", "").lower() == "waiting":
            return web.json_response([])
        return web.json_response(self.directory.connect_servers(user))

    async def _user(self, request: web.Request) -> web.Response:
        """Answer GET user?id=."""
        user = self._signed_in(request)
        if user is None:
            return _error(401, "Unauthorized")
        if _lower_query(request).get("id") != user.id:
            return _error(403, "Forbidden")
        data: dict[str, Any] = user.to_json()
        return web.json_response(data)

    async def _create_pin(self, request: web.Request) -> web.Response:
        """Answer POST pin (form deviceId)."""
        fields = lower_keys(parse_body(await request.text()))
        device_id = str(fields.get("deviceid") or _lower_query(request).get("deviceid") or "")
        if not device_id:
            return _error(400, "deviceId is required")
        return web.json_response(self.create_pin(device_id).to_json())

    async def _get_pin(self, request: web.Request) -> web.Response:
        """Answer GET pin?deviceId=&pin= (404 when Connect does not know it)."""
        query = _lower_query(request)
        pin = self.live_pin(query.get("pin", ""))
        if pin is None or pin.device_id != query.get("deviceid"):
            return _error(404, "Not found")
        return web.json_response(pin.to_json())

    async def _authenticate_pin(self, request: web.Request) -> web.Response:
        """Answer POST pin/authenticate (form deviceId, pin): a token once confirmed."""
        fields = lower_keys(parse_body(await request.text()))
        pin = self.live_pin(str(fields.get("pin") or ""))
        if pin is None or pin.device_id != fields.get("deviceid") or pin.expired:
            return _error(401, "Unknown or expired pin")
        if pin.confirmed_by is None:
            return _error(400, "Pin has not been confirmed")
        del self.pins[pin.pin]
        token = self.issue_token(pin.confirmed_by)
        return web.json_response({"UserId": pin.confirmed_by.id, "AccessToken": token})

    async def _delete_authorization(self, request: web.Request) -> web.Response:
        """Answer DELETE serverAuthorizations?serverId=&userId=: unlink a server."""
        user = self._signed_in(request)
        if user is None:
            return _error(401, "Unauthorized")
        query = _lower_query(request)
        if query.get("userid", user.id) != user.id:
            return _error(403, "Forbidden")
        if not self.directory.unlink_by_id(user, query.get("serverid", "")):
            return _error(404, "Not found")
        return web.Response(status=200)


def _lower_query(request: web.Request) -> dict[str, str]:
    """Return the query with lower-case keys."""
    return lower_keys(request.query)


def _error(status: int, message: str) -> web.Response:
    """Return a JSON error like Connect's."""
    return web.json_response({"Message": message}, status=status)
