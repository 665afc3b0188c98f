"""Tests for the Emby Connect config flow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import timedelta
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_INTEGRATION_DISCOVERY,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowManager, FlowResult, FlowResultType, section
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.emby_connect.aioemby import (
    DEFAULT_CONNECT_URL,
    AuthSource,
    ConnectLogin,
    ConnectPin,
    ConnectServer,
    ConnectUser,
    ConnectUserType,
    EmbyAuthenticationError,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyPinExpiredError,
    EmbyResponseError,
    EmbyTimeoutError,
    PublicSystemInfo,
)
from custom_components.emby_connect.const import (
    AUTH_METHOD_MANUAL,
    CONF_ACCESS_KEY,
    CONF_ACCESS_TOKEN,
    CONF_ADVANCED,
    CONF_AUTH_METHOD,
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_USERNAME,
    CONF_LAST_MODE,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_SERVER,
    CONF_SYSTEM_ID,
    CONF_USER_ID,
    CONNECT_PIN_URL,
    DOMAIN,
    PIN_POLL_INTERVAL,
)
from custom_components.emby_connect.entry_data import connect_discovery, connect_entry_data

from .conftest import (
    CONNECT_USER_ID,
    CONNECT_USERNAME,
    ENTRY_VERSION,
    HA_DEVICE_ID,
    LOCAL_ADDRESS,
    MANUAL_TOKEN,
    MANUAL_USERNAME,
    OTHER_SYSTEM_ID,
    REMOTE_ADDRESS,
    SERVER_USER_ID,
    SYSTEM_ID,
)

TRANSLATIONS = (
    Path(__file__).parents[2] / "custom_components" / "emby_connect" / "translations" / "en.json"
)

CABIN_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
OTHER_CONNECT_USER_ID = "connect-user-8080"
CONNECT_PASSWORD = "connect-password-never-stored"
OLD_CONNECT_TOKEN = "connect-token-old"
NEW_CONNECT_TOKEN = "connect-token-new"
PIN = "4321"
NEW_PIN = "8765"
SERVER_PASSWORD = "server-password-never-stored"
OLD_SERVER_URL = "http://192.168.1.99:8096"
OLD_SERVER_TOKEN = "server-token-old"
CUSTOM_CONNECT_URL = "https://connect.example.org"

LIVING_ROOM = ConnectServer(
    system_id=SYSTEM_ID,
    name="Living Room",
    access_key="access-key-living-room",
    link_id="101",
    local_address=LOCAL_ADDRESS,
    remote_address=REMOTE_ADDRESS,
)
BASEMENT = ConnectServer(
    system_id=OTHER_SYSTEM_ID,
    name="Basement",
    access_key="access-key-basement",
    link_id="102",
    local_address="http://192.168.1.30:8096",
    user_type=ConnectUserType.GUEST,
)
# A server the account no longer lists.
ATTIC = ConnectServer(
    system_id="1f2e3d4c5b6a79887766554433221100",
    name="Attic",
    access_key="access-key-attic",
    local_address="http://192.168.1.40:8096",
)
CABIN = ConnectServer(
    system_id=CABIN_ID,
    name="Cabin",
    access_key="access-key-cabin",
    link_id="103",
    remote_address="https://cabin.example.net",
)
LOGIN = ConnectLogin(
    user_id=CONNECT_USER_ID,
    access_token=NEW_CONNECT_TOKEN,
    user=ConnectUser(id=CONNECT_USER_ID, name="alice", email=CONNECT_USERNAME),
)
OLD_LOGIN = ConnectLogin(user_id=CONNECT_USER_ID, access_token=OLD_CONNECT_TOKEN)
JELLYFIN = PublicSystemInfo(id=SYSTEM_ID, server_name="Jelly", version="10.10.3")
TOO_OLD = PublicSystemInfo(id=SYSTEM_ID, server_name="Old", version="4.6.7.0")

ADVANCED = {CONF_ADVANCED: {CONF_CONNECT_URL: DEFAULT_CONNECT_URL}}
CONNECT_INPUT = {CONF_USERNAME: CONNECT_USERNAME, CONF_PASSWORD: CONNECT_PASSWORD, **ADVANCED}
MANUAL_INPUT = {
    CONF_URL: LOCAL_ADDRESS,
    CONF_USERNAME: MANUAL_USERNAME,
    CONF_PASSWORD: SERVER_PASSWORD,
    CONF_VERIFY_SSL: True,
}

MANUAL_DATA = {
    CONF_AUTH_METHOD: AUTH_METHOD_MANUAL,
    CONF_URL: LOCAL_ADDRESS,
    CONF_VERIFY_SSL: True,
    CONF_USERNAME: MANUAL_USERNAME,
    CONF_USER_ID: SERVER_USER_ID,
    CONF_ACCESS_TOKEN: MANUAL_TOKEN,
}

# Whatever a client may raise, and what the form says about it.
ERRORS = [
    (EmbyAuthenticationError("refused", source=AuthSource.CONNECT, status=401), "invalid_auth"),
    (EmbyForbiddenError("forbidden", source=AuthSource.SERVER, status=403), "invalid_auth"),
    (EmbyConnectionError("unreachable"), "cannot_connect"),
    (EmbyTimeoutError("too slow"), "cannot_connect"),
    (EmbyResponseError("not json"), "cannot_connect"),
    (RuntimeError("boom"), "unknown"),
]
CONNECTION_ERRORS = [
    (EmbyConnectionError("unreachable"), "cannot_connect"),
    (EmbyResponseError("not json"), "cannot_connect"),
    (RuntimeError("boom"), "unknown"),
]
UNEXPECTED = "Unexpected error while talking to Emby"


def connect_data(
    server: ConnectServer, login: ConnectLogin = LOGIN, username: str = CONNECT_USERNAME
) -> dict[str, Any]:
    """Return the data of the Connect entry of a server."""
    return dict(connect_entry_data(DEFAULT_CONNECT_URL, login, username, server))


def discovery_of(server: ConnectServer) -> dict[str, Any]:
    """Return what integration discovery hands the flow for a server of the account."""
    return dict(connect_discovery(DEFAULT_CONNECT_URL, LOGIN, CONNECT_USERNAME, server))


def connect_entry(
    server: ConnectServer,
    *,
    user_id: str = CONNECT_USER_ID,
    changes: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Return a Connect entry of a server, signed in with the old token."""
    login = ConnectLogin(user_id=user_id, access_token=OLD_CONNECT_TOKEN)
    return MockConfigEntry(
        domain=DOMAIN,
        title=server.name,
        unique_id=server.system_id,
        version=ENTRY_VERSION,
        data={**connect_data(server, login), **(changes or {})},
    )


