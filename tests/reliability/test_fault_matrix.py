"""The fault matrix: every way a server or Emby Connect fails, through the real integration.

Each row breaks the simulator the way the real world does, lets simulated time pass until Home
Assistant shows it, mends it, and checks what a person relies on: the entities show the
simulator's truth again (never lying, never stuck), the log says "lost" once and "back" once,
the config entry changed only where it had to, no task, socket or connection was left behind,
no secret was shown anywhere, and no secret reached a server it does not belong to.

Rows assert the eventual state after what the integration would observe (polls, plus real time
for push), so they hold whether it learns of a change by polling or by a pushed message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
import json
import logging
from typing import Any

from homeassistant.components import media_source
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntry, ConfigEntryState
from homeassistant.const import (
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.emby_connect.const import (
    CONF_ACCESS_KEY,
    CONF_ACCESS_TOKEN,
    CONF_ADVANCED,
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_URL,
    CONF_LAST_MODE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_WAKE_ON_LAN,
    DOMAIN,
)
from embysim import ConnectFault, Fault, SimServer
from embysim.catalog import LibrarySpec, generate

from .conftest import ADMIN_NAME, ADMIN_PASSWORD, CONNECT_PASSWORD, Resources, Stack, report

# Home Assistant must show a loss within this much simulated time (one poll; five minutes when
# a healthy push channel slows polling down), and a recovery within the same.
NOTICE_WITHIN = 6 * 60.0
HOUR = 3600.0
CONNECT_LOST = "Error fetching Emby Connect server list data"
CONNECT_BACK = "Fetching Emby Connect server list data recovered"


@dataclass
class Row:
    """One row: a server, its entry, and what held before the fault."""

    stack: Stack
    server: SimServer
    entry: ConfigEntry
    data: dict[str, Any] = field(default_factory=dict)
    before: Resources | None = None
    connectivity: list[str] = field(default_factory=list)

    async def steady(self) -> None:
        """Wait for the truth, a few quiet polls, then note the data and resources."""
        stack = self.stack
        await stack.until(lambda: stack.shows_truth(self.server), what="the first truth")
        await stack.polls(2)
        self.data = dict(self.entry.data)
        self.before = stack.resources()
        self._follow_connectivity()

    def _follow_connectivity(self) -> None:
        """Record every state the connectivity sensor takes from now on."""
        entity_id = self.stack.entity_id(self.server, "connectivity")

        @callback
        def _changed(event: Event[EventStateChangedData]) -> None:
            if (new := event.data["new_state"]) is not None:
                self.connectivity.append(new.state)

        async_track_state_change_event(self.stack.hass, entity_id, _changed)

    async def lost(self, what: str) -> float:
        """Wait until the server shows as lost; return the simulated time it took."""
        stack = self.stack
        return await stack.until(
            lambda: stack.shows_lost(self.server), limit=NOTICE_WITHIN, what=f"{what}: lost"
        )

    async def back(self, what: str) -> float:
        """Wait until the server shows the truth again; return the simulated time it took."""
        stack = self.stack
        return await stack.until(
            lambda: stack.shows_truth(self.server), limit=NOTICE_WITHIN, what=f"{what}: back"
        )

    async def finish(self, *, changed: dict[str, Any] | None = None) -> None:
        """Check the end of a row: truth, entry data, no leak, no secret anywhere."""
        stack = self.stack
        await stack.polls(2)
        assert stack.shows_truth(self.server)
        assert dict(self.entry.data) == {**self.data, **(changed or {})}
        assert self.before is not None
        stack.assert_no_growth(self.before)
        await stack.assert_no_secret_shown()
        stack.assert_secrets_stayed_home()


async def connect_row(stack: Stack, name: str = "Living Room") -> Row:
    """Add a server through Emby Connect and wait until it is steady."""
    server = await stack.add_server(name)
    (entry,) = await stack.add_connect_entries(server)
    row = Row(stack, server, entry)
    await row.steady()
    return row


async def manual_row(stack: Stack, name: str = "Living Room") -> Row:
    """Add a server by address and wait until it is steady."""
    server = await stack.add_server(name, link=False)
    entry = await stack.add_manual_entry(server)
    row = Row(stack, server, entry)
    await row.steady()
    return row


async def lost_and_back(
    row: Row,
    what: str,
    break_it: Callable[[], Awaitable[None]],
    mend_it: Callable[[], Awaitable[None]],
    *,
    may_change: tuple[str, ...] = (),
) -> None:
    """Break the server, see it lost (logged once), mend it, see it back (logged once)."""
    stack, entry = row.stack, row.entry
    await break_it()
    lost_after = await row.lost(what)
    # Lost stays lost while broken, and says so only once.
    await stack.polls(2)
    assert stack.shows_lost(row.server)
    assert stack.lost_lines(entry) == 1
    assert stack.back_lines(entry) == 0
    await mend_it()
    back_after = await row.back(what)
    assert stack.lost_lines(entry) == 1
    assert stack.back_lines(entry) == 1
    assert not stack.reauth_flows()
    assert entry.state is ConfigEntryState.LOADED
    report(
        "fault matrix (simulated seconds to show it)",
        f"{what}: lost after {lost_after:.0f} s, back after {back_after:.0f} s",
    )
    # While the server is slow the remote address may answer first and win the next race.
    await row.finish(changed={key: entry.data[key] for key in may_change})


@pytest.mark.parametrize("message", ["ServerShuttingDown", "ServerRestarting"])
async def test_server_stopped(stack: Stack, message: str) -> None:
    """A server that stops (saying so on its websockets) is off until it starts again."""
    row = await connect_row(stack)

    async def stop() -> None:
        await row.server.stop(message)

    await lost_and_back(row, f"stopped ({message})", stop, row.server.start)


async def test_server_hanging(stack: Stack) -> None:
    """A server that accepts connections but never answers is off until it answers."""
    row = await connect_row(stack)

    async def hang() -> None:
        row.server.fault = Fault.HANGING

    async def answer() -> None:
        row.server.fault = Fault.NONE

    await lost_and_back(row, "hanging", hang, answer)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.HTTP_500,
        Fault.HTTP_503,
        Fault.MALFORMED_JSON,
        Fault.HTML_ERROR,
        Fault.HTML_200,
        Fault.RESET,
        Fault.STOPPED,
    ],
)
async def test_server_answers_garbage(stack: Stack, fault: Fault) -> None:
    """A server answering errors or garbage, or gone without a word, is off until it heals."""
    row = await connect_row(stack)

    async def break_it() -> None:
        row.server.fault = fault

    async def mend_it() -> None:
        row.server.fault = Fault.NONE

    await lost_and_back(row, str(fault), break_it, mend_it)


async def test_server_slow(stack: Stack) -> None:
    """A slow server stays on; one slower than the timeouts is off until it is quick again."""
    row = await connect_row(stack)
    row.server.latency = 0.1
    await stack.polls(3, settle=0.1)
    assert stack.shows_truth(row.server)
    assert stack.lost_lines(row.entry) == 0
    assert row.connectivity == []

    async def slower() -> None:
        row.server.latency = 1.0

    async def quick() -> None:
        row.server.latency = 0.0

    await lost_and_back(
        row, "slower than the timeouts", slower, quick, may_change=(CONF_LAST_MODE,)
    )


async def test_token_revoked_connect_exchanges_again(stack: Stack) -> None:
    """A revoked token of a Connect server is replaced by a new exchange, unnoticed."""
    row = await connect_row(stack)
    exchanges = row.server.request_count("/Connect/Exchange")
    row.server.revoke_tokens()
    await stack.until(
        lambda: row.server.request_count("/Connect/Exchange") > exchanges,
        limit=NOTICE_WITHIN,
        what="a new exchange",
    )
    await stack.polls(2, settle=0.1)
    assert stack.shows_truth(row.server)
    assert STATE_OFF not in row.connectivity
    assert stack.lost_lines(row.entry) == 0
    assert not stack.reauth_flows()
    await row.finish()


async def test_token_revoked_manual_asks_to_sign_in(stack: Stack) -> None:
    """A revoked token of a server added by address asks to sign in again, then recovers."""
    row = await manual_row(stack)
    row.server.revoke_tokens()
    await row.lost("token revoked")
    (flow,) = stack.reauth_flows()
    assert stack.lost_lines(row.entry) == 1
    await stack.polls(4)
    assert stack.lost_lines(row.entry) == 1
    assert dict(row.entry.data) == row.data

    result = await stack.hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: ADMIN_NAME, CONF_PASSWORD: ADMIN_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await row.back("token revoked")
    assert row.entry.data[CONF_ACCESS_TOKEN] != row.data[CONF_ACCESS_TOKEN]
    await row.finish(changed={CONF_ACCESS_TOKEN: row.entry.data[CONF_ACCESS_TOKEN]})


async def test_access_key_rotated(stack: Stack) -> None:
    """A server refusing its old AccessKey gets the new one from Emby Connect, no sign-in."""
    row = await connect_row(stack)
    # The account's server list was read at setup; it is read again at most every 5 minutes.
    await stack.polls(12)
    (link,) = row.server.links
    row.server.retired_access_keys.add(link.access_key)
    link.access_key = "rotated-access-key-0f1e2d3c4b5a6978"
    row.server.revoke_tokens()
    await stack.until(
        lambda: (
            row.entry.data[CONF_ACCESS_KEY] == link.access_key and stack.shows_truth(row.server)
        ),
        limit=NOTICE_WITHIN,
        what="the new AccessKey in use",
    )
    assert not stack.reauth_flows()
    assert stack.back_lines(row.entry) == stack.lost_lines(row.entry) <= 1
    await row.finish(changed={CONF_ACCESS_KEY: link.access_key})


async def test_access_key_rejected(stack: Stack) -> None:
    """An AccessKey the server refuses while Connect still hands it out asks to sign in."""
    row = await connect_row(stack)
    await stack.polls(12)
    row.server.accept_access_keys = False
    row.server.revoke_tokens()
    await row.lost("AccessKey rejected")
    (flow,) = stack.reauth_flows()
    assert stack.lost_lines(row.entry) == 1
    await stack.polls(4)
    assert stack.lost_lines(row.entry) == 1
    assert dict(row.entry.data) == row.data

    row.server.accept_access_keys = True
    result = await stack.hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: stack.user.name, CONF_PASSWORD: CONNECT_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await row.back("AccessKey rejected")
    await row.finish(changed={CONF_CONNECT_TOKEN: row.entry.data[CONF_CONNECT_TOKEN]})


@pytest.mark.parametrize("fault", [ConnectFault.DOWN, ConnectFault.HANGING])
async def test_connect_down_during_setup(stack: Stack, fault: ConnectFault) -> None:
    """A server starts with Emby Connect down: it works from its stored record."""
    row = await connect_row(stack)
    await stack.unload_all()
    stack.caplog.clear()
    stack.sim.connect_fault = fault

    assert await stack.hass.config_entries.async_setup(row.entry.entry_id)
    await stack.hass.async_block_till_done()
    assert row.entry.state is ConfigEntryState.LOADED
    # The server list is read in the background: a hanging Emby Connect delays only that.
    await stack.until(lambda: stack.lines(CONNECT_LOST) == 1, what="Connect lost")
    await stack.polls(2)
    assert stack.shows_truth(row.server)
    assert stack.lines(CONNECT_LOST) == 1
    assert stack.lost_lines(row.entry) == 0

    stack.sim.connect_fault = ConnectFault.NONE
    await stack.until(
        lambda: stack.lines(CONNECT_BACK) == 1, limit=HOUR + 300, step=300, what="Connect back"
    )
    assert stack.lines(CONNECT_LOST) == 1
    assert stack.lost_lines(row.entry) == 0
    await row.finish()


@pytest.mark.parametrize(
    "fault",
    [ConnectFault.DOWN, ConnectFault.HANGING, ConnectFault.HTTP_500, ConnectFault.MALFORMED_JSON],
)
async def test_connect_down_during_operation(stack: Stack, fault: ConnectFault) -> None:
    """Emby Connect failing for hours changes nothing about a reachable server."""
    row = await connect_row(stack)
    stack.sim.connect_fault = fault
    await stack.until(
        lambda: stack.lines(CONNECT_LOST) == 1, limit=HOUR + 300, step=300, what="Connect lost"
    )
    # Hours without Emby Connect.
    await stack.polls(24, interval=300)
    assert stack.shows_truth(row.server)
    assert row.connectivity == []
    assert stack.lines(CONNECT_LOST) == 1

    stack.sim.connect_fault = ConnectFault.NONE
    await stack.until(
        lambda: stack.lines(CONNECT_BACK) == 1, limit=HOUR + 300, step=300, what="Connect back"
    )
    assert stack.lost_lines(row.entry) == 0
    assert not stack.reauth_flows()
    await row.finish()


async def test_connect_refuses_sign_in(stack: Stack) -> None:
    """Emby Connect answering 401 asks to sign in again; the server keeps working meanwhile."""
    row = await connect_row(stack)
    stack.sim.connect_fault = ConnectFault.UNAUTHORIZED
    await stack.until(
        lambda: bool(stack.reauth_flows()), limit=HOUR + 300, step=300, what="a reauth flow"
    )
    (flow,) = stack.reauth_flows()
    await stack.polls(10)
    assert stack.shows_truth(row.server)
    assert row.connectivity == []
    assert stack.lines(CONNECT_LOST) + stack.lines("Emby Connect refused") >= 1
    assert dict(row.entry.data) == row.data

    stack.sim.connect_fault = ConnectFault.NONE
    result = await stack.hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: stack.user.name, CONF_PASSWORD: CONNECT_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await row.back("Connect 401")
    assert row.entry.data[CONF_CONNECT_TOKEN] != row.data[CONF_CONNECT_TOKEN]
    await row.finish(changed={CONF_CONNECT_TOKEN: row.entry.data[CONF_CONNECT_TOKEN]})


async def test_address_changed_in_connect(stack: Stack) -> None:
    """A server that moved is found again at the addresses Emby Connect lists now."""
    row = await connect_row(stack)
    await row.server.move()
    moved = {
        CONF_LOCAL_ADDRESS: row.server.local_address,
        CONF_REMOTE_ADDRESS: row.server.remote_address,
    }
    assert moved[CONF_LOCAL_ADDRESS] != row.data[CONF_LOCAL_ADDRESS]
    await stack.until(
        lambda: (
            row.entry.data[CONF_LOCAL_ADDRESS] == moved[CONF_LOCAL_ADDRESS]
            and stack.shows_truth(row.server)
        ),
        limit=NOTICE_WITHIN,
        what="the moved server",
    )
    assert stack.back_lines(row.entry) == stack.lost_lines(row.entry) <= 1
    assert stack.state(row.server, "connection") == "local"
    await row.finish(changed=moved)


async def test_local_address_is_another_server(stack: Stack) -> None:
    """A local address answering as another server gets no secret; the remote one is used."""
    other = await stack.add_server("Neighbour", link=False)
    server = await stack.add_server("Living Room")
    server.local_address = other.local_address
    (entry,) = await stack.add_connect_entries(server)
    row = Row(stack, server, entry)
    await row.steady()
    assert stack.state(server, "connection") == "remote"
    assert entry.data[CONF_LAST_MODE] == "remote"
    # The neighbour was asked who it is, and nothing else.
    assert {record.path for record in other.requests} == {"/System/Info/Public"}
    assert not other.received_secrets()
    await stack.polls(10)
    assert row.connectivity == []
    await row.finish()


@pytest.mark.usefixtures("simulator_tls_errors")
async def test_self_signed_tls(stack: Stack) -> None:
    """A self-signed server fails while certificates are checked, and works when they are not."""
    server = await stack.add_server("Living Room", https=True)
    (entry,) = await stack.add_connect_entries(server)
    await stack.polls(2)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert stack.lines("for emby_connect integration not ready yet") >= 1
    assert not stack.lines("", level=logging.WARNING, logger=DOMAIN)
    # The TLS handshake failed: no request, so no secret, ever reached the server.
    assert not server.requests

    flow = stack.hass.config_entries.flow
    result = await flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "reconfigure_connect"})
    result = await flow.async_configure(
        result["flow_id"],
        {
            CONF_USERNAME: stack.user.name,
            CONF_PASSWORD: CONNECT_PASSWORD,
            CONF_ADVANCED: {CONF_CONNECT_URL: stack.sim.connect_url, CONF_VERIFY_SSL: False},
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await stack.hass.async_block_till_done()
    row = Row(stack, server, entry)
    await row.steady()
    assert entry.data[CONF_VERIFY_SSL] is False
    await row.finish()


@pytest.mark.usefixtures("simulator_tls_errors")
async def test_self_signed_tls_by_address(stack: Stack) -> None:
    """Adding a self-signed server by address fails with checks on and works with them off."""
    server = await stack.add_server("Living Room", https=True, link=False)
    flow = stack.hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": "user"})
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "manual"})
    result = await flow.async_configure(
        result["flow_id"],
        {
            "url": server.url,
            CONF_USERNAME: ADMIN_NAME,
            CONF_PASSWORD: ADMIN_PASSWORD,
            CONF_VERIFY_SSL: True,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert not server.requests

    entry = await stack.add_manual_entry(server, verify_ssl=False)
    row = Row(stack, server, entry)
    await row.steady()
    assert stack.state(server, "connection") == "manual"
    await row.finish()


async def test_server_removed_from_account(stack: Stack) -> None:
    """A server unlinked from the account raises a repair; fixing it removes the entry."""
    assert await async_setup_component(stack.hass, "repairs", {})
    row = await connect_row(stack)
    stack.sim.unlink(stack.user, row.server)
    await stack.until(
        lambda: bool(stack.issues()), limit=HOUR + 300, step=300, what="a repair issue"
    )
    (issue,) = stack.issues()
    assert issue.translation_key == "server_removed"
    assert issue.translation_placeholders == {"name": row.entry.title}
    assert dict(row.entry.data) == row.data
    await stack.assert_no_secret_shown()
    stack.assert_secrets_stayed_home()

    manager = repairs_flow_manager(stack.hass)
    assert manager is not None
    result = await manager.async_init(DOMAIN, data={"issue_id": issue.issue_id})
    result = await manager.async_configure(result["flow_id"], {})
    await stack.hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not stack.entries()
    assert not stack.devices()
    assert not stack.registry_entities()
    assert not stack.issues()


async def test_restart_while_server_down(stack: Stack, hass: HomeAssistant) -> None:
    """Home Assistant starting while the server is down retries the entry until it answers.

    That is for an entry with no Wake-on-LAN target (nothing to offer meanwhile); one that
    keeps a target loads to be woken (test_wake.py).
    """
    row = await connect_row(stack)
    await stack.unload_all()
    await row.server.stop()
    data = {key: value for key, value in row.entry.data.items() if key != CONF_WAKE_ON_LAN}
    hass.config_entries.async_update_entry(row.entry, data=data)
    stack.caplog.clear()

    assert not await hass.config_entries.async_setup(row.entry.entry_id)
    await hass.async_block_till_done()
    assert row.entry.state is ConfigEntryState.SETUP_RETRY
    await stack.polls(4)
    assert row.entry.state is ConfigEntryState.SETUP_RETRY
    # Home Assistant says so at each retry (info); the integration adds no warning or error.
    assert stack.lines("for emby_connect integration not ready yet") >= 1
    assert not stack.lines("", level=logging.WARNING, logger=DOMAIN)

    await row.server.start()
    await stack.until(
        lambda: row.entry.state is ConfigEntryState.LOADED and stack.shows_truth(row.server),
        limit=NOTICE_WITHIN,
        what="the entry loaded",
    )
    assert stack.state(row.server) == STATE_ON
    assert len(stack.server_devices()) == 1
    await row.finish()


async def test_access_key_renewed_while_connect_is_down(stack: Stack) -> None:
    """An AccessKey refused while Emby Connect is down is not a reason to sign in again.

    Only Emby Connect can tell a renewed AccessKey from a revoked one: until it answers, the
    server shows as unreachable; once it lists the new key, the server is back by itself.
    """
    row = await connect_row(stack)
    await stack.polls(12)
    stack.sim.connect_fault = ConnectFault.DOWN
    (link,) = row.server.links
    row.server.retired_access_keys.add(link.access_key)
    link.access_key = "renewed-access-key-1a2b3c4d5e6f7a8b"
    row.server.revoke_tokens()
    lost_after = await row.lost("AccessKey renewed while Emby Connect is down")
    await stack.polls(4)
    assert stack.shows_lost(row.server)
    assert not stack.reauth_flows()
    assert stack.lost_lines(row.entry) == 1
    assert dict(row.entry.data) == row.data

    stack.sim.connect_fault = ConnectFault.NONE
    back_after = await stack.until(
        lambda: stack.shows_truth(row.server), limit=NOTICE_WITHIN, what="back with the new key"
    )
    assert not stack.reauth_flows()
    assert stack.lost_lines(row.entry) == stack.back_lines(row.entry) == 1
    report(
        "fault matrix (simulated seconds to show it)",
        f"AccessKey renewed while Emby Connect is down: lost after {lost_after:.0f} s, "
        f"back after {back_after:.0f} s",
    )
    await row.finish(changed={CONF_ACCESS_KEY: link.access_key})


# -- players: a command that fails is one translated error, and nothing is lost ---------------

# Long enough to break things while a command is on its way, within the short test timeouts.
COMMAND_LATENCY = 0.15


async def player_row(stack: Stack) -> tuple[Row, str, str]:
    """Add a server with a client playing; return the row, the session and its player."""
    row = await connect_row(stack)
    server = row.server
    server.client_delay = 0
    session = server.play(
        user=stack.admins[server.system_id], item_name="Big Buck Bunny", profile="theater"
    )
    await stack.until(lambda: stack.shows_truth(server), what="the client playing")
    player = er.async_get(stack.hass).async_get_entity_id(
        "media_player", DOMAIN, f"{server.system_id}_{session.device_id}"
    )
    assert player is not None
    await stack.until(lambda: stack.hass.states.is_state(player, "playing"), what="the player")
    row.before = stack.resources()
    return row, session.id, player


async def pause_fails(stack: Stack, player: str, key: str, *, during: Callable[[], Any]) -> None:
    """Pause the player while something happens to the command; see one translated error."""

    async def pause() -> None:
        await stack.hass.services.async_call(
            "media_player", "media_pause", {"entity_id": player}, blocking=True
        )

    task = asyncio.create_task(pause())
    await asyncio.sleep(COMMAND_LATENCY / 3)
    result = during()
    if asyncio.iscoroutine(result):
        await result
    with pytest.raises(HomeAssistantError) as raised:
        await task
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    report("fault matrix (players)", f"{key}: {raised.value}")


async def test_player_client_gone_mid_command(stack: Stack) -> None:
    """A client that leaves while a command is on its way: a translated error, nothing lost."""
    row, session_id, player = await player_row(stack)
    row.server.latency = COMMAND_LATENCY
    await pause_fails(
        stack, player, "client_gone", during=lambda: row.server.remove_session(session_id)
    )
    row.server.latency = 0.0
    assert row.entry.state is ConfigEntryState.LOADED
    await stack.until(lambda: stack.hass.states.is_state(player, "off"), what="the player off")
    assert not row.server.client_commands(session_id)
    await row.finish()


async def test_player_server_500_on_a_command(stack: Stack) -> None:
    """A server answering 500 to a command: a translated error; the player is back after."""
    row, session_id, player = await player_row(stack)
    row.server.fault = Fault.HTTP_500
    with pytest.raises(HomeAssistantError) as raised:
        await stack.hass.services.async_call(
            "media_player", "media_pause", {"entity_id": player}, blocking=True
        )
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "command_failed"
    row.server.fault = Fault.NONE
    assert row.entry.state is ConfigEntryState.LOADED
    await stack.until(lambda: stack.hass.states.is_state(player, "playing"), what="the player")
    assert not row.server.client_commands(session_id)
    await stack.hass.services.async_call(
        "media_player", "media_pause", {"entity_id": player}, blocking=True
    )
    await stack.until(lambda: stack.hass.states.is_state(player, "paused"), what="paused")
    assert [command.name for command in row.server.client_commands(session_id)] == ["Pause"]
    await row.finish()


async def test_player_server_gone_while_a_command_runs(stack: Stack) -> None:
    """A server that goes away while a command runs: a translated error; all back after."""
    row, _session, player = await player_row(stack)
    row.server.latency = COMMAND_LATENCY

    def gone() -> None:
        row.server.fault = Fault.STOPPED

    await pause_fails(stack, player, "command_cannot_connect", during=gone)
    await row.lost("stopped while a command runs")
    row.server.latency = 0.0
    row.server.fault = Fault.NONE
    await row.back("stopped while a command runs")
    assert row.entry.state is ConfigEntryState.LOADED
    await stack.until(lambda: stack.hass.states.is_state(player, "playing"), what="the player")
    await row.finish()


# -- browsing: a server gone mid-browse is one translated error, and nothing is lost ----------

BROWSE_FAULTS = [Fault.STOPPED, Fault.HANGING, Fault.HTTP_500]


async def browse_row(stack: Stack) -> tuple[Row, str]:
    """Add a server with a library and a phone app, and the media source; return its player."""
    # Home Assistant's HTTP server comes first, as it does at startup.
    assert await async_setup_component(stack.hass, "http", {})
    server = await stack.add_server("Living Room")
    generate(server.library, LibrarySpec(movies=30))
    phone = server.add_idle_session(user=stack.admins[server.system_id], profile="android")
    (entry,) = await stack.add_connect_entries(server)
    assert await async_setup_component(stack.hass, "media_source", {})
    row = Row(stack, server, entry)
    await row.steady()
    player = er.async_get(stack.hass).async_get_entity_id(
        "media_player", DOMAIN, f"{server.system_id}_{phone.device_id}"
    )
    assert player is not None
    return row, player


async def browse_fails(
    stack: Stack,
    ws: MockHAClientWebSocket,
    message: dict[str, Any],
    *,
    during: Callable[[], None],
) -> dict[str, Any]:
    """Send a browse; break the server while it is on its way; return the error answered."""
    await ws.send_json_auto_id(message)
    await asyncio.sleep(COMMAND_LATENCY / 3)
    during()
    async with asyncio.timeout(5):  # a request's timeout (0.3 s here), never a hang
        answer = await ws.receive_json()
    assert not answer["success"], answer
    error: dict[str, Any] = answer["error"]
    assert error["code"] == "home_assistant_error", error
    assert error["translation_domain"] == DOMAIN
    assert error["translation_key"] == "browse_failed"
    # The server is named, not the player that browses it.
    assert error["translation_placeholders"] == {"name": "Living Room"}
    assert "Traceback" not in error["message"]
    stack.remember_secrets()
    shown = json.dumps(error)
    assert not [secret for secret in stack.secrets if secret in shown]
    assert stack.sim.servers[0].url not in shown
    report("fault matrix (browsing)", f"{message['type']}: {error['message']}")
    return error


async def browsing_back(row: Row, what: str, browse: Callable[[], Awaitable[Any]]) -> None:
    """Mend the server, see it back, and browse again."""
    row.server.latency = 0.0
    row.server.fault = Fault.NONE
    if not row.stack.shows_truth(row.server):
        await row.back(what)
    assert row.entry.state is ConfigEntryState.LOADED
    assert not row.stack.reauth_flows()
    await browse()
    # While the server is gone the remote address may answer first and win the next race.
    await row.finish(changed={CONF_LAST_MODE: row.entry.data[CONF_LAST_MODE]})


def _going(row: Row, fault: Fault) -> Callable[[], None]:
    """Return what breaks the server the given way."""

    def go() -> None:
        row.server.fault = fault

    return go


@pytest.mark.parametrize("fault", BROWSE_FAULTS)
async def test_player_server_gone_while_browsing(
    stack: Stack, hass_ws_client: WebSocketGenerator, fault: Fault
) -> None:
    """A server gone while a player's library is browsed: a translated error; all back after."""
    row, player = await browse_row(stack)
    asked = {"type": "media_player/browse_media", "entity_id": player}
    await _browse_while_going(
        stack,
        await hass_ws_client(stack.hass),
        row,
        fault,
        root=asked,
        folder=lambda content_id: {
            **asked,
            "media_content_id": content_id,
            "media_content_type": "directory",
        },
        what="a player browses",
    )


