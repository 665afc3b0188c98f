"""The fault matrix in a real Home Assistant process: what a user sees when a server misbehaves.

tests/reliability runs the full matrix inside Home Assistant's test harness, travelling in time;
that harness is made for one Home Assistant release. These rows run the same faults against a
real `hass` of whichever release the e2e suite starts (scripts/test runs it on the pinned one and
on the newest), in real time: the simulator process takes the fault through its control API,
a poll is asked for with `homeassistant.update_entity` (as the "Update" button does), and the
outcome is read over REST and the websocket API. Each row has a server of its own.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import E2E, in_world
from .emby import ServerDevice, add_server_by_address, server_device, wait_for
from .hass_process import HomeAssistant
from .simulator import ADMIN, ADMIN_PASSWORD, Simulator

# A hanging server costs a request timeout per address; give the outcome that long and more.
LOST_WITHIN = 60


async def _states(hass: HomeAssistant, device: ServerDevice) -> dict[str, str]:
    """Return the state of each of the device's entities now."""
    return {entity_id: (await hass.state(entity_id))["state"] for entity_id in device.states}


async def _poll(hass: HomeAssistant, device: ServerDevice) -> None:
    """Ask for a poll now, as the entity's "Update" action does."""
    await hass.call_service("homeassistant", "update_entity", {"entity_id": device.connectivity})


async def _lost(hass: HomeAssistant, device: ServerDevice) -> bool:
    """Return whether the device shows its server as unreachable: off, the rest unavailable.

    The "Wake server" button stays available: it is there for a server that does not answer.
    """
    states = await _states(hass, device)
    connectivity = states.pop(device.connectivity)
    for entity_id in [item for item in states if item.endswith("_wake_server")]:
        del states[entity_id]
    return connectivity == "off" and set(states.values()) == {"unavailable"}


async def _back(hass: HomeAssistant, device: ServerDevice) -> bool:
    """Return whether every entity of the device has a value again, connectivity on."""
    states = await _states(hass, device)
    return states[device.connectivity] == "on" and "unavailable" not in states.values()


async def _wait_lost(hass: HomeAssistant, device: ServerDevice, what: str) -> None:
    await _poll(hass, device)
    await wait_for(lambda: _lost(hass, device), f"{what}: the server shown lost", LOST_WITHIN)


async def _wait_back(hass: HomeAssistant, device: ServerDevice, what: str) -> None:
    async def probe() -> bool:
        if await _back(hass, device):
            return True
        await _poll(hass, device)
        return False

    await wait_for(probe, f"{what}: the server shown back", LOST_WITHIN)


async def _entry(hass: HomeAssistant, title: str) -> dict[str, Any]:
    """Return the config entry with this title (they must never be dropped)."""
    entries = [entry for entry in await hass.entries() if entry["title"] == title]
    assert len(entries) == 1, f"expected one entry {title!r}: {entries}"
    return entries[0]


async def _reauth_flows(hass: HomeAssistant, entry_id: str) -> list[dict[str, Any]]:
    """Return the re-authentication flows in progress for an entry."""
    return [
        flow
        for flow in await hass.flows_in_progress()
        if flow["context"].get("source") == "reauth" and flow["context"].get("entry_id") == entry_id
    ]


