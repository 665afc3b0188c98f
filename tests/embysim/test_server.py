"""Emby Server endpoints as the simulator serves them."""

from __future__ import annotations

import pytest

from embysim import EmbySimulator

from .helpers import DEVICE_ID, IDENTITY, exchange, sign_in, with_token


@pytest.fixture
async def setup(emby_sim: EmbySimulator):
    """Return (server, admin user, plain user, link to the admin)."""
    account = emby_sim.add_connect_user(name="demo", password="demo-password")
    server = await emby_sim.add_server(name="Living Room", version="4.8.11.0")
    alice = server.add_user(name="alice", password="pw", is_admin=True)
    bob = server.add_user(name="bob", password="bob-pw")
    link = emby_sim.link(account, server, local_user=alice)
    return server, alice, bob, link


async def test_public_info_needs_no_auth(http, setup) -> None:
    server = setup[0]
    async with http.get(f"{server.url}/System/Info/Public") as response:
        assert response.status == 200
        assert await response.json() == {
            "LocalAddress": server.local.url,
            "LocalAddresses": [server.local.url],
            "WanAddress": server.remote.url,
            "RemoteAddresses": [server.remote.url],
            "ServerName": "Living Room",
            "Version": "4.8.11.0",
            "Id": server.system_id,
        }
    assert server.request_count("/System/Info/Public") == 1


@pytest.mark.parametrize(
    "path", ["/system/info/public", "/SYSTEM/Info/Public/", "/emby/System/Info/Public"]
)
async def test_paths_match_case_insensitively_with_optional_emby_prefix(http, setup, path) -> None:
    server = setup[0]
    async with http.get(f"{server.local.origin}{path}") as response:
        assert response.status == 200
    assert server.request_count("/System/Info/Public") == 1


async def test_base_path_server_answers_only_below_it(http, emby_sim) -> None:
    server = await emby_sim.add_server(name="Proxied", base_path="/emby/")
    assert server.url == f"{server.local.origin}/emby"
    async with http.get(f"{server.url}/System/Info/Public") as response:
        assert (await response.json())["LocalAddress"] == server.url
    async with http.get(f"{server.local.origin}/System/Info/Public") as response:
        assert response.status == 404


async def test_remote_listener_serves_the_same_server(http, setup) -> None:
    server = setup[0]
    async with http.get(f"{server.remote.url}/System/Info/Public") as response:
        assert (await response.json())["Id"] == server.system_id
    assert [r.listener for r in server.requests] == ["remote"]


async def test_advertised_addresses_can_be_changed(http, emby_sim, setup) -> None:
    server = setup[0]
    server.local_address = "http://127.0.0.1:1"
    server.remote_address = None
    async with http.get(f"{server.url}/System/Info/Public") as response:
        info = await response.json()
    assert info["LocalAddress"] == "http://127.0.0.1:1"
    assert "WanAddress" not in info
    assert info["RemoteAddresses"] == []
    (listed,) = emby_sim.connect_servers(setup[3].connect_user)
    assert (listed["LocalAddress"], listed["Url"]) == ("http://127.0.0.1:1", None)
    server.reset_addresses()
    assert server.local_address == server.local.url


async def test_exchange_issues_a_new_token_each_time(http, setup) -> None:
    server, alice, _bob, link = setup
    first = await exchange(http, server, link)
    second = await exchange(http, server, link, url=server.remote.url)
    assert first["LocalUserId"] == second["LocalUserId"] == alice.id
    assert first["AccessToken"] != second["AccessToken"]
    assert {first["AccessToken"], second["AccessToken"]} <= server.valid_tokens()


@pytest.mark.parametrize(
    ("where", "header"),
    [("header", "X-Emby-Token"), ("header", "X-MediaBrowser-Token"), ("query", "api_key")],
)
async def test_exchange_accepts_the_access_key_anywhere(http, setup, where, header) -> None:
    server, _alice, _bob, link = setup
    params = {"format": "json", "ConnectUserId": link.connect_user.id}
    headers = dict(IDENTITY)
    if where == "header":
        headers[header] = link.access_key
    else:
        params[header] = link.access_key
    async with http.get(f"{server.url}/Connect/Exchange", params=params, headers=headers) as r:
        assert r.status == 200


async def test_exchange_refusals(http, setup) -> None:
    server, _alice, _bob, link = setup
    url = f"{server.url}/Connect/Exchange"
    params = {"format": "json", "ConnectUserId": link.connect_user.id}
    async with http.get(url, params=params, headers=with_token("0" * 32)) as response:
        assert response.status == 401
    async with http.get(
        url, params={"ConnectUserId": "someone-else"}, headers=with_token(link.access_key)
    ) as response:
        assert response.status == 401
    async with http.get(url, params=params, headers={"X-Emby-Token": link.access_key}) as r:
        assert r.status == 400
    token = await sign_in(http, server, "alice", "pw")
    async with http.get(url, params=params, headers=with_token(token)) as response:
        assert response.status == 401


