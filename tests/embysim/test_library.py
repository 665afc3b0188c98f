"""The simulated library: views, item queries and paging, one item, images and streams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
import io
import time
from typing import Any
import wave

import aiohttp
import mutagen.mp4
from PIL import Image
import pytest

from embysim import EmbySimulator, SimServer
from embysim.catalog import LibrarySpec, generate, title
from embysim.library import ItemQuery, SimLibrary
from embysim.media import MEDIA_SECONDS, VIDEO_SIZE, mp4, png, wav
from tests.living_room import add_living_room

from .helpers import sign_in, with_token
from .openapi import SPEC_PATH, validate_response

needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason="Emby's OpenAPI spec is missing")


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a server with the default generated library, an admin and a plain user."""
    return await add_living_room(emby_sim, library=True)


@pytest.fixture
async def token(http: aiohttp.ClientSession, server: SimServer) -> str:
    """Return an administrator's token."""
    return await sign_in(http, server, "admin", "admin-pw")


async def _get(
    http: aiohttp.ClientSession,
    server: SimServer,
    token: str | None,
    path: str,
    params: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """GET a library call; return the status and the JSON answer (text when not JSON)."""
    headers = with_token(token) if token else {}
    async with http.get(f"{server.url}{path}", params=params, headers=headers) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


def _admin(server: SimServer) -> str:
    return server.find_user("admin").id


# -- generation ---------------------------------------------------------------------------------


def test_generation_is_deterministic_and_counted() -> None:
    spec = LibrarySpec()
    first, second = SimLibrary("a"), SimLibrary("b")
    generate(first, spec)
    generate(second, spec)
    assert len(first) == spec.item_count
    assert [(i.id, i.name, i.type) for i in first.items.values()] == [
        (i.id, i.name, i.type) for i in second.items.values()
    ]
    counts = first.counts()
    assert counts["MovieCount"] == spec.movies
    assert counts["EpisodeCount"] == spec.series * spec.seasons * spec.episodes
    assert counts["SongCount"] == spec.artists * spec.albums * spec.songs
    assert counts["AlbumCount"] == spec.artists * spec.albums
    assert [view.name for view in first.views] == [
        "Movies",
        "TV Shows",
        "Music",
        "Photos",
        "Home Videos",
    ]
    assert len({title(n) for n in range(600)}) == 600


def test_a_large_library_generates_quickly() -> None:
    library = SimLibrary("big")
    started = time.perf_counter()
    generate(library, LibrarySpec(movies=10_000))
    assert library.counts()["MovieCount"] == 10_000
    # Generous: this is a guard against an accidentally quadratic generator, not a benchmark.
    assert time.perf_counter() - started < 10
    page, total = library.query(ItemQuery(parent_id=library.find_view("movies").id, limit=50), None)
    assert (len(page), total) == (50, 10_000)


# -- views and items ----------------------------------------------------------------------------


@needs_spec
async def test_views_and_item_pages_match_the_spec(http, server, token) -> None:
    status, views = await _get(http, server, token, f"/Users/{_admin(server)}/Views")
    assert status == 200
    validate_response("GET", "/Users/{UserId}/Views", views)
    for view in views["Items"]:
        status, page = await _get(
            http,
            server,
            token,
            f"/Users/{_admin(server)}/Items",
            {"ParentId": view["Id"], "Recursive": "true", "Fields": "Overview,SortName,ParentId"},
        )
        assert status == 200
        assert page["Items"]
        validate_response("GET", "/Users/{UserId}/Items", page)
        status, item = await _get(
            http, server, token, f"/Users/{_admin(server)}/Items/{page['Items'][-1]['Id']}"
        )
        validate_response("GET", "/Users/{UserId}/Items/{Id}", item)


async def test_views_show_each_library(http, server, token) -> None:
    _, views = await _get(http, server, token, f"/Users/{_admin(server)}/Views")
    assert views["TotalRecordCount"] == 5
    by_name = {view["Name"]: view for view in views["Items"]}
    assert by_name["Movies"]["CollectionType"] == "movies"
    assert by_name["TV Shows"]["CollectionType"] == "tvshows"
    assert by_name["Music"]["CollectionType"] == "music"
    assert by_name["Photos"]["CollectionType"] == "photos"
    assert by_name["Movies"]["Type"] == "CollectionFolder"
    assert by_name["Movies"]["IsFolder"] is True
    assert by_name["Movies"]["ChildCount"] == 12
    assert by_name["Movies"]["ImageTags"]["Primary"]


async def test_browsing_walks_series_seasons_and_episodes(http, server, token) -> None:
    items = f"/Users/{_admin(server)}/Items"
    tv = server.library.find_view("TV Shows")
    _, shows = await _get(http, server, token, items, {"ParentId": tv.id})
    assert [s["Type"] for s in shows["Items"]] == ["Series"] * 3
    series = shows["Items"][0]
    _, seasons = await _get(http, server, token, items, {"ParentId": series["Id"]})
    assert [s["IndexNumber"] for s in seasons["Items"]] == [1, 2]
    _, episodes = await _get(http, server, token, items, {"ParentId": seasons["Items"][1]["Id"]})
    first = episodes["Items"][0]
    assert [e["IndexNumber"] for e in episodes["Items"]] == [1, 2, 3, 4]
    assert first["ParentIndexNumber"] == 2
    assert (first["SeriesName"], first["SeriesId"]) == (series["Name"], series["Id"])
    assert first["SeasonName"] == "Season 2"
    assert first["SeriesPrimaryImageTag"] == series["ImageTags"]["Primary"]
    assert first["MediaType"] == "Video"
    assert first["RunTimeTicks"] > 0
    assert set(first["UserData"]) >= {"Played", "PlaybackPositionTicks", "IsFavorite"}


async def test_music_has_artists_albums_and_songs(http, server, token) -> None:
    items = f"/Users/{_admin(server)}/Items"
    _, songs = await _get(
        http, server, token, items, {"IncludeItemTypes": "Audio", "Recursive": "true", "Limit": "1"}
    )
    song = songs["Items"][0]
    assert songs["TotalRecordCount"] == 30
    assert song["MediaType"] == "Audio"
    assert song["Artists"] == [song["AlbumArtist"]]
    assert song["ArtistItems"][0]["Name"] == song["AlbumArtist"]
    assert song["AlbumArtists"][0]["Name"] == song["AlbumArtist"]
    assert song["AlbumPrimaryImageTag"]
    assert song["ImageTags"] == {}
    _, album = await _get(http, server, token, f"{items}/{song['AlbumId']}")
    assert album["Type"] == "MusicAlbum"
    assert album["ImageTags"]["Primary"] == song["AlbumPrimaryImageTag"]


async def test_paging_filters_sorting_and_search(http, server, token) -> None:
    items = f"/Users/{_admin(server)}/Items"
    movies = server.library.find_view("Movies").id
    seen: list[str] = []
    for start in range(0, 12, 5):
        _, page = await _get(
            http, server, token, items, {"ParentId": movies, "StartIndex": str(start), "Limit": "5"}
        )
        assert page["TotalRecordCount"] == 12
        seen += [item["Name"] for item in page["Items"]]
    assert len(seen) == 12
    assert seen == sorted(seen, key=str.lower)

    _, by_year = await _get(
        http,
        server,
        token,
        items,
        {"ParentId": movies, "SortBy": "ProductionYear,SortName", "SortOrder": "Descending"},
    )
    years = [item["ProductionYear"] for item in by_year["Items"]]
    assert years == sorted(years, reverse=True)

    name = server.library.items[next(iter(server.library.items))].name  # the Movies view
    _, found = await _get(http, server, token, items, {"SearchTerm": "silent"})
    assert found["Items"]
    assert all("silent" in item["Name"].lower() for item in found["Items"])
    assert name == "Movies"

    cases: list[tuple[dict[str, str], int]] = [
        ({"Recursive": "true", "IncludeItemTypes": "Movie,Series"}, 15),
        ({"Recursive": "true", "MediaTypes": "Photo"}, 8),
        (
            {"Recursive": "true", "IsFolder": "true", "ExcludeItemTypes": "Season"},
            3 + 3 + 6 + 2 + 1,
        ),
        ({"Recursive": "true", "IsFolder": "false", "IncludeItemTypes": "Video"}, 3),
        ({}, 5),  # no parent: the user's libraries
        ({"Ids": f"{movies},999"}, 1),
        ({"ParentId": movies, "SortBy": "Random", "Limit": "3"}, 12),
    ]
    for params, total in cases:
        _, page = await _get(http, server, token, items, params)
        assert page["TotalRecordCount"] == total, params


async def test_fields_and_images_only_when_asked(http, server, token) -> None:
    items = f"/Users/{_admin(server)}/Items"
    movies = server.library.find_view("Movies").id
    _, plain = await _get(http, server, token, items, {"ParentId": movies, "Limit": "1"})
    (movie,) = plain["Items"]
    assert "Overview" not in movie
    assert "ParentId" not in movie
    assert movie["BackdropImageTags"]
    _, rich = await _get(
        http,
        server,
        token,
        items,
        {
            "ParentId": movies,
            "Limit": "1",
            "Fields": "Overview,ParentId,DateCreated,SortName,PrimaryImageAspectRatio",
            "EnableImageTypes": "Primary",
            "EnableUserData": "false",
        },
    )
    (movie,) = rich["Items"]
    assert movie["Overview"].endswith("generated by the Emby simulator.")
    assert movie["ParentId"] == movies
    assert movie["PrimaryImageAspectRatio"] == pytest.approx(2 / 3)
    assert "UserData" not in movie
    assert movie["BackdropImageTags"] == []
    _, bare = await _get(
        http, server, token, items, {"ParentId": movies, "Limit": "1", "EnableImages": "false"}
    )
    assert "ImageTags" not in bare["Items"][0]


async def test_the_items_endpoint_takes_the_user_in_the_query(http, server, token) -> None:
    status, page = await _get(http, server, token, "/Items", {"UserId": _admin(server)})
    assert (status, page["TotalRecordCount"]) == (200, 5)
    api_key = server.create_api_key()
    status, page = await _get(http, server, api_key, "/Items", {"Recursive": "true", "Limit": "0"})
    assert (status, page["Items"], page["TotalRecordCount"]) == (200, [], len(server.library) - 5)


async def test_bad_queries(http, server, token) -> None:
    items = f"/Users/{_admin(server)}/Items"
    bob_token = await sign_in(http, server, "bob", "bob-pw")
    assert (await _get(http, server, token, items, {"StartIndex": "x"}))[0] == 400
    assert (await _get(http, server, token, items, {"Limit": "-1"}))[0] == 400
    assert (await _get(http, server, token, items, {"ParentId": "12"}))[0] == 404
    assert (await _get(http, server, token, f"{items}/12"))[0] == 404
    assert (await _get(http, server, token, f"/Users/{'a' * 32}/Views"))[0] == 404
    assert (await _get(http, server, bob_token, items))[0] == 403
    assert (await _get(http, server, None, items))[0] == 401


async def test_a_restricted_user_sees_only_its_libraries(http, server, token) -> None:
    bob = server.find_user("bob")
    music = server.library.find_view("Music")
    bob.enabled_folders = frozenset({music.id})
    bob_token = await sign_in(http, server, "bob", "bob-pw")
    items = f"/Users/{bob.id}/Items"
    _, views = await _get(http, server, bob_token, f"/Users/{bob.id}/Views")
    assert [view["Name"] for view in views["Items"]] == ["Music"]
    _, everything = await _get(http, server, bob_token, items, {"Recursive": "true"})
    assert {item["Type"] for item in everything["Items"]} == {"MusicArtist", "MusicAlbum", "Audio"}
    movie = next(i for i in server.library.items.values() if i.type == "Movie")
    assert (await _get(http, server, bob_token, f"{items}/{movie.id}"))[0] == 404
    _, by_id = await _get(http, server, bob_token, items, {"Ids": movie.id})
    assert by_id["TotalRecordCount"] == 0
    admin_item = f"/Users/{_admin(server)}/Items/{movie.id}"
    assert (await _get(http, server, bob_token, admin_item))[0] == 403
    movies = server.library.find_view("Movies").id
    assert (await _get(http, server, bob_token, items, {"ParentId": movies}))[0] == 404
    # An administrator browsing as bob sees what bob sees.
    _, as_bob = await _get(http, server, token, f"/Users/{bob.id}/Views")
    assert as_bob["TotalRecordCount"] == 1
    _, dto = await _get(http, server, token, f"/Users/{bob.id}")
    assert dto["Policy"]["EnableAllFolders"] is False
    assert dto["Policy"]["EnabledFolders"] == [music.id]


# -- images -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """An answer read whole."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: bytes


async def _fetch(
    http: aiohttp.ClientSession,
    server: SimServer,
    token: str | None,
    path: str,
    *,
    params: dict[str, str] | None = None,
    method: str = "GET",
) -> Fetched:
    """Fetch an image or a stream and read it whole."""
    headers = with_token(token) if token else {}
    async with http.request(
        method, f"{server.url}{path}", params=params, headers=headers
    ) as response:
        body = await response.read()
        return Fetched(response.status, response.content_type, response.headers, body)


async def test_images_are_generated_pngs_of_the_asked_size(http, server, token) -> None:
    movie = next(i for i in server.library.items.values() if i.type == "Movie")
    song = next(i for i in server.library.items.values() if i.type == "Audio")
    episode = next(i for i in server.library.items.values() if i.type == "Episode")
    album = server.library.items[song.album_id or ""]
    cases = [
        (movie.id, "Primary", None, (200, 300)),
        (movie.id, "Backdrop", None, (480, 270)),
        (movie.id, "Backdrop/0", None, (480, 270)),
        (movie.id, "primary", {"MaxWidth": "100"}, (100, 150)),
        (movie.id, "Primary", {"Width": "50"}, (50, 75)),
        (movie.id, "Primary", {"Height": "30", "Tag": "x", "Format": "jpg"}, (20, 30)),
        (movie.id, "Primary", {"Width": "40", "Height": "40"}, (40, 40)),
        (movie.id, "Primary", {"MaxWidth": "9999"}, (200, 300)),
        (album.id, "Primary", None, (300, 300)),
        (episode.id, "Primary", None, (320, 180)),
    ]
    for item_id, image_type, params, size in cases:
        response = await _fetch(
            http, server, token, f"/Items/{item_id}/Images/{image_type}", params=params
        )
        assert response.status == 200, (image_type, params)
        assert response.content_type == "image/png"
        picture = Image.open(io.BytesIO(response.body))
        assert picture.size == size, (image_type, params)
    response = await _fetch(http, server, token, f"/Items/{movie.id}/Images/Primary")
    assert response.headers["ETag"] == f'"{movie.image_tag("Primary")}"'
    head = await _fetch(http, server, token, f"/Items/{movie.id}/Images/Primary", method="HEAD")
    assert head.status == 200
    assert int(head.headers["Content-Length"]) == len(response.body)
    assert head.body == b""


async def test_images_that_do_not_exist(http, server, token) -> None:
    song = next(i for i in server.library.items.values() if i.type == "Audio")
    poster_less = next(
        i for i in server.library.items.values() if i.type == "Movie" and not i.image_tag("Primary")
    )
    for path, status in [
        (f"/Items/{song.id}/Images/Primary", 404),
        (f"/Items/{poster_less.id}/Images/Primary", 404),
        (f"/Items/{poster_less.id}/Images/Backdrop/1", 404),
        ("/Items/12/Images/Primary", 404),
        (f"/Items/{poster_less.id}/Images/Backdrop?Width=0", 400),
        (f"/Items/{poster_less.id}/Images/Backdrop?Index=one", 400),
    ]:
        assert (await _fetch(http, server, token, path)).status == status, path
    assert (
        await _fetch(http, server, None, f"/Items/{poster_less.id}/Images/Backdrop")
    ).status == 401


def test_generated_media_are_valid_files() -> None:
    picture = Image.open(io.BytesIO(png("seed", 7, 3)))
    picture.load()
    assert picture.size == (7, 3)
    assert png("seed", 0, 99_999)[:8] == b"\x89PNG\r\n\x1a\n"
    with wave.open(io.BytesIO(wav("seed"))) as audio:
        assert audio.getnframes() / audio.getframerate() == MEDIA_SECONDS
        assert (audio.getnchannels(), audio.getsampwidth()) == (1, 2)
    video = mutagen.mp4.MP4(io.BytesIO(mp4("seed")))
    assert video.info.length == MEDIA_SECONDS
    assert mp4("seed")[4:8] == b"ftyp"
    width, height = VIDEO_SIZE
    assert len(mp4("seed")) > width * height * 3 * MEDIA_SECONDS


# -- streams ------------------------------------------------------------------------------------


async def test_streams_serve_generated_media(http, server, token) -> None:
    movie = next(i for i in server.library.items.values() if i.type == "Movie")
    song = next(i for i in server.library.items.values() if i.type == "Audio")
    for path, content_type in [
        (f"/Videos/{movie.id}/stream", "video/mp4"),
        (f"/Videos/{movie.id}/stream.mkv", "video/mp4"),
        (f"/Audio/{song.id}/stream.flac", "audio/wav"),
        (f"/Audio/{song.id}/universal", "audio/wav"),
        (f"/Audio/{song.id}/universal.mp3", "audio/wav"),
    ]:
        response = await _fetch(http, server, token, path, params={"Static": "true"})
        assert response.status == 200, path
        assert response.content_type == content_type
        assert response.headers["Accept-Ranges"] == "bytes"
    body = (await _fetch(http, server, token, f"/Videos/{movie.id}/stream")).body
    assert mutagen.mp4.MP4(io.BytesIO(body)).info.length == MEDIA_SECONDS
    # A cast device cannot send headers: the token may come as api_key in the query.
    async with http.get(
        f"{server.url}/Audio/{song.id}/universal", params={"api_key": token}
    ) as response:
        assert response.status == 200
        with wave.open(io.BytesIO(await response.read())) as audio:
            assert audio.getnframes() > 0


async def test_streams_answer_byte_ranges(http, server, token) -> None:
    song = next(i for i in server.library.items.values() if i.type == "Audio")
    url = f"{server.url}/Audio/{song.id}/stream"
    whole = wav(song.id)
    for header, status, expected, content_range in [
        ("bytes=0-99", 206, whole[:100], f"bytes 0-99/{len(whole)}"),
        ("bytes=100-", 206, whole[100:], f"bytes 100-{len(whole) - 1}/{len(whole)}"),
        ("bytes=-10", 206, whole[-10:], f"bytes {len(whole) - 10}-{len(whole) - 1}/{len(whole)}"),
        ("bytes=0-999999999", 206, whole, f"bytes 0-{len(whole) - 1}/{len(whole)}"),
        ("bytes=-", 200, whole, None),
        ("items=1-2", 200, whole, None),
        (f"bytes={len(whole)}-", 416, b"", f"bytes */{len(whole)}"),
    ]:
        async with http.get(url, headers={**with_token(token), "Range": header}) as response:
            assert response.status == status, header
            assert await response.read() == expected
            assert response.headers.get("Content-Range") == content_range


async def test_streams_only_of_what_the_user_may_play(http, server, token) -> None:
    movie = next(i for i in server.library.items.values() if i.type == "Movie")
    song = next(i for i in server.library.items.values() if i.type == "Audio")
    series = next(i for i in server.library.items.values() if i.type == "Series")
    bob = server.find_user("bob")
    bob.enabled_folders = frozenset({server.library.find_view("Music").id})
    bob_token = await sign_in(http, server, "bob", "bob-pw")
    for who, path, status in [
        (token, f"/Videos/{song.id}/stream", 404),
        (token, f"/Audio/{movie.id}/stream", 404),
        (token, f"/Videos/{series.id}/stream", 404),
        (token, "/Videos/12/stream", 404),
        (bob_token, f"/Videos/{movie.id}/stream", 404),
        (bob_token, f"/Audio/{song.id}/stream", 200),
        (None, f"/Audio/{song.id}/stream", 401),
    ]:
        assert (await _fetch(http, server, who, path)).status == status, path


def test_queries_keep_their_selection_until_the_library_changes() -> None:
    library = SimLibrary("x")
    generate(library, LibrarySpec(movies=30))
    movies = library.find_view("Movies")
    assert movies is not None
    query = ItemQuery(parent_id=movies.id, limit=10)
    first, total = library.query(query, None)
    second, _ = library.query(replace(query, start_index=10), None)
    assert (len(first), len(second), total) == (10, 10, 30)
    assert not set(first) & set(second)
    for year in range(12):  # more distinct queries than are kept
        library.query(replace(query, search_term=str(year)), None)
    library.add_item(movies, name="Aardvark", type="Movie", media_type="Video")
    again, total = library.query(query, None)
    assert total == 31
    assert again[0].name == "Aardvark"