def manual_entry() -> MockConfigEntry:
    """Return the entry of the Living Room server added by address, at its old address."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Living Room",
        unique_id=SYSTEM_ID,
        version=ENTRY_VERSION,
        data={
            **MANUAL_DATA,
            CONF_URL: OLD_SERVER_URL,
            CONF_VERIFY_SSL: False,
            CONF_ACCESS_TOKEN: OLD_SERVER_TOKEN,
        },
    )


async def set_up(hass: HomeAssistant, setup_entry: AsyncMock, *entries: MockConfigEntry) -> None:
    """Add entries and set them up, then forget those setups."""
    for entry in entries:
        entry.add_to_hass(hass)
    # Setting up the first entry sets up the integration, and with it every entry.
    await hass.config_entries.async_setup(entries[0].entry_id)
    await hass.async_block_till_done()
    assert all(entry.state is ConfigEntryState.LOADED for entry in entries)
    setup_entry.reset_mock()


def assert_no_secrets(hass: HomeAssistant) -> None:
    """Assert that no password typed in a test was stored in any entry."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        stored = json.dumps(dict(entry.data))
        assert CONNECT_PASSWORD not in stored
        assert SERVER_PASSWORD not in stored
        assert CONF_PASSWORD not in entry.data


def connect_urls(mock_connect_class: MagicMock) -> list[str]:
    """Return the Emby Connect address of each Connect client the flow built."""
    return [call.kwargs["base_url"] for call in mock_connect_class.call_args_list]


def schema_of(result: ConfigFlowResult) -> dict[Any, Any]:
    """Return the fields of a form."""
    assert result["data_schema"] is not None
    fields: dict[Any, Any] = result["data_schema"].schema
    return fields


def suggested(result: ConfigFlowResult, key: str, section_key: str | None = None) -> Any:
    """Return the suggested value of a field of a form."""
    schema = schema_of(result)
    if section_key is not None:
        inner: section = next(value for marker, value in schema.items() if marker == section_key)
        schema = inner.schema.schema
    for marker in schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(key)


def _placeholders(text: str) -> set[str]:
    """Return the placeholders a translation uses."""
    return set(re.findall(r"{(\w+)}", text))


def _assert_translated(strings: dict[str, Any], result: FlowResult[Any, Any]) -> None:
    """Assert that a result of the flow has every text it needs in en.json."""
    kind = result["type"]
    if kind is FlowResultType.ABORT:
        if result.get("translation_domain") is None:
            assert result["reason"] in strings["abort"], result["reason"]
        return
    if kind not in (FlowResultType.FORM, FlowResultType.MENU, FlowResultType.SHOW_PROGRESS):
        return
    step = strings["step"][result["step_id"]]
    assert step.get("title") or step.get("description")
    placeholders = set(result.get("description_placeholders") or {})
    assert _placeholders(step.get("description", "")) <= placeholders
    if kind is FlowResultType.MENU:
        options = list(result["menu_options"])  # type: ignore[call-overload]
        assert set(step["menu_options"]) == set(options)
        assert set(step["menu_option_descriptions"]) == set(options)
        return
    if kind is FlowResultType.SHOW_PROGRESS:
        progress = strings["progress"][result["progress_action"]]
        assert _placeholders(progress) <= placeholders
        return
    for error in (result["errors"] or {}).values():
        assert error in strings["error"], error
    if result["data_schema"] is None:
        return
    for marker, value in result["data_schema"].schema.items():
        if isinstance(value, section):
            texts = step["sections"][marker.schema]
            assert texts["name"]
            fields = [inner.schema for inner in value.schema.schema]
        else:
            texts, fields = step, [marker.schema]
        for field_name in fields:
            assert texts["data"][field_name]
            assert texts["data_description"][field_name]


@pytest.fixture(autouse=True)
def check_translations() -> Generator[None]:
    """Fail a test when the flow shows a step, error, abort or field without a translation."""
    strings = json.loads(TRANSLATIONS.read_text())["config"]
    # Home Assistant's flow manager, not ours: every step result of every flow passes here.
    handle_step = FlowManager._async_handle_step  # noqa: SLF001

    async def checked(manager: FlowManager, flow: Any, step_id: str, user_input: Any) -> FlowResult:
        result: FlowResult = await handle_step(manager, flow, step_id, user_input)
        if flow.handler == DOMAIN:
            _assert_translated(strings, result)
        return result

    with patch.object(FlowManager, "_async_handle_step", checked):
        yield


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Generator[AsyncMock]:
    """Create and reload entries without setting up the integration."""
    with (
        patch("custom_components.emby_connect.async_setup_entry", return_value=True) as setup_entry,
        patch("custom_components.emby_connect.async_unload_entry", return_value=True),
    ):
        yield setup_entry


@pytest.fixture(autouse=True)
def flow_identity(mock_instance_id: MagicMock) -> None:
    """Let the flow send Emby the known DeviceId of this Home Assistant."""


@pytest.fixture
def mock_connect(mock_connect_class: MagicMock) -> MagicMock:
    """Return the Emby Connect client: the account lists the Living Room server."""
    client: MagicMock = mock_connect_class.return_value
    client.authenticate.return_value = LOGIN
    client.get_servers.return_value = [LIVING_ROOM]
    client.create_pin.return_value = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID)
    client.get_pin.return_value = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID, is_confirmed=True)
    client.authenticate_pin.return_value = ConnectLogin(
        user_id=CONNECT_USER_ID, access_token=NEW_CONNECT_TOKEN
    )
    client.get_user.return_value = ConnectUser(id=CONNECT_USER_ID, name="alice")
    return client


async def start(hass: HomeAssistant, step: str) -> ConfigFlowResult:
    """Start a user flow and pick a step of the menu."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


async def start_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, step: str
) -> ConfigFlowResult:
    """Start a reconfigure flow and pick a step of its menu."""
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "reconfigure"
    assert result["menu_options"] == ["reconfigure_manual", "reconfigure_connect"]
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": step})


async def poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the next PIN poll run, and the flow pick up its outcome."""
    freezer.tick(timedelta(seconds=PIN_POLL_INTERVAL))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await hass.async_block_till_done()


async def start_pin(hass: HomeAssistant) -> ConfigFlowResult:
    """Start a PIN sign-in up to the progress step."""
    result = await start(hass, "pin")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin"
    assert result["description_placeholders"] == {"url": CONNECT_PIN_URL}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ADVANCED)
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    return result


def step_of(hass: HomeAssistant, flow_id: str) -> str:
    """Return the current step of a flow."""
    return hass.config_entries.flow.async_get(flow_id)["step_id"]


# Every form that signs in: what goes wrong is shown on the form, and the flow recovers.


