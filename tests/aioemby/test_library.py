"""Browsing over real HTTP: views, paging, search, items, images and stream requests."""

from __future__ import annotations

import io
from typing import Any
import wave

from aiohttp import ClientSession
from PIL import Image
import pytest
from yarl import URL

from custom_components.emby_connect.aioemby import (
    ClientIdentity,
    CollectionType,
    EmbyAuthenticationError,
    EmbyLibrary,
    EmbyNotFoundError,
    EmbyResponseError,
    EmbyServer,
    ImageRef,
    ImageType,
    ItemPage,
    ItemQuery,
    ItemSortBy,
    ItemType,
    MediaItem,
    MediaType,
    SortOrder,
)
from embysim import EmbySimulator, Fault, SimServer
from embysim.catalog import LibrarySpec, generate
from tests.living_room import add_living_room

from .conftest import signed_in


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a server with the default generated library, an admin and bob."""
    return await add_living_room(emby_sim, library=True, base_path="/emby")


async def _signed_in(
    server: SimServer, session: ClientSession, identity: ClientIdentity, name: str
) -> EmbyLibrary:
    """Return the library API of a user signed in with its password."""
    return EmbyLibrary(await signed_in(server, session, identity, name))


@pytest.fixture
async def library(
    server: SimServer, session: ClientSession, identity: ClientIdentity
) -> EmbyLibrary:
    """Return the administrator's library API."""
    return await _signed_in(server, session, identity, "admin")


def _view(server: SimServer, name: str) -> str:
    view = server.library.find_view(name)
    assert view is not None
    return view.id


# -- views and items ------------------------------------------------------------------------------


async def test_views(library: EmbyLibrary) -> None:
    views = await library.get_views()
    assert [v.name for v in views] == ["Movies", "TV Shows", "Music", "Photos", "Home Videos"]
    assert [v.collection_type for v in views] == [
        CollectionType.MOVIES,
        CollectionType.TV_SHOWS,
        CollectionType.MUSIC,
        CollectionType.PHOTOS,
        CollectionType.HOME_VIDEOS,
    ]
    assert all(v.type is ItemType.COLLECTION_FOLDER and v.is_folder for v in views)
    assert views[0].child_count == 12
    assert views[0].best_image() == ImageRef(
        item_id=views[0].id, tag=views[0].image_tags["Primary"]
    )


async def test_series_seasons_episodes(library: EmbyLibrary, server: SimServer) -> None:
    shows = await library.get_items(ItemQuery(parent_id=_view(server, "TV Shows")))
    series = shows.items[0]
    assert series.type is ItemType.SERIES
    seasons = await library.get_items(ItemQuery(parent_id=series.id))
    assert [s.index_number for s in seasons.items] == [1, 2]
    episodes = await library.get_items(ItemQuery(parent_id=seasons.items[0].id))
    episode = episodes.items[2]
    assert (episode.type, episode.media_type) == (ItemType.EPISODE, MediaType.VIDEO)
    assert (episode.series_id, episode.series_name) == (series.id, series.name)
    assert (episode.season_id, episode.season_name) == (seasons.items[0].id, "Season 1")
    assert (episode.parent_index_number, episode.index_number) == (1, 3)
    assert episode.duration is not None
    assert episode.duration > 0
    assert episode.is_playable
    assert not series.is_playable
    assert episode.series_primary_image_tag == series.image_tags["Primary"]
    assert episode.user_data is not None


async def test_artists_albums_songs(library: EmbyLibrary) -> None:
    songs = await library.get_items(
        ItemQuery(recursive=True, include_item_types=(ItemType.AUDIO,), limit=5)
    )
    song = songs.items[0]
    assert songs.total_record_count == 30
    assert (song.type, song.media_type) == (ItemType.AUDIO, MediaType.AUDIO)
    assert song.artists == (song.album_artist,)
    assert song.album
    assert song.album_id
    # A song has no picture of its own: its album's stands in.
    assert song.best_image() == ImageRef(item_id=song.album_id, tag=song.album_primary_image_tag)
    album = await library.get_item(song.album_id)
    assert album.type is ItemType.MUSIC_ALBUM
    assert album.image_tags["Primary"] == song.album_primary_image_tag
    artists = await library.get_items(
        ItemQuery(recursive=True, include_item_types=(ItemType.MUSIC_ARTIST,))
    )
    assert artists.total_record_count == 3
    assert artists.items[0].backdrop_image_tags