async def _issues(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return this integration's repair issues."""
    issues = (await hass.ws({"type": "repairs/list_issues"}))["issues"]
    return [issue for issue in issues if issue["domain"] == "emby_connect"]


async def _assert_no_secret_logged(
    hass: HomeAssistant, sim: Simulator, name: str, *also: str
) -> None:
    """Home Assistant's log (at debug level) holds none of the server's passwords or keys."""
    server = await sim.server(name)
    secrets = {*also, *(user["password"] for user in server["users"] if user["password"])}
    secrets |= {link["access_key"] for link in server["links"]}
    log = hass.log_text() + (hass.config_dir / "home-assistant.log").read_text(errors="replace")
    leaked = sorted(secret for secret in secrets if secret in log)
    assert not leaked, f"{name}: a secret of the server is in Home Assistant's log"


async def _new_manual(e2e: E2E, name: str) -> ServerDevice:
    """A new simulator server, added by its address with its admin user."""
    server = await e2e.sim.add_server(name)
    await add_server_by_address(e2e.hass, server)
    return await server_device(e2e.hass, name)


async def _new_connect(e2e: E2E, name: str) -> tuple[ServerDevice, str, str]:
    """A new server linked to a new Emby Connect account, added by signing in to it."""
    sim, hass = e2e.sim, e2e.hass
    await sim.add_server(name)
    account = f"account-{name.lower().replace(' ', '-')}"
    password = f"{account}-password"
    await sim.control("POST", "/connect/users", {"name": account, "password": password})
    await sim.control("POST", "/link", {"user": account, "server": name, "local_user": ADMIN})
    flow = await hass.start_flow()
    flow = await hass.flow_step(flow["flow_id"], {"next_step_id": "connect"})
    flow = await hass.flow_step(
        flow["flow_id"],
        {"username": account, "password": password, "advanced": {"connect_url": sim.connect_url}},
    )
    assert flow["type"] == "create_entry", flow
    return await server_device(hass, name), account, password


@pytest.mark.e2e
@in_world
async def test_stopped_server_is_shown_lost_and_back(e2e: E2E, socket_enabled: None) -> None:
    """A stopped server: connectivity off, values unavailable, the entry kept; then back."""
    hass, sim = e2e.hass, e2e.sim
    device = await _new_manual(e2e, "Fault Stopped")
    await sim.control("POST", "/servers/Fault Stopped/stop")
    await _wait_lost(hass, device, "stopped")
    assert (await _entry(hass, "Fault Stopped"))["state"] == "loaded"
    await sim.control("POST", "/servers/Fault Stopped/start")
    await _wait_back(hass, device, "started")
    await _assert_no_secret_logged(hass, sim, "Fault Stopped")


@pytest.mark.e2e
@pytest.mark.parametrize("fault", ["HTTP_500", "MALFORMED_JSON", "HTML_200", "HANGING"])
@in_world
async def test_bad_answers_are_shown_lost_and_back(
    e2e: E2E, fault: str, socket_enabled: None
) -> None:
    """Errors, broken JSON, a proxy's HTML page or no answer at all: lost, then back."""
    hass, sim = e2e.hass, e2e.sim
    name = f"Fault {fault.title().replace('_', ' ')}"
    device = await _new_manual(e2e, name)
    await sim.control("POST", f"/servers/{name}/fault", {"fault": fault})
    # Push would keep the server "on" over its open websocket: the server restarts into the
    # fault, as a server behind a broken proxy does.
    await sim.control("POST", f"/servers/{name}/restart")
    await _wait_lost(hass, device, fault)
    entry = await _entry(hass, name)
    assert entry["state"] == "loaded"
    assert not await _reauth_flows(hass, entry["entry_id"]), "a bad answer is not a bad password"
    await sim.control("POST", f"/servers/{name}/fault", {"fault": "NONE"})
    await _wait_back(hass, device, f"{fault} cleared")
    await _assert_no_secret_logged(hass, sim, name)


@pytest.mark.e2e
@in_world
async def test_refused_sign_in_asks_to_sign_in_again(e2e: E2E, socket_enabled: None) -> None:
    """A server that refuses the stored token starts re-authentication; signing in repairs it."""
    hass, sim = e2e.hass, e2e.sim
    name = "Fault Revoked"
    device = await _new_manual(e2e, name)
    entry = await _entry(hass, name)
    await sim.control("POST", f"/servers/{name}/revoke_tokens")
    await _poll(hass, device)
    flows = await wait_for(
        lambda: _reauth_flows(hass, entry["entry_id"]), "a re-authentication flow", LOST_WITHIN
    )
    result = await hass.flow_step(
        flows[0]["flow_id"], {"username": ADMIN, "password": ADMIN_PASSWORD}
    )
    assert result == result | {"type": "abort", "reason": "reauth_successful"}, result
    # The flow reloads the entry, whose first refresh brings the server back: no poll asked
    # for (one during the reload finds no entity, and Home Assistant warns about it).
    await wait_for(
        lambda: _back(hass, device), "signed in again: the server shown back", LOST_WITHIN
    )
    assert (await _entry(hass, name))["entry_id"] == entry["entry_id"]
    await _assert_no_secret_logged(hass, sim, name)


@pytest.mark.e2e
@in_world
async def test_connect_server_exchanges_its_access_key_again(
    e2e: E2E, socket_enabled: None
) -> None:
    """An Emby Connect server that refuses its token: a new one for the AccessKey, no sign-in."""
    hass, sim = e2e.hass, e2e.sim
    name = "Fault Connect Revoked"
    device, _, password = await _new_connect(e2e, name)
    entry = await _entry(hass, name)
    exchanges = await _exchanges(sim, name)
    await sim.control("POST", f"/servers/{name}/revoke_tokens")
    await _poll(hass, device)

    async def exchanged() -> bool:
        return await _exchanges(sim, name) > exchanges

    await wait_for(exchanged, "the AccessKey exchanged again", LOST_WITHIN)
    await _wait_back(hass, device, "token exchanged again")
    assert not await _reauth_flows(hass, entry["entry_id"])
    await _assert_no_secret_logged(hass, sim, name, password)


@pytest.mark.e2e
@in_world
async def test_emby_connect_down_keeps_servers_working(e2e: E2E, socket_enabled: None) -> None:
    """Emby Connect down: a server loads again (reload) with what is stored, and stays on."""
    hass, sim = e2e.hass, e2e.sim
    name = "Fault Connect Down"
    device, _, password = await _new_connect(e2e, name)
    entry = await _entry(hass, name)
    await sim.control("POST", "/connect/fault", {"fault": "DOWN"})
    try:
        await hass.post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
        await wait_for(
            lambda: _entry_state_is(hass, name, "loaded"), "the entry loaded", LOST_WITHIN
        )
        await _wait_back(hass, device, "Connect down")
        assert not await _reauth_flows(hass, entry["entry_id"])
    finally:
        await sim.control("POST", "/connect/fault", {"fault": "NONE"})
    await _assert_no_secret_logged(hass, sim, name, password)


@pytest.mark.e2e
@in_world
async def test_server_left_the_account_raises_a_repair(e2e: E2E, socket_enabled: None) -> None:
    """A server unlinked from the Emby Connect account: a repair says so, the entry stays."""
    hass, sim = e2e.hass, e2e.sim
    name = "Fault Unlinked"
    _, account, _ = await _new_connect(e2e, name)
    entry = await _entry(hass, name)
    await sim.control("POST", "/unlink", {"user": account, "server": name})
    # The account's server list is read once an hour, and when its first server loads.
    await hass.post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
    issue = await wait_for(
        lambda: _issue_for(hass, "server_removed", name), "the repair issue", LOST_WITHIN
    )
    assert issue["is_fixable"] is True
    assert (await _entry(hass, name))["entry_id"] == entry["entry_id"]
    await sim.control("POST", "/link", {"user": account, "server": name, "local_user": ADMIN})
    await hass.post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
    await wait_for(
        lambda: _issue_gone(hass, "server_removed", name), "the repair gone", LOST_WITHIN
    )


@pytest.mark.e2e
@in_world
async def test_server_down_at_start_loads_when_it_is_back(e2e: E2E, socket_enabled: None) -> None:
    """A server that is down when its entry loads: shown lost (to be woken), back when it answers.

    It reported its Wake-on-LAN target while reachable, so the entry loads without it (an
    entry with no target is retried instead: tests/reliability/test_fault_matrix.py).
    """
    hass, sim = e2e.hass, e2e.sim
    name = "Fault Down At Start"
    device = await _new_manual(e2e, name)
    entry = await _entry(hass, name)
    await sim.control("POST", f"/servers/{name}/stop")
    await hass.post(f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
    await wait_for(lambda: _entry_state_is(hass, name, "loaded"), "the entry loaded", LOST_WITHIN)
    await wait_for(lambda: _lost(hass, device), "the server shown lost", LOST_WITHIN)
    await sim.control("POST", f"/servers/{name}/start")
    await _wait_back(hass, device, "back after a start without it")


async def _exchanges(sim: Simulator, name: str) -> int:
    """Return how often the server was asked to exchange an AccessKey for a token."""
    requests = (await sim.control("GET", f"/servers/{name}/requests"))["requests"]
    return sum(request["path"].endswith("/Connect/Exchange") for request in requests)


async def _entry_state_is(hass: HomeAssistant, title: str, state: str) -> bool:
    return bool((await _entry(hass, title))["state"] == state)


async def _issue_for(hass: HomeAssistant, key: str, name: str) -> dict[str, Any] | None:
    for issue in await _issues(hass):
        if issue["translation_key"] == key and issue["translation_placeholders"] == {"name": name}:
            return issue
    return None


async def _issue_gone(hass: HomeAssistant, key: str, name: str) -> bool:
    return await _issue_for(hass, key, name) is None
