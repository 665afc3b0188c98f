"""Tests for the update entity of Emby Connect: the server's version, updates and their notes."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import MagicMock

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
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.emby_connect.aioemby import (
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

from .conftest import INSTALLED_RELEASE, SERVER_UPDATE, SYSTEM_ID, EntitiesSnapshot, Runtime
from .helpers import forbidden, load_system_info, shown, state

UPDATE = "update.living_room"
RETIRED = "binary_sensor.living_room_update"


pytestmark = pytest.mark.platforms(Platform.UPDATE)


async def _release_notes(hass_ws_client: WebSocketGenerator) -> str | None:
    """Ask for the release notes as the frontend does."""
    client = await hass_ws_client()
    await client.send_json_auto_id({"type": "update/release_notes", "entity_id": UPDATE})
    result = await client.receive_json()
    assert result["success"]
    notes: str | None = result["result"]
    return notes


async def test_update_entity(
    snapshot_entities: EntitiesSnapshot,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """An administrator sees the waiting update with its notes; it cannot be installed from here."""
    await snapshot_entities(init_integration)
    assert await _release_notes(hass_ws_client) == (
        "## 4.9.0.30\n\nEmby Server 4.9.0.30: faster library scans, a new player."
    )


async def test_update_appears_and_clears(
    hass: HomeAssistant,
    *,
    hass_ws_client: WebSocketGenerator,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
) -> None:
    """An update shows as soon as the status poll sees it, and clears once it is installed."""
    current = replace(load_system_info(), has_update_available=False)
    runtime.server.get_system_info.return_value = current
    await runtime.set_up()
    found = shown(hass, UPDATE)
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
    runtime.server.get_system_info.return_value = replace(current, has_update_available=True)
    await runtime.tick()
    found = shown(hass, UPDATE)
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
    runtime.server.get_system_info.return_value = replace(
        current, version="4.9.0.30", has_update_available=False
    )
    await runtime.tick()
    found = shown(hass, UPDATE)
    assert found.state == STATE_OFF
    assert found.attributes[ATTR_INSTALLED_VERSION] == "4.9.0.30"
    assert found.attributes[ATTR_LATEST_VERSION] == "4.9.0.30"
    assert found.attributes[ATTR_RELEASE_SUMMARY] is None
    assert await _release_notes(hass_ws_client) is None


@pytest.mark.parametrize(
    ("versions", "notes", "expected", "latest"),
    [
        # No versions listed: the release notes still name the newest one.
        pytest.param([], SERVER_UPDATE, STATE_ON, "4.9.0.30", id="named_only_by_release_notes"),
        # Not named (yet): unknown rather than a wrong version.
        pytest.param(
            [INSTALLED_RELEASE], INSTALLED_RELEASE, STATE_UNKNOWN, None, id="waiting_but_unnamed"
        ),
    ],
)
async def test_update_not_listed(
    hass: HomeAssistant,
    *,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
    versions: list[PackageVersion],
    notes: PackageVersion,
    expected: str,
    latest: str | None,
) -> None:
    """An update waiting but not listed takes its version from the release notes, if they name it."""
    mock_emby_admin.get_package_updates.side_effect = None
    mock_emby_admin.get_package_updates.return_value = []
    mock_emby_admin.get_release_notes_versions.return_value = versions
    mock_emby_admin.get_release_notes.return_value = notes
    await runtime.set_up()
    found = shown(hass, UPDATE)
    assert found.state == expected
    assert found.attributes[ATTR_LATEST_VERSION] == latest


async def test_failed_read_is_retried(
    hass: HomeAssistant, runtime: Runtime, mock_emby_admin: MagicMock
) -> None:
    """A failed read leaves the version unknown until the next read finds it."""
    mock_emby_admin.get_package_updates.side_effect = EmbyResponseError("bad answer")
    await runtime.set_up()
    assert state(hass, UPDATE) == STATE_UNKNOWN

    mock_emby_admin.get_package_updates.side_effect = lambda package_type: (
        [SERVER_UPDATE] if package_type is PackageType.SYSTEM else []
    )
    await runtime.tick(UPDATES_INTERVAL)
    assert state(hass, UPDATE) == STATE_ON


async def test_admin_rights_lost(
    hass: HomeAssistant, runtime: Runtime, mock_emby_admin: MagicMock
) -> None:
    """A user who lost admin rights sees no version offered, and nothing fails."""
    await runtime.set_up()
    mock_emby_admin.get_package_updates.side_effect = forbidden()
    await runtime.tick(UPDATES_INTERVAL)
    assert state(hass, UPDATE) == STATE_UNKNOWN


async def test_unavailable_with_the_server(
    hass: HomeAssistant, *, loaded: Runtime, mock_emby_admin: MagicMock
) -> None:
    """Unavailable while the server is away, nothing read meanwhile; the skipped read follows."""
    loaded.lose()
    await loaded.tick()
    assert state(hass, UPDATE) == STATE_UNAVAILABLE
    reads = mock_emby_admin.get_package_updates.call_count
    await loaded.tick(UPDATES_INTERVAL)
    assert mock_emby_admin.get_package_updates.call_count == reads

    loaded.find()
    await loaded.tick()
    assert state(hass, UPDATE) == STATE_ON
    # The hourly read skipped while the server was away is made once it is back.
    plugin_reads = [
        call
        for call in mock_emby_admin.get_package_updates.call_args_list[reads:]
        if call.args == (PackageType.USER_INSTALLED,)
    ]
    assert len(plugin_reads) == 1


@pytest.mark.parametrize("admin", [True, False], ids=["admin", "non_admin"])
async def test_retired_update_sensor_is_removed(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
    admin: bool,
) -> None:
    """The "Update" binary sensor of earlier versions leaves the registry, for any user."""
    runtime.entry.add_to_hass(hass)
    entity_registry.async_get_or_create(
        Platform.BINARY_SENSOR,
        DOMAIN,
        f"{SYSTEM_ID}_update_available",
        config_entry=runtime.entry,
        suggested_object_id="living_room_update",
    )
    if not admin:
        mock_emby_admin.get_scheduled_tasks.side_effect = forbidden()
    await hass.config_entries.async_setup(runtime.entry.entry_id)
    await hass.async_block_till_done()

    assert entity_registry.async_get(RETIRED) is None
    assert hass.states.get(RETIRED) is None
    assert (hass.states.get(UPDATE) is not None) is admin
    # Nothing of the entry is left without an entity behind it.
    for item in er.async_entries_for_config_entry(entity_registry, runtime.entry.entry_id):
        assert hass.states.get(item.entity_id) is not None


async def test_no_update_entity_for_a_guest(
    hass: HomeAssistant,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Connect guest (no System/Info, no admin API) gets no update entity and no error."""
    runtime.server.get_system_info.side_effect = forbidden()
    mock_emby_admin.get_scheduled_tasks.side_effect = forbidden()
    await runtime.set_up()
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


