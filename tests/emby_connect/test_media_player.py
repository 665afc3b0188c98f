"""Tests for the media players of Emby Connect."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from unittest.mock import MagicMock

from aiohttp.hdrs import METH_GET, METH_POST
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.media_player import (
    ATTR_INPUT_SOURCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_ENQUEUE,
    ATTR_MEDIA_REPEAT,
    ATTR_MEDIA_SEEK_POSITION,
    ATTR_MEDIA_SHUFFLE,
    ATTR_MEDIA_VOLUME_LEVEL,
    ATTR_MEDIA_VOLUME_MUTED,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_PLAY_MEDIA,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_ENTITY_PICTURE,
    SERVICE_MEDIA_NEXT_TRACK,
    SERVICE_MEDIA_PAUSE,
    SERVICE_MEDIA_PLAY,
    SERVICE_MEDIA_PREVIOUS_TRACK,
    SERVICE_MEDIA_SEEK,
    SERVICE_MEDIA_STOP,
    SERVICE_REPEAT_SET,
    SERVICE_SHUFFLE_SET,
    SERVICE_VOLUME_MUTE,
    SERVICE_VOLUME_SET,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyAuthenticationError,
    EmbyCommandError,
    EmbyConnectionError,
    EmbyResponseError,
    Session,
)
from custom_components.emby_connect.aioemby._http import RawResponse
from custom_components.emby_connect.const import DOMAIN, STATUS_INTERVAL

from .conftest import SERVER_TOKEN, SYSTEM_ID, load_json

PIXEL = "media_player.alice_s_pixel"
THEATER = "media_player.living_room_tv"
FIREFOX = "media_player.firefox"
PIXEL_SESSION = "c4a2b1d3e5f7a9b1c3d5e7f9a1b3c5d7"
ALL_COMMANDS = ["SetVolume", "Mute", "Unmute", "SetShuffleQueue", "SetRepeatMode", "MoveUp"]


def _sessions(*, pixel: bool = True) -> list[dict[str, Any]]:
    """Return the recorded sessions, the phone taking every command and showing a picture."""
    sessions: list[dict[str, Any]] = load_json("sessions.json")
    phone = sessions[1]
    phone["SupportedCommands"] = ALL_COMMANDS
    phone["PlayableMediaTypes"] = ["Audio", "Video"]
    phone["NowPlayingItem"]["ImageTags"] = {"Primary": "tag512"}
    return sessions if pixel else [item for item in sessions if item is not phone]


pytestmark = pytest.mark.platforms(Platform.MEDIA_PLAYER)


@pytest.fixture(autouse=True)
def commanded_sessions(mock_emby_server: MagicMock) -> None:
    """Let the server list sessions that take commands."""
    mock_emby_server.get_sessions.return_value = Session.list_from(_sessions())


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the status coordinator poll once."""
    freezer.tick(STATUS_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.freeze_time("2026-12-01 12:00:00+00:00")
@pytest.mark.usefixtures("freezer", "init_integration")
async def test_players(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every client but Home Assistant gets a player on a device of its own, via the server."""
    entry_id = init_integration_entry(hass)
    entries = sorted(
        er.async_entries_for_config_entry(entity_registry, entry_id),
        key=lambda entry: entry.entity_id,
    )
    assert [entry.entity_id for entry in entries] == [PIXEL, FIREFOX, THEATER]
    server = device_registry.async_get_device_by_identifier((DOMAIN, SYSTEM_ID), entry_id)
    assert server is not None
    for entry in entries:
        device = device_registry.async_get(entry.device_id or "")
        assert isinstance(device, dr.DeviceEntry)
        assert device.via_device_id == server.id
        assert entry.unique_id.startswith(f"{SYSTEM_ID}_")
        state = hass.states.get(entry.entity_id)
        assert state == snapshot(name=entry.entity_id, exclude=props(ATTR_ENTITY_PICTURE))
    assert hass.states.get("media_player.home") is None


def init_integration_entry(hass: HomeAssistant) -> str:
    """Return the id of the one Emby Connect entry."""
    return hass.config_entries.async_entries(DOMAIN)[0].entry_id


@pytest.mark.usefixtures("init_integration")
async def test_picture_through_the_proxy(
    hass: HomeAssistant, mock_emby_server: MagicMock, hass_client: ClientSessionGenerator
) -> None:
    """The picture is Home Assistant's proxy (no Emby token), fetched with the token in a header."""
    state = hass.states.get(PIXEL)
    assert state is not None
    picture = state.attributes[ATTR_ENTITY_PICTURE]
    assert picture.startswith(f"/api/media_player_proxy/{PIXEL}?")
    assert SERVER_TOKEN not in picture
    assert "cache=512_tag512" in picture
    assert ATTR_ENTITY_PICTURE not in hass.states.get(THEATER).attributes  # type: ignore[union-attr]

    mock_emby_server.request.return_value = RawResponse(
        status=200, body=b"\x89PNG picture", content_type="image/png"
    )
    client = await hass_client()
    response = await client.get(picture)
    assert response.status == HTTPStatus.OK
    assert await response.read() == b"\x89PNG picture"
    mock_emby_server.request.assert_called_once_with(
        METH_GET, "Items/512/Images/Primary", params={"tag": "tag512"}, expect_json=False
    )


@pytest.mark.usefixtures("init_integration")
async def test_client_comes_goes_and_server_outage(
    hass: HomeAssistant, mock_emby_server: MagicMock, freezer: FrozenDateTimeFactory
) -> None:
    """A new client gets a player at once; one that leaves is off, kept; unavailable when away."""
    assert hass.states.get(PIXEL).state == "playing"  # type: ignore[union-attr]
    mock_emby_server.get_sessions.return_value = Session.list_from(_sessions(pixel=False))
    await _poll(hass, freezer)
    assert hass.states.get(PIXEL).state == "off"  # type: ignore[union-attr]
    assert hass.states.get(THEATER).state == "paused"  # type: ignore[union-attr]
    assert hass.states.get(FIREFOX).state == "idle"  # type: ignore[union-attr]

    sessions = _sessions()
    newcomer = dict(sessions[3], Id="f0", DeviceId="kitchen-device", DeviceName="Kitchen")
    mock_emby_server.get_sessions.return_value = Session.list_from([*sessions, newcomer])
    await _poll(hass, freezer)
    assert hass.states.get(PIXEL).state == "playing"  # type: ignore[union-attr]
    assert hass.states.get("media_player.kitchen").state == "idle"  # type: ignore[union-attr]

    mock_emby_server.get_system_info.side_effect = EmbyConnectionError("gone")
    await _poll(hass, freezer)
    for entity_id in (PIXEL, THEATER, FIREFOX, "media_player.kitchen"):
        assert hass.states.get(entity_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("service", "data", "path", "kwargs"),
    [
        (SERVICE_MEDIA_PAUSE, {}, "Playing/Pause", {"params": None, "json_body": None}),
        (SERVICE_MEDIA_PLAY, {}, "Playing/Unpause", {"params": None, "json_body": None}),
        (SERVICE_MEDIA_STOP, {}, "Playing/Stop", {"params": None, "json_body": None}),
        (SERVICE_MEDIA_NEXT_TRACK, {}, "Playing/NextTrack", {"params": None, "json_body": None}),
        (
            SERVICE_MEDIA_PREVIOUS_TRACK,
            {},
            "Playing/PreviousTrack",
            {"params": None, "json_body": None},
        ),
        (
            SERVICE_MEDIA_SEEK,
            {ATTR_MEDIA_SEEK_POSITION: 12.5},
            "Playing/Seek",
            {"params": {"SeekPositionTicks": "125000000"}, "json_body": None},
        ),
        (
            SERVICE_VOLUME_SET,
            {ATTR_MEDIA_VOLUME_LEVEL: 0.42},
            "Command",
            {"params": None, "json_body": {"Name": "SetVolume", "Arguments": {"Volume": "42"}}},
        ),
        (
            SERVICE_VOLUME_MUTE,
            {ATTR_MEDIA_VOLUME_MUTED: True},
            "Command",
            {"params": None, "json_body": {"Name": "Mute", "Arguments": {}}},
        ),
        (
            SERVICE_VOLUME_MUTE,
            {ATTR_MEDIA_VOLUME_MUTED: False},
            "Command",
            {"params": None, "json_body": {"Name": "Unmute", "Arguments": {}}},
        ),
        (
            SERVICE_SHUFFLE_SET,
            {ATTR_MEDIA_SHUFFLE: True},
            "Command",
            {
                "params": None,
                "json_body": {"Name": "SetShuffleQueue", "Arguments": {"ShuffleMode": "Shuffle"}},
            },
        ),
        (
            SERVICE_REPEAT_SET,
            {ATTR_MEDIA_REPEAT: "one"},
            "Command",
            {
                "params": None,
                "json_body": {"Name": "SetRepeatMode", "Arguments": {"RepeatMode": "RepeatOne"}},
            },
        ),
        (
            SERVICE_PLAY_MEDIA,
            {ATTR_MEDIA_CONTENT_ID: "777", ATTR_MEDIA_CONTENT_TYPE: "movie"},
            "Playing",
            {"params": {"ItemIds": "777", "PlayCommand": "PlayNow"}, "json_body": None},
        ),
        (
            SERVICE_PLAY_MEDIA,
            {
                ATTR_MEDIA_CONTENT_ID: "778",
                ATTR_MEDIA_CONTENT_TYPE: "music",
                ATTR_MEDIA_ENQUEUE: "add",
            },
            "Playing",
            {"params": {"ItemIds": "778", "PlayCommand": "PlayLast"}, "json_body": None},
        ),
    ],
)
async def test_commands(
    *,
    hass: HomeAssistant,
    mock_emby_server: MagicMock,
    service: str,
    data: dict[str, Any],
    path: str,
    kwargs: dict[str, Any],
) -> None:
    """Each action reaches the client's session once, with the right parameters."""
    mock_emby_server.request.return_value = None
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN, service, {ATTR_ENTITY_ID: PIXEL, **data}, blocking=True
    )
    mock_emby_server.request.assert_called_once_with(
        METH_POST, f"Sessions/{PIXEL_SESSION}/{path}", expect_json=False, **kwargs
    )


@pytest.mark.usefixtures("init_integration")
async def test_features_follow_the_client(hass: HomeAssistant) -> None:
    """Only what a client takes is offered: none of the extras to an app listing none."""
    pixel = hass.states.get(PIXEL).attributes["supported_features"]  # type: ignore[union-attr]
    firefox = hass.states.get(FIREFOX).attributes["supported_features"]  # type: ignore[union-attr]
    assert pixel > firefox
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            SERVICE_VOLUME_SET,
            {ATTR_ENTITY_ID: FIREFOX, ATTR_MEDIA_VOLUME_LEVEL: 0.5},
            blocking=True,
        )
    assert ATTR_INPUT_SOURCE not in hass.states.get(PIXEL).attributes  # type: ignore[union-attr]


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("error", "key"),
    [
        (
            EmbyCommandError("refused", session_id=PIXEL_SESSION, command="Pause", status=400),
            "command_refused",
        ),
        (
            EmbyCommandError("gone", session_id=PIXEL_SESSION, command="Pause", status=404),
            "client_gone",
        ),
        (
            EmbyCommandError("broken", session_id=PIXEL_SESSION, command="Pause", status=500),
            "command_failed",
        ),
        (EmbyConnectionError("down"), "command_cannot_connect"),
        (EmbyAuthenticationError("revoked", source=AuthSource.SERVER), "command_unauthorized"),
        (EmbyResponseError("bad"), "command_failed"),
    ],
)
async def test_command_errors(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
    error: Exception,
    key: str,
) -> None:
    """A failed command is one translated error; the entry stays loaded."""
    mock_emby_server.request.side_effect = error
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            MEDIA_PLAYER_DOMAIN, SERVICE_MEDIA_PAUSE, {ATTR_ENTITY_ID: PIXEL}, blocking=True
        )
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == {"name": "Alice's Pixel"}
    assert mock_config_entry.state.recoverable or mock_config_entry.state.value == "loaded"


