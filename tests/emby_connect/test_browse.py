"""Tests for browsing from a player: whose libraries, errors, pictures; the browser's ids."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from unittest.mock import MagicMock

from homeassistant.components.media_player import (
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_SEARCH_MEDIA,
)
from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect.aioemby import (
    AuthSource,
    EmbyConnectionError,
    EmbyForbiddenError,
    EmbyNotFoundError,
    ImageRef,
    ImageType,
    ItemType,
    MediaItem,
    MediaType as EmbyMediaType,
    Session,
)
from custom_components.emby_connect.aioemby._http import RawResponse
from custom_components.emby_connect.browse import (
    BrowseId,
    image_id,
    item_classes,
    media_item_id,
    parse_image_id,
)
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.media_proxy import stream_choice

from .conftest import SERVER_TOKEN, SERVER_USER_ID, SYSTEM_ID, load_json

PIXEL = "media_player.alice_s_pixel"
OTHER_USER = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _item(item_id: str, name: str, kind: str, **fields: Any) -> dict[str, Any]:
    """Return a BaseItemDto."""
    return {"Id": item_id, "Name": name, "Type": kind, **fields}


VIEWS = {
    "Items": [
        _item("1", "Movies", "CollectionFolder", CollectionType="movies", IsFolder=True),
        _item("2", "Music", "CollectionFolder", CollectionType="music", IsFolder=True),
    ],
    "TotalRecordCount": 2,
}
MOVIES = {
    "Items": [
        _item(
            "11",
            "Big Buck Bunny",
            "Movie",
            MediaType="Video",
            ImageTags={"Primary": "tag11"},
        ),
        _item("12", "Sintel", "Movie", MediaType="Video"),
    ],
    "TotalRecordCount": 205,
}


def _sessions(user_id: str = SERVER_USER_ID) -> list[Session]:
    """Return the recorded sessions, the phone playing audio and video as user_id."""
    sessions: list[dict[str, Any]] = load_json("sessions.json")
    sessions[1]["PlayableMediaTypes"] = ["Audio", "Video"]
    sessions[1]["UserId"] = user_id
    return Session.list_from(sessions)


pytestmark = pytest.mark.platforms(Platform.MEDIA_PLAYER)


@pytest.fixture(autouse=True)
def library_server(mock_emby_server: MagicMock) -> None:
    """Let the server answer library calls from the tables above."""
    mock_emby_server.get_sessions.return_value = _sessions()
    mock_emby_server.user_id = SERVER_USER_ID
    mock_emby_server.access_token = SERVER_TOKEN

    async def answer(method: str, path: str, **kwargs: Any) -> Any:
        if path.endswith("/Views"):
            return VIEWS
        if path.endswith("/Items/1"):
            return VIEWS["Items"][0]
        if path.endswith("/Items"):
            return MOVIES
        if "/Images/" in path:
            return RawResponse(status=200, body=b"\x89PNG", content_type="image/png")
        raise EmbyNotFoundError(path, status=404)

    mock_emby_server.request.side_effect = answer


async def _browse(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, content_id: str | None = None
) -> dict[str, Any]:
    """Browse the phone over the websocket API; return the answer."""
    ws = await hass_ws_client(hass)
    message: dict[str, Any] = {"type": "media_player/browse_media", "entity_id": PIXEL}
    if content_id is not None:
        message |= {"media_content_id": content_id, "media_content_type": "directory"}
    await ws.send_json_auto_id(message)
    answer: dict[str, Any] = await ws.receive_json()
    return answer


def _page_query(mock_emby_server: MagicMock) -> dict[str, str]:
    """Return the query of the last page asked for."""
    pages = [
        call for call in mock_emby_server.request.call_args_list if call.args[1].endswith("/Items")
    ]
    query: dict[str, str] = pages[-1].kwargs["params"]
    return query


def _browsed_paths(mock_emby_server: MagicMock) -> list[str]:
    """Return the paths of the library calls made."""
    return [call.args[1] for call in mock_emby_server.request.call_args_list]


@pytest.mark.usefixtures("init_integration")
async def test_browse_a_page(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    mock_emby_server: MagicMock,
    snapshot: SnapshotAssertion,
) -> None:
    """A folder shows one page, a node for the next, and thumbnails by the proxy only."""
    answer = await _browse(hass, hass_ws_client, "1")
    assert answer["success"]
    result = answer["result"]
    for child in result["children"]:
        if child["thumbnail"]:
            assert child["thumbnail"].startswith(f"/api/media_player_proxy/{PIXEL}/browse_media/")
            child["thumbnail"] = child["thumbnail"].split("?")[0]
    assert result == snapshot
    assert SERVER_TOKEN not in str(answer)
    query = _page_query(mock_emby_server)
    assert (query["ParentId"], query["StartIndex"], query["Limit"]) == ("1", "0", "100")
    answer = await _browse(hass, hass_ws_client, "1@100")
    assert _page_query(mock_emby_server)["StartIndex"] == "100"
    assert answer["result"]["title"] == "Movies (101-102 / 205)"


@pytest.mark.parametrize(
    ("user_id", "admin", "browsed_as"),
    [
        (SERVER_USER_ID, True, SERVER_USER_ID),
        (OTHER_USER, True, OTHER_USER),
        (OTHER_USER, False, SERVER_USER_ID),
    ],
)
@pytest.mark.usefixtures("mock_connection_manager", "mock_emby_connect")
async def test_browse_as_the_user_watching(
    hass: HomeAssistant,
    *,
    hass_ws_client: WebSocketGenerator,
    mock_config_entry: MockConfigEntry,
    mock_emby_server: MagicMock,
    mock_emby_admin: MagicMock,
    user_id: str,
    admin: bool,
    browsed_as: str,
) -> None:
    """An administrator's sign-in browses as the client's user; any other as itself."""
    mock_emby_server.get_sessions.return_value = _sessions(user_id)
    if not admin:
        mock_emby_admin.get_scheduled_tasks.side_effect = EmbyForbiddenError(
            "no", source=AuthSource.SERVER, status=403
        )
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    answer = await _browse(hass, hass_ws_client)
    assert [child["title"] for child in answer["result"]["children"]] == ["Movies", "Music"]
    assert _browsed_paths(mock_emby_server)[-1] == f"Users/{browsed_as}/Views"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("error", "key"),
    [
        (EmbyNotFoundError("gone", status=404), "media_not_found"),
        (EmbyConnectionError("down"), "browse_failed"),
    ],
)
async def test_browse_errors(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    mock_emby_server: MagicMock,
    error: Exception,
    key: str,
) -> None:
    """A refused or failed browse is a translated error, without the server's detail."""
    mock_emby_server.request.side_effect = error
    answer = await _browse(hass, hass_ws_client, "77")
    assert not answer["success"]
    assert answer["error"]["translation_key"] == key
    # The message names the server that failed, not the player that browses it.
    assert answer["error"]["translation_placeholders"]["name"] == "Living Room"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            SERVICE_SEARCH_MEDIA,
            {ATTR_ENTITY_ID: PIXEL, "search_query": "bunny"},
            blocking=True,
            return_response=True,
        )
    assert caught.value.translation_key == "browse_failed"
    assert caught.value.translation_placeholders == {"name": "Living Room"}


