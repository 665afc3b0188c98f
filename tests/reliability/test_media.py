"""Browsing and the media source on the real stack: pages, pictures, streams, and no secret.

Home Assistant, the integration, aioemby and the simulator, nothing mocked between them: a
player browses its user's libraries a page at a time and plays a browsed item on the app; the
media source browses every server, resolves an item to a signed path of Home Assistant, and
that path streams (Range included) only while its signature is valid.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
import json
from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    ATTR_MEDIA_ENQUEUE,
    DOMAIN as MEDIA_PLAYER_DOMAIN,
    SERVICE_PLAY_MEDIA,
    SERVICE_SEARCH_MEDIA,
)
from homeassistant.components.media_player.browse_media import BrowseMedia, SearchMedia
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)
from yarl import URL

from custom_components.emby_connect.const import DOMAIN
from embysim import Fault, SimServer
from embysim.catalog import LibrarySpec, generate

from .conftest import Stack

MOVIES = 250  # more than two pages of 100


async def _world(stack: Stack, *names: str) -> list[SimServer]:
    """Add servers with a library and a phone app each, set up by address, and the media source."""
    # Home Assistant's HTTP server comes first, as it does at startup.
    assert await async_setup_component(stack.hass, "http", {})
    servers = []
    for name in names:
        server = await stack.add_server(name, link=False)
        generate(server.library, LibrarySpec(movies=MOVIES))
        server.add_idle_session(user=stack.admins[server.system_id], profile="android")
        await stack.add_manual_entry(server)
        servers.append(server)
    assert await async_setup_component(stack.hass, "media_source", {})
    await stack.hass.async_block_till_done()
    return servers


def _phone(stack: Stack) -> str:
    """Return the entity id of the phone's player."""
    return next(
        state.entity_id
        for state in stack.hass.states.async_all(MEDIA_PLAYER_DOMAIN)
        if state.attributes.get("friendly_name") == "Pixel 8"
    )


def _assert_no_secret(stack: Stack, *values: Any) -> None:
    """Fail if any value, as JSON, holds a secret of the simulator's or the server's address."""
    stack.remember_secrets()
    for value in values:
        text = json.dumps(value, default=str)
        for secret in stack.secrets:
            assert secret not in text
        for server in stack.sim.servers:
            assert server.url not in text


async def _browser(
    stack: Stack, hass_ws_client: WebSocketGenerator, entity_id: str
) -> Callable[[str | None], Awaitable[dict[str, Any]]]:
    """Return a function that browses a player over the websocket API, as the frontend does."""
    ws = await hass_ws_client(stack.hass)

    async def browse(content_id: str | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "media_player/browse_media", "entity_id": entity_id}
        if content_id is not None:
            message |= {"media_content_id": content_id, "media_content_type": "directory"}
        await ws.send_json_auto_id(message)
        answer = await ws.receive_json()
        assert answer["success"], answer
        result: dict[str, Any] = answer["result"]
        return result

    return browse


async def test_player_browses_in_pages(
    stack: Stack, hass_ws_client: WebSocketGenerator, hass_client: ClientSessionGenerator
) -> None:
    """Views, a 250-movie library in pages of 100, thumbnails by the media player proxy."""
    (server,) = await _world(stack, "Living Room")
    entity_id = _phone(stack)
    browse = await _browser(stack, hass_ws_client, entity_id)
    root = await browse(None)
    assert root["can_search"]
    assert [child["title"] for child in root["children"]] == [
        "Movies",
        "TV Shows",
        "Music",
        "Photos",
        "Home Videos",
    ]
    first = await browse(root["children"][0]["media_content_id"])
    assert len(first["children"]) == 101  # a page, and the next page
    assert first["not_shown"] == MOVIES - 100
    assert first["title"] == f"Movies (1-100 / {MOVIES})"
    more = first["children"][-1]
    assert more["can_expand"]
    assert not more["can_play"]
    second = await browse(more["media_content_id"])
    third = await browse(second["children"][-1]["media_content_id"])
    assert len(third["children"]) == MOVIES - 200  # the last page has no next
    pages = (first, second, third)
    seen = {child["media_content_id"] for page in pages for child in page["children"]}
    assert len(seen) == MOVIES + 2
    movie = first["children"][0]
    assert movie["can_play"]
    assert movie["media_class"] == "movie"
    assert movie["thumbnail"].startswith(f"/api/media_player_proxy/{entity_id}/browse_media/")
    # Only pages were read: never the whole library.
    limits = {int(record.query["Limit"]) for record in server.requests if "Limit" in record.query}
    assert max(limits) <= 100
    client = await hass_client()
    picture = await client.get(movie["thumbnail"])
    assert picture.status == 200
    assert picture.content_type == "image/png"
    unknown = URL(movie["thumbnail"]).update_query(media_image_id="1/Nothing/tag")
    assert (await client.get(str(unknown))).status == 404
    missing = URL(movie["thumbnail"]).update_query(media_image_id="999999/Primary/tag")
    assert (await client.get(str(missing))).status == 404
    _assert_no_secret(stack, root, *pages)
    await stack.assert_no_secret_shown()
    stack.assert_secrets_stayed_home()