async def test_server_can_refuse_access_keys_connect_still_lists(http, setup) -> None:
    server, _alice, _bob, link = setup
    url = f"{server.url}/Connect/Exchange"
    params = {"format": "json", "ConnectUserId": link.connect_user.id}
    server.accept_access_keys = False
    async with http.get(url, params=params, headers=with_token(link.access_key)) as response:
        assert response.status == 401
    assert link in server.links
    server.accept_access_keys = True
    async with http.get(url, params=params, headers=with_token(link.access_key)) as response:
        assert response.status == 200


async def test_authenticate_by_name(http, setup) -> None:
    server, alice, _bob, _link = setup
    async with http.post(
        f"{server.url}/Users/AuthenticateByName",
        json={"Username": "ALICE", "Pw": "pw"},
        headers=IDENTITY,
    ) as response:
        answer = await response.json()
    assert answer["User"]["Id"] == alice.id
    assert answer["User"]["Policy"]["IsAdministrator"] is True
    assert answer["ServerId"] == server.system_id
    assert answer["SessionInfo"]["DeviceId"] == "pytest-device"
    assert answer["AccessToken"] in server.valid_tokens()


@pytest.mark.parametrize(
    "body", [{"Username": "bob", "Password": "bob-pw"}, {"Username": "bob", "Pw": "bob-pw"}]
)
async def test_authenticate_by_name_accepts_pw_or_password(http, setup, body) -> None:
    server = setup[0]
    async with http.post(
        f"{server.url}/Users/AuthenticateByName", json=body, headers=IDENTITY
    ) as response:
        assert response.status == 200


@pytest.mark.parametrize("body", [{"Username": "kid"}, {"Username": "kid", "Pw": ""}])
async def test_passwordless_user_signs_in_with_empty_password(http, setup, body) -> None:
    server = setup[0]
    server.add_user("kid", None)
    async with http.post(
        f"{server.url}/Users/AuthenticateByName", json=body, headers=IDENTITY
    ) as response:
        assert response.status == 200
        assert (await response.json())["User"]["HasPassword"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"Username": "alice", "Pw": "wrong"},
        {"Username": "alice"},
        {"Username": "nobody", "Pw": "pw"},
        {"Username": "kid", "Pw": "anything"},
    ],
)
async def test_authenticate_by_name_refuses_bad_credentials(http, setup, body) -> None:
    server = setup[0]
    server.add_user("kid", None)
    async with http.post(
        f"{server.url}/Users/AuthenticateByName", json=body, headers=IDENTITY
    ) as response:
        assert response.status == 401


async def test_authenticate_by_name_needs_identity(http, setup) -> None:
    server = setup[0]
    async with http.post(
        f"{server.url}/Users/AuthenticateByName", json={"Username": "alice", "Pw": "pw"}
    ) as response:
        assert response.status == 400


async def test_system_info(http, setup) -> None:
    server = setup[0]
    server.has_update_available = True
    server.require_restart()
    token = await sign_in(http, server, "bob", "bob-pw")
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as response:
        info = await response.json()
    assert info["Id"] == server.system_id
    assert info["HasUpdateAvailable"] is True
    assert info["HasPendingRestart"] is True
    assert info["IsShuttingDown"] is False
    assert info["LocalAddress"] == server.local.url


@pytest.mark.parametrize(
    "headers",
    [
        {
            "X-Emby-Authorization": 'Emby Client="c", Device="d", DeviceId="x", Version="1", Token="{t}"'
        },
        {
            "Authorization": 'MediaBrowser Client="c", Device="d", DeviceId="x", Version="1"',
            "X-MediaBrowser-Token": "{t}",
        },
        {"X-Emby-Client": "c", "X-Emby-Device-Id": "x", "X-Emby-Token": "{t}"},
    ],
)
async def test_token_and_identity_header_forms(http, setup, headers) -> None:
    server = setup[0]
    token = await sign_in(http, server, "alice", "pw")
    filled = {key: value.replace("{t}", token) for key, value in headers.items()}
    async with http.get(f"{server.url}/System/Info", headers=filled) as response:
        assert response.status == 200
    assert server.devices["x"]["Client"] == "c"