@dataclass(frozen=True, kw_only=True)
class Mocks:
    """What a form test may need: Home Assistant, the clock and the mocked clients."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    connect_class: MagicMock
    connect: MagicMock
    server_class: MagicMock
    server: MagicMock


@dataclass(frozen=True, kw_only=True)
class Failure:
    """What goes wrong when a form is submitted, and the errors the form shows for it."""

    name: str
    errors: dict[str, str]
    # A client call that raises or answers what the flow refuses...
    method: str | None = None
    side_effect: Exception | None = None
    answer: Any = None
    # ...or what the person typed instead of the good input (no request is made then).
    typed: dict[str, Any] = field(default_factory=dict)
    # A client call the flow must not make after this failure.
    not_called: str | None = None


@pytest.fixture
def mocks(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_connect_class: MagicMock,
    mock_connect: MagicMock,
    mock_server_class: MagicMock,
    mock_server: MagicMock,
) -> Mocks:
    """Return Home Assistant, the clock and the mocked clients, for the table-driven tests."""
    return Mocks(
        hass=hass,
        freezer=freezer,
        connect_class=mock_connect_class,
        connect=mock_connect,
        server_class=mock_server_class,
        server=mock_server,
    )


def raised(*methods: str) -> list[Failure]:
    """Return each error raised by each of the given client calls."""
    return [
        Failure(
            name=f"{method}-{type(error).__name__}",
            method=method,
            side_effect=error,
            errors={"base": key},
        )
        for method in methods
        for error, key in ERRORS
    ]


def bad_connect_url(value: str) -> Failure:
    """Return an Emby Connect address the flow refuses before any request."""
    return Failure(
        name=f"connect_url-{value}",
        typed={CONF_ADVANCED: {CONF_CONNECT_URL: value}},
        errors={"base": "invalid_connect_url"},
    )


def bad_url(value: str) -> Failure:
    """Return a server address the flow refuses before any request."""
    return Failure(name=f"url-{value}", typed={CONF_URL: value}, errors={CONF_URL: "invalid_url"})


NO_SERVERS = Failure(
    name="no_servers", method="get_servers", answer=[], errors={"base": "no_servers"}
)
# The user is never signed in to a server that is not Emby's.
JELLYFIN_ANSWERS = Failure(
    name="jellyfin",
    method="get_public_info",
    answer=JELLYFIN,
    errors={"base": "not_emby_server"},
    not_called="authenticate_by_name",
)
# Nor to an Emby server older than the oldest one supported.
TOO_OLD_ANSWERS = Failure(
    name="too_old",
    method="get_public_info",
    answer=TOO_OLD,
    errors={"base": "unsupported_server"},
    not_called="authenticate_by_name",
)
BAD_URLS = [
    "192.168.1.20:8096",
    "ftp://192.168.1.20",
    "http://",
    "http://:8096",
    "http://alice:secret@192.168.1.20:8096",
    "http://192.168.1.20:8096/?api_key=abc",
]


async def _start_connect(mocks: Mocks) -> ConfigFlowResult:
    """Open the Emby Connect sign-in form."""
    return await start(mocks.hass, "connect")


async def _start_pin(mocks: Mocks) -> ConfigFlowResult:
    """Open the PIN form."""
    return await start(mocks.hass, "pin")


async def _start_pin_expired(mocks: Mocks) -> ConfigFlowResult:
    """Let a PIN expire, and open the form that asks for a new one."""
    mocks.connect.get_pin.side_effect = EmbyPinExpiredError("gone")
    result = await start_pin(mocks.hass)
    await poll(mocks.hass, mocks.freezer)
    mocks.connect.get_pin.side_effect = None
    return await mocks.hass.config_entries.flow.async_configure(result["flow_id"])


async def _start_manual(mocks: Mocks) -> ConfigFlowResult:
    """Open the form that adds a server by address."""
    return await start(mocks.hass, "manual")


async def _start_reauth_connect(mocks: Mocks) -> ConfigFlowResult:
    """Open the form that signs a Connect entry in again."""
    entry = connect_entry(LIVING_ROOM)
    entry.add_to_hass(mocks.hass)
    return await entry.start_reauth_flow(mocks.hass)


async def _start_reauth_manual(mocks: Mocks) -> ConfigFlowResult:
    """Open the form that signs the user of a server added by address in again."""
    entry = manual_entry()
    entry.add_to_hass(mocks.hass)
    return await entry.start_reauth_flow(mocks.hass)


async def _start_reconfigure_manual(mocks: Mocks) -> ConfigFlowResult:
    """Open the form that moves a server to an address."""
    return await start_reconfigure(mocks.hass, manual_entry(), "reconfigure_manual")


async def _start_reconfigure_connect(mocks: Mocks) -> ConfigFlowResult:
    """Open the form that moves a server to an Emby Connect account."""
    return await start_reconfigure(mocks.hass, manual_entry(), "reconfigure_connect")


@dataclass(frozen=True, kw_only=True)
class Form:
    """A form that signs in: how to open it, what to submit, and how a good submit ends."""

    step_id: str
    start: Callable[[Mocks], Awaitable[ConfigFlowResult]]
    user_input: dict[str, Any]
    failures: list[Failure]
    # What the form keeps after a failure: (field,) or (field, section) -> value.
    keeps: dict[tuple[str, ...], Any] = field(default_factory=dict)
    ends: dict[str, Any]
    # Submitted after the failure is gone (the same input unless given), and checked after.
    retry_input: dict[str, Any] | None = None
    after: Callable[[Mocks], None] | None = None


FORMS = [
    Form(
        step_id="connect",
        start=_start_connect,
        user_input=CONNECT_INPUT,
        failures=[
            *raised("authenticate", "get_servers"),
            bad_connect_url("connect.emby.media/service"),
            bad_connect_url("ftp://connect.emby.media"),
            NO_SERVERS,
        ],
        keeps={
            (CONF_USERNAME,): CONNECT_USERNAME,
            (CONF_CONNECT_URL, CONF_ADVANCED): DEFAULT_CONNECT_URL,
        },
        ends={"type": FlowResultType.CREATE_ENTRY, "title": "Living Room"},
    ),
    Form(
        step_id="pin",
        start=_start_pin,
        user_input=ADVANCED,
        failures=[*raised("create_pin"), bad_connect_url("not a url")],
        keeps={(CONF_CONNECT_URL, CONF_ADVANCED): DEFAULT_CONNECT_URL},
        ends={"type": FlowResultType.SHOW_PROGRESS, "step_id": "pin_wait"},
    ),
    Form(
        step_id="pin_expired",
        start=_start_pin_expired,
        user_input={},
        failures=raised("create_pin"),
        ends={"type": FlowResultType.SHOW_PROGRESS, "step_id": "pin_wait"},
    ),
    Form(
        step_id="manual",
        start=_start_manual,
        user_input=MANUAL_INPUT,
        failures=[
            *raised("get_public_info", "authenticate_by_name"),
            *(bad_url(url) for url in BAD_URLS),
            JELLYFIN_ANSWERS,
            TOO_OLD_ANSWERS,
        ],
        keeps={(CONF_URL,): LOCAL_ADDRESS, (CONF_USERNAME,): MANUAL_USERNAME},
        ends={"type": FlowResultType.CREATE_ENTRY, "title": "Living Room"},
    ),
    Form(
        step_id="reauth_connect",
        start=_start_reauth_connect,
        user_input={CONF_USERNAME: "alice", CONF_PASSWORD: CONNECT_PASSWORD},
        failures=raised("authenticate", "get_servers"),
        keeps={(CONF_USERNAME,): "alice"},
        ends={"type": FlowResultType.ABORT, "reason": "reauth_successful"},
    ),
    Form(
        step_id="reauth_manual",
        start=_start_reauth_manual,
        user_input={CONF_USERNAME: "bob", CONF_PASSWORD: SERVER_PASSWORD},
        failures=[
            *raised("get_public_info", "authenticate_by_name"),
            JELLYFIN_ANSWERS,
            TOO_OLD_ANSWERS,
        ],
        keeps={(CONF_USERNAME,): "bob"},
        ends={"type": FlowResultType.ABORT, "reason": "reauth_successful"},
        # A user without a password signs in with an empty one.
        retry_input={CONF_USERNAME: "bob"},
        after=lambda mocks: mocks.server.authenticate_by_name.assert_awaited_with("bob", ""),
    ),
    Form(
        step_id="reconfigure_manual",
        start=_start_reconfigure_manual,
        user_input=MANUAL_INPUT,
        failures=[
            *raised("get_public_info", "authenticate_by_name"),
            bad_url("emby.local"),
            JELLYFIN_ANSWERS,
            TOO_OLD_ANSWERS,
        ],
        keeps={(CONF_URL,): LOCAL_ADDRESS, (CONF_USERNAME,): MANUAL_USERNAME},
        ends={"type": FlowResultType.ABORT, "reason": "reconfigure_successful"},
    ),
    Form(
        step_id="reconfigure_connect",
        start=_start_reconfigure_connect,
        user_input=CONNECT_INPUT,
        failures=[
            *raised("authenticate", "get_servers"),
            bad_connect_url("connect"),
            NO_SERVERS,
            Failure(
                name="server_not_in_account",
                method="get_servers",
                answer=[BASEMENT],
                errors={"base": "server_not_in_account"},
            ),
        ],
        keeps={(CONF_USERNAME,): CONNECT_USERNAME},
        ends={"type": FlowResultType.ABORT, "reason": "reconfigure_successful"},
    ),
]


def _typed(user_input: dict[str, Any], typed: dict[str, Any]) -> dict[str, Any]:
    """Return the input with what was typed instead, sections merged."""
    merged = dict(user_input)
    for key, value in typed.items():
        merged[key] = {**merged[key], **value} if isinstance(value, dict) else value
    return merged


def _kept(typed: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """Return the fields a form keeps of what was typed."""
    kept: dict[tuple[str, ...], Any] = {}
    for key, value in typed.items():
        if isinstance(value, dict):
            kept |= {(inner, key): inner_value for inner, inner_value in value.items()}
        else:
            kept[(key,)] = value
    return kept


@pytest.mark.parametrize(
    ("form", "failure"),
    [
        pytest.param(form, failure, id=f"{form.step_id}-{failure.name}")
        for form in FORMS
        for failure in form.failures
    ],
)
async def test_form_shows_the_error_then_recovers(
    hass: HomeAssistant,
    mocks: Mocks,
    caplog: pytest.LogCaptureFixture,
    form: Form,
    failure: Failure,
) -> None:
    """A failed submit says why, keeps what was typed but the password, and can be retried."""
    mock_connect_class, mock_connect = mocks.connect_class, mocks.connect
    mock_server_class, mock_server = mocks.server_class, mocks.server
    result = await form.start(mocks)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == form.step_id
    assert result["errors"] in (None, {})
    mock_connect_class.reset_mock()
    mock_server_class.reset_mock()
    call = None
    if failure.method is not None:
        client = mock_server if hasattr(mock_server, failure.method) else mock_connect
        call = getattr(client, failure.method)
        answer = call.return_value
        if failure.side_effect is not None:
            call.side_effect = failure.side_effect
        else:
            call.return_value = failure.answer

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _typed(form.user_input, failure.typed)
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == form.step_id
    assert result["errors"] == failure.errors
    for where, value in {**form.keeps, **_kept(failure.typed)}.items():
        assert suggested(result, *where) == value
    if result["data_schema"] is not None and CONF_PASSWORD in schema_of(result):
        assert suggested(result, CONF_PASSWORD) is None
    assert (UNEXPECTED in caplog.text) is (failure.errors == {"base": "unknown"})
    if failure.typed:
        mock_connect_class.assert_not_called()
        mock_server_class.assert_not_called()
    if failure.not_called is not None:
        getattr(mock_server, failure.not_called).assert_not_called()

    if call is not None:
        call.side_effect = None
        call.return_value = answer
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form.retry_input or form.user_input
    )

    assert {key: result.get(key) for key in form.ends} == form.ends
    if form.after is not None:
        form.after(mocks)
    assert_no_secrets(hass)


async def test_user_menu(hass: HomeAssistant) -> None:
    """Test the flow starts with a choice of how to add a server."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})

    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["connect", "pin", "manual"]