async def test_paging_walks_the_whole_query(library: EmbyLibrary, server: SimServer) -> None:
    query = ItemQuery(parent_id=_view(server, "Movies"), limit=5)
    names: list[str] = []
    page_count = 0
    next_query: ItemQuery | None = query
    while next_query is not None:
        page = await library.get_items(next_query)
        assert page.total_record_count == 12
        assert page.start_index == next_query.start_index
        names += [item.name for item in page.items]
        page_count += 1
        next_query = next_query.next_page(page)
    assert page_count == 3
    assert len(names) == len(set(names)) == 12
    assert names == sorted(names, key=str.lower)
    assert [item.name async for item in library.iter_items(query)] == names


async def test_iterating_a_thousand_items(library: EmbyLibrary, server: SimServer) -> None:
    generate(
        server.library,
        LibrarySpec(movies=1_000, series=0, artists=0, photo_albums=0, video_folders=0),
    )
    view = server.library.views[-5]  # the second Movies library
    query = ItemQuery(parent_id=view.id, limit=200)
    ids = [item.id async for item in library.iter_items(query)]
    assert len(ids) == len(set(ids)) == 1_000
    assert server.request_count("/Users/" + library.server.user_id + "/Items") == 5  # type: ignore[operator]


async def test_sorting_filters_and_search(library: EmbyLibrary, server: SimServer) -> None:
    movies = _view(server, "Movies")
    by_year = await library.get_items(
        ItemQuery(
            parent_id=movies,
            sort_by=(ItemSortBy.PRODUCTION_YEAR, ItemSortBy.SORT_NAME),
            sort_order=SortOrder.DESCENDING,
        )
    )
    years = [item.production_year or 0 for item in by_year.items]
    assert years == sorted(years, reverse=True)
    found = await library.search("silent")
    assert found.items
    assert all("silent" in item.name.lower() for item in found.items)
    videos = await library.search(
        "clip", media_types=(MediaType.VIDEO,), item_types=(ItemType.VIDEO,)
    )
    assert videos.total_record_count == 3
    folders = await library.get_items(
        ItemQuery(recursive=True, is_folder=True, exclude_item_types=(ItemType.SEASON,))
    )
    assert all(item.is_folder for item in folders.items)
    assert not any(item.type is ItemType.SEASON for item in folders.items)
    some = [item.id for item in by_year.items[:2]]
    chosen = await library.get_items(ItemQuery(ids=tuple(some)))
    assert sorted(item.id for item in chosen.items) == sorted(some)
    detailed = await library.get_items(
        ItemQuery(parent_id=movies, limit=1, fields=("Overview", "ParentId"))
    )
    assert detailed.items[0].overview
    assert detailed.items[0].parent_id == movies


async def test_items_the_user_may_not_see(
    server: SimServer, session: ClientSession, identity: ClientIdentity
) -> None:
    bob = server.find_user("bob")
    assert bob is not None
    bob.enabled_folders = frozenset({_view(server, "Music")})
    library = await _signed_in(server, session, identity, "bob")
    assert [view.name for view in await library.get_views()] == ["Music"]
    movie = next(item for item in server.library.items.values() if item.type == "Movie")
    with pytest.raises(EmbyNotFoundError) as caught:
        await library.get_item(movie.id)
    assert caught.value.status == 404
    with pytest.raises(EmbyNotFoundError):
        await library.get_items(ItemQuery(parent_id=_view(server, "Movies")))
    everything = await library.get_items(ItemQuery(recursive=True, limit=500))
    assert {item.type for item in everything.items} == {
        ItemType.MUSIC_ARTIST,
        ItemType.MUSIC_ALBUM,
        ItemType.AUDIO,
    }