async def test_api_key_in_query_needs_no_identity(http, setup) -> None:
    server = setup[0]
    key = server.create_api_key()
    async with http.get(f"{server.url}/Sessions", params={"api_key": key}) as response:
        assert response.status == 200


async def test_protected_endpoint_refusals(http, setup) -> None:
    server = setup[0]
    token = await sign_in(http, server, "alice", "pw")
    url = f"{server.url}/System/Info"
    async with http.get(url, headers=IDENTITY) as response:
        assert response.status == 401
    server.require_identity = True  # stricter than real servers: identity headers needed
    async with http.get(url, headers={"X-Emby-Token": token}) as response:
        assert response.status == 400
    server.require_identity = False
    async with http.get(url, headers=with_token("f" * 32)) as response:
        assert response.status == 401


async def test_sessions_admin_sees_all_user_sees_own(http, setup) -> None:
    server, alice, bob, _link = setup
    playing = server.play(user=alice, item_name="Big Buck Bunny", item_type="Movie")
    paused = server.play(
        user=bob,
        item_name="Pilot",
        item_type="Episode",
        series_name="Show",
        paused=True,
        transcoding=True,
    )
    idle = server.add_idle_session(user=bob)
    admin_token = await sign_in(http, server, "alice", "pw")
    async with http.get(f"{server.url}/Sessions", headers=with_token(admin_token)) as response:
        sessions = {s["Id"]: s for s in await response.json()}
    # The caller's own device is listed too, as on a real server.
    (own,) = [s for s in sessions.values() if s["DeviceId"] == DEVICE_ID]
    assert set(sessions) == {playing.id, paused.id, idle.id, own["Id"]}
    assert (own["UserName"], own["Client"], own["DeviceName"]) == ("alice", "pytest", "runner")
    assert sessions[playing.id]["NowPlayingItem"]["Name"] == "Big Buck Bunny"
    assert sessions[playing.id]["PlayState"]["IsPaused"] is False
    assert sessions[playing.id]["PlayState"]["PlayMethod"] == "DirectPlay"
    assert sessions[paused.id]["PlayState"]["IsPaused"] is True
    assert sessions[paused.id]["PlayState"]["PlayMethod"] == "Transcode"
    assert sessions[paused.id]["NowPlayingItem"]["SeriesName"] == "Show"
    assert "TranscodingInfo" in sessions[paused.id]
    assert "NowPlayingItem" not in sessions[idle.id]
    assert sessions[idle.id]["UserName"] == "bob"

    user_token = await sign_in(http, server, "bob", "bob-pw")  # the same device, now bob's
    async with http.get(f"{server.url}/Sessions", headers=with_token(user_token)) as response:
        assert {s["Id"] for s in await response.json()} == {paused.id, idle.id, own["Id"]}

    server.stop_playback(playing.id)
    server.remove_session(idle.id)
    async with http.get(
        f"{server.url}/Sessions", params={"Id": playing.id}, headers=with_token(admin_token)
    ) as response:
        (session,) = await response.json()
    assert "NowPlayingItem" not in session


async def test_item_counts(http, setup) -> None:
    server = setup[0]
    server.counts.update({"MovieCount": 12, "ItemCount": 40})
    token = await sign_in(http, server, "bob", "bob-pw")
    async with http.get(f"{server.url}/Items/Counts", headers=with_token(token)) as response:
        counts = await response.json()
    assert counts["MovieCount"] == 12
    assert counts["ItemCount"] == 40
    assert set(counts) == set(server.counts)


async def test_logout_revokes_only_that_token(http, setup) -> None:
    server = setup[0]
    first = await sign_in(http, server, "alice", "pw")
    second = await sign_in(http, server, "alice", "pw")
    async with http.post(f"{server.url}/Sessions/Logout", headers=with_token(first)) as r:
        assert r.status == 204
    async with http.get(f"{server.url}/System/Info", headers=with_token(first)) as r:
        assert r.status == 401
    async with http.get(f"{server.url}/System/Info", headers=with_token(second)) as r:
        assert r.status == 200


async def test_revoke_tokens(http, setup) -> None:
    server, _alice, _bob, link = setup
    token = (await exchange(http, server, link))["AccessToken"]
    server.revoke_tokens()
    async with http.get(f"{server.url}/System/Info", headers=with_token(token)) as response:
        assert response.status == 401
    fresh = (await exchange(http, server, link))["AccessToken"]
    async with http.get(f"{server.url}/System/Info", headers=with_token(fresh)) as response:
        assert response.status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ScheduledTasks"),
        ("GET", "/System/ActivityLog/Entries"),
        ("POST", "/System/Restart"),
    ],
)
async def test_admin_endpoints(http, setup, method, path) -> None:
    server = setup[0]
    user_token = await sign_in(http, server, "bob", "bob-pw")
    async with http.request(method, f"{server.url}{path}", headers=with_token(user_token)) as r:
        assert r.status == 403
    async with http.request(method, f"{server.url}{path}", headers=with_token("0" * 32)) as r:
        assert r.status == 401
    admin_token = await sign_in(http, server, "alice", "pw")
    async with http.request(method, f"{server.url}{path}", headers=with_token(admin_token)) as r:
        assert r.status in (200, 204)


