"""Server answers validate against Emby's OpenAPI spec; Connect answers against EMBY_API.md."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
import pytest

from embysim import EmbySimulator, Transcode

from .helpers import APP, IDENTITY, connect_login, exchange, sign_in, with_token
from .openapi import (
    SPEC_PATH,
    ValidationError,
    convert,
    validate_component,
    validate_response,
)

pytestmark = pytest.mark.skipif(
    not SPEC_PATH.exists(), reason="Emby's OpenAPI spec is not available"
)


# -- the converter itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("PlayerStateInfo", {"PositionTicks": None, "VolumeLevel": None, "IsPaused": True}),
        ("ItemCounts", {"MovieCount": 2**31 - 1}),
        ("ActivityLogEntry", {"Id": 2**40, "Date": "2026-01-02T03:04:05.1234567Z"}),
        ("PlayerStateInfo", {"PlayMethod": "Transcode", "RepeatMode": "RepeatAll"}),
        ("InstallationInfo", {"Id": "2d6f8d3c-1b4e-4a5b-9c6d-7e8f9a0b1c2d"}),
    ],
)
def test_converter_accepts_valid_data(name, data) -> None:
    validate_component(name, data)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("PublicSystemInfo", {"ServerName": None}),  # not nullable
        ("PublicSystemInfo", {"ServerNam": "typo"}),  # unknown property (strict)
        ("PublicSystemInfo", {"LocalAddresses": "http://x"}),  # not an array
        ("ItemCounts", {"MovieCount": 2**31}),  # beyond int32
        ("ItemCounts", {"MovieCount": "3"}),
        ("ActivityLogEntry", {"Date": "yesterday"}),
        ("ActivityLogEntry", {"Date": "2026-13-02T03:04:05Z"}),
        ("ActivityLogEntry", {"Severity": "Loud"}),  # enum via $ref
        ("Session.SessionInfo", {"RemoteEndPoint": "not-an-ip"}),
        ("Session.SessionInfo", {"PlayState": {"IsPaused": "yes"}}),  # nested $ref
        ("PlayerStateInfo", {"PlayMethod": None}),  # $ref enum is not nullable
        ("InstallationInfo", {"Id": "not-a-guid"}),
    ],
)
def test_converter_rejects_invalid_data(name, data) -> None:
    with pytest.raises(ValidationError):
        validate_component(name, data)


def test_non_strict_mode_allows_unknown_properties() -> None:
    validate_component("PublicSystemInfo", {"Extra": 1}, strict=False)


def test_convert_handles_nullable_enum_and_ref_siblings() -> None:
    converted = convert(
        {
            "type": "object",
            "properties": {
                "a": {"type": "string", "enum": ["x"], "nullable": True, "x-internal": 1},
                "b": {"$ref": "#/components/schemas/B", "description": "ignored"},
            },
        },
        strict=True,
    )
    assert converted == {
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"], "enum": ["x", None]},
            "b": {"$ref": "#/components/schemas/B"},
        },
        "additionalProperties": False,
    }


# -- the simulator's answers --------------------------------------------------------------------


@pytest.fixture
async def demo(emby_sim: EmbySimulator, http):
    """Return (sim, first server, admin token) with the demo account and extra sessions."""
    await emby_sim.load_demo(servers=2)
    server = emby_sim.servers[0]
    server.play(user=None, item_name="Song", item_type="Audio", client="Emby for iOS")
    server.play(user=None, item_name="Sintel", transcoding=True, client="Emby Theater")
    server.play(user=None, item_name="Tears of Steel", transcoding=True, transcode=Transcode.AUDIO)
    server.add_idle_session(user=server.find_user("kid"))
    server.has_update_available = True
    token = await sign_in(http, server, "admin", "admin-password")
    return emby_sim, server, token


@pytest.mark.parametrize(
    ("method", "path", "spec_path"),
    [
        ("GET", "/System/Info/Public", None),
        ("GET", "/System/Info", None),
        ("GET", "/Sessions", None),
        ("GET", "/Items/Counts", None),
        ("GET", "/ScheduledTasks", None),
        ("GET", "/System/ActivityLog/Entries", None),
        ("GET", "/Users/{user}", "/Users/{Id}"),
    ],
)
async def test_server_answers_match_the_spec(http, demo, method, path, spec_path) -> None:
    _sim, server, token = demo
    user = server.find_user("admin")
    async with http.request(
        method, f"{server.url}{path.replace('{user}', user.id)}", headers=with_token(token)
    ) as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        data = await response.json()
    assert data
    validate_response(method, spec_path or path, data)


async def test_sessions_cover_every_shape(http, demo) -> None:
    _sim, server, token = demo
    async with http.get(f"{server.url}/Sessions", headers=with_token(token)) as response:
        sessions = await response.json()
    assert any("TranscodingInfo" in s for s in sessions)
    assert any("NowPlayingItem" not in s for s in sessions)
    assert any("UserId" not in s for s in sessions)
    validate_response("GET", "/Sessions", sessions)


async def test_authenticate_by_name_matches_the_spec(http, demo) -> None:
    _sim, server, _token = demo
    for name, password in (("admin", "admin-password"), ("family", "")):
        async with http.post(
            f"{server.url}/Users/AuthenticateByName",
            json={"Username": name, "Pw": password},
            headers=IDENTITY,
        ) as response:
            validate_response("POST", "/Users/AuthenticateByName", await response.json())


async def test_exchange_matches_the_spec(http, demo) -> None:
    sim, server, _token = demo
    (link,) = server.links
    answer = await exchange(http, server, link)
    validate_response("GET", "/Connect/Exchange", answer)
    assert set(answer) == {"LocalUserId", "AccessToken"}
    assert sim.servers[1].links[0].user_type == "Guest"


async def test_public_info_after_move_matches(http, demo) -> None:
    _sim, server, _token = demo
    await server.move()
    async with http.get(f"{server.url}/System/Info/Public") as response:
        validate_response("GET", "/System/Info/Public", await response.json())


# -- Connect (no OpenAPI exists: the shapes come from EMBY_API.md) -------------------------------

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
# Connect user ids are short decimal strings ("79718"); link ids are 32 hex characters.
_DECIMAL_ID = {"type": "string", "pattern": "^[0-9]{1,9}$"}
_HEX_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
CONNECT_SCHEMAS: dict[str, dict[str, Any]] = {
    "login": {
        "type": "object",
        "required": ["AccessToken", "User"],
        "additionalProperties": False,
        "properties": {
            "AccessToken": _STRING,
            "User": {
                "type": "object",
                "required": ["Id", "Name", "Email", "IsActive", "ImageUrl"],
                "additionalProperties": False,
                "properties": {
                    "Id": _DECIMAL_ID,
                    "Name": _STRING,
                    "Email": _STRING,
                    "IsActive": {"const": "true"},
                    "ImageUrl": _STRING,
                },
            },
        },
    },
    "servers": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["Id", "Url", "Name", "SystemId", "AccessKey", "LocalAddress", "UserType"],
            "additionalProperties": False,
            "properties": {
                "Id": _HEX_ID,
                "Url": _NULLABLE_STRING,
                "Name": _STRING,
                "SystemId": _STRING,
                "AccessKey": _STRING,
                "LocalAddress": _NULLABLE_STRING,
                "UserType": {"enum": ["Linked", "Guest"]},
                "SupporterKey": _STRING,
            },
        },
    },
    "pin": {
        "type": "object",
        "required": ["Id", "Pin", "DeviceId", "IsExpired", "IsConfirmed", "AccessToken"],
        "additionalProperties": False,
        "properties": {
            "Id": {"type": "null"},
            "Pin": {"type": "string", "pattern": "^[0-9]{5}$"},  # may start with 0
            "DeviceId": _STRING,
            "IsExpired": {"type": "boolean"},
            "IsConfirmed": {"type": "boolean"},
            "AccessToken": {"type": "null"},
        },
    },
    "pin_login": {
        "type": "object",
        "required": ["UserId", "AccessToken"],
        "additionalProperties": False,
        "properties": {"UserId": _DECIMAL_ID, "AccessToken": _STRING},
    },
}


async def test_connect_answers_match_the_documented_shapes(http, demo) -> None:
    sim, _server, _token = demo
    (user,) = sim.connect_users
    login = await connect_login(http, sim, user)
    Draft202012Validator(CONNECT_SCHEMAS["login"]).validate(login)
    headers = {**APP, "X-Connect-UserToken": login["AccessToken"]}
    async with http.get(
        f"{sim.connect_url}/servers", params={"userId": user.id}, headers=headers
    ) as response:
        servers = await response.json()
    assert len(servers) == 2
    Draft202012Validator(CONNECT_SCHEMAS["servers"]).validate(servers)
    async with http.post(f"{sim.connect_url}/pin", data={"deviceId": "d"}, headers=APP) as r:
        pin = await r.json()
    Draft202012Validator(CONNECT_SCHEMAS["pin"]).validate(pin)
    sim.confirm_pin(pin["Pin"], "demo@example.com")
    async with http.post(
        f"{sim.connect_url}/pin/authenticate",
        data={"deviceId": "d", "pin": pin["Pin"]},
        headers=APP,
    ) as response:
        Draft202012Validator(CONNECT_SCHEMAS["pin_login"]).validate(await response.json())