# Emby Connect with a password


async def test_connect(
    hass: HomeAssistant,
    mock_connect_class: MagicMock,
    mock_connect: MagicMock,
    mock_setup_entry: AsyncMock,
) -> None:
    """Test signing in to Emby Connect adds the account's server."""
    result = await start(hass, "connect")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connect"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], CONNECT_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Living Room"
    assert result["result"].unique_id == SYSTEM_ID
    assert result["result"].version == ENTRY_VERSION
    assert result["data"] == {
        CONF_AUTH_METHOD: "connect",
        CONF_CONNECT_URL: DEFAULT_CONNECT_URL,
        CONF_CONNECT_USER_ID: CONNECT_USER_ID,
        CONF_CONNECT_TOKEN: NEW_CONNECT_TOKEN,
        CONF_CONNECT_USERNAME: CONNECT_USERNAME,
        CONF_ACCESS_KEY: "access-key-living-room",
        "link_id": "101",
        "user_type": "Linked",
        CONF_LOCAL_ADDRESS: LOCAL_ADDRESS,
        CONF_REMOTE_ADDRESS: REMOTE_ADDRESS,
        CONF_LAST_MODE: None,
        CONF_VERIFY_SSL: True,
    }
    # The SystemId is the unique_id, and only that.
    assert CONF_SYSTEM_ID not in result["data"]
    assert connect_urls(mock_connect_class) == [DEFAULT_CONNECT_URL]
    mock_connect.authenticate.assert_awaited_once_with(CONNECT_USERNAME, CONNECT_PASSWORD)
    assert len(mock_setup_entry.mock_calls) == 1
    assert_no_secrets(hass)


async def test_connect_own_connect_service(
    hass: HomeAssistant, mock_connect_class: MagicMock, mock_connect: MagicMock
) -> None:
    """Test an Emby Connect address of one's own is used and stored without a trailing slash."""
    result = await start(hass, "connect")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**CONNECT_INPUT, CONF_ADVANCED: {CONF_CONNECT_URL: f"{CUSTOM_CONNECT_URL}/"}},
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CONNECT_URL] == CUSTOM_CONNECT_URL
    assert connect_urls(mock_connect_class) == [CUSTOM_CONNECT_URL]