async def test_player_plays_and_searches(stack: Stack, hass_ws_client: WebSocketGenerator) -> None:
    """A browsed item plays on the app (queued last); search finds it by name."""
    (server,) = await _world(stack, "Living Room")
    hass = stack.hass
    entity_id = _phone(stack)
    browse = await _browser(stack, hass_ws_client, entity_id)
    movies = (await browse(None))["children"][0]
    movie = (await browse(movies["media_content_id"]))["children"][0]
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        SERVICE_PLAY_MEDIA,
        {
            ATTR_ENTITY_ID: entity_id,
            ATTR_MEDIA_CONTENT_ID: movie["media_content_id"],
            ATTR_MEDIA_CONTENT_TYPE: movie["media_content_type"],
            ATTR_MEDIA_ENQUEUE: "add",
        },
        blocking=True,
    )
    session_id = next(
        session.id for session in server.playback.by_id.values() if session.device_name == "Pixel 8"
    )
    (play,) = server.client_commands(session_id)
    assert play.arguments["ItemIds"] == movie["media_content_id"]
    assert play.arguments["PlayCommand"] == "PlayLast"
    # The Emby media source's id of an item plays it on the app as well.
    media_source_id = f"media-source://{DOMAIN}/{server.system_id}/{movie['media_content_id']}"
    await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        SERVICE_PLAY_MEDIA,
        {
            ATTR_ENTITY_ID: entity_id,
            ATTR_MEDIA_CONTENT_ID: media_source_id,
            ATTR_MEDIA_CONTENT_TYPE: "movie",
        },
        blocking=True,
    )
    _, again = server.client_commands(session_id)
    assert again.arguments["ItemIds"] == movie["media_content_id"]
    assert again.arguments["PlayCommand"] == "PlayNow"

    found = await hass.services.async_call(
        MEDIA_PLAYER_DOMAIN,
        SERVICE_SEARCH_MEDIA,
        {
            ATTR_ENTITY_ID: entity_id,
            "search_query": movie["title"],
            "media_filter_classes": ["movie"],
        },
        blocking=True,
        return_response=True,
    )
    results = found[entity_id]
    assert isinstance(results, SearchMedia)
    assert movie["title"] in [item.title for item in results.result]
    _assert_no_secret(stack, [item.as_dict() for item in results.result])
    await stack.assert_no_secret_shown()


async def _a_song(stack: Stack) -> BrowseMedia:
    """Browse Living Room's music down to its first song (through the servers' node)."""
    hass = stack.hass
    root = await media_source.async_browse_media(hass, f"media-source://{DOMAIN}")
    assert [child.title for child in root.children or ()] == ["Den", "Living Room"]
    servers = {child.title: child.media_content_id for child in root.children or ()}
    views = await media_source.async_browse_media(hass, servers["Living Room"])
    music = next(child for child in views.children or () if child.title == "Music")
    artist = (await media_source.async_browse_media(hass, music.media_content_id)).children
    assert artist
    album = (await media_source.async_browse_media(hass, artist[0].media_content_id)).children
    assert album
    songs = await media_source.async_browse_media(hass, album[0].media_content_id)
    song = (songs.children or [])[0]
    assert song.can_play
    _assert_no_secret(stack, root.as_dict(), views.as_dict(), songs.as_dict())
    return song


