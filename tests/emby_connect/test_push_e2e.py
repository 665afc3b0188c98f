"""Push end to end: the integration, the real aioemby and the simulator over loopback, real time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
import time

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect.aioemby import EmbyConnect
from custom_components.emby_connect.const import (
    CONF_ADVANCED,
    CONF_CONNECT_URL,
    CONF_LOCAL_ADDRESS,
    DOMAIN,
    PUSH_STATUS_INTERVAL,
)
from custom_components.emby_connect.entry_data import connect_entry_data
from embysim import EmbySimulator, Fault, Proxy, SimServer

CONNECTIVITY = "binary_sensor.living_room_connectivity"
ACTIVE_SESSIONS = "sensor.living_room_active_sessions"
NOW_PLAYING = "sensor.living_room_now_playing"


@dataclass
class World:
    """A Connect account with one linked server, set up in Home Assistant."""

    hass: HomeAssistant
    sim: EmbySimulator
    server: SimServer
    entry: MockConfigEntry

    def connect_reads(self) -> int:
        """Return how often Emby Connect's server list was read."""
        return sum(request.path.endswith("/servers") for request in self.sim.connect_requests)

    def state(self, entity_id: str) -> str:
        """Return the state of an entity."""
        state = self.hass.states.get(entity_id)
        assert state is not None
        return state.state

    async def wait_for(self, condition: Callable[[], bool], limit: float) -> float:
        """Wait until condition holds; return how long it took (fail after limit seconds)."""
        started = time.monotonic()
        async with asyncio.timeout(limit):
            # The simulator and the state machine, polled: what a person would watch.
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        return time.monotonic() - started


@pytest.fixture
async def world(hass: HomeAssistant, emby_sim: EmbySimulator) -> AsyncIterator[World]:
    """Link a server to a Connect account, add its entry and wait for its websocket."""
    user = emby_sim.add_connect_user(name="alice", password="alice-password")
    server = await emby_sim.add_server(name="Living Room")
    emby_sim.link(user, server, local_user=server.add_user("admin", "pw", is_admin=True))
    async with EmbyConnect(
        app_name="Home Assistant", app_version="0.1.0", base_url=emby_sim.connect_url
    ) as client:
        login = await client.authenticate("alice", "alice-password")
        (listed,) = await client.get_servers()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Living Room",
        unique_id=server.system_id,
        data=connect_entry_data(emby_sim.connect_url, login, "alice", listed),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    world = World(hass=hass, sim=emby_sim, server=server, entry=entry)
    await world.wait_for(lambda: server.websocket_count == 1, 2)
    assert entry.runtime_data.status.update_interval == PUSH_STATUS_INTERVAL
    yield world
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_sessions_are_pushed(world: World) -> None:
    """Someone starts watching: the sensors follow within moments, without a poll."""
    server = world.server
    assert world.state(NOW_PLAYING) == "0"
    polls = server.request_count("/Sessions")
    server.play(user=server.users[0], item_name="Sintel")
    await world.wait_for(lambda: world.state(NOW_PLAYING) == "1", 2)
    assert world.state(ACTIVE_SESSIONS) == "1"
    assert server.request_count("/Sessions") == polls


async def test_stop_start_restart_kill(world: World) -> None:
    """Stopped, restarted or killed: off at once; back on as soon as the server answers."""
    server = world.server
    assert world.state(CONNECTIVITY) == STATE_ON

    await server.stop()
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_OFF, 2)
    await server.start()
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_ON, 5)
    await world.wait_for(lambda: server.websocket_count == 1, 2)

    server.restart_downtime = 0.5
    restart = asyncio.create_task(server.restart())
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_OFF, 2)
    await restart
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_ON, 5)
    await world.wait_for(lambda: server.websocket_count == 1, 2)

    server.fault = Fault.STOPPED  # the process died: connections reset, then refused
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_OFF, 2)
    server.fault = Fault.NONE
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_ON, 5)
    await world.wait_for(lambda: server.websocket_count == 1, 2)
    assert world.state(ACTIVE_SESSIONS) == "0"


async def test_moved_server_is_found_at_once(world: World) -> None:
    """A server moved to new ports, Emby Connect listing them: back within seconds."""
    server = world.server
    old_address = world.entry.data[CONF_LOCAL_ADDRESS]
    connect_reads = world.connect_reads()
    await server.move()
    assert server.local_address != old_address
    took = await world.wait_for(
        lambda: (
            world.entry.data[CONF_LOCAL_ADDRESS] == server.local_address
            and server.websocket_count == 1
            and world.state(CONNECTIVITY) == STATE_ON
        ),
        5,
    )
    assert took < 5
    assert world.state(ACTIVE_SESSIONS) == "0"
    # The websocket dropped, no stored address answered: Emby Connect was asked once.
    assert world.connect_reads() == connect_reads + 1


async def test_bare_host_behind_a_proxy_with_a_dead_lan(
    hass: HomeAssistant, emby_sim: EmbySimulator
) -> None:
    """A Connect server whose remote address is a bare host behind a proxy publishing only /emby.

    Its LAN address is dead, as it is from outside the server's network: added through the
    config flow, it connects over the proxy, its entities are right, and it survives the
    server stopping and starting again.
    """
    user = emby_sim.add_connect_user(name="alice", password="alice-password")
    server = await emby_sim.add_server(name="Living Room")
    emby_sim.link(user, server, local_user=server.add_user("admin", "pw", is_admin=True))
    server.remote.proxy = Proxy.EMBY_PATHS
    server.local_address = "http://127.0.0.1:9"  # nothing listens there
    assert server.remote_address is not None
    assert not server.remote_address.rstrip("/").endswith("/emby")  # the bare host

    flow = hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "connect"})
    result = await flow.async_configure(
        result["flow_id"],
        {
            CONF_USERNAME: "alice",
            CONF_PASSWORD: "alice-password",
            CONF_ADVANCED: {CONF_CONNECT_URL: emby_sim.connect_url},
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    world = World(hass=hass, sim=emby_sim, server=server, entry=entry)
    await world.wait_for(lambda: server.websocket_count == 1, 5)
    assert world.state(CONNECTIVITY) == STATE_ON
    assert world.state(ACTIVE_SESSIONS) == "0"  # our own session is left out
    connection = hass.states.get("sensor.living_room_connection")
    assert connection is not None
    assert connection.state == "remote"
    # Only the remote listener (behind the proxy, which 404s all but /emby and
    # /embywebsocket) was reached, and the API calls got there.
    reached = {(request.listener, request.path) for request in server.requests}
    assert {listener for listener, _ in reached} == {"remote"}
    assert {("remote", "/System/Info"), ("remote", "/Sessions")} <= reached

    server.play(user=server.users[0], item_name="Sintel")
    await world.wait_for(lambda: world.state(NOW_PLAYING) == "1", 5)

    await server.stop()
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_OFF, 5)
    await server.start()
    await world.wait_for(lambda: world.state(CONNECTIVITY) == STATE_ON, 10)
    await world.wait_for(lambda: server.websocket_count == 1, 5)

    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