async def test_plugin_update(
    hass: HomeAssistant,
    snapshot_entities: EntitiesSnapshot,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
) -> None:
    """A plugin with an update on offer gets an update entity of its own."""
    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [
        TRAKT,
        PluginInfo(id="0f0f", name="Open Subtitles", version="1.0.5.0"),
    ]
    await runtime.set_up()
    await snapshot_entities(runtime.entry)
    assert len(hass.states.async_entity_ids(Platform.UPDATE)) == 2


async def test_plugin_update_appears_and_clears(
    hass: HomeAssistant,
    *,
    entity_registry: er.EntityRegistry,
    hass_ws_client: WebSocketGenerator,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
) -> None:
    """A plugin's entity comes with the offer and goes, registry entry and all, once installed."""
    await runtime.set_up()
    # Connected before time moves on: the frontend's sign-in would expire meanwhile.
    client = await hass_ws_client()
    assert hass.states.get(PLUGIN) is None
    mock_emby_admin.get_plugins.assert_not_called()  # nothing on offer: not read

    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await runtime.tick(UPDATES_INTERVAL)
    found = shown(hass, PLUGIN)
    assert found.state == STATE_ON
    assert found.attributes[ATTR_INSTALLED_VERSION] == "3.1.0.0"
    assert found.attributes[ATTR_LATEST_VERSION] == "3.2.0.0"
    await client.send_json_auto_id({"type": "update/release_notes", "entity_id": PLUGIN})
    assert (await client.receive_json())["result"] == "Sync fixes."

    # Installed in Emby: no longer on offer.
    _offer(mock_emby_admin)
    mock_emby_admin.get_plugins.return_value = [replace(TRAKT, version="3.2.0.0")]
    await runtime.tick(UPDATES_INTERVAL)
    assert hass.states.get(PLUGIN) is None
    assert entity_registry.async_get(PLUGIN) is None

    # Offered again later: back under the same entity id.
    _offer(mock_emby_admin, replace(TRAKT_UPDATE, version="3.3.0.0"))
    await runtime.tick(UPDATES_INTERVAL)
    assert state(hass, PLUGIN) == STATE_ON


async def test_plugin_offers_that_are_not_updates(
    hass: HomeAssistant, runtime: Runtime, mock_emby_admin: MagicMock
) -> None:
    """An offer for a plugin not installed, or not newer than the installed one, shows nothing."""
    _offer(
        mock_emby_admin,
        replace(TRAKT_UPDATE, version="3.1.0.0"),
        PackageVersion(name="Missing", version="2.0.0.0", guid="feed"),
    )
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await runtime.set_up()
    assert hass.states.async_entity_ids(Platform.UPDATE) == [UPDATE]


async def test_stale_plugin_entities_are_removed(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    runtime: Runtime,
    mock_emby_admin: MagicMock,
) -> None:
    """A plugin update installed while Home Assistant was stopped leaves no entity behind."""
    runtime.entry.add_to_hass(hass)
    stale = entity_registry.async_get_or_create(
        Platform.UPDATE,
        DOMAIN,
        f"{SYSTEM_ID}_plugin_0f0f",
        config_entry=runtime.entry,
        suggested_object_id="living_room_open_subtitles_plugin",
    )
    kept = entity_registry.async_get_or_create(
        Platform.UPDATE, DOMAIN, f"{SYSTEM_ID}_plugin_{TRAKT_ID}", config_entry=runtime.entry
    )
    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await hass.config_entries.async_setup(runtime.entry.entry_id)
    await hass.async_block_till_done()

    assert entity_registry.async_get(stale.entity_id) is None
    assert state(hass, kept.entity_id) == STATE_ON


async def test_plugin_unavailable_with_the_server(
    hass: HomeAssistant, *, runtime: Runtime, mock_emby_admin: MagicMock
) -> None:
    """While the server is away a plugin's entity is unavailable, and kept."""
    _offer(mock_emby_admin, TRAKT_UPDATE)
    mock_emby_admin.get_plugins.return_value = [TRAKT]
    await runtime.set_up()
    runtime.lose()
    await runtime.tick()
    await runtime.tick(UPDATES_INTERVAL)
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
