"""Scheduled tasks, their websocket feed, and library scans with progress and LibraryChanged."""

from __future__ import annotations

import asyncio

import pytest

from embysim import EmbySimulator
from embysim.catalog import generate
from embysim.feeds import parse_start
from embysim.tasks import TaskStatus
from tests.living_room import add_living_room

from .care_helpers import collect, next_message, ws_url
from .helpers import sign_in, with_token
from .openapi import validate_response

EPISODES = [
    {"Name": "Pilot", "Type": "Episode", "SeriesName": "Blender Stories", "ParentIndexNumber": 1, "IndexNumber": 1, "ProductionYear": 2024},
    {"Name": "Second", "Type": "Episode", "SeriesName": "Blender Stories", "ParentIndexNumber": 1, "IndexNumber": 2, "ProductionYear": 2024},
    {"name": "Sintel", "type": "Movie", "year": 2010},
]  # fmt: skip


@pytest.fixture
async def server(emby_sim: EmbySimulator):
    """Return a running server with an admin and a plain user; runs are quick and quiet."""
    server = await add_living_room(emby_sim, admin=("alice", "pw"))
    server.scan_duration = 0.3
    # Longer than the gap between two found items: one LibraryChanged per scan.
    server.library_changed_delay = 0.25
    server.care.scan.refresh_progress_interval = 0
    return server


@pytest.fixture
async def admin(http, server) -> str:
    """Return an administrator's token."""
    return await sign_in(http, server, "alice", "pw")


async def _get(http, server, path: str, token: str, **params: str):
    async with http.get(f"{server.url}{path}", params=params, headers=with_token(token)) as r:
        assert r.status == 200, await r.text()
        return await r.json()


def test_parse_start() -> None:
    assert parse_start("0,1500") == (0.0, 1.5)
    assert parse_start("1000,250") == (1.0, 0.25)
    assert parse_start("500") == (0.5, 1.0)
    assert parse_start(None) == (0.0, 1.0)
    assert parse_start("soon,often") == (0.0, 1.0)
    assert parse_start("-5,-5") == (0.0, 0.0)


# -- the REST side -----------------------------------------------------------------------------


async def test_tasks_are_listed_with_stable_ids_and_a_last_result(http, server, admin) -> None:
    first = await _get(http, server, "/ScheduledTasks", admin)
    assert first == await _get(http, server, "/ScheduledTasks", admin)
    validate_response("GET", "/ScheduledTasks", first)
    scan = next(task for task in first if task["Key"] == "RefreshLibrary")
    assert scan["Name"] == "Scan media library"
    assert scan["State"] == "Idle"
    assert "CurrentProgressPercentage" not in scan
    assert scan["LastExecutionResult"]["Status"] == "Completed"
    assert scan["LastExecutionResult"]["StartTimeUtc"] < scan["LastExecutionResult"]["EndTimeUtc"]
    one = await _get(http, server, f"/ScheduledTasks/{scan['Id']}", admin)
    assert one == scan
    validate_response("GET", "/ScheduledTasks/{Id}", one)
    async with http.get(f"{server.url}/ScheduledTasks/nope", headers=with_token(admin)) as r:
        assert r.status == 404
    assert await _get(http, server, "/ScheduledTasks", admin, IsHidden="true") == []
    assert await _get(http, server, "/ScheduledTasks", admin, IsEnabled="false") == []
    assert len(await _get(http, server, "/ScheduledTasks", admin, IsHidden="false")) == len(first)


async def test_starting_a_task_runs_it_with_progress(http, server, admin) -> None:
    task = server.task("Check for plugin updates")
    async with http.post(
        f"{server.url}/ScheduledTasks/Running/{task.id}", headers=with_token(admin)
    ) as r:
        assert r.status == 204
    await asyncio.sleep(0.15)
    running = await _get(http, server, f"/ScheduledTasks/{task.id}", admin)
    assert running["State"] == "Running"
    assert 0 < running["CurrentProgressPercentage"] < 100
    validate_response("GET", "/ScheduledTasks/{Id}", running)
    assert task.runner is not None
    assert await task.runner == TaskStatus.COMPLETED
    done = await _get(http, server, f"/ScheduledTasks/{task.id}", admin)
    assert done["State"] == "Idle"
    assert done["LastExecutionResult"]["Status"] == "Completed"