async def test_guest_link_maps_to_non_admin(http, emby_sim, setup) -> None:
    server = setup[0]
    friend = emby_sim.add_connect_user(name="friend", password="friend-pw")
    guest = server.add_user("guest", None)
    link = emby_sim.link(friend, server, local_user=guest, user_type="Guest")
    answer = await exchange(http, server, link)
    assert answer["LocalUserId"] == guest.id
    async with http.get(
        f"{server.url}/ScheduledTasks", headers=with_token(answer["AccessToken"])
    ) as response:
        assert response.status == 403
    stranger = emby_sim.add_connect_user(name="stranger")
    with pytest.raises(ValueError, match="non-admin"):
        emby_sim.link(stranger, server, local_user=setup[1], user_type="Guest")


async def test_link_without_local_user_creates_one(emby_sim, setup) -> None:
    server = setup[0]
    friend = emby_sim.add_connect_user(name="friend")
    link = emby_sim.link(friend, server, user_type="Guest")
    assert link.local_user.name == "friend"
    assert link.local_user.is_admin is False
    assert link.local_user in server.users
    with pytest.raises(ValueError, match="already linked"):
        emby_sim.link(friend, server)


async def test_unknown_path_is_404(http, setup) -> None:
    async with http.get(f"{setup[0].url}/Nope") as response:
        assert response.status == 404


async def test_no_advertised_local_address(http, setup) -> None:
    server = setup[0]
    server.local_address = None
    async with http.get(f"{server.url}/System/Info/Public") as response:
        info = await response.json()
    assert "LocalAddress" not in info
    assert info["LocalAddresses"] == []


async def test_get_user(http, setup) -> None:
    server, alice, bob, _link = setup
    user_token = await sign_in(http, server, "bob", "bob-pw")
    admin_token = await sign_in(http, server, "alice", "pw")
    async with http.get(f"{server.url}/Users/{bob.id}", headers=with_token(user_token)) as r:
        assert (await r.json())["Name"] == "bob"
    async with http.get(f"{server.url}/Users/{alice.id}", headers=with_token(user_token)) as r:
        assert r.status == 403
    async with http.get(f"{server.url}/Users/{bob.id}", headers=with_token(admin_token)) as r:
        assert r.status == 200
    async with http.get(f"{server.url}/Users/{'0' * 32}", headers=with_token(admin_token)) as r:
        assert r.status == 404


async def test_sessions_filter_by_device(http, setup) -> None:
    server, alice, _bob, _link = setup
    server.add_idle_session(user=alice, device_id="tv-1")
    server.add_idle_session(user=alice, device_id="tv-2")
    token = await sign_in(http, server, "alice", "pw")
    async with http.get(
        f"{server.url}/Sessions", params={"DeviceId": "tv-2"}, headers=with_token(token)
    ) as response:
        assert [s["DeviceId"] for s in await response.json()] == ["tv-2"]


async def test_activity_log_records_sign_ins_and_pages(http, setup) -> None:
    server, _alice, _bob, _link = setup
    token = await sign_in(http, server, "alice", "pw")
    await sign_in(http, server, "bob", "bob-pw")
    async with http.get(
        f"{server.url}/System/ActivityLog/Entries",
        params={"StartIndex": "0", "Limit": "1"},
        headers=with_token(token),
    ) as response:
        page = await response.json()
    assert page["TotalRecordCount"] == 2
    assert [entry["Name"] for entry in page["Items"]] == ["bob has signed in"]


async def test_position_advances_while_playing_and_holds_while_paused(setup, freezer) -> None:
    server, alice, _bob, _link = setup
    session = server.play(user=alice, runtime_seconds=100, position_seconds=10)
    freezer.tick(5)
    assert server.session_json(session)["PlayState"]["PositionTicks"] == 15 * 10**7
    server.pause(session.id)
    freezer.tick(30)
    assert server.session_json(session)["PlayState"]["PositionTicks"] == 15 * 10**7
    server.pause(session.id, paused=False)
    freezer.tick(500)
    assert server.session_json(session)["PlayState"]["PositionTicks"] == 100 * 10**7
