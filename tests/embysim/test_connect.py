"""Emby Connect as the simulator serves it under /service."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from embysim import ConnectFault, EmbySimulator

from .helpers import APP, IDENTITY, connect_login, connect_servers, exchange


@pytest.fixture
async def account(emby_sim: EmbySimulator):
    """Return (user, server, link) for one linked server."""
    user = emby_sim.add_connect_user(
        name="demo", email="demo@example.com", password="demo-password"
    )
    server = await emby_sim.add_server(name="Living Room")
    alice = server.add_user(name="alice", password="pw", is_admin=True)
    link = emby_sim.link(user, server, local_user=alice, user_type="Linked")
    return user, server, link


async def test_authenticate_with_form(http, emby_sim, account) -> None:
    user, _server, _link = account
    answer = await connect_login(http, emby_sim, user)
    assert answer["User"] == {
        "Id": user.id,
        "Name": "demo",
        "Email": "demo@example.com",
        "IsActive": "true",
        "ImageUrl": user.image_url,
    }
    assert answer["AccessToken"] in emby_sim.issued_connect_tokens(user)


@pytest.mark.parametrize("name", ["demo", "DEMO@example.com"])
async def test_authenticate_with_json_name_or_email(http, emby_sim, account, name) -> None:
    async with http.post(
        f"{emby_sim.connect_url}/user/authenticate",
        json={"nameOrEmail": name, "rawpw": "demo-password"},
        headers=APP,
    ) as response:
        assert response.status == 200
        assert (await response.json())["User"]["Name"] == "demo"


@pytest.mark.parametrize(
    ("name", "password"), [("demo", "wrong"), ("nobody", "demo-password"), ("", "")]
)
async def test_authenticate_refuses_bad_credentials(
    http, emby_sim, account, name, password
) -> None:
    async with http.post(
        f"{emby_sim.connect_url}/user/authenticate",
        data={"nameOrEmail": name, "rawpw": password},
        headers=APP,
    ) as response:
        assert response.status == 401
    assert emby_sim.issued_connect_tokens(account[0]) == set()


async def test_every_call_needs_x_application(http, emby_sim, account) -> None:
    async with http.post(
        f"{emby_sim.connect_url}/user/authenticate",
        data={"nameOrEmail": "demo", "rawpw": "demo-password"},
    ) as response:
        assert response.status == 400


async def test_servers_lists_links(http, emby_sim, account) -> None:
    user, server, link = account
    servers = await connect_servers(http, emby_sim, user)
    assert servers == [
        {
            "Id": link.link_id,
            "Url": server.remote.url,
            "Name": "Living Room",
            "SystemId": server.system_id,
            "AccessKey": link.access_key,
            "LocalAddress": server.local.url,
            "UserType": "Linked",
            "SupporterKey": "",
        }
    ]


async def test_servers_needs_a_token_of_that_user(http, emby_sim, account) -> None:
    user, _server, _link = account
    other = emby_sim.add_connect_user(name="other", password="other-pw")
    other_login = await connect_login(http, emby_sim, other)
    headers = {**APP, "X-Connect-UserToken": other_login["AccessToken"]}
    url = f"{emby_sim.connect_url}/servers"
    async with http.get(url, params={"userId": user.id}, headers=APP) as response:
        assert response.status == 401
    async with http.get(url, params={"userId": user.id}, headers=headers) as response:
        assert response.status == 403
    async with http.get(url, params={"userId": other.id}, headers=headers) as response:
        assert await response.json() == []


async def test_servers_waiting_invitations_are_empty(http, emby_sim, account) -> None:
    user = account[0]
    assert await connect_servers(http, emby_sim, user, status="Waiting") == []


async def test_user(http, emby_sim, account) -> None:
    user = account[0]
    login = await connect_login(http, emby_sim, user)
    headers = {**APP, "X-Connect-UserToken": login["AccessToken"]}
    async with http.get(
        f"{emby_sim.connect_url}/user", params={"id": user.id}, headers=headers
    ) as response:
        data = await response.json()
    assert (data["Id"], data["Name"], data["Email"], data["IsActive"]) == (
        user.id,
        "demo",
        "demo@example.com",
        "true",
    )
    async with http.get(f"{emby_sim.connect_url}/user", params={"id": user.id}, headers=APP) as r:
        assert r.status == 401


async def test_pin_flow(http, emby_sim, account) -> None:
    user = account[0]
    url = emby_sim.connect_url
    async with http.post(f"{url}/pin", data={"deviceId": "dev-1"}, headers=APP) as response:
        created = await response.json()
    assert created["IsConfirmed"] is False
    assert created["IsExpired"] is False
    assert created["DeviceId"] == "dev-1"
    assert created["AccessToken"] is None
    assert len(created["Pin"]) == 5
    assert created["Pin"].isdigit()
    pin = created["Pin"]
    form = {"deviceId": "dev-1", "pin": pin}
    async with http.post(f"{url}/pin/authenticate", data=form, headers=APP) as response:
        assert response.status == 400
    params = {"deviceId": "dev-1", "pin": pin}
    async with http.get(f"{url}/pin", params=params, headers=APP) as response:
        assert (await response.json())["IsConfirmed"] is False

    emby_sim.confirm_pin(pin, user)

    async with http.get(f"{url}/pin", params=params, headers=APP) as response:
        assert (await response.json())["IsConfirmed"] is True
    async with http.post(f"{url}/pin/authenticate", data=form, headers=APP) as response:
        answer = await response.json()
    assert answer["UserId"] == user.id
    assert answer["AccessToken"] in emby_sim.issued_connect_tokens(user)
    async with http.post(f"{url}/pin/authenticate", data=form, headers=APP) as response:
        assert response.status == 401
    async with http.get(f"{url}/pin", params=params, headers=APP) as response:
        assert response.status == 404


async def test_pin_for_another_device_is_unknown(http, emby_sim, account) -> None:
    pin = emby_sim.connect.create_pin("dev-1").pin
    async with http.get(
        f"{emby_sim.connect_url}/pin", params={"deviceId": "dev-2", "pin": pin}, headers=APP
    ) as response:
        assert response.status == 404


async def test_expired_pin(http, emby_sim, account) -> None:
    url = emby_sim.connect_url
    pin = emby_sim.connect.create_pin("dev-1").pin
    emby_sim.expire_pin(pin)
    async with http.get(f"{url}/pin", params={"deviceId": "dev-1", "pin": pin}, headers=APP) as r:
        assert (await r.json())["IsExpired"] is True
    with pytest.raises(KeyError):
        emby_sim.confirm_pin(pin, account[0])
    async with http.post(
        f"{url}/pin/authenticate", data={"deviceId": "dev-1", "pin": pin}, headers=APP
    ) as response:
        assert response.status == 401


async def test_pin_expires_with_time(http, emby_sim, account) -> None:
    emby_sim.connect.pin_lifetime = 0.0
    pin = emby_sim.connect.create_pin("dev-1").pin
    await asyncio.sleep(0.01)
    async with http.get(
        f"{emby_sim.connect_url}/pin", params={"deviceId": "dev-1", "pin": pin}, headers=APP
    ) as response:
        assert (await response.json())["IsExpired"] is True


async def test_delete_server_authorization_unlinks(http, emby_sim, account) -> None:
    user, server, link = account
    login = await connect_login(http, emby_sim, user)
    headers = {**APP, "X-Connect-UserToken": login["AccessToken"]}
    async with http.delete(
        f"{emby_sim.connect_url}/serverAuthorizations",
        params={"serverId": link.link_id, "userId": user.id},
        headers=headers,
    ) as response:
        assert response.status == 200
    async with http.get(
        f"{emby_sim.connect_url}/servers", params={"userId": user.id}, headers=headers
    ) as response:
        assert await response.json() == []
    async with http.get(
        f"{server.url}/Connect/Exchange",
        params={"format": "json", "ConnectUserId": user.id},
        headers={**IDENTITY, "X-Emby-Token": link.access_key},
    ) as response:
        assert response.status == 401
    async with http.delete(
        f"{emby_sim.connect_url}/serverAuthorizations",
        params={"serverId": link.link_id, "userId": user.id},
        headers=headers,
    ) as response:
        assert response.status == 404


async def test_unlink_removes_server_and_access_key(http, emby_sim, account) -> None:
    user, server, link = account
    await exchange(http, server, link)
    emby_sim.unlink(user, server)
    assert emby_sim.connect_servers(user) == []
    assert link.access_key in server.own_secrets()
    async with http.get(
        f"{server.url}/Connect/Exchange",
        params={"ConnectUserId": user.id},
        headers={**IDENTITY, "X-Emby-Token": link.access_key},
    ) as response:
        assert response.status == 401


@pytest.mark.parametrize(
    ("fault", "status"),
    [(ConnectFault.UNAUTHORIZED, 401), (ConnectFault.HTTP_500, 500)],
)
async def test_connect_fault_status(http, emby_sim, account, fault, status) -> None:
    emby_sim.connect_fault = fault
    async with http.post(
        f"{emby_sim.connect_url}/user/authenticate",
        data={"nameOrEmail": "demo", "rawpw": "demo-password"},
        headers=APP,
    ) as response:
        assert response.status == status


async def test_connect_fault_malformed_json(http, emby_sim, account) -> None:
    emby_sim.connect_fault = ConnectFault.MALFORMED_JSON
    async with http.get(f"{emby_sim.connect_url}/servers", headers=APP) as response:
        assert response.status == 200
        with pytest.raises(ValueError):  # noqa: PT011 - json's own error
            await response.json()


async def test_connect_fault_down_closes_the_connection(http, emby_sim, account) -> None:
    emby_sim.connect_fault = ConnectFault.DOWN
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.get(f"{emby_sim.connect_url}/servers", headers=APP):
            pass
    emby_sim.connect_fault = ConnectFault.NONE
    await connect_login(http, emby_sim, account[0])


async def test_connect_fault_hanging_never_answers(http, emby_sim, account) -> None:
    emby_sim.connect_fault = ConnectFault.HANGING
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2), http.get(f"{emby_sim.connect_url}/servers", headers=APP):
            pass
    emby_sim.connect_fault = ConnectFault.NONE
    await connect_login(http, emby_sim, account[0])


async def test_connect_records_requests(http, emby_sim, account) -> None:
    await connect_login(http, emby_sim, account[0])
    (record,) = emby_sim.connect_requests
    assert (record.method, record.path) == ("POST", "/user/authenticate")
    assert "rawpw=demo-password" in record.body


async def test_pin_needs_device_id(http, emby_sim) -> None:
    async with http.post(f"{emby_sim.connect_url}/pin", data={}, headers=APP) as response:
        assert response.status == 400


async def test_connect_latency(http, emby_sim, account) -> None:
    emby_sim.connect_latency = 0.1
    start = asyncio.get_running_loop().time()
    await connect_login(http, emby_sim, account[0])
    assert asyncio.get_running_loop().time() - start >= 0.1


async def test_unknown_connect_call(http, emby_sim) -> None:
    async with http.get(f"{emby_sim.connect_url}/nothing", headers=APP) as response:
        assert response.status == 404
