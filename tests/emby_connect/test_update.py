"""Tests for the update entity of Emby Connect: the server's version, updates and their notes."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.update import (
    ATTR_INSTALLED_VERSION,
    ATTR_LATEST_VERSION,
    ATTR_RELEASE_SUMMARY,
    ATTR_RELEASE_URL,
)
from homeassistant.const import (
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyResponseError,
    PackageType,
    PackageVersion,
    PluginInfo,
)
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.server_updates import (
    UPDATES_INTERVAL,
    is_newer,
    summarize_notes,
)

from .conftest import INSTALLED_RELEASE, SERVER_UPDATE, SYSTEM_ID
from .helpers import load_system_info, state, tick

UPDATE = "update.living_room"
RETIRED = "binary_sensor.living_room_update"


def _forbidden() -> EmbyForbiddenError:
    """Return the error of a call the user may not make."""
    return EmbyForbiddenError("Forbidden", source=AuthSource.SERVER, status=403)


@pytest.fixture(autouse=True)
def only_updates() -> Generator[None]:
    """Load only the update platform."""
    with patch("custom_components.emby_connect.PLATFORMS", [Platform.UPDATE]):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set up an entry and let its first reads finish."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _release_notes(hass_ws_client: WebSocketGenerator) -> str | None:
    """Ask for the release notes as the frontend does."""
    client = await hass_ws_client()
    await client.send_json_auto_id({"type": "update/release_notes", "entity_id": UPDATE})
    result = await client.receive_json()
    assert result["success"]
    notes: str | None = result["result"]
    return notes


async def test_update_entity(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """An administrator sees the waiting update with its notes; it cannot be installed from here."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    assert await _release_notes(hass_ws_client) == (
        "## 4.9.0.30\n\nEmby Server 4.9.0.30: faster library scans, a new player."
    )


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_update_appears_and_clears(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
    mock_emby_admin: MagicMock,
) -> None:
    """An update shows as soon as the status poll sees it, and clears once it is installed."""
    current = replace(load_system_info(), has_update_available=False)
    mock_emby_server.get_system_info.return_value = current
    await _setup(hass, mock_config_entry)
    found = hass.states.get(UPDATE)
    assert found is not None
    assert found.state == STATE_OFF
    assert found.attributes[ATTR_LATEST_VERSION] == found.attributes[ATTR_INSTALLED_VERSION]
    assert await _release_notes(hass_ws_client) is None
    # No update waits: only the plugins' updates were asked for.
    mock_emby_admin.get_package_updates.assert_called_once_with(PackageType.USER_INSTALLED)

    # Two versions came out: both sets of notes show, the newest first.
    between = PackageVersion(name="Emby Server", version="4.8.12.0", description="Fixes.")
    mock_emby_admin.get_release_notes_versions.return_value = [
        SERVER_UPDATE,
        between,
        INSTALLED_RELEASE,
    ]
    mock_emby_server.get_system_info.return_value = replace(current, has_update_available=True)
    await tick(hass, freezer)
    found = hass.states.get(UPDATE)
    assert found is not None
    assert found.state == STATE_ON
    assert found.attributes[ATTR_INSTALLED_VERSION] == "4.8.11.0"
    assert found.attributes[ATTR_LATEST_VERSION] == "4.9.0.30"
    assert found.attributes[ATTR_RELEASE_SUMMARY] == SERVER_UPDATE.description
    assert found.attributes[ATTR_RELEASE_URL] == SERVER_UPDATE.info_url
    assert await _release_notes(hass_ws_client) == (
        "## 4.9.0.30\n\nEmby Server 4.9.0.30: faster library scans, a new player.\n\n"
        "## 4.8.12.0\n\nFixes."
    )

    # Installed (and restarted): up to date on the new version.
    mock_emby_server.get_system_info.return_value = replace(
        current, version="4.9.0.30", has_update_available=False
    )
    await tick(hass, freezer)
    found = hass.states.get(UPDATE)
    assert found is not None
    assert found.state == STATE_OFF
    assert found.attributes[ATTR_INSTALLED_VERSION] == "4.9.0.30"
    assert found.attributes[ATTR_LATEST_VERSION] == "4.9.0.30"
    assert found.attributes[ATTR_RELEASE_SUMMARY] is None
    assert await _release_notes(hass_ws_client) is None


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_update_named_only_by_release_notes(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """A server that lists no versions still names the newest one in its release notes."""
    mock_emby_admin.get_package_updates.side_effect = None
    mock_emby_admin.get_package_updates.return_value = []
    mock_emby_admin.get_release_notes_versions.return_value = []
    await _setup(hass, mock_config_entry)
    found = hass.states.get(UPDATE)
    assert found is not None
    assert found.state == STATE_ON
    assert found.attributes[ATTR_LATEST_VERSION] == "4.9.0.30"


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_update_waiting_but_unnamed(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """An update the server does not name (yet) is unknown rather than a wrong version."""
    mock_emby_admin.get_package_updates.side_effect = None
    mock_emby_admin.get_package_updates.return_value = []
    mock_emby_admin.get_release_notes_versions.return_value = [INSTALLED_RELEASE]
    mock_emby_admin.get_release_notes.return_value = INSTALLED_RELEASE
    await _setup(hass, mock_config_entry)
    assert state(hass, UPDATE) == STATE_UNKNOWN


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_failed_read_is_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """A failed read leaves the version unknown until the next read finds it."""
    mock_emby_admin.get_package_updates.side_effect = EmbyResponseError("bad answer")
    await _setup(hass, mock_config_entry)
    assert state(hass, UPDATE) == STATE_UNKNOWN

    mock_emby_admin.get_package_updates.side_effect = lambda package_type: (
        [SERVER_UPDATE] if package_type is PackageType.SYSTEM else []
    )
    await tick(hass, freezer, UPDATES_INTERVAL)
    assert state(hass, UPDATE) == STATE_ON


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_admin_rights_lost(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """A user who lost admin rights sees no version offered, and nothing fails."""
    await _setup(hass, mock_config_entry)
    mock_emby_admin.get_package_updates.side_effect = _forbidden()
    await tick(hass, freezer, UPDATES_INTERVAL)
    assert state(hass, UPDATE) == STATE_UNKNOWN


async def test_unavailable_with_the_server(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_server: MagicMock,
    mock_emby_admin: MagicMock,
) -> None:
    """Unavailable while the server is away, nothing read meanwhile; the skipped read follows."""
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    mock_connection_manager.connect.side_effect = EmbyConnectionError("gone")
    await tick(hass, freezer)
    assert state(hass, UPDATE) == STATE_UNAVAILABLE
    reads = mock_emby_admin.get_package_updates.call_count
    await tick(hass, freezer, UPDATES_INTERVAL)
    assert mock_emby_admin.get_package_updates.call_count == reads

    mock_emby_server.get_system_info.side_effect = None
    mock_connection_manager.connect.side_effect = None
    await tick(hass, freezer)
    assert state(hass, UPDATE) == STATE_ON
    # The hourly read skipped while the server was away is made once it is back.
    plugin_reads = [
        call
        for call in mock_emby_admin.get_package_updates.call_args_list[reads:]
        if call.args == (PackageType.USER_INSTALLED,)
    ]
    assert len(plugin_reads) == 1


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
@pytest.mark.parametrize("admin", [True, False], ids=["admin", "non_admin"])
async def test_retired_update_sensor_is_removed(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
    admin: bool,
) -> None:
    """The "Update" binary sensor of earlier versions leaves the registry, for any user."""
    mock_config_entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        Platform.BINARY_SENSOR,
        DOMAIN,
        f"{SYSTEM_ID}_update_available",
        config_entry=mock_config_entry,
        suggested_object_id="living_room_update",
    )
    if not admin:
        mock_emby_admin.get_scheduled_tasks.side_effect = _forbidden()
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert entity_registry.async_get(RETIRED) is None
    assert hass.states.get(RETIRED) is None
    assert (hass.states.get(UPDATE) is not None) is admin
    # Nothing of the entry is left without an entity behind it.
    for item in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id):
        assert hass.states.get(item.entity_id) is not None


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_no_update_entity_for_a_guest(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
    mock_emby_admin: MagicMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Connect guest (no System/Info, no admin API) gets no update entity and no error."""
    mock_emby_server.get_system_info.side_effect = _forbidden()
    mock_emby_admin.get_scheduled_tasks.side_effect = _forbidden()
    await _setup(hass, mock_config_entry)
    assert hass.states.async_entity_ids(Platform.UPDATE) == []
    mock_emby_admin.get_package_updates.assert_not_called()
    assert "Error" not in caplog.text


# -- plugins -----------------------------------------------------------------------------------

TRAKT_ID = "a1b2c3d4-0000-4000-8000-00000000beef"
TRAKT = PluginInfo(id=TRAKT_ID, name="Trakt", version="3.1.0.0")
TRAKT_UPDATE = PackageVersion(
    name="Trakt", version="3.2.0.0", guid=TRAKT_ID, description="Sync fixes."
)
PLUGIN = "update.living_room_trakt_plugin"


def _offer(admin: MagicMock, *plugins: PackageVersion) -> None:
    """Make Packages/Updates offer these plugin updates (and the server's)."""
    admin.get_package_updates.side_effect = lambda package_type: (
        [SERVER_UPDATE] if package_type is PackageType.SYSTEM else list(plugins)
    )


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_plugin_update(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """A plugin with an update on offer gets an update entity of its own."""
    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [
        TRAKT,
        PluginInfo(id="0f0f", name="Open Subtitles", version="1.0.5.0"),
    ]
    await _setup(hass, mock_config_entry)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
    assert len(hass.states.async_entity_ids(Platform.UPDATE)) == 2


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_plugin_update_appears_and_clears(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    hass_ws_client: WebSocketGenerator,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """A plugin's entity comes with the offer and goes, registry entry and all, once installed."""
    await _setup(hass, mock_config_entry)
    # Connected before time moves on: the frontend's sign-in would expire meanwhile.
    client = await hass_ws_client()
    assert hass.states.get(PLUGIN) is None
    mock_emby_admin.get_plugins.assert_not_called()  # nothing on offer: not read

    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await tick(hass, freezer, UPDATES_INTERVAL)
    found = hass.states.get(PLUGIN)
    assert found is not None
    assert found.state == STATE_ON
    assert found.attributes[ATTR_INSTALLED_VERSION] == "3.1.0.0"
    assert found.attributes[ATTR_LATEST_VERSION] == "3.2.0.0"
    await client.send_json_auto_id({"type": "update/release_notes", "entity_id": PLUGIN})
    assert (await client.receive_json())["result"] == "Sync fixes."

    # Installed in Emby: no longer on offer.
    _offer(mock_emby_admin)
    mock_emby_admin.get_plugins.return_value = [replace(TRAKT, version="3.2.0.0")]
    await tick(hass, freezer, UPDATES_INTERVAL)
    assert hass.states.get(PLUGIN) is None
    assert entity_registry.async_get(PLUGIN) is None

    # Offered again later: back under the same entity id.
    _offer(mock_emby_admin, replace(TRAKT_UPDATE, version="3.3.0.0"))
    await tick(hass, freezer, UPDATES_INTERVAL)
    assert state(hass, PLUGIN) == STATE_ON


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_plugin_offers_that_are_not_updates(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, mock_emby_admin: MagicMock
) -> None:
    """An offer for a plugin not installed, or not newer than the installed one, shows nothing."""
    _offer(
        mock_emby_admin,
        replace(TRAKT_UPDATE, version="3.1.0.0"),
        PackageVersion(name="Missing", version="2.0.0.0", guid="feed"),
    )
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await _setup(hass, mock_config_entry)
    assert hass.states.async_entity_ids(Platform.UPDATE) == [UPDATE]


@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_stale_plugin_entities_are_removed(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
    mock_emby_admin: MagicMock,
) -> None:
    """A plugin update installed while Home Assistant was stopped leaves no entity behind."""
    mock_config_entry.add_to_hass(hass)
    stale = entity_registry.async_get_or_create(
        Platform.UPDATE,
        DOMAIN,
        f"{SYSTEM_ID}_plugin_0f0f",
        config_entry=mock_config_entry,
        suggested_object_id="living_room_open_subtitles_plugin",
    )
    kept = entity_registry.async_get_or_create(
        Platform.UPDATE, DOMAIN, f"{SYSTEM_ID}_plugin_{TRAKT_ID}", config_entry=mock_config_entry
    )
    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert entity_registry.async_get(stale.entity_id) is None
    assert state(hass, kept.entity_id) == STATE_ON


async def test_plugin_unavailable_with_the_server(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_server: MagicMock,
    mock_emby_admin: MagicMock,
) -> None:
    """While the server is away a plugin's entity is unavailable, and kept."""
    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await _setup(hass, mock_config_entry)
    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    mock_connection_manager.connect.side_effect = EmbyConnectionError("gone")
    await tick(hass, freezer)
    await tick(hass, freezer, UPDATES_INTERVAL)
    assert state(hass, PLUGIN) == STATE_UNAVAILABLE


@pytest.mark.parametrize(
    ("version", "than", "newer"),
    [
        ("4.9.0.30", "4.8.11.0", True),
        ("4.8.11.0", "4.8.11.0", False),
        ("4.8.2.0", "4.8.11.0", False),
        ("4.9.0.0", None, True),
        ("beta", "4.8.11.0", True),
        ("beta", "beta", False),
    ],
)
def test_is_newer(version: str, than: str | None, newer: bool) -> None:
    """Versions compare as versions; ones that cannot be compared are newer when different."""
    assert is_newer(version, than) is newer


def test_summarize_notes() -> None:
    """A summary is the notes cut to Home Assistant's 255 characters; blank notes give none."""
    assert summarize_notes(None) is None
    assert summarize_notes("  \n ") is None
    assert summarize_notes(" Fixes. ") == "Fixes."
    long = summarize_notes("word " * 100)
    assert long is not None
    assert len(long) <= 255
    assert long.endswith("…")
