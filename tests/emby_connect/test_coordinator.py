"""Tests for a server's coordinators and connection: polling, outages, tokens, entry data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import logging

from homeassistant.config_entries import (
    ConfigEntryState,
)
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.emby_connect.aioemby import (
    AuthSource,
    ConnectionMode,
    ConnectionResult,
    ConnectServer,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyResponseError,
    EmbyServerMismatchError,
    EmbyTimeoutError,
    ItemCounts,
)
from custom_components.emby_connect.const import (
    CONF_ACCESS_KEY,
    CONF_LAST_MODE,
    COUNTS_INTERVAL,
    DOMAIN,
    STATUS_INTERVAL,
)

from .conftest import REMOTE_ADDRESS, SYSTEM_ID, Runtime, load_json
from .helpers import (
    ACTIVE_SESSIONS,
    CONNECTION,
    CONNECTIVITY,
    MOVIES,
    forbidden,
    load_system_info,
    reauth_flows,
    unauthorized,
)


async def test_polling_intervals(hass: HomeAssistant, loaded: Runtime) -> None:
    """Status is read every 30 seconds, library counts at most every 30 minutes."""
    assert loaded.server.get_system_info.call_count == 1
    assert loaded.server.get_sessions.call_count == 1
    assert loaded.server.get_item_counts.call_count == 1

    await loaded.tick()
    assert loaded.server.get_system_info.call_count == 2
    assert loaded.server.get_sessions.call_count == 2
    assert loaded.server.get_item_counts.call_count == 1

    for _ in range(COUNTS_INTERVAL // STATUS_INTERVAL - 2):
        await loaded.tick()
    assert loaded.server.get_item_counts.call_count == 1

    await loaded.tick()
    assert loaded.server.get_system_info.call_count == COUNTS_INTERVAL // STATUS_INTERVAL + 1
    assert loaded.server.get_item_counts.call_count == 2


async def test_forbidden_counts_not_asked_every_poll(hass: HomeAssistant, loaded: Runtime) -> None:
    """A user who may not read counts is not asked again at every poll."""
    loaded.server.get_item_counts.side_effect = forbidden()
    await loaded.tick(COUNTS_INTERVAL)
    assert loaded.server.get_item_counts.call_count == 2
    assert hass.states.get("sensor.living_room_movies").state == STATE_UNAVAILABLE

    await loaded.tick()
    assert loaded.server.get_item_counts.call_count == 2
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"


async def test_connection_lost_and_back(
    hass: HomeAssistant, loaded: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """A lost server is logged once, probed again at every poll, and logged once when back."""
    caplog.set_level(logging.INFO)
    data_before = dict(loaded.entry.data)
    assert loaded.manager.connect.call_count == 1

    loaded.server.get_system_info.side_effect = EmbyTimeoutError("timeout")
    loaded.manager.connect.side_effect = EmbyConnectionError("unreachable")
    for _ in range(3):
        await loaded.tick()

    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    # The client was dropped at the first failure, and every later poll probed again.
    assert loaded.manager.connect.call_count == 3
    assert caplog.text.count("Error fetching Emby server Living Room data") == 1
    assert "could not be reached on any of its addresses" in caplog.text
    assert loaded.entry.data == data_before

    loaded.server.get_system_info.side_effect = None
    loaded.manager.connect.side_effect = None
    await loaded.tick()
    await loaded.tick()

    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert hass.states.get(ACTIVE_SESSIONS).state == "3"
    assert caplog.text.count("Fetching Emby server Living Room data recovered") == 1
    assert caplog.text.count("Error fetching Emby server Living Room data") == 1


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            EmbyServerMismatchError("other server", expected_id=SYSTEM_ID, actual_id="x"),
            "now answer as a different server",
        ),
        (EmbyResponseError("garbage"), "could not read"),
    ],
)
async def test_other_errors_are_update_failures(
    hass: HomeAssistant,
    loaded: Runtime,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    message: str,
) -> None:
    """A server answering as another or talking nonsense makes entities unavailable."""
    loaded.server.get_sessions.side_effect = error
    await loaded.tick()

    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    assert message in caplog.text
    assert loaded.entry.state is ConfigEntryState.LOADED
    assert not reauth_flows(hass, loaded.entry)


async def test_revoked_token_reconnects_once(hass: HomeAssistant, loaded: Runtime) -> None:
    """A 401 drops the client and exchanges the AccessKey again; success needs no reauth."""
    loaded.server.get_system_info.side_effect = [unauthorized(), load_system_info()]
    await loaded.tick()

    assert loaded.manager.connect.call_count == 2
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert not reauth_flows(hass, loaded.entry)


async def test_refused_again_starts_reauth(hass: HomeAssistant, loaded: Runtime) -> None:
    """Refused again after one new exchange: reauth starts, the entry data stays as it was."""
    data_before = dict(loaded.entry.data)
    loaded.server.get_system_info.side_effect = unauthorized()
    await loaded.tick()

    assert loaded.manager.connect.call_count == 2
    assert hass.states.get(ACTIVE_SESSIONS).state == STATE_UNAVAILABLE
    assert len(reauth_flows(hass, loaded.entry)) == 1
    assert loaded.entry.data == data_before


async def test_refused_exchange_starts_reauth(hass: HomeAssistant, loaded: Runtime) -> None:
    """When the AccessKey itself is refused and Connect knows no newer one, reauth starts."""
    loaded.server.get_system_info.side_effect = EmbyConnectionError("restarting")
    await loaded.tick()
    loaded.manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    await loaded.tick(timedelta(minutes=6))

    # Connect was asked for a newer AccessKey, which did not change.
    assert loaded.connect.get_servers.call_count == 2
    assert len(reauth_flows(hass, loaded.entry)) == 1


async def test_refused_exchange_while_connect_is_down_retries(
    hass: HomeAssistant, loaded: Runtime
) -> None:
    """A refused AccessKey is no reason to sign in again while Connect cannot be asked."""
    loaded.server.get_system_info.side_effect = EmbyConnectionError("restarting")
    await loaded.tick()
    loaded.manager.connect.side_effect = EmbyAuthenticationError(
        "refused", source=AuthSource.SERVER, status=401
    )
    loaded.connect.get_servers.side_effect = EmbyConnectionError("Connect is down")
    await loaded.tick(timedelta(minutes=6))

    assert not reauth_flows(hass, loaded.entry)
    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    error = loaded.entry.runtime_data.status.last_exception
    assert "refused its Emby Connect AccessKey, and Emby Connect cannot be reached" in str(error)

    # Connect answers again with a renewed AccessKey: the server is back, no sign-in needed.
    loaded.connect.get_servers.side_effect = None
    loaded.connect.get_servers.return_value = ConnectServer.list_from(
        load_json("connect_servers_changed.json")
    )
    loaded.server.get_system_info.side_effect = None
    loaded.manager.connect.side_effect = None
    await loaded.tick(timedelta(minutes=6))

    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert loaded.entry.data[CONF_ACCESS_KEY] == "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert not reauth_flows(hass, loaded.entry)


async def test_manual_revoked_token_starts_reauth(hass: HomeAssistant, manual: Runtime) -> None:
    """A server added by address has no AccessKey to exchange: a 401 goes straight to reauth."""
    await manual.set_up()
    assert hass.states.get(CONNECTION).state == "local"

    manual.server.get_system_info.side_effect = unauthorized()
    await manual.tick()

    assert manual.manager.connect.call_count == 1
    assert len(reauth_flows(hass, manual.entry)) == 1


async def test_manual_server_lost_and_back(hass: HomeAssistant, manual: Runtime) -> None:
    """A server added by address has no account to ask: it is polled until it answers."""
    await manual.set_up()

    manual.server.get_system_info.side_effect = EmbyConnectionError("gone")
    manual.refuse(EmbyConnectionError("gone"))
    await manual.tick()
    await manual.tick()
    assert hass.states.get(CONNECTIVITY).state == STATE_OFF
    assert manual.manager.connect.call_count == 2

    manual.server.get_system_info.side_effect = None
    manual.answer()
    await manual.tick()
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert manual.entry.state is ConfigEntryState.LOADED


async def test_last_mode_follows_the_connection(
    hass: HomeAssistant, loaded: Runtime, connection_result: ConnectionResult
) -> None:
    """The mode that won is stored without a reload; a failed poll changes nothing."""
    assert loaded.entry.data[CONF_LAST_MODE] == "local"
    connection = loaded.entry.runtime_data.connection
    assert connection.record.last_mode is ConnectionMode.LOCAL

    loaded.server.get_sessions.side_effect = EmbyConnectionError("lan down")
    await loaded.tick()
    assert loaded.entry.data[CONF_LAST_MODE] == "local"

    loaded.server.get_sessions.side_effect = None
    loaded.manager.connect.return_value = (
        loaded.server,
        replace(connection_result, mode=ConnectionMode.REMOTE, address=REMOTE_ADDRESS),
    )
    await loaded.tick()

    assert loaded.entry.data[CONF_LAST_MODE] == "remote"
    assert loaded.entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTION).state == "remote"
    assert connection.record.last_mode is ConnectionMode.REMOTE
    # The device follows the address in use.
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, SYSTEM_ID), loaded.entry.entry_id
    )
    assert device is not None
    assert device.configuration_url == f"{REMOTE_ADDRESS}/web/index.html"


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    """Return the device of the entry's server."""
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, SYSTEM_ID), entry.entry_id)
    assert device is not None
    return device