@pytest.mark.parametrize(
    ("item", "cache"),
    [
        ({"SeriesId": "90", "SeriesPrimaryImageTag": "s1"}, "90_s1"),
        ({"AlbumId": "91", "AlbumPrimaryImageTag": "a1"}, "91_a1"),
        ({}, None),
    ],
)
async def test_picture_of_the_series_or_album(
    *,
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_server: MagicMock,
    item: dict[str, str],
    cache: str | None,
) -> None:
    """An item without a picture of its own shows its series' or album's, else none."""
    sessions = _sessions()
    sessions[1]["NowPlayingItem"] = {"Id": "600", "Name": "Track", "Type": "Audio", **item}
    mock_emby_server.get_sessions.return_value = Session.list_from(sessions)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    picture = hass.states.get(PIXEL).attributes.get(ATTR_ENTITY_PICTURE)  # type: ignore[union-attr]
    if cache is None:
        assert picture is None
    else:
        assert picture.endswith(f"cache={cache}")


async def test_client_without_remote_control(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_server: MagicMock,
) -> None:
    """A client that takes no remote control is shown, and offered no command."""
    sessions = _sessions()
    sessions[1]["SupportsRemoteControl"] = False
    mock_emby_server.get_sessions.return_value = Session.list_from(sessions)
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(PIXEL)
    assert state is not None
    assert state.state == "playing"
    assert state.attributes["supported_features"] == 0
    assert "shuffle" not in state.attributes


async def test_known_client_is_back_after_a_restart(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A client known from before but without a session now gets its player back, off."""
    mock_config_entry.add_to_hass(hass)
    device_registry.async_get_or_create(
        config_entry_id=mock_config_entry.entry_id,
        identifiers={(DOMAIN, f"{SYSTEM_ID}_kitchen-device")},
        name="Kitchen",
        model="Emby Theater",
        sw_version="3.0.20",
    )
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get("media_player.kitchen")
    assert state is not None
    assert state.state == "off"
    assert hass.states.get(PIXEL).state == "playing"  # type: ignore[union-attr]
