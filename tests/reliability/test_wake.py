"""A server asleep when Home Assistant starts: loaded to be woken, woken by its button."""

from __future__ import annotations

import logging

from homeassistant.components.button.const import SERVICE_PRESS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.helpers import entity_registry as er

from custom_components.emby_connect.const import CONF_WAKE_ON_LAN, DOMAIN

from .conftest import Stack


async def test_wake_after_a_restart_while_the_server_sleeps(stack: Stack) -> None:
    """Restarted with its server asleep, the entry loads; Wake server brings the server back.

    The magic packet goes to the simulator's loopback listener, for the MAC address the server
    reported, and connectivity turns on as soon as the woken server answers.
    """
    hass = stack.hass
    server = await stack.add_server("Living Room")
    (entry,) = await stack.add_connect_entries(server)
    await stack.until(lambda: CONF_WAKE_ON_LAN in entry.data, step=1, what="targets stored")
    (target,) = entry.data[CONF_WAKE_ON_LAN]
    assert (target["BroadcastAddress"], target["Port"]) == stack.sim.wake.address()
    assert target["MacAddress"] == server.care.mac_address

    # Home Assistant stops, the server goes to sleep, Home Assistant starts again.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await server.care.sleep()
    stack.caplog.clear()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    wake = er.async_get(hass).async_get_entity_id(
        Platform.BUTTON, DOMAIN, f"{server.system_id}_wake"
    )
    assert wake is not None
    wake_state = hass.states.get(wake)
    assert wake_state is not None
    assert wake_state.state != STATE_UNAVAILABLE
    assert stack.state(server) == STATE_OFF
    assert stack.state(server, "active_sessions") == STATE_UNAVAILABLE
    # A sleeping server is no fault: the integration warns of nothing.
    assert not stack.lines("", level=logging.WARNING, logger=DOMAIN)

    server.care.wake_delay = 0.3
    await hass.services.async_call(
        Platform.BUTTON, SERVICE_PRESS, {ATTR_ENTITY_ID: wake}, blocking=True
    )
    assert [packet.mac for packet in stack.sim.wake.packets] == [server.care.mac_address]
    assert stack.sim.wake.packets[0].source[0] == "127.0.0.1"
    await stack.until(
        lambda: stack.state(server) == STATE_ON, step=1, settle=0.2, limit=30, what="woken"
    )
    await stack.until(lambda: stack.shows_truth(server), step=1, settle=0.2, limit=60)
