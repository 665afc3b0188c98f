"""Server care through the control API and the command line (what scripts/develop uses)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
import wakeonlan

from embysim import EmbySimulator
from embysim.__main__ import build_parser, main

from .care_helpers import wait_until
from .helpers import sign_in, start_simulator, stop_simulator, with_token


@pytest.fixture
async def demo(emby_sim: EmbySimulator):
    """Return (sim, the first demo server, its control URL)."""
    await emby_sim.load_demo(servers=1)
    server = emby_sim.servers[0]
    server.wake_delay = 0.1
    return emby_sim, server, f"{emby_sim.control_url}/servers/{server.name}"


async def _call(http, method: str, url: str, body: object = None, status: int = 200):
    async with http.request(method, url, json=body) as response:
        assert response.status == status, await response.text()
        return await response.json()


async def test_care_state_and_settings(http, demo) -> None:
    sim, server, url = demo
    care = await _call(http, "GET", f"{url}/care")
    assert care["mac_address"] == server.mac_address
    assert care["wake_port"] == sim.wake.port
    assert care["update_available"] is None
    assert {task["key"] for task in care["tasks"]} >= {"RefreshLibrary", "PluginUpdates"}
    changed = await _call(
        http,
        "PATCH",
        f"{url}/care",
        {"wake_delay": 0.5, "scan_duration": 0.2, "library_changed_delay": 0.05,
         "can_self_restart": False, "can_self_update": True},
    )  # fmt: skip
    assert (changed["wake_delay"], changed["can_self_restart"], changed["can_self_update"]) == (
        0.5,
        False,
        True,
    )
    assert (server.scan_duration, server.library_changed_delay) == (0.2, 0.05)
    await _call(http, "PATCH", f"{url}/care", {"mac_address": "x"}, status=400)
    summary = await _call(http, "GET", f"{sim.control_url}/summary")
    assert summary["wake_port"] == sim.wake.port
    assert summary["servers"][0]["care"]["mac_address"] == server.mac_address


async def test_sleep_and_wake_over_the_control_api(http, demo) -> None:
    sim, server, url = demo
    assert (await _call(http, "POST", f"{url}/sleep"))["asleep"] is True
    assert not server.running
    wakeonlan.send_magic_packet(server.mac_address, ip_address="127.0.0.1", port=sim.wake.port)
    await wait_until(lambda: not server.asleep)
    (packet,) = await _call(http, "GET", f"{url}/wake_packets")
    assert packet["mac"] == server.mac_address
    assert packet["source"][0] == "127.0.0.1"
    await _call(http, "POST", f"{url}/sleep")
    assert (await _call(http, "POST", f"{url}/wake"))["asleep"] is False
    assert server.running


async def test_activity_over_the_control_api(http, demo) -> None:
    _sim, server, url = demo
    entry = await _call(
        http, "POST", f"{url}/activity", {"name": "Hello", "type": "Custom", "user": "kid"}, 201
    )
    assert entry["UserId"] == server.find_user("kid").id
    failed = await _call(http, "POST", f"{url}/failed_login", {"username": "mallory"}, 201)
    assert failed["Type"] == "AuthenticationFailed"
    device = await _call(
        http, "POST", f"{url}/new_device", {"device_name": "TV", "client": "Emby Theater"}, 201
    )
    assert device["Type"] == "DeviceAdded"
    locked = await _call(http, "POST", f"{url}/lock_out", {"user": "kid"}, 201)
    assert locked["Type"] == "UserLockedOut"
    assert server.find_user("kid").is_disabled
    await _call(http, "POST", f"{url}/lock_out", {"user": "nobody"}, status=404)
    await _call(http, "POST", f"{url}/activity", {"name": "x"}, status=400)


async def test_updates_over_the_control_api(http, demo) -> None:
    _sim, server, url = demo
    offered = await _call(http, "POST", f"{url}/update", {"version": "4.9.0.0"}, 201)
    assert offered["versionStr"] == "4.9.0.0"
    assert server.has_update_available
    assert (await _call(http, "GET", f"{url}/care"))["update_available"] == "4.9.0.0"
    bumped = await _call(http, "POST", f"{url}/update", {}, 201)
    assert bumped["versionStr"] == "4.9.0.0"  # an offer stays until withdrawn
    plugin = await _call(
        http, "POST", f"{url}/plugin_updates", {"name": "Trakt", "version": "3.2.0.0"}, 201
    )
    assert plugin["name"] == "Trakt"
    assert (await _call(http, "DELETE", f"{url}/update"))["plugin_updates"] == ["Trakt"]
    assert not server.has_update_available


async def test_scan_over_the_control_api(http, demo) -> None:
    _sim, server, url = demo
    items = [{"Name": "Pilot", "Type": "Episode", "SeriesName": "Blender Stories"}]
    await _call(http, "POST", f"{url}/scan", {"items": items, "duration": 0.1}, 202)
    runner = server.task("RefreshLibrary").runner
    assert runner is not None
    assert await runner == "Completed"
    assert [item.name for item in server.items.values()] == ["Pilot"]
    await _call(http, "POST", f"{url}/scan", {"items": "Pilot"}, status=400)
    await _call(http, "POST", f"{url}/scan", {"items": [{"Type": "Game"}]}, status=400)
    await _call(http, "POST", f"{url}/scan", {"fail_at": 10, "duration": 0.05}, 202)


async def test_unknown_server_is_404(http, emby_sim) -> None:
    await _call(http, "POST", f"{emby_sim.control_url}/servers/nope/sleep", status=404)


# -- command line ------------------------------------------------------------------------------


def test_cli_wake_options() -> None:
    args = build_parser().parse_args([])
    assert (args.wake_port, args.wake_delay) == (0, 2.0)
    args = build_parser().parse_args(["--wake-port", "9009", "--wake-delay", "0.5"])
    assert (args.wake_port, args.wake_delay) == (9009, 0.5)


def test_cli_refuses_a_negative_wake_delay(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--wake-delay", "-1"])
    assert exit_info.value.code == 2
    assert "--wake-delay" in capsys.readouterr().err


async def test_cli_serves_a_wake_listener_that_wakes_a_server(socket_enabled) -> None:
    process, summary = await start_simulator("--servers", "1", "--wake-delay", "0.1")
    try:
        (server,) = summary["servers"]
        assert server["care"]["wake_delay"] == 0.1
        url = f"{summary['control_url']}/servers/{server['system_id']}"
        async with aiohttp.ClientSession() as http:
            token = await sign_in(http, _Address(server["url"]), "admin", "admin-password")
            async with http.get(
                f"{server['url']}/System/WakeOnLanInfo", headers=with_token(token)
            ) as response:
                (info,) = await response.json()
            assert info == {
                "MacAddress": server["care"]["mac_address"],
                "BroadcastAddress": "127.0.0.1",
                "Port": summary["wake_port"],
            }
            await _call(http, "POST", f"{url}/sleep")
            wakeonlan.send_magic_packet(
                info["MacAddress"], ip_address=info["BroadcastAddress"], port=info["Port"]
            )
            async with asyncio.timeout(5):
                while (await _call(http, "GET", f"{url}/care"))["asleep"]:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            async with http.get(f"{server['url']}/System/Info/Public") as response:
                assert response.status == 200
    finally:
        returncode = await stop_simulator(process)
    assert returncode == 0


class _Address:
    """Stand in for a SimServer where the helpers only need its URL."""

    def __init__(self, url: str) -> None:
        self.url = url