@pytest.mark.parametrize("fault", BROWSE_FAULTS)
async def test_media_source_server_gone_while_browsing(
    stack: Stack, hass_ws_client: WebSocketGenerator, fault: Fault
) -> None:
    """A server gone while the media source is browsed: a translated error; all back after."""
    row, _player = await browse_row(stack)
    asked = {"type": "media_source/browse_media"}
    await _browse_while_going(
        stack,
        await hass_ws_client(stack.hass),
        row,
        fault,
        root={**asked, "media_content_id": f"media-source://{DOMAIN}"},
        folder=lambda content_id: {**asked, "media_content_id": content_id},
        what="the media source browses",
    )


async def _browse_while_going(
    stack: Stack,
    ws: MockHAClientWebSocket,
    row: Row,
    fault: Fault,
    *,
    root: dict[str, Any],
    folder: Callable[[str], dict[str, Any]],
    what: str,
) -> None:
    """Browse the root, then its first folder while the server goes: refused, then back."""
    await ws.send_json_auto_id(root)
    answer = await ws.receive_json()
    assert answer["success"], answer
    message = folder(answer["result"]["children"][0]["media_content_id"])
    row.before = stack.resources()  # the frontend's websocket open
    row.server.latency = COMMAND_LATENCY
    await browse_fails(stack, ws, message, during=_going(row, fault))

    async def browse() -> None:
        await ws.send_json_auto_id(message)
        answer = await ws.receive_json()
        assert answer["success"], answer
        assert len(answer["result"]["children"]) == 30

    await browsing_back(row, f"{fault} while {what}", browse)