async def test_connect_adds_only_the_new_server(
    hass: HomeAssistant, mock_connect: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """Test a sign-in adds the account's new server, with the new token, and leaves the rest."""
    moved = ConnectServer(
        system_id=SYSTEM_ID,
        name="Living Room",
        access_key="access-key-rotated",
        link_id="101",
        local_address="http://192.168.1.21:8096",
        remote_address=None,
    )
    living_room = connect_entry(LIVING_ROOM)
    cabin = connect_entry(CABIN)
    await set_up(hass, mock_setup_entry, living_room, cabin)
    mock_connect.get_servers.return_value = [moved, BASEMENT]

    result = await start(hass, "connect")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CONNECT_INPUT)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Basement"
    assert result["data"] == connect_data(BASEMENT)
    assert result["data"][CONF_CONNECT_TOKEN] == NEW_CONNECT_TOKEN
    assert len(hass.config_entries.async_entries(DOMAIN)) == 3
    # The other entries of the account are the account registry's to refresh, not the flow's.
    assert living_room.data == connect_data(LIVING_ROOM, OLD_LOGIN)
    assert cabin.data == connect_data(CABIN, OLD_LOGIN)
    # Only the new entry was set up; nothing was reloaded.
    assert len(mock_setup_entry.mock_calls) == 1
    assert_no_secrets(hass)


async def test_connect_all_configured(
    hass: HomeAssistant, mock_connect: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """Test a sign-in whose servers are all configured aborts, touching and reloading nothing."""
    basement = connect_entry(BASEMENT)
    manual = manual_entry()
    other_account = connect_entry(CABIN, user_id=OTHER_CONNECT_USER_ID)
    entries = (basement, manual, other_account)
    await set_up(hass, mock_setup_entry, *entries)
    before = [dict(entry.data) for entry in entries]
    mock_connect.get_servers.return_value = [LIVING_ROOM, BASEMENT, CABIN]

    result = await start(hass, "connect")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CONNECT_INPUT)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_new_servers"
    # The Basement entry keeps its old token: the account registry renews it, not the flow.
    assert [dict(entry.data) for entry in entries] == before
    assert basement.data == connect_data(BASEMENT, OLD_LOGIN)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 3
    mock_setup_entry.assert_not_called()


async def test_connect_ignored_server(hass: HomeAssistant, mock_connect: MagicMock) -> None:
    """Test signing in adds a server that was ignored when it was discovered."""
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=SYSTEM_ID).add_to_hass(hass)

    result = await start(hass, "connect")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CONNECT_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entries = hass.config_entries.async_entries(DOMAIN)
    assert [entry.source for entry in entries] == [SOURCE_USER]


async def test_connect_several_servers(
    hass: HomeAssistant, mock_connect: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """Test picking one of several new servers; the others show up as discovered."""
    connect_entry(LIVING_ROOM).add_to_hass(hass)
    mock_connect.get_servers.return_value = [LIVING_ROOM, BASEMENT, CABIN]

    result = await start(hass, "connect")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], CONNECT_INPUT)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "select_server"
    assert result["description_placeholders"] == {"username": CONNECT_USERNAME}
    selector = schema_of(result)[CONF_SERVER]
    assert selector.config["options"] == [
        {"value": OTHER_SYSTEM_ID, "label": "Basement"},
        {"value": CABIN_ID, "label": "Cabin"},
    ]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVER: CABIN_ID}
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Cabin"
    assert result["data"] == connect_data(CABIN)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [
        (flow["step_id"], flow["context"]["source"], flow["context"]["unique_id"]) for flow in flows
    ] == [("discovery_confirm", SOURCE_INTEGRATION_DISCOVERY, OTHER_SYSTEM_ID)]
    assert flows[0]["context"]["title_placeholders"] == {"name": "Basement"}

    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Basement"
    # The server offered as discovered carries the token of the same sign-in.
    assert result["data"] == connect_data(BASEMENT)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 3
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert_no_secrets(hass)


# Discovered by the Connect account coordinator


async def test_integration_discovery(hass: HomeAssistant) -> None:
    """Test a server offered by integration discovery is added after confirmation."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=discovery_of(BASEMENT)
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {
        "name": "Basement",
        "username": CONNECT_USERNAME,
    }
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["title_placeholders"] == {"name": "Basement"}
    assert flows[0]["context"]["confirm_only"] is True

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Basement"
    assert result["result"].unique_id == OTHER_SYSTEM_ID
    assert result["data"] == connect_data(BASEMENT)


async def test_integration_discovery_refreshes_configured(hass: HomeAssistant) -> None:
    """Test discovering a configured server of the same account refreshes its entry."""
    entry = connect_entry(BASEMENT, changes={CONF_VERIFY_SSL: False, CONF_LAST_MODE: "remote"})
    entry.add_to_hass(hass)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=discovery_of(BASEMENT)
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # The Connect data is fresh; what the entry learned or was told stays.
    assert entry.data == {
        **connect_data(BASEMENT),
        CONF_VERIFY_SSL: False,
        CONF_LAST_MODE: "remote",
    }


@pytest.mark.parametrize(
    "entry",
    [
        MockConfigEntry(domain=DOMAIN, unique_id=OTHER_SYSTEM_ID, data=MANUAL_DATA),
        connect_entry(BASEMENT, user_id=OTHER_CONNECT_USER_ID),
        MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=OTHER_SYSTEM_ID),
    ],
    ids=["manual", "other_account", "ignored"],
)
async def test_integration_discovery_configured_elsewhere(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Test discovering a server configured another way aborts without touching it."""
    entry.add_to_hass(hass)
    data = dict(entry.data)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data=discovery_of(BASEMENT)
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == data


# Emby Connect with a PIN


async def test_pin(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test a PIN is shown, polled until confirmed, then the account's server is added."""
    mock_connect.get_pin.return_value = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID)

    result = await start_pin(hass)

    assert result["step_id"] == "pin_wait"
    assert result["progress_action"] == "pin"
    assert result["description_placeholders"] == {"pin": PIN, "url": CONNECT_PIN_URL}
    mock_connect.create_pin.assert_awaited_once_with(HA_DEVICE_ID)
    mock_connect.get_pin.assert_not_called()

    await poll(hass, freezer)

    mock_connect.get_pin.assert_awaited_once_with(HA_DEVICE_ID, PIN)
    assert step_of(hass, result["flow_id"]) == "pin_wait"
    # Asking again while waiting shows the same progress.
    again = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert again["type"] is FlowResultType.SHOW_PROGRESS

    mock_connect.get_pin.return_value = ConnectPin(
        pin=PIN, device_id=HA_DEVICE_ID, is_confirmed=True
    )
    await poll(hass, freezer)

    assert step_of(hass, result["flow_id"]) == "pin_finish"
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Living Room"
    assert result["data"] == connect_data(LIVING_ROOM, username="alice")
    mock_connect.authenticate_pin.assert_awaited_once_with(HA_DEVICE_ID, PIN)
    assert mock_connect.get_pin.await_count == 2


@pytest.mark.parametrize(
    ("user", "username"),
    [
        (ConnectUser(id=CONNECT_USER_ID, name="bob", email="bob@example.com"), "bob"),
        (ConnectUser(id=CONNECT_USER_ID, email="bob@example.com"), "bob@example.com"),
        (ConnectUser(id=CONNECT_USER_ID), CONNECT_USER_ID),
    ],
)
async def test_pin_account_name(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_connect: MagicMock,
    user: ConnectUser,
    username: str,
) -> None:
    """Test the account's name comes from the PIN sign-in, falling back to email and Id."""
    mock_connect.authenticate_pin.return_value = ConnectLogin(
        user_id=CONNECT_USER_ID, access_token=NEW_CONNECT_TOKEN, user=user
    )
    result = await start_pin(hass)

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CONNECT_USERNAME] == username
    mock_connect.get_user.assert_not_called()