async def test_media_source_browses_every_server(
    stack: Stack, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Every server is listed; thumbnails are signed paths of Home Assistant that expire."""
    await _world(stack, "Living Room", "Den")
    song = await _a_song(stack)
    assert song.thumbnail is not None
    assert song.thumbnail.startswith(f"/api/{DOMAIN}/image/")
    assert "authSig=" in song.thumbnail
    no_auth = await hass_client_no_auth()
    picture = await no_auth.get(song.thumbnail)
    assert picture.status == 200
    assert picture.content_type == "image/png"
    assert (await no_auth.get(song.thumbnail.split("?")[0])).status == 401
    stack.clock.tick(timedelta(hours=2))
    assert (await no_auth.get(song.thumbnail)).status == 401
    await stack.assert_no_secret_shown()
    stack.assert_secrets_stayed_home()


async def test_media_source_streams_through_a_signed_path(
    stack: Stack, hass_client: ClientSessionGenerator, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """An item resolves to a signed path that proxies its stream, Range and HEAD included."""
    living, den = await _world(stack, "Living Room", "Den")
    hass = stack.hass
    song = await _a_song(stack)
    no_auth = await hass_client_no_auth()
    played = await media_source.async_resolve_media(hass, song.media_content_id, None)
    assert played.url.startswith(f"/api/{DOMAIN}/stream/{living.system_id}/")
    assert "authSig=" in played.url
    assert played.mime_type == "audio/flac"  # the simulator's songs are FLAC: played as they are
    _assert_no_secret(stack, played.url)
    whole = await no_auth.get(played.url)
    assert whole.status == 200
    body = await whole.read()
    assert body.startswith(b"RIFF")
    part = await no_auth.get(played.url, headers={"Range": "bytes=10-19"})
    assert part.status == 206
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert await part.read() == body[10:20]
    head = await no_auth.head(played.url)
    assert head.status == 200
    assert (await no_auth.get(played.url.split("?")[0])).status == 401
    tampered = played.url.replace(f"/stream/{living.system_id}/", f"/stream/{den.system_id}/")
    assert (await no_auth.get(tampered)).status == 401
    # A signed-in user reaches the stream without a signature; an unknown server is not found.
    client = await hass_client()
    assert (await client.get(played.url.split("?")[0])).status == 200
    assert (await client.get(f"/api/{DOMAIN}/stream/nothing/1/audio/mp3")).status == 404
    assert (await client.get(f"/api/{DOMAIN}/stream/{den.system_id}/1/photo/mp3")).status == 404
    assert (await client.get(f"/api/{DOMAIN}/image/{den.system_id}/1/Nothing/-")).status == 404

    movie = next(item for item in living.library.items.values() if item.type == "Movie")
    video = await media_source.async_resolve_media(
        hass, f"media-source://{DOMAIN}/{living.system_id}/{movie.id}", None
    )
    expected = "video/mp4"
    assert video.mime_type == expected
    streamed = await no_auth.get(video.url)
    assert streamed.status == 200
    assert streamed.content_type == expected
    # No token went into a URL of an image or stream: the proxy's headers carried it.
    for record in living.requests:
        if "websocket" in record.path:
            continue  # Emby's push channel takes its token in the query, as Emby's apps send it
        assert not {key.lower() for key in record.query} & {"api_key", "x-emby-token"}

    stack.clock.tick(timedelta(days=2))
    assert (await no_auth.get(played.url)).status == 401  # expired
    await stack.assert_no_secret_shown()
    stack.assert_secrets_stayed_home()


async def test_media_source_refusals(stack: Stack) -> None:
    """Unknown servers and items, folders and pictures, a failing server: translated errors."""
    (server,) = await _world(stack, "Living Room")
    hass = stack.hass
    root = await media_source.async_browse_media(hass, f"media-source://{DOMAIN}")
    assert next(child.title for child in root.children or ()) == "Movies"  # one server: its views
    base = f"media-source://{DOMAIN}/{server.system_id}"
    photo = next(item for item in server.library.items.values() if item.type == "Photo")
    cases = {
        f"media-source://{DOMAIN}/nothing/1": "server_not_found",
        f"{base}/": "media_not_playable",
        f"{base}/{server.library.views[0].id}": "media_not_playable",
        f"{base}/{photo.id}": "media_not_playable",
        f"{base}/999999": "media_not_found",
    }
    for media_id, key in cases.items():
        with pytest.raises(HomeAssistantError) as caught:
            await media_source.async_resolve_media(hass, media_id, None)
        assert caught.value.translation_key == key, media_id
    with pytest.raises(HomeAssistantError) as caught:
        await media_source.async_browse_media(hass, f"{base}/999999")
    assert caught.value.translation_key == "media_not_found"
    server.fault = Fault.HTTP_500
    with pytest.raises(HomeAssistantError) as caught:
        await media_source.async_browse_media(hass, f"{base}/")
    assert caught.value.translation_key == "browse_failed"


async def test_proxy_refusals(stack: Stack, hass_client: ClientSessionGenerator) -> None:
    """A stream or picture the server has not is not found; a failing server is a bad gateway."""
    (server,) = await _world(stack, "Living Room")
    client = await hass_client()
    base = f"/api/{DOMAIN}"
    stream = f"{base}/stream/{server.system_id}/999999/audio/transcode"
    image = f"{base}/image/{server.system_id}/999999/Primary/-"
    assert (await client.get(stream)).status == 404
    assert (await client.get(image)).status == 404
    assert (await client.get(f"{base}/stream/{server.system_id}/1/audio/x.y")).status == 404
    server.fault = Fault.HTTP_500
    assert (await client.get(stream)).status == 502
    assert (await client.get(image)).status == 502