@pytest.mark.usefixtures("init_integration")
async def test_browse_pictures(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
    mock_emby_server: MagicMock,
) -> None:
    """A browsed picture comes through the proxy; an unreadable or failing one is not found."""
    answer = await _browse(hass, hass_ws_client, "1")
    thumbnail = answer["result"]["children"][0]["thumbnail"]
    client = await hass_client()
    response = await client.get(thumbnail)
    assert response.status == HTTPStatus.OK
    assert await response.read() == b"\x89PNG"
    assert mock_emby_server.request.call_args.args[1] == "Items/11/Images/Primary"
    assert mock_emby_server.request.call_args.kwargs["params"] == {
        "tag": "tag11",
        "maxWidth": "400",
    }
    bare = thumbnail.split("&media_image_id=")[0]
    assert (await client.get(bare)).status == HTTPStatus.NOT_FOUND
    mock_emby_server.request.side_effect = EmbyConnectionError("down")
    assert (await client.get(thumbnail)).status == HTTPStatus.NOT_FOUND


def test_browse_ids() -> None:
    """Node, page and picture ids read back as written; odd ones are read leniently."""
    assert BrowseId.parse(None) == BrowseId()
    assert BrowseId.parse("12@300") == BrowseId("12", 300)
    assert BrowseId.parse("12@x") == BrowseId("12", 0)
    assert str(BrowseId("12", 300)) == "12@300"
    assert str(BrowseId("12")) == "12"
    assert not str(BrowseId())
    image = ImageRef(item_id="5", image_type=ImageType.THUMB, tag="t")
    assert parse_image_id(image_id(image)) == image
    assert parse_image_id("5/Primary/") == ImageRef(item_id="5")
    assert parse_image_id("5/Nothing/t") is None
    assert parse_image_id("") is None
    assert media_item_id(f"media-source://{DOMAIN}/{SYSTEM_ID}/42@100", SYSTEM_ID) == "42"
    assert media_item_id(f"media-source://{DOMAIN}/{SYSTEM_ID}/", SYSTEM_ID).endswith("/")
    other = f"media-source://{DOMAIN}/another/42"
    assert media_item_id(other, SYSTEM_ID) == other
    assert media_item_id("42", SYSTEM_ID) == "42"


def test_item_classes() -> None:
    """Known types by their class; unknown ones by folder or media type."""
    movie = MediaItem(id="1", name="", type=ItemType.MOVIE)
    assert item_classes(movie) == (MediaClass.MOVIE, MediaType.MOVIE)
    folder = MediaItem(id="1", name="", is_folder=True)
    assert item_classes(folder) == (MediaClass.DIRECTORY, "directory")
    song = MediaItem(id="1", name="", media_type=EmbyMediaType.AUDIO)
    assert item_classes(song) == (MediaClass.MUSIC, MediaType.MUSIC)
    book = MediaItem(id="1", name="", media_type=EmbyMediaType.BOOK)
    assert item_classes(book) == (MediaClass.DIRECTORY, "directory")


def test_stream_choice() -> None:
    """What fits goes as stored; other containers are transcoded; folders and photos do not play."""
    mp4 = stream_choice(MediaItem(id="1", name="", media_type=EmbyMediaType.VIDEO, container="mp4"))
    assert mp4 is not None
    assert (mp4.container, mp4.mime_type, mp4.profile) == ("mp4", "video/mp4", "mp4")
    mkv = stream_choice(MediaItem(id="1", name="", media_type=EmbyMediaType.VIDEO, container="mkv"))
    assert mkv is not None
    assert (mkv.container, mkv.mime_type, mkv.profile) == (None, "video/mp4", "transcode")
    ogg = stream_choice(MediaItem(id="1", name="", media_type=EmbyMediaType.AUDIO, container="ogg"))
    assert ogg is not None
    assert ogg.mime_type == "audio/mpeg"
    photo = MediaItem(id="1", name="", media_type=EmbyMediaType.PHOTO)
    folder = MediaItem(id="1", name="", media_type=EmbyMediaType.VIDEO, is_folder=True)
    assert stream_choice(photo) is None
    assert stream_choice(folder) is None