async def test_pin_several_servers(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test a PIN sign-in with several new servers lets the person pick one."""
    mock_connect.get_servers.return_value = [LIVING_ROOM, BASEMENT]
    result = await start_pin(hass)

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "select_server"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVER: SYSTEM_ID}
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == connect_data(LIVING_ROOM, username="alice")
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["unique_id"] for flow in flows] == [OTHER_SYSTEM_ID]


async def test_pin_no_servers(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test a PIN sign-in to an account without servers aborts."""
    mock_connect.get_servers.return_value = []
    result = await start_pin(hass)

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_servers"


async def test_pin_all_configured(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test a PIN sign-in whose servers are all configured aborts and leaves them be."""
    entry = connect_entry(LIVING_ROOM)
    entry.add_to_hass(hass)
    result = await start_pin(hass)

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_new_servers"
    assert entry.data[CONF_CONNECT_TOKEN] == OLD_CONNECT_TOKEN


@pytest.mark.parametrize(
    ("method", "outcome"),
    [
        ("get_pin", ConnectPin(pin=PIN, device_id=HA_DEVICE_ID, is_expired=True)),
        ("get_pin", EmbyPinExpiredError("gone")),
        ("authenticate_pin", EmbyAuthenticationError("refused", source=AuthSource.CONNECT)),
    ],
    ids=["expired", "unknown_to_connect", "refused"],
)
async def test_pin_expired(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_connect: MagicMock,
    caplog: pytest.LogCaptureFixture,
    method: str,
    outcome: Any,
) -> None:
    """Test an expired PIN is explained, and submitting starts over with a new PIN."""
    confirmed = getattr(mock_connect, method).return_value
    if isinstance(outcome, Exception):
        getattr(mock_connect, method).side_effect = outcome
    else:
        getattr(mock_connect, method).return_value = outcome
    result = await start_pin(hass)

    await poll(hass, freezer)
    assert step_of(hass, result["flow_id"]) == "pin_expired"
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin_expired"
    assert result["description_placeholders"] == {"pin": PIN}
    # An expired PIN is no error worth a stack trace.
    assert UNEXPECTED not in caplog.text

    getattr(mock_connect, method).side_effect = None
    getattr(mock_connect, method).return_value = confirmed
    mock_connect.create_pin.return_value = ConnectPin(pin=NEW_PIN, device_id=HA_DEVICE_ID)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["description_placeholders"] == {"pin": NEW_PIN, "url": CONNECT_PIN_URL}
    assert mock_connect.create_pin.await_count == 2

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_connect.authenticate_pin.assert_awaited_with(HA_DEVICE_ID, NEW_PIN)


async def test_pin_not_confirmed_in_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test a PIN nobody confirms is given up as expired, even if Connect never says so."""
    mock_connect.get_pin.return_value = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID)
    with patch(
        "custom_components.emby_connect.pin.PIN_MAX_WAIT",
        timedelta(seconds=3 * PIN_POLL_INTERVAL),
    ):
        result = await start_pin(hass)
        for _ in range(2):
            await poll(hass, freezer)
            assert step_of(hass, result["flow_id"]) == "pin_wait"
        await poll(hass, freezer)

    assert step_of(hass, result["flow_id"]) == "pin_expired"
    assert mock_connect.get_pin.await_count == 3


async def test_pin_poll_survives_dropped_requests(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test polling goes on through a few failed requests."""
    waiting = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID)
    confirmed = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID, is_confirmed=True)
    mock_connect.get_pin.side_effect = [
        EmbyConnectionError("down"),
        EmbyTimeoutError("slow"),
        waiting,
        EmbyResponseError("garbled"),
        EmbyConnectionError("down"),
        confirmed,
    ]
    result = await start_pin(hass)

    for _ in range(5):
        await poll(hass, freezer)
        assert step_of(hass, result["flow_id"]) == "pin_wait"
    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_connect.get_pin.await_count == 6


async def test_pin_poll_gives_up(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test polling stops after repeated failures, and the person can retry."""
    mock_connect.get_pin.side_effect = EmbyConnectionError("down")
    result = await start_pin(hass)

    for _ in range(3):
        await poll(hass, freezer)
    assert step_of(hass, result["flow_id"]) == "pin_error"
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin_error"
    assert result["errors"] == {"base": "cannot_connect"}
    assert result["description_placeholders"] == {"pin": PIN, "url": CONNECT_PIN_URL}
    assert mock_connect.get_pin.await_count == 3

    mock_connect.get_pin.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["description_placeholders"] == {"pin": PIN, "url": CONNECT_PIN_URL}

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_connect.create_pin.assert_awaited_once()


@pytest.mark.parametrize(("error", "expected"), CONNECTION_ERRORS)
async def test_pin_error_after_confirmation(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_connect: MagicMock,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    expected: str,
) -> None:
    """Test a failure after the PIN was used is retried without waiting for the PIN again."""
    mock_connect.get_servers.side_effect = error
    result = await start_pin(hass)

    await poll(hass, freezer)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pin_error"
    assert result["errors"] == {"base": expected}
    assert (UNEXPECTED in caplog.text) is (expected == "unknown")

    mock_connect.get_servers.side_effect = None
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    mock_connect.get_pin.assert_awaited_once()
    mock_connect.authenticate_pin.assert_awaited_once()


async def test_pin_flow_removed_stops_polling(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_connect: MagicMock
) -> None:
    """Test aborting the flow while waiting for the PIN stops the polling task."""
    mock_connect.get_pin.return_value = ConnectPin(pin=PIN, device_id=HA_DEVICE_ID)
    result = await start_pin(hass)
    name = f"{DOMAIN} PIN confirmation {result['flow_id']}"
    assert [task for task in asyncio.all_tasks() if task.get_name() == name]

    hass.config_entries.flow.async_abort(result["flow_id"])
    await poll(hass, freezer)
    await poll(hass, freezer)

    assert not [task for task in asyncio.all_tasks() if task.get_name() == name]
    mock_connect.get_pin.assert_not_called()


# A server added by address


async def test_manual(
    hass: HomeAssistant,
    mock_server_class: MagicMock,
    mock_server: MagicMock,
    mock_setup_entry: AsyncMock,
) -> None:
    """Test adding a server by address with a local user."""
    result = await start(hass, "manual")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**MANUAL_INPUT, CONF_URL: " https://emby.example.net/emby/ ", CONF_VERIFY_SSL: False},
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Living Room"
    assert result["result"].unique_id == SYSTEM_ID
    assert result["result"].version == ENTRY_VERSION
    assert result["data"] == {
        **MANUAL_DATA,
        CONF_URL: "https://emby.example.net/emby",
        CONF_VERIFY_SSL: False,
    }
    call = mock_server_class.call_args.kwargs
    assert call["url"] == "https://emby.example.net/emby"
    assert call["verify_ssl"] is False
    assert call["identity"].device_id == HA_DEVICE_ID
    mock_server.authenticate_by_name.assert_awaited_once_with(MANUAL_USERNAME, SERVER_PASSWORD)
    assert len(mock_setup_entry.mock_calls) == 1
    assert_no_secrets(hass)


async def test_manual_user_without_password(hass: HomeAssistant, mock_server: MagicMock) -> None:
    """Test a user without a password signs in with an empty one."""
    result = await start(hass, "manual")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: LOCAL_ADDRESS, CONF_USERNAME: MANUAL_USERNAME}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == MANUAL_DATA
    mock_server.authenticate_by_name.assert_awaited_once_with(MANUAL_USERNAME, "")


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("http://192.168.1.20:8096/", LOCAL_ADDRESS),
        ("  http://192.168.1.20:8096/web/index.html#!/home  ", LOCAL_ADDRESS),
        ("https://emby.example.com/emby/web/index.html", "https://emby.example.com/emby"),
        ("https://emby.example.com/emby/", "https://emby.example.com/emby"),
    ],
)
async def test_manual_url_is_normalised(
    hass: HomeAssistant, mock_server_class: MagicMock, mock_server: MagicMock, url: str, stored: str
) -> None:
    """Test the address the browser shows is cut back to the server's own, base path kept."""
    result = await start(hass, "manual")

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**MANUAL_INPUT, CONF_URL: url}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == stored
    assert mock_server_class.call_args.kwargs["url"] == stored


