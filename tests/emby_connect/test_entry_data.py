"""Tests for the entry data of Emby Connect and the migration of older entries."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect.aioemby import ConnectLogin, ConnectServer, ServerLogin
from custom_components.emby_connect.const import CONF_LAST_MODE, CONF_SYSTEM_ID, DOMAIN
from custom_components.emby_connect.diagnostics import TO_REDACT
from custom_components.emby_connect.entry_data import (
    ACCOUNT_KEYS,
    PRIVATE_KEYS,
    SERVER_KEYS,
    ConnectAccountData,
    ConnectEntryData,
    ConnectServerData,
    ManualEntryData,
    connect_account_data,
    connect_entry_data,
    connect_server_data,
    entry_system_id,
    manual_entry_data,
)

from .conftest import ENTRY_VERSION, SYSTEM_ID

SERVER = ConnectServer(system_id=SYSTEM_ID, name="Living Room", access_key="key")
CONNECT_LOGIN = ConnectLogin(user_id="connect-user", access_token="connect-token")
SERVER_LOGIN = ServerLogin(user_id="server-user", access_token="server-token")


def test_builders_fill_every_key_of_their_type() -> None:
    """Each builder returns exactly the keys its TypedDict declares."""
    assert set(connect_server_data(SERVER)) == ConnectServerData.__required_keys__
    assert set(connect_account_data(CONNECT_LOGIN, "alice")) == (
        ConnectAccountData.__required_keys__
    )
    assert set(connect_entry_data("https://connect", CONNECT_LOGIN, "alice", SERVER)) == (
        ConnectEntryData.__required_keys__
    )
    assert set(
        manual_entry_data(url="http://emby", verify_ssl=True, username="a", login=SERVER_LOGIN)
    ) == (ManualEntryData.__required_keys__)


def test_key_lists_come_from_the_types() -> None:
    """What Connect renews is what its TypedDicts hold, and no SystemId is stored."""
    assert SERVER_KEYS == (
        "access_key",
        "link_id",
        "user_type",
        "local_address",
        "remote_address",
    )
    assert ACCOUNT_KEYS == ("connect_token", "connect_username")
    assert set(SERVER_KEYS) | set(ACCOUNT_KEYS) < ConnectEntryData.__required_keys__
    for data_type in (ConnectEntryData, ManualEntryData):
        assert CONF_SYSTEM_ID not in data_type.__required_keys__


def test_private_keys_are_redacted() -> None:
    """Every secret, id and name of a person and home address in entry data is redacted."""
    assert {
        "access_key",
        "access_token",
        "connect_token",
        "connect_user_id",
        "connect_username",
        "link_id",
        "remote_address",
        "url",
        "user_id",
        "username",
    } == PRIVATE_KEYS
    assert PRIVATE_KEYS <= TO_REDACT
    # What helps to debug stays readable.
    assert not {"auth_method", "connect_url", "local_address", "user_type"} & TO_REDACT


def test_entry_system_id() -> None:
    """The SystemId is read from the unique_id, and an entry without one is refused."""
    assert entry_system_id(MockConfigEntry(domain=DOMAIN, unique_id=SYSTEM_ID)) == SYSTEM_ID
    with pytest.raises(ValueError, match="Old server"):
        entry_system_id(MockConfigEntry(domain=DOMAIN, title="Old server"))


def _version_1(entry: MockConfigEntry, *, unique_id: str | None = SYSTEM_ID) -> MockConfigEntry:
    """Return an entry as version 1 stored it: the SystemId in the data as well."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=unique_id,
        version=1,
        minor_version=1,
        data={**entry.data, CONF_SYSTEM_ID: SYSTEM_ID},
    )


def _without_last_mode(entry: MockConfigEntry) -> dict[str, object]:
    """Return the data of an entry but how its server was last reached."""
    return {key: value for key, value in entry.data.items() if key != CONF_LAST_MODE}


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
@pytest.mark.parametrize("unique_id", [SYSTEM_ID, None], ids=["unique_id", "data_only"])
@pytest.mark.parametrize("kind", ["mock_config_entry", "mock_manual_config_entry"])
async def test_migrate_version_1(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    request: pytest.FixtureRequest,
    kind: str,
    unique_id: str | None,
) -> None:
    """A version 1 entry keeps its SystemId only as the unique_id, and its entities."""
    current: MockConfigEntry = request.getfixturevalue(kind)
    entry = _version_1(current, unique_id=unique_id)
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (ENTRY_VERSION, 1)
    assert entry.unique_id == SYSTEM_ID
    # The rest stays (but the address in use, stored once connected).
    assert CONF_SYSTEM_ID not in entry.data
    assert _without_last_mode(entry) == _without_last_mode(current)
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, f"{SYSTEM_ID}_version")


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_migrate_version_1_without_system_id(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, mock_config_entry: MockConfigEntry
) -> None:
    """A version 1 entry that never knew its SystemId is left as it is, and not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Nameless", version=1, data=dict(mock_config_entry.data)
    )
    entry.add_to_hass(hass)

    assert not await hass.config_entries.async_setup(entry.entry_id)

    assert entry.state is ConfigEntryState.MIGRATION_ERROR
    assert entry.version == 1
    assert "The config entry Nameless has no SystemId" in caplog.text


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_newer_minor_version_is_kept(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """An entry of this version stored by a newer release (a minor version ahead) is set up as it is."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        unique_id=SYSTEM_ID,
        version=ENTRY_VERSION,
        minor_version=2,
        data=dict(mock_config_entry.data),
    )
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)

    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (ENTRY_VERSION, 2)
    assert _without_last_mode(entry) == _without_last_mode(mock_config_entry)


def test_mock_manual_entry(mock_manual_config_entry: MockConfigEntry) -> None:
    """The shared manual entry has the shape the flow stores."""
    assert set(mock_manual_config_entry.data) == ManualEntryData.__required_keys__


def test_mock_connect_entry(mock_config_entry: MockConfigEntry) -> None:
    """The shared Connect entry has the shape the flow stores."""
    assert set(mock_config_entry.data) == ConnectEntryData.__required_keys__