async def test_errors(library: EmbyLibrary, server: SimServer, identity: ClientIdentity) -> None:
    with pytest.raises(EmbyNotFoundError):
        await library.get_item("999")
    with pytest.raises(ValueError):  # noqa: PT011
        ItemQuery(limit=0)
    with pytest.raises(ValueError):  # noqa: PT011
        ItemQuery(start_index=-1)
    server.fault = Fault.HTTP_500
    with pytest.raises(EmbyResponseError) as caught:
        await library.get_views()
    assert caught.value.status == 500
    assert not isinstance(caught.value, EmbyNotFoundError)
    server.fault = Fault.NONE
    signed_out = EmbyLibrary(EmbyServer(url=server.url, identity=identity))
    with pytest.raises(EmbyAuthenticationError):
        await signed_out.get_views()


def test_models_read_tolerantly() -> None:
    item = MediaItem.from_dict(
        {
            "Id": "1",
            "Type": "TvChannel",
            "MediaType": "video",
            "RunTimeTicks": -5,
            "CommunityRating": float("inf"),
            "ImageTags": {"Thumb": "t", "Bad": 3},
            "UserData": {"PlayCount": -2, "PlayedPercentage": 12.5},
        }
    )
    assert (item.type, item.media_type, item.run_time_ticks) == (
        ItemType.TV_CHANNEL,
        MediaType.VIDEO,
        None,
    )
    assert item.community_rating is None
    assert item.image_tags == {"Thumb": "t"}
    assert item.best_image() == ImageRef(item_id="1", image_type=ImageType.THUMB, tag="t")
    assert item.user_data is not None
    assert (item.user_data.play_count, item.user_data.played_percentage) == (0, 12.5)
    odd = MediaItem.from_dict({"Id": "2", "Type": "Hologram", "BackdropImageTags": ["b"]})
    assert (odd.type, odd.type_name, odd.name) == (ItemType.OTHER, "Hologram", "")
    assert odd.best_image() == ImageRef(item_id="2", image_type=ImageType.BACKDROP, tag="b")
    assert MediaItem.from_dict({"Id": "3"}).best_image() is None
    assert MediaItem.from_dict({"Id": "3"}).duration is None
    season = MediaItem.from_dict({"Id": "4", "SeriesId": "9", "SeriesPrimaryImageTag": "s"})
    assert season.best_image() == ImageRef(item_id="9", tag="s")
    page = ItemPage.from_dict(
        {"Items": [{"Id": "a"}, {"Name": "no id"}], "TotalRecordCount": 1}, start_index=10
    )
    assert (len(page.items), page.total_record_count, page.next_start_index) == (1, 11, None)
    assert ItemPage.from_dict({}).items == ()
    assert ItemPage.from_dict({"Items": [{"Id": "a"}], "TotalRecordCount": 5}).next_start_index == 1


# -- images ---------------------------------------------------------------------------------------


async def test_image_urls_carry_no_token_and_fetch_with_a_header(
    library: EmbyLibrary, server: SimServer
) -> None:
    movie = (await library.get_items(ItemQuery(parent_id=_view(server, "Movies"), limit=1))).items[
        0
    ]
    image = movie.best_image()
    assert image is not None
    url = library.image_url(image, max_width=100)
    assert url == URL(server.url).with_path(f"/emby/Items/{movie.id}/Images/Primary").with_query(
        {"tag": image.tag, "maxWidth": "100"}
    )
    assert library.server.access_token not in str(url)
    picture = await library.fetch_image(image, max_width=100, max_height=120)
    assert picture.content_type == "image/png"
    assert Image.open(io.BytesIO(picture.content)).size == (80, 120)
    assert "content=" not in repr(picture)
    record = server.requests[-1]
    assert record.path == f"/Items/{movie.id}/Images/Primary"
    assert record.query == {"tag": image.tag, "maxWidth": "100", "maxHeight": "120"}
    assert record.headers["X-Emby-Token"] == library.server.access_token
    backdrop = ImageRef(
        item_id=movie.id, image_type=ImageType.BACKDROP, tag=movie.backdrop_image_tags[0]
    )
    assert Image.open(io.BytesIO((await library.fetch_image(backdrop)).content)).size == (480, 270)