@pytest.mark.parametrize("version", ["4.9.1.80", "4.7.0.0", None, "beta"])
async def test_manual_emby_versions(
    hass: HomeAssistant, mock_server: MagicMock, version: str | None
) -> None:
    """Test every supported Emby version is accepted, and one naming none or an odd one."""
    mock_server.get_public_info.return_value = PublicSystemInfo(
        id=SYSTEM_ID, server_name="Living Room", version=version
    )
    result = await start(hass, "manual")

    result = await hass.config_entries.flow.async_configure(result["flow_id"], MANUAL_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_already_configured_refreshes_address(
    hass: HomeAssistant, mock_server: MagicMock
) -> None:
    """Test adding a server added by address again stores its new address."""
    entry = manual_entry()
    entry.add_to_hass(hass)
    result = await start(hass, "manual")

    result = await hass.config_entries.flow.async_configure(result["flow_id"], MANUAL_INPUT)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == {**MANUAL_DATA, CONF_ACCESS_TOKEN: OLD_SERVER_TOKEN}
    mock_server.authenticate_by_name.assert_not_called()


async def test_manual_ignored_server(hass: HomeAssistant, mock_server: MagicMock) -> None:
    """Test adding by address a server that was ignored when discovered."""
    MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=SYSTEM_ID).add_to_hass(hass)
    result = await start(hass, "manual")

    result = await hass.config_entries.flow.async_configure(result["flow_id"], MANUAL_INPUT)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [entry.source for entry in hass.config_entries.async_entries(DOMAIN)] == [SOURCE_USER]


# Reauthentication


async def test_reauth_connect_repairs_the_account(
    hass: HomeAssistant,
    mock_connect_class: MagicMock,
    mock_connect: MagicMock,
    mock_setup_entry: AsyncMock,
) -> None:
    """Test signing in to Emby Connect again repairs every entry of that account."""
    living_room = connect_entry(LIVING_ROOM)
    basement = connect_entry(BASEMENT)
    attic = connect_entry(ATTIC)
    other_account = connect_entry(CABIN, user_id=OTHER_CONNECT_USER_ID)
    manual = manual_entry()
    await set_up(hass, mock_setup_entry, living_room, basement, attic, other_account, manual)
    other_data = dict(other_account.data)
    manual_data = dict(manual.data)
    rotated = ConnectServer(
        system_id=OTHER_SYSTEM_ID,
        name="Basement",
        access_key="access-key-rotated",
        local_address="http://192.168.1.31:8096",
    )
    mock_connect.get_servers.return_value = [LIVING_ROOM, rotated, CABIN]

    result = await living_room.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_connect"
    assert result["description_placeholders"] == {"name": "Living Room"}
    assert suggested(result, CONF_USERNAME) == CONNECT_USERNAME

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "alice", CONF_PASSWORD: CONNECT_PASSWORD}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert living_room.data == connect_data(LIVING_ROOM, username="alice")
    assert basement.data == connect_data(rotated, username="alice")
    # A server the account no longer lists keeps its AccessKey, but gets the new sign-in.
    assert attic.data == {
        **connect_data(ATTIC, OLD_LOGIN),
        CONF_CONNECT_TOKEN: NEW_CONNECT_TOKEN,
        CONF_CONNECT_USERNAME: "alice",
    }
    assert other_account.data == other_data
    assert manual.data == manual_data
    # The entry signed in again and the two repaired ones reloaded.
    assert len(mock_setup_entry.mock_calls) == 3
    assert connect_urls(mock_connect_class) == [DEFAULT_CONNECT_URL]
    mock_connect.authenticate.assert_awaited_once_with("alice", CONNECT_PASSWORD)
    assert_no_secrets(hass)


async def test_reauth_connect_leaves_unchanged_entries(
    hass: HomeAssistant, mock_connect: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """Test an entry of the account already holding the new sign-in is not reloaded."""
    living_room = connect_entry(LIVING_ROOM)
    basement = connect_entry(
        BASEMENT, changes={CONF_CONNECT_TOKEN: NEW_CONNECT_TOKEN, CONF_CONNECT_USERNAME: "alice"}
    )
    await set_up(hass, mock_setup_entry, living_room, basement)
    mock_connect.get_servers.return_value = [LIVING_ROOM, BASEMENT]

    result = await living_room.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "alice", CONF_PASSWORD: CONNECT_PASSWORD}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    # Only the entry signed in again was reloaded.
    assert len(mock_setup_entry.mock_calls) == 1
    assert basement.data == connect_data(BASEMENT, username="alice")


async def test_reauth_manual(
    hass: HomeAssistant, mock_server_class: MagicMock, mock_server: MagicMock
) -> None:
    """Test signing in again to a server added by address stores the new token."""
    entry = manual_entry()
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_manual"
    assert result["description_placeholders"] == {"name": "Living Room"}
    assert suggested(result, CONF_USERNAME) == MANUAL_USERNAME
    # A server user is asked for the user, not the address.
    assert set(schema_of(result)) == {CONF_USERNAME, CONF_PASSWORD}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: "bob", CONF_PASSWORD: SERVER_PASSWORD}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == {
        **MANUAL_DATA,
        CONF_URL: OLD_SERVER_URL,
        CONF_VERIFY_SSL: False,
        CONF_USERNAME: "bob",
    }
    call = mock_server_class.call_args.kwargs
    assert call["url"] == OLD_SERVER_URL
    assert call["verify_ssl"] is False
    mock_server.authenticate_by_name.assert_awaited_once_with("bob", SERVER_PASSWORD)
    assert_no_secrets(hass)


# Refused by aborting: the entry stays as it was, and no credential goes to another server.