async def test_cancelling_a_task(http, server, admin) -> None:
    task = server.task("DeleteCacheFiles")
    server.care.start_task(task, duration=5)
    await asyncio.sleep(0.05)
    async with http.delete(
        f"{server.url}/ScheduledTasks/Running/{task.id}", headers=with_token(admin)
    ) as r:
        assert r.status == 204
    assert await task.runner == TaskStatus.CANCELLED
    assert task.last_result["Status"] == "Cancelled"
    # Stopping an idle task, or through the POST form, is harmless.
    async with http.post(
        f"{server.url}/ScheduledTasks/Running/{task.id}/Delete", headers=with_token(admin)
    ) as r:
        assert r.status == 204
    for method in ("POST", "DELETE"):
        async with http.request(
            method, f"{server.url}/ScheduledTasks/Running/nope", headers=with_token(admin)
        ) as r:
            assert r.status == 404


async def test_a_failing_run_reports_failed_with_its_error(server) -> None:
    task = server.task("SystemUpdateTask")
    status = await server.care.start_task(task, duration=0.1, fail_at=50)
    assert status == TaskStatus.FAILED
    assert task.last_result["Status"] == "Failed"
    assert task.last_result["ErrorMessage"]
    validate_response("GET", "/ScheduledTasks/{Id}", task.to_json())


async def test_starting_a_running_task_restarts_it(server) -> None:
    task = server.task("RefreshLibrary")
    first = server.care.start_task(task, duration=5)
    await asyncio.sleep(0.05)
    second = server.care.start_task(task, duration=0.1)
    assert await first == TaskStatus.CANCELLED
    assert await second == TaskStatus.COMPLETED


async def test_admin_endpoints_refuse_other_users(http, server) -> None:
    bob = await sign_in(http, server, "bob", "bob-pw")
    task = server.task("RefreshLibrary")
    for method, path in [
        ("GET", "/ScheduledTasks"),
        ("GET", f"/ScheduledTasks/{task.id}"),
        ("POST", f"/ScheduledTasks/Running/{task.id}"),
        ("DELETE", f"/ScheduledTasks/Running/{task.id}"),
        ("POST", "/Library/Refresh"),
    ]:
        async with http.request(method, f"{server.url}{path}", headers=with_token(bob)) as r:
            assert r.status == 403, path
        async with http.request(method, f"{server.url}{path}", headers=with_token("0" * 32)) as r:
            assert r.status == 401, path
    assert not task.running


# -- the ScheduledTasksInfo feed ---------------------------------------------------------------


async def test_feed_sends_on_its_timer_and_on_every_change(http, server, admin) -> None:
    task = server.task("RefreshLibrary")
    async with http.ws_connect(ws_url(server, admin)) as ws:
        await ws.send_json({"MessageType": "ScheduledTasksInfoStart", "Data": "0,200"})
        first = await next_message(ws, "ScheduledTasksInfo")
        assert [t["Name"] for t in first] == sorted(t["Name"] for t in first)
        assert next(t for t in first if t["Id"] == task.id)["State"] == "Idle"
        validate_response("GET", "/ScheduledTasks", first)

        run = server.care.start_task(task, duration=0.4)

        def scan_in(data, state: str):
            return next(t for t in data if t["Id"] == task.id)["State"] == state

        running = await next_message(
            ws, "ScheduledTasksInfo", where=lambda d: scan_in(d, "Running")
        )
        assert next(t for t in running if t["Id"] == task.id)["CurrentProgressPercentage"] == 0
        ended = await next_message(ws, "ScheduledTaskEnded")
        assert ended["Id"] == task.id
        assert ended["Status"] == "Completed"
        validate_response("GET", "/ScheduledTasks/{Id}", {"LastExecutionResult": ended})
        idle = await next_message(ws, "ScheduledTasksInfo", where=lambda d: scan_in(d, "Idle"))
        assert next(t for t in idle if t["Id"] == task.id)["LastExecutionResult"] == ended
        assert await run == TaskStatus.COMPLETED

        # The timer keeps sending while subscribed, and stops after ScheduledTasksInfoStop.
        assert await next_message(ws, "ScheduledTasksInfo", limit=1)
        await ws.send_json({"MessageType": "ScheduledTasksInfoStop"})
        await asyncio.sleep(0.05)
        later = await collect(ws, 0.5)
        assert [kind for kind, _ in later if kind == "ScheduledTasksInfo"] == []


async def test_progress_messages_are_throttled_to_the_interval(http, server, admin) -> None:
    task = server.task("PluginUpdates")
    async with http.ws_connect(ws_url(server, admin)) as ws:
        # A long initial delay: only change-driven messages arrive.
        await ws.send_json({"MessageType": "ScheduledTasksInfoStart", "Data": "60000,10000"})
        await asyncio.sleep(0.05)
        run = server.care.start_task(task, duration=0.3)
        messages = await collect(ws, 0.6)
        assert await run == TaskStatus.COMPLETED
    infos = [data for kind, data in messages if kind == "ScheduledTasksInfo"]
    # Started and ended are forced; the nine progress steps fall inside the 10 s interval.
    assert len(infos) == 2


