"""Sign in to Emby Connect with a PIN that the person confirms at emby.media/pin."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from homeassistant.core import HomeAssistant

from .aioemby import (
    ConnectLogin,
    EmbyConnect,
    EmbyConnectionError,
    EmbyPinExpiredError,
    EmbyResponseError,
)
from .const import PIN_POLL_INTERVAL
from .helpers import async_client_identity, async_connect_client
from .validation import ConnectAccount

# Polling a PIN survives a few dropped requests before the person is asked to retry.
PIN_POLL_ATTEMPTS = 3
# A PIN nobody confirms within this time is treated as expired, should Connect never say so,
# so a forgotten flow does not poll forever.
PIN_MAX_WAIT = timedelta(minutes=15)


class PinSignIn:
    """One PIN of this Home Assistant: poll it like Emby's web app, then sign in with it."""

    def __init__(self, client: EmbyConnect, *, connect_url: str, device_id: str, pin: str) -> None:
        """Hold a PIN just created."""
        self.connect_url = connect_url
        self.pin = pin
        self._client = client
        self._device_id = device_id
        self._login: ConnectLogin | None = None

    @classmethod
    async def async_create(cls, hass: HomeAssistant, connect_url: str) -> PinSignIn:
        """Create a new PIN for this Home Assistant at an Emby Connect service."""
        client = await async_connect_client(hass, connect_url)
        device_id = (await async_client_identity(hass)).device_id
        pin = (await client.create_pin(device_id)).pin
        return cls(client, connect_url=connect_url, device_id=device_id, pin=pin)

    async def async_wait(self) -> ConnectAccount:
        """Wait for the PIN to be confirmed, sign in with it and list the account's servers."""
        client = self._client
        # A retry after a failure past the confirmation does not wait for the PIN again.
        if self._login is None:
            await self._async_poll()
            self._login = await client.authenticate_pin(self._device_id, self.pin)
        login = self._login
        user = login.user or await client.get_user()
        return ConnectAccount(
            connect_url=self.connect_url,
            login=login,
            username=user.name or user.email or login.user_id,
            servers=await client.get_servers(),
        )

    async def _async_poll(self) -> None:
        """Poll the PIN until it is confirmed; raise when it expired."""
        failures = 0
        for _ in range(int(PIN_MAX_WAIT.total_seconds() / PIN_POLL_INTERVAL)):
            await asyncio.sleep(PIN_POLL_INTERVAL)
            try:
                pin = await self._client.get_pin(self._device_id, self.pin)
            except EmbyConnectionError, EmbyResponseError:
                failures += 1
                if failures >= PIN_POLL_ATTEMPTS:
                    raise
                continue
            failures = 0
            if pin.is_expired:
                break
            if pin.is_confirmed:
                return
        message = "The Emby Connect PIN expired"
        raise EmbyPinExpiredError(message)