async def _reauth(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Add an entry and start signing it in again."""
    entry.add_to_hass(hass)
    return await entry.start_reauth_flow(hass)


async def _reconfigure_manual(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Start moving an entry to an address."""
    return await start_reconfigure(hass, entry, "reconfigure_manual")


async def _add_manual(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Add an entry and start adding its server by address again."""
    entry.add_to_hass(hass)
    return await start(hass, "manual")


def _other_account(mocks: Mocks) -> None:
    """Let the password sign in to another Emby Connect account."""
    mocks.connect.authenticate.return_value = ConnectLogin(
        user_id=OTHER_CONNECT_USER_ID, access_token=NEW_CONNECT_TOKEN
    )


def _server_gone(mocks: Mocks) -> None:
    """Let the Emby Connect account no longer list the server."""
    mocks.connect.get_servers.return_value = [BASEMENT]


def _other_server(mocks: Mocks) -> None:
    """Let the address answer as another server."""
    mocks.server.get_public_info.return_value = PublicSystemInfo(
        id=OTHER_SYSTEM_ID, server_name="Basement"
    )


def _as_it_is(mocks: Mocks) -> None:
    """Change nothing."""


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """A submit the flow refuses by aborting."""

    entry: Callable[[], MockConfigEntry]
    start: Callable[[HomeAssistant, MockConfigEntry], Awaitable[ConfigFlowResult]]
    prepare: Callable[[Mocks], None]
    user_input: dict[str, Any]
    reason: str


REFUSALS = {
    "reauth_connect-wrong_account": Refusal(
        entry=lambda: connect_entry(LIVING_ROOM),
        start=_reauth,
        prepare=_other_account,
        user_input={CONF_USERNAME: "bob", CONF_PASSWORD: CONNECT_PASSWORD},
        reason="wrong_account",
    ),
    "reauth_connect-server_not_in_account": Refusal(
        entry=lambda: connect_entry(LIVING_ROOM),
        start=_reauth,
        prepare=_server_gone,
        user_input={CONF_USERNAME: CONNECT_USERNAME, CONF_PASSWORD: CONNECT_PASSWORD},
        reason="server_not_in_account",
    ),
    "reauth_manual-other_server": Refusal(
        entry=manual_entry,
        start=_reauth,
        prepare=_other_server,
        user_input={CONF_USERNAME: "bob", CONF_PASSWORD: SERVER_PASSWORD},
        reason="unique_id_mismatch",
    ),
    "reconfigure_manual-other_server": Refusal(
        entry=manual_entry,
        start=_reconfigure_manual,
        prepare=_other_server,
        user_input=MANUAL_INPUT,
        reason="unique_id_mismatch",
    ),
    # A server added through Emby Connect keeps that way of signing in.
    "manual-configured_by_connect": Refusal(
        entry=lambda: connect_entry(LIVING_ROOM),
        start=_add_manual,
        prepare=_as_it_is,
        user_input=MANUAL_INPUT,
        reason="already_configured",
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
async def test_refused_changes_nothing(hass: HomeAssistant, mocks: Mocks, refusal: Refusal) -> None:
    """The flow aborts, leaves the entry as it was and never signs in to another server."""
    refusal.prepare(mocks)
    entry = refusal.entry()
    data = dict(entry.data)
    result = await refusal.start(hass, entry)

    result = await hass.config_entries.flow.async_configure(result["flow_id"], refusal.user_input)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == refusal.reason
    assert entry.data == data
    mocks.server.authenticate_by_name.assert_not_called()


# Reconfiguration


async def test_reconfigure_manual_address(
    hass: HomeAssistant, mock_server: MagicMock, mock_setup_entry: AsyncMock
) -> None:
    """Test changing the address and TLS checking of a server added by address."""
    entry = manual_entry()
    result = await start_reconfigure(hass, entry, "reconfigure_manual")

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_manual"
    assert suggested(result, CONF_URL) == OLD_SERVER_URL
    assert suggested(result, CONF_USERNAME) == MANUAL_USERNAME
    verify_ssl = next(marker for marker in schema_of(result) if marker == CONF_VERIFY_SSL)
    assert verify_ssl.default() is False

    result = await hass.config_entries.flow.async_configure(result["flow_id"], MANUAL_INPUT)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == MANUAL_DATA
    assert len(mock_setup_entry.mock_calls) == 1
    assert_no_secrets(hass)


@pytest.mark.parametrize(
    ("local_address", "remote_address", "url"),
    [
        (LOCAL_ADDRESS, REMOTE_ADDRESS, LOCAL_ADDRESS),
        (None, REMOTE_ADDRESS, REMOTE_ADDRESS),
    ],
)
async def test_reconfigure_connect_to_manual(
    hass: HomeAssistant,
    mock_server: MagicMock,
    local_address: str | None,
    remote_address: str | None,
    url: str,
) -> None:
    """Test switching a Connect server to sign in by address drops the Connect data."""
    entry = connect_entry(
        LIVING_ROOM,
        changes={CONF_LOCAL_ADDRESS: local_address, CONF_REMOTE_ADDRESS: remote_address},
    )
    result = await start_reconfigure(hass, entry, "reconfigure_manual")

    assert suggested(result, CONF_URL) == url

    result = await hass.config_entries.flow.async_configure(result["flow_id"], MANUAL_INPUT)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == MANUAL_DATA
    assert entry.unique_id == SYSTEM_ID
    assert entry.title == "Living Room"


async def test_reconfigure_manual_to_connect(hass: HomeAssistant, mock_connect: MagicMock) -> None:
    """Test switching a server added by address to sign in through Emby Connect."""
    entry = manual_entry()
    result = await start_reconfigure(hass, entry, "reconfigure_connect")

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_connect"
    assert suggested(result, CONF_USERNAME) is None
    assert suggested(result, CONF_CONNECT_URL, CONF_ADVANCED) == DEFAULT_CONNECT_URL

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**CONNECT_INPUT, CONF_ADVANCED: {CONF_CONNECT_URL: DEFAULT_CONNECT_URL}},
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    # TLS checking keeps the entry's setting unless changed.
    assert entry.data == {**connect_data(LIVING_ROOM), CONF_VERIFY_SSL: False}
    assert_no_secrets(hass)


async def test_reconfigure_connect_account(
    hass: HomeAssistant, mock_connect_class: MagicMock, mock_connect: MagicMock
) -> None:
    """Test moving a Connect server to another account and Emby Connect address."""
    entry = connect_entry(LIVING_ROOM, changes={CONF_LAST_MODE: "local"})
    other_login = ConnectLogin(user_id=OTHER_CONNECT_USER_ID, access_token=NEW_CONNECT_TOKEN)
    mock_connect.authenticate.return_value = other_login
    result = await start_reconfigure(hass, entry, "reconfigure_connect")

    assert suggested(result, CONF_USERNAME) == CONNECT_USERNAME

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_USERNAME: "bob",
            CONF_PASSWORD: CONNECT_PASSWORD,
            CONF_ADVANCED: {
                CONF_CONNECT_URL: "https://connect.example.org/service/",
                CONF_VERIFY_SSL: False,
            },
        },
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {
        **connect_entry_data(
            "https://connect.example.org/service", other_login, "bob", LIVING_ROOM
        ),
        CONF_VERIFY_SSL: False,
    }
    assert connect_urls(mock_connect_class) == ["https://connect.example.org/service"]