@pytest.mark.parametrize("fault", BROWSE_FAULTS)
async def test_stream_while_server_gone(
    stack: Stack, hass_client_no_auth: ClientSessionGenerator, fault: Fault
) -> None:
    """Resolving refuses in a translated error; a given stream path is a bad gateway, quickly."""
    row, _player = await browse_row(stack)
    hass = stack.hass
    movie = next(item for item in row.server.library.items.values() if item.type == "Movie")
    media_id = f"media-source://{DOMAIN}/{row.server.system_id}/{movie.id}"
    played = await media_source.async_resolve_media(hass, media_id, None)
    views = await media_source.async_browse_media(hass, f"media-source://{DOMAIN}")
    movies = await media_source.async_browse_media(hass, (views.children or [])[0].media_content_id)
    picture = (movies.children or [])[0].thumbnail
    assert picture is not None
    no_auth = await hass_client_no_auth()
    assert (await no_auth.head(played.url)).status == HTTPStatus.OK
    row.before = stack.resources()  # the device's connection open
    row.server.fault = fault
    with pytest.raises(HomeAssistantError) as raised:
        await media_source.async_resolve_media(hass, media_id, None)
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "browse_failed"
    started = asyncio.get_running_loop().time()
    async with asyncio.timeout(5):  # a request's timeout (0.3 s here), never a minute
        answer = await no_auth.get(played.url)
    waited = asyncio.get_running_loop().time() - started
    assert answer.status == HTTPStatus.BAD_GATEWAY
    body = await answer.text()
    assert "Traceback" not in body
    assert row.server.url not in body
    report("fault matrix (streams)", f"{fault}: {answer.status} after {waited:.2f} s")
    async with asyncio.timeout(5):
        assert (await no_auth.get(picture)).status == HTTPStatus.BAD_GATEWAY

    async def stream() -> None:
        again = await media_source.async_resolve_media(hass, media_id, None)
        streamed = await no_auth.get(again.url)
        assert streamed.status == HTTPStatus.OK
        await streamed.read()

    await browsing_back(row, f"{fault} while a stream is asked for", stream)
    # A server whose entry is gone: the path is not found.
    await hass.config_entries.async_unload(row.entry.entry_id)
    assert (await no_auth.get(played.url)).status == HTTPStatus.NOT_FOUND