async def test_non_administrators_get_no_task_messages(http, server) -> None:
    bob = await sign_in(http, server, "bob", "bob-pw")
    async with http.ws_connect(ws_url(server, bob)) as ws:
        await ws.send_json({"MessageType": "ScheduledTasksInfoStart", "Data": "0,100"})
        await ws.send_json({"MessageType": "SomethingElseStart", "Data": "0,100"})
        await server.care.start_task(server.task("RefreshLibrary"), duration=0.1)
        messages = await collect(ws, 0.4)
    kinds = {kind for kind, _ in messages}
    assert kinds.isdisjoint({"ScheduledTasksInfo", "ScheduledTaskEnded", "RefreshProgress"})


# -- library scans -----------------------------------------------------------------------------


async def test_library_refresh_scans_pushes_progress_then_one_library_changed(
    http, server, admin
) -> None:
    server.care.library.pending.extend(server.care.library.item(item) for item in EPISODES)
    before = dict(server.counts)
    async with http.ws_connect(ws_url(server, admin)) as ws:
        async with http.post(f"{server.url}/Library/Refresh", headers=with_token(admin)) as r:
            assert r.status == 204
        messages = await collect(ws, 0.8)
    # A server without libraries gets Movies, TV Shows and Music at its first scan.
    libraries = {library.id for library in server.care.library.libraries}
    progress = [data for kind, data in messages if kind == "RefreshProgress"]
    assert {p["ItemId"] for p in progress} == libraries
    for library in libraries:
        values = [float(p["Progress"]) for p in progress if p["ItemId"] == library]
        assert values[0] == 0
        assert values[-1] == 100
        assert values == sorted(values)
        assert len(values) == server.care.scan_steps + 1
    assert all(isinstance(p["Progress"], str) for p in progress)
    (changed,) = [data for kind, data in messages if kind == "LibraryChanged"]
    assert len(changed["ItemsAdded"]) == 3
    assert set(changed["ItemsAdded"]) == set(server.items)
    ended = [data for kind, data in messages if kind == "ScheduledTaskEnded"]
    assert [e["Key"] for e in ended] == ["RefreshLibrary"]
    assert server.counts["EpisodeCount"] == before["EpisodeCount"] + 2
    assert server.counts["MovieCount"] == before["MovieCount"] + 1
    assert server.counts["SeriesCount"] == before["SeriesCount"] + 1
    assert server.counts["ItemCount"] == before["ItemCount"] + 3


async def test_added_items_exist_at_items_by_ids(http, server, admin) -> None:
    status = await server.scan_library(EPISODES)
    assert status == TaskStatus.COMPLETED
    ids = list(server.items)
    page = await _get(http, server, "/Items", admin, Ids=",".join(reversed(ids)))
    validate_response("GET", "/Items", page)
    assert page["TotalRecordCount"] == 3
    assert [item["Id"] for item in page["Items"]] == list(reversed(ids))
    pilot = next(item for item in page["Items"] if item["Name"] == "Pilot")
    assert pilot["Type"] == "Episode"
    assert pilot["SeriesName"] == "Blender Stories"
    assert (pilot["ParentIndexNumber"], pilot["IndexNumber"]) == (1, 1)
    assert pilot["SeasonName"] == "Season 1"
    assert pilot["ProductionYear"] == 2024
    assert pilot["ServerId"] == server.system_id
    second = next(item for item in page["Items"] if item["Name"] == "Second")
    assert second["SeriesId"] == pilot["SeriesId"]
    sintel = next(item for item in page["Items"] if item["Name"] == "Sintel")
    assert (sintel["Type"], sintel["ProductionYear"], sintel["MediaType"]) == (
        "Movie",
        2010,
        "Video",
    )
    assert "SeriesName" not in sintel
    # Any user may read items; unknown Ids are skipped; without Ids the list pages.
    bob = await sign_in(http, server, "bob", "bob-pw")
    assert (await _get(http, server, "/Items", bob, Ids=f"{ids[0]},{'0' * 32}"))[
        "TotalRecordCount"
    ] == 1
    paged = await _get(http, server, "/Items", bob, StartIndex="1", Limit="1")
    assert (paged["TotalRecordCount"], len(paged["Items"])) == (3, 1)


async def test_scan_library_with_a_task_await_and_a_failure_keeps_the_rest(server) -> None:
    status = await server.scan_library(EPISODES, fail_at=50)
    assert status == TaskStatus.FAILED
    assert 0 < len(server.items) < 3
    assert len(server.items) + len(server.care.library.pending) == 3
    assert await server.scan_library() == TaskStatus.COMPLETED
    assert len(server.items) == 3
    assert server.care.library.pending == []


