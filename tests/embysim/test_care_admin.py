"""Activity log with its feed, release notes and updates, and restarts, as an Emby server does them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from embysim import EmbySimulator
from embysim.activity import ActivityLog, ActivityType
from embysim.models import emby_date, utcnow
from embysim.routes.admin import parse_min_date
from embysim.updates import next_version
from tests.living_room import add_living_room

from .care_helpers import collect, next_message, wait_until, ws_url
from .helpers import IDENTITY, sign_in, with_token
from .openapi import validate_component, validate_response


@pytest.fixture
async def server(emby_sim: EmbySimulator):
    """Return a running server with an admin and a plain user."""
    return await add_living_room(emby_sim, admin=("alice", "pw"), version="4.8.11.0")


async def _get(http, server, path: str, token: str, **params: str):
    async with http.get(f"{server.url}{path}", params=params, headers=with_token(token)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def _failed_sign_in(http, server, name: str) -> None:
    async with http.post(
        f"{server.url}/Users/AuthenticateByName",
        json={"Username": name, "Pw": "wrong"},
        headers=IDENTITY,
    ) as response:
        assert response.status == 401


# -- activity log ------------------------------------------------------------------------------


async def test_failed_sign_in_is_logged_as_emby_does(http, server) -> None:
    await _failed_sign_in(http, server, "mallory")
    token = await sign_in(http, server, "alice", "pw")
    page = await _get(http, server, "/System/ActivityLog/Entries", token)
    validate_response("GET", "/System/ActivityLog/Entries", page)
    failed = next(e for e in page["Items"] if e["Type"] == "AuthenticationFailed")
    assert failed["Name"] == "Failed login attempt from mallory"
    assert failed["Severity"] == "Error"
    assert failed["ShortOverview"] == "IP address: 127.0.0.1"
    assert "UserId" not in failed


async def test_new_devices_and_lockouts_are_logged(http, server) -> None:
    bob = server.find_user("bob")
    server.log_new_device("Pixel 8", "Emby for Android", user=bob)
    locked = server.lock_out(bob)
    assert locked["Type"] == ActivityType.USER_LOCKED_OUT
    assert locked["UserId"] == bob.id
    async with http.post(
        f"{server.url}/Users/AuthenticateByName",
        json={"Username": "bob", "Pw": "bob-pw"},
        headers=IDENTITY,
    ) as response:
        assert response.status == 401  # a locked-out user cannot sign in
    token = await sign_in(http, server, "alice", "pw")
    page = await _get(http, server, "/System/ActivityLog/Entries", token)
    validate_response("GET", "/System/ActivityLog/Entries", page)
    kinds = [entry["Type"] for entry in page["Items"]]
    # Newest first: alice's sign-in, bob's failed one, the lockout, the device.
    assert kinds == ["SessionStarted", "AuthenticationFailed", "UserLockedOut", "DeviceAdded"]
    assert page["Items"][-1]["Name"] == "New device Pixel 8 (Emby for Android)"


async def test_pages_and_min_date(http, server) -> None:
    old = utcnow() - timedelta(days=2)
    server.care.activity.add("old", "Custom", date=old)
    for index in range(5):
        server.add_activity(f"entry {index}", "Custom")
    token = await sign_in(http, server, "alice", "pw")
    page = await _get(http, server, "/System/ActivityLog/Entries", token, StartIndex="1", Limit="2")
    assert page["TotalRecordCount"] == 7
    assert [e["Name"] for e in page["Items"]] == ["entry 4", "entry 3"]
    since = emby_date(old + timedelta(seconds=1))
    recent = await _get(http, server, "/System/ActivityLog/Entries", token, MinDate=since)
    assert recent["TotalRecordCount"] == 6
    assert "old" not in [e["Name"] for e in recent["Items"]]
    everything = await _get(
        http, server, "/System/ActivityLog/Entries", token, MinDate=old.isoformat()
    )
    assert everything["TotalRecordCount"] == 7
    for bad in ({"MinDate": "yesterday"}, {"Limit": "ten"}, {"StartIndex": "x"}):
        async with http.get(
            f"{server.url}/System/ActivityLog/Entries", params=bad, headers=with_token(token)
        ) as r:
            assert r.status == 400


def test_min_date_formats() -> None:
    expected = parse_min_date("2026-01-02T03:04:05+00:00")
    assert parse_min_date("2026-01-02T03:04:05Z") == expected
    assert parse_min_date("2026-01-02T03:04:05.0000000Z") == expected
    assert parse_min_date("2026-01-02T03:04:05") == expected
    assert parse_min_date("2026-01-02T03:04:05 00:00") == expected  # "+" decoded as a space


def test_activity_log_checks_the_severity() -> None:
    with pytest.raises(ValueError, match="severity"):
        ActivityLog().add("x", "Custom", severity="Loud")


def test_activity_log_takes_a_user_or_an_id(server) -> None:
    bob = server.find_user("bob")
    assert server.activity.add("a", "Custom", bob)["UserId"] == bob.id
    assert server.activity.add("b", "Custom", user_id="u1")["UserId"] == "u1"
    assert "UserId" not in server.activity.add("c", "Custom")
    assert [e["Name"] for e in server.activity.newest_first()] == ["c", "b", "a"]


async def test_activity_feed_signals_each_new_entry(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await ws.send_json({"MessageType": "ActivityLogEntryStart", "Data": "0,1000"})
        await asyncio.sleep(0.05)
        assert [k for k, _ in await collect(ws, 0.2) if k == "ActivityLogEntry"] == []
        await _failed_sign_in(http, server, "mallory")
        # Emby sends an empty list: the client reads the log again.
        assert await next_message(ws, "ActivityLogEntry") == []
        server.add_activity("A plugin was installed", "PluginInstalled")
        assert await next_message(ws, "ActivityLogEntry") == []
        await ws.send_json({"MessageType": "ActivityLogEntryStop"})
        await asyncio.sleep(0.05)
        server.add_activity("quiet", "Custom")
        assert [k for k, _ in await collect(ws, 0.2) if k == "ActivityLogEntry"] == []


async def test_activity_feed_is_for_administrators_only(http, server) -> None:
    token = await sign_in(http, server, "bob", "bob-pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        await ws.send_json({"MessageType": "ActivityLogEntryStart", "Data": "0,1000"})
        await asyncio.sleep(0.05)
        server.log_failed_login("mallory")
        assert [k for k, _ in await collect(ws, 0.2) if k == "ActivityLogEntry"] == []


# -- release notes and updates -----------------------------------------------------------------


def test_next_version() -> None:
    assert next_version("4.8.11.0") == "4.8.11.1"
    assert next_version("4.9-beta") == "4.9-beta.1"


async def test_no_update_by_default(http, server) -> None:
    token = await sign_in(http, server, "alice", "pw")
    info = await _get(http, server, "/System/Info", token)
    assert info["HasUpdateAvailable"] is False
    assert (info["CanSelfRestart"], info["CanSelfUpdate"]) == (True, False)
    notes = await _get(http, server, "/System/ReleaseNotes", token)
    validate_response("GET", "/System/ReleaseNotes", notes)
    assert notes["versionStr"] == "4.8.11.0"
    versions = await _get(http, server, "/System/ReleaseNotes/Versions", token)
    assert [v["versionStr"] for v in versions] == ["4.8.11.0"]
    assert await _get(http, server, "/Packages/Updates", token, PackageType="System") == []
    assert await _get(http, server, "/Packages/Updates", token, PackageType="UserInstalled") == []


async def test_an_update_appears_with_its_notes_and_clears(http, server) -> None:
    server.set_update_available("4.9.1.0", "Faster scans.")
    server.add_plugin_update("Trakt", "3.2.0.0", description="Sync fixes.")
    token = await sign_in(http, server, "alice", "pw")
    assert (await _get(http, server, "/System/Info", token))["HasUpdateAvailable"] is True
    notes = await _get(http, server, "/System/ReleaseNotes", token)
    validate_response("GET", "/System/ReleaseNotes", notes)
    assert (notes["name"], notes["versionStr"], notes["description"]) == (
        "Emby Server",
        "4.9.1.0",
        "Faster scans.",
    )
    versions = await _get(http, server, "/System/ReleaseNotes/Versions", token)
    validate_response("GET", "/System/ReleaseNotes/Versions", versions)
    assert [v["versionStr"] for v in versions] == ["4.9.1.0", "4.8.11.0"]
    system = await _get(http, server, "/Packages/Updates", token, PackageType="System")
    validate_response("GET", "/Packages/Updates", system)
    assert [p["versionStr"] for p in system] == ["4.9.1.0"]
    plugins = await _get(http, server, "/Packages/Updates", token, PackageType="UserInstalled")
    assert [(p["name"], p["versionStr"], p["description"]) for p in plugins] == [
        ("Trakt", "3.2.0.0", "Sync fixes.")
    ]
    guid = plugins[0]["guid"]
    server.add_plugin_update("Trakt", "3.2.1.0")  # a newer offer replaces the older one
    plugins = await _get(http, server, "/Packages/Updates", token, PackageType="UserInstalled")
    assert [(p["versionStr"], p["guid"]) for p in plugins] == [("3.2.1.0", guid)]
    assert len(await _get(http, server, "/Packages/Updates", token)) == 2

    server.set_update_available(None)
    assert (await _get(http, server, "/System/Info", token))["HasUpdateAvailable"] is False
    assert (await _get(http, server, "/System/ReleaseNotes", token))["versionStr"] == "4.8.11.0"


async def test_an_update_flag_without_a_version_gets_the_next_one(http, server) -> None:
    server.has_update_available = True  # as the control API's PATCH sets it
    token = await sign_in(http, server, "bob", "bob-pw")  # release notes need a user only
    assert (await _get(http, server, "/System/ReleaseNotes", token))["versionStr"] == "4.8.11.1"
    assert server.set_update_available().version == "4.8.11.1"


async def test_package_updates_are_for_administrators(http, server) -> None:
    token = await sign_in(http, server, "bob", "bob-pw")
    async with http.get(f"{server.url}/Packages/Updates", headers=with_token(token)) as r:
        assert r.status == 403


async def test_installed_plugins_match_the_spec(http, server) -> None:
    server.install_plugin("Trakt", "3.1.0.0")
    token = await sign_in(http, server, "alice", "pw")
    plugins = await _get(http, server, "/Plugins", token)
    validate_response("GET", "/Plugins", plugins)
    assert [(p["Name"], p["Version"], p["Id"]) for p in plugins] == [
        ("Trakt", "3.1.0.0", server.care.plugin_guid("Trakt"))
    ]
    token = await sign_in(http, server, "bob", "bob-pw")
    async with http.get(f"{server.url}/Plugins", headers=with_token(token)) as r:
        assert r.status == 403


def test_package_version_info_matches_the_spec(server) -> None:
    validate_component("PackageVersionInfo", server.set_update_available("5.0.0.0").to_json())


# -- restarts ----------------------------------------------------------------------------------


async def test_restart_pushes_pauses_and_comes_back(http, server) -> None:
    server.restart_downtime = 0.3
    server.require_restart()
    token = await sign_in(http, server, "alice", "pw")
    async with http.ws_connect(ws_url(server, token)) as ws:
        async with http.post(f"{server.url}/System/Restart", headers=with_token(token)) as r:
            assert r.status == 204
        assert await next_message(ws, "ServerRestarting") is None
    await asyncio.sleep(0.15)
    with pytest.raises(aiohttp.ClientConnectorError):
        await http.get(f"{server.url}/System/Info/Public")
    await wait_until(lambda: server.running and not server.has_pending_restart)
    info = await _get(http, server, "/System/Info", token)
    assert info["HasPendingRestart"] is False


async def test_a_server_that_cannot_restart_itself_says_so(http, server) -> None:
    server.can_self_restart = False
    server.can_self_update = True
    token = await sign_in(http, server, "alice", "pw")
    info = await _get(http, server, "/System/Info", token)
    assert (info["CanSelfRestart"], info["CanSelfUpdate"]) == (False, True)
    async with http.post(f"{server.url}/System/Restart", headers=with_token(token)) as r:
        assert r.status == 500
        assert "restart manually" in await r.text()
    assert server.running