async def test_device_follows_the_version(hass: HomeAssistant, loaded: Runtime) -> None:
    """After a server update the device shows the new version."""
    assert _device(hass, loaded.entry).entry_type is None
    loaded.server.get_system_info.return_value = replace(
        load_system_info(), version="4.9.0.0", has_update_available=False
    )
    await loaded.tick()

    device = _device(hass, loaded.entry)
    assert device.sw_version == "4.9.0.0"
    assert device.model == "Emby Server (Linux)"
    assert hass.states.get("sensor.living_room_version").state == "4.9.0.0"
    assert hass.states.get("update.living_room").state == STATE_OFF


async def test_device_follows_the_operating_system(hass: HomeAssistant, loaded: Runtime) -> None:
    """A server moved to another machine shows its new operating system; none when unread."""
    assert _device(hass, loaded.entry).model == "Emby Server (Linux)"
    loaded.server.get_system_info.return_value = replace(
        load_system_info(), operating_system_display_name="Windows"
    )
    await loaded.tick()
    assert _device(hass, loaded.entry).model == "Emby Server (Windows)"

    # A user who may no longer read System/Info: the model says no operating system.
    loaded.server.get_system_info.side_effect = forbidden()
    await loaded.tick()
    device = _device(hass, loaded.entry)
    assert device.model == "Emby Server"
    assert device.sw_version == "4.8.11.0"