async def test_missing_and_broken_images(library: EmbyLibrary, server: SimServer) -> None:
    song = next(item for item in server.library.items.values() if item.type == "Audio")
    with pytest.raises(EmbyNotFoundError):
        await library.fetch_image(ImageRef(item_id=song.id))
    server.fault = Fault.HTML_200
    with pytest.raises(EmbyResponseError, match="sent no picture"):
        await library.fetch_image(ImageRef(item_id=song.id))
    server.fault = Fault.HTTP_503
    with pytest.raises(EmbyResponseError) as caught:
        await library.fetch_image(ImageRef(item_id=song.id))
    assert caught.value.status == 503


# -- streams --------------------------------------------------------------------------------------


async def _fetch(session: ClientSession, url: URL, headers: Any = None) -> tuple[int, str, bytes]:
    async with session.get(url, headers=headers) as response:
        return response.status, response.content_type, await response.read()


async def test_stream_requests(
    library: EmbyLibrary, server: SimServer, session: ClientSession
) -> None:
    items = server.library.items.values()
    movie = MediaItem.from_dict(
        server.library.dto(next(i for i in items if i.type == "Movie" and i.container == "mkv"))
    )
    song = MediaItem.from_dict(server.library.dto(next(i for i in items if i.type == "Audio")))
    token = library.server.access_token
    assert token
    cases = [
        (
            library.stream_request(movie),
            f"/emby/Videos/{movie.id}/stream.mkv",
            "video/x-matroska",
            "video/mp4",
        ),
        (
            library.stream_request(movie, direct=False, max_bitrate=4_000_000),
            f"/emby/Videos/{movie.id}/stream.mp4",
            "video/mp4",
            "video/mp4",
        ),
        (
            library.stream_request(song, start_position_ticks=10),
            f"/emby/Audio/{song.id}/stream.flac",
            "audio/flac",
            "audio/wav",
        ),
        (
            library.stream_request(song, direct=False),
            f"/emby/Audio/{song.id}/universal",
            "audio/mpeg",
            "audio/wav",
        ),
        (
            library.stream_request(song, container="wav"),
            f"/emby/Audio/{song.id}/stream.wav",
            "audio/wav",
            "audio/wav",
        ),
    ]
    for request, path, mime_type, served in cases:
        assert request.url.path == path
        assert request.mime_type == mime_type
        assert token not in str(request.url)
        assert token not in repr(request)
        assert request.url.query["DeviceId"] == library.server.identity.device_id
        status, content_type, body = await _fetch(session, request.url, request.headers)
        assert (status, content_type) == (200, served), path
        assert body
        assert (await _fetch(session, request.url))[0] == 401  # the URL alone opens nothing
    assert cases[0][0].url.query["Static"] == "true"
    assert cases[1][0].url.query["VideoCodec"] == "h264"
    assert cases[1][0].url.query["MaxStreamingBitrate"] == "4000000"
    assert cases[2][0].url.query["StartTimeTicks"] == "10"
    assert cases[3][0].url.query["Container"] == "mp3"
    assert not cases[3][0].direct
    _, _, audio = await _fetch(session, cases[3][0].url, cases[3][0].headers)
    with wave.open(io.BytesIO(audio)) as wav:
        assert wav.getnframes() > 0


async def test_only_audio_and_video_stream(library: EmbyLibrary, server: SimServer) -> None:
    photo = MediaItem.from_dict(
        server.library.dto(next(i for i in server.library.items.values() if i.type == "Photo"))
    )
    folder = MediaItem.from_dict(server.library.dto(server.library.views[0]))
    bare = MediaItem(id="5", name="x", media_type=MediaType.VIDEO)
    for item in (photo, folder):
        with pytest.raises(ValueError, match="no audio or video"):
            library.stream_request(item)
    assert library.stream_request(bare).url.path == "/emby/Videos/5/stream"
    api_key_client = EmbyServer(url=server.url, identity=library.server.identity, access_token="k")
    assert "UserId" not in EmbyLibrary(api_key_client).stream_request(bare).url.query