async def test_refresh_progress_is_throttled_like_emby(http, server, admin) -> None:
    server.care.scan.refresh_progress_interval = 10
    async with http.ws_connect(ws_url(server, admin)) as ws:
        await server.scan_library([EPISODES[2]])
        messages = await collect(ws, 0.3)
    progress = [float(d["Progress"]) for kind, d in messages if kind == "RefreshProgress"]
    assert progress == [0, 0, 0, 100, 100, 100]  # three folders: start and end only


async def test_a_slow_scan_sends_a_batch_whenever_it_goes_quiet(http, server, admin) -> None:
    server.library_changed_delay = 0.05
    async with http.ws_connect(ws_url(server, admin)) as ws:
        await server.scan_library(EPISODES, duration=0.6)
        messages = await collect(ws, 0.3)
    batches = [data["ItemsAdded"] for kind, data in messages if kind == "LibraryChanged"]
    assert len(batches) == 3
    assert sorted(item for batch in batches for item in batch) == sorted(server.items)


async def test_a_scan_batch_is_one_library_changed_and_non_admins_see_it_too(http, server) -> None:
    bob = await sign_in(http, server, "bob", "bob-pw")
    async with http.ws_connect(ws_url(server, bob)) as ws:
        await server.scan_library(EPISODES)
        messages = await collect(ws, 0.4)
    kinds = [kind for kind, _ in messages]
    assert kinds.count("LibraryChanged") == 1
    assert "RefreshProgress" not in kinds  # administrators only


def test_item_types_are_checked(server) -> None:
    with pytest.raises(ValueError, match="item type"):
        server.care.library.item({"Name": "Doom", "Type": "Game"})


async def test_scanned_media_is_filed_into_the_browsable_library(http, server, admin) -> None:
    generate(server.library)
    existing = next(item for item in server.library.items.values() if item.type == "Series")
    before = dict(server.counts)
    views = len(server.library.views)
    status = await server.scan_library(
        [
            {"Name": "Finale", "Type": "Episode", "SeriesName": existing.name, "ParentIndexNumber": 2, "IndexNumber": 9},
            {"Name": "Opener", "Type": "Episode", "SeriesName": "Brand New Show", "ParentIndexNumber": 3},
            {"Name": "Track", "Type": "Audio", "AlbumArtist": "Newcomers", "Album": "Debut", "IndexNumber": 1},
            {"Name": "Clip", "Type": "MusicVideo"},
        ]
    )  # fmt: skip
    assert status == TaskStatus.COMPLETED
    finale, opener, track, clip = server.items.values()
    # An existing series and season take the episode; a new series gets its own folders.
    season = server.library.items[str(finale.parent_id)]
    assert (season.type, season.index_number, season.series_id) == ("Season", 2, existing.id)
    new_season = server.library.items[str(opener.parent_id)]
    new_series = server.library.items[str(new_season.parent_id)]
    assert (new_series.type, new_series.name) == ("Series", "Brand New Show")
    assert (new_season.name, opener.season_id, opener.series_id) == (
        "Season 3",
        new_season.id,
        new_series.id,
    )
    album = server.library.items[str(track.parent_id)]
    artist = server.library.items[str(album.parent_id)]
    assert (album.type, album.name, artist.type, artist.name) == (
        "MusicAlbum",
        "Debut",
        "MusicArtist",
        "Newcomers",
    )
    # A type without a library gets one; the others went to the generated views.
    assert len(server.library.views) == views + 1
    assert server.library.items[clip.view_id].collection_type == "musicvideos"
    assert server.library.items[finale.view_id].name == "TV Shows"
    # Items/Counts follows, and the items are browsable and readable by Ids as any user.
    counts = await _get(http, server, "/Items/Counts", admin)
    for field, added in (
        ("EpisodeCount", 2),
        ("SeriesCount", 1),
        ("SongCount", 1),
        ("AlbumCount", 1),
        ("MusicVideoCount", 1),
        ("ItemCount", 4),
    ):
        assert counts[field] == before[field] + added, field
    bob = await sign_in(http, server, "bob", "bob-pw")
    bob_id = server.find_user("bob").id
    ids = [finale.id, clip.id, track.id]
    page = await _get(http, server, f"/Users/{bob_id}/Items", bob, Ids=",".join(ids))
    validate_response("GET", "/Users/{UserId}/Items", page)
    assert [item["Id"] for item in page["Items"]] == ids
    children = await _get(http, server, f"/Users/{bob_id}/Items", bob, ParentId=season.id)
    assert finale.id in {item["Id"] for item in children["Items"]}
    one = await _get(http, server, f"/Users/{bob_id}/Items/{track.id}", bob)
    assert (one["Album"], one["AlbumArtist"], one["AlbumId"]) == ("Debut", "Newcomers", album.id)