# Library counts: their own coordinator, on their own clock.


async def test_failed_counts_read_keeps_the_counts(
    hass: HomeAssistant, loaded: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """A counts read that fails keeps the last counts, logged once, tried again soon."""
    assert hass.states.get(MOVIES).state == "1284"
    loaded.server.get_item_counts.side_effect = EmbyResponseError("HTTP 500")
    await loaded.tick(COUNTS_INTERVAL)
    assert loaded.server.get_item_counts.call_count == 2
    # At the status poll's pace, not a whole counts period later.
    await loaded.tick(STATUS_INTERVAL)
    assert loaded.server.get_item_counts.call_count == 3
    assert hass.states.get(MOVIES).state == "1284"
    assert hass.states.get(CONNECTIVITY).state == STATE_ON
    assert caplog.text.count("Error fetching Emby server Living Room library counts data") == 1

    loaded.server.get_item_counts.side_effect = None
    loaded.server.get_item_counts.return_value = ItemCounts(movie_count=1285)
    await loaded.tick(STATUS_INTERVAL)
    assert loaded.server.get_item_counts.call_count == 4
    assert hass.states.get(MOVIES).state == "1285"
    assert "Fetching Emby server Living Room library counts data recovered" in caplog.text


async def test_counts_follow_the_server(hass: HomeAssistant, loaded: Runtime) -> None:
    """The counts go unavailable with the server and come back with it, without a read."""
    loaded.server.get_system_info.side_effect = EmbyConnectionError("gone")
    loaded.manager.connect.side_effect = EmbyConnectionError("gone")
    await loaded.tick()
    assert hass.states.get(MOVIES).state == STATE_UNAVAILABLE

    loaded.server.get_system_info.side_effect = None
    loaded.manager.connect.side_effect = None
    await loaded.tick()
    assert hass.states.get(MOVIES).state == "1284"
    assert loaded.server.get_item_counts.call_count == 1


async def test_counts_missed_while_away_are_read_when_back(
    hass: HomeAssistant, loaded: Runtime
) -> None:
    """Counts due while the server was away are read once it is back, not a period later."""
    loaded.server.get_system_info.side_effect = EmbyConnectionError("gone")
    loaded.manager.connect.side_effect = EmbyConnectionError("gone")
    await loaded.tick()
    await loaded.tick(COUNTS_INTERVAL - STATUS_INTERVAL)
    assert loaded.server.get_item_counts.call_count == 1
    assert hass.states.get(MOVIES).state == STATE_UNAVAILABLE

    loaded.server.get_system_info.side_effect = None
    loaded.manager.connect.side_effect = None
    loaded.server.get_item_counts.return_value = ItemCounts(movie_count=1300)
    await loaded.tick()
    assert loaded.server.get_item_counts.call_count == 2
    assert hass.states.get(MOVIES).state == "1300"


# The connection, shared by everything that talks to the server.


async def test_commands_share_the_connection(hass: HomeAssistant, loaded: Runtime) -> None:
    """A command goes through the entry's connection: no new connect, a 401 exchanged once."""
    connection = loaded.entry.runtime_data.connection
    assert connection.connected
    assert connection.client is loaded.server

    sessions = await connection.async_call(lambda server: server.get_sessions())
    assert len(sessions) == 4
    assert loaded.manager.connect.call_count == 1

    loaded.server.get_sessions.side_effect = [unauthorized(), []]
    assert await connection.async_call(lambda server: server.get_sessions()) == []
    assert loaded.manager.connect.call_count == 2

    # Refused again after the new exchange: the error is the caller's to show.
    loaded.server.get_sessions.side_effect = unauthorized()
    with pytest.raises(EmbyAuthenticationError):
        await connection.async_call(lambda server: server.get_sessions())
    assert loaded.manager.connect.call_count == 3

    # The address in use answers a quick probe; once dropped, nothing is probed.
    assert await connection.async_probe(1.0)
    loaded.server.get_public_info.side_effect = EmbyTimeoutError("no answer")
    assert not await connection.async_probe(1.0)
    connection.async_drop()
    assert not connection.connected
    assert connection.client is None
    assert not await connection.async_probe(1.0)
    assert loaded.server.get_public_info.call_count == 2
