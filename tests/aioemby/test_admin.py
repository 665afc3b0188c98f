"""EmbyAdmin against the simulator over real HTTP on 127.0.0.1: tasks, activity, updates, restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ActivityLogPage,
    ClientIdentity,
    EmbyAdmin,
    EmbyAuthenticationError,
    EmbyForbiddenError,
    EmbyResponseError,
    EmbyServer,
    PackageType,
    PackageVersion,
    PluginInfo,
    ScheduledTask,
    TaskState,
    TaskStatus,
    WakeOnLanInfo,
    find_library_scan,
)
from custom_components.emby_connect.aioemby.admin import emby_datetime
from embysim import EmbySimulator, SimServer

ADMIN_PASSWORD = "admin-pw"
USER_PASSWORD = "user-pw"


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a running server behind /emby with an administrator and a plain user."""
    server = await emby_sim.add_server(name="Living Room", base_path="/emby")
    server.add_user("alice", ADMIN_PASSWORD, is_admin=True)
    server.add_user("bob", USER_PASSWORD)
    server.scan_duration = 0.2
    server.library_changed_delay = 0.3
    return server


async def _signed_in(
    server: SimServer, identity: ClientIdentity, session: ClientSession, *, admin: bool = True
) -> EmbyAdmin:
    """Return an EmbyAdmin for alice (admin) or bob."""
    client = EmbyServer(url=server.local.url, identity=identity, session=session)
    if admin:
        await client.authenticate_by_name("alice", ADMIN_PASSWORD)
    else:
        await client.authenticate_by_name("bob", USER_PASSWORD)
    return EmbyAdmin(server=client)


@pytest.fixture
async def admin(server: SimServer, identity: ClientIdentity, session: ClientSession) -> EmbyAdmin:
    """Return an administrator's EmbyAdmin."""
    return await _signed_in(server, identity, session)


@pytest.fixture
async def user(server: SimServer, identity: ClientIdentity, session: ClientSession) -> EmbyAdmin:
    """Return a plain user's EmbyAdmin."""
    return await _signed_in(server, identity, session, admin=False)


# -- Wake-on-LAN info --------------------------------------------------------------------------


async def test_wake_on_lan_info(
    emby_sim: EmbySimulator, server: SimServer, user: EmbyAdmin
) -> None:
    (info,) = await user.get_wake_on_lan_info()
    assert info == WakeOnLanInfo(
        mac_address=server.mac_address, broadcast_address="127.0.0.1", port=emby_sim.wake.port
    )
    assert WakeOnLanInfo.from_dict(info.as_dict()) == info


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"MacAddress": "02-ab-cd-ef-01-23", "BroadcastAddress": "192.168.1.255", "Port": 9},
            WakeOnLanInfo(mac_address="02:AB:CD:EF:01:23", broadcast_address="192.168.1.255"),
        ),
        (
            {"macaddress": "02abcdef0123", "broadcastaddress": " 10.0.0.255 ", "port": "7"},
            WakeOnLanInfo(mac_address="02:AB:CD:EF:01:23", broadcast_address="10.0.0.255", port=7),
        ),
        (  # Port 0 or missing: the standard port 9.
            {"MacAddress": "02:ab:cd:ef:01:23", "BroadcastAddress": "255.255.255.255", "Port": 0},
            WakeOnLanInfo(mac_address="02:AB:CD:EF:01:23", broadcast_address="255.255.255.255"),
        ),
    ],
)
def test_wake_on_lan_info_tolerant_reader(data, expected) -> None:
    assert WakeOnLanInfo.from_dict(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"MacAddress": "nope", "BroadcastAddress": "192.168.1.255"},
        {"MacAddress": "02:ab:cd:ef:01:23", "BroadcastAddress": "nas.example.com"},
        {"MacAddress": "02:ab:cd:ef:01:23"},
        {"MacAddress": "02:ab:cd:ef:01:23", "BroadcastAddress": "192.168.1.255", "Port": 70000},
        "02:ab:cd:ef:01:23",
    ],
)
def test_wake_on_lan_info_refuses_unusable_entries(data) -> None:
    with pytest.raises(EmbyResponseError):
        WakeOnLanInfo.from_dict(data)
    assert WakeOnLanInfo.list_from([data]) == []


# -- scheduled tasks ---------------------------------------------------------------------------


async def test_scheduled_tasks_and_the_library_scan(server: SimServer, admin: EmbyAdmin) -> None:
    tasks = await admin.get_scheduled_tasks()
    scan = find_library_scan(tasks)
    assert scan is not None
    assert (scan.name, scan.state, scan.is_running, scan.progress) == (
        "Scan media library",
        TaskState.IDLE,
        False,
        None,
    )
    assert scan.last_result is not None
    assert scan.last_result.status is TaskStatus.COMPLETED
    assert scan.last_result.started < scan.last_result.ended
    assert await admin.get_library_scan_task() == scan
    assert await admin.get_scheduled_task(scan.id) == scan
    assert {task.key for task in tasks} >= {"RefreshLibrary", "PluginUpdates"}


async def test_start_and_stop_a_task(server: SimServer, admin: EmbyAdmin) -> None:
    task = server.task("PluginUpdates")
    server.scan_duration = 5
    await admin.start_scheduled_task(task.id)
    await asyncio.sleep(0.05)
    running = await admin.get_scheduled_task(task.id)
    assert running.is_running
    assert running.state is TaskState.RUNNING
    assert running.progress is not None
    await admin.stop_scheduled_task(task.id)
    assert task.runner is not None
    await task.runner
    stopped = await admin.get_scheduled_task(task.id)
    assert stopped.last_result is not None
    assert stopped.last_result.status is TaskStatus.CANCELLED
    with pytest.raises(EmbyResponseError):
        await admin.get_scheduled_task("no/such task")


def test_scheduled_task_tolerant_reader() -> None:
    (task,) = ScheduledTask.list_from(
        [
            {
                "Id": "abc",
                "State": "running",
                "CurrentProgressPercentage": "120.5",
                "LastExecutionResult": {"Status": "Exploded"},
                "Key": "RefreshLibrary",
            },
            {"Name": "no id"},
        ]
    )
    assert (task.name, task.state, task.progress) == ("abc", TaskState.RUNNING, 100.0)
    assert task.is_library_scan
    assert task.last_result is not None
    assert task.last_result.status is TaskStatus.UNKNOWN
    idle = ScheduledTask.from_dict({"Id": "x", "State": "Sleeping", "CurrentProgressPercentage": 5})
    assert (idle.state, idle.progress) == (TaskState.IDLE, None)
    odd = ScheduledTask.from_dict(
        {"Id": "y", "State": "Running", "CurrentProgressPercentage": True}
    )
    assert odd.progress is None
    assert find_library_scan([idle, odd]) is None


# -- administrators only -----------------------------------------------------------------------


async def test_a_plain_user_is_forbidden_not_signed_out(server: SimServer, user: EmbyAdmin) -> None:
    calls = [
        user.get_scheduled_tasks(),
        user.start_scheduled_task(server.task("RefreshLibrary").id),
        user.get_activity_log(),
        user.get_package_updates(),
        user.restart(),
        user.refresh_library(),
    ]
    for call in calls:
        with pytest.raises(EmbyForbiddenError) as err:
            await call
        assert err.value.status == 403
    # What a user may read still works.
    assert (await user.get_release_notes()).version == server.version
    assert len(await user.get_wake_on_lan_info()) == 1
    assert not server.task("RefreshLibrary").running


async def test_not_signed_in(
    server: SimServer, identity: ClientIdentity, session: ClientSession
) -> None:
    admin = EmbyAdmin(server=EmbyServer(url=server.local.url, identity=identity, session=session))
    with pytest.raises(EmbyAuthenticationError):
        await admin.get_wake_on_lan_info()
    assert server.request_count() == 0


# -- activity log ------------------------------------------------------------------------------


async def test_activity_log_pages_and_since(server: SimServer, admin: EmbyAdmin) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    server.care.activity.add("long ago", "Custom", date=start - timedelta(days=3))
    server.log_failed_login("mallory", "203.0.113.9")
    server.log_new_device("Pixel 8", "Emby for Android")
    server.lock_out(server.find_user("bob"))

    page = await admin.get_activity_log(limit=2)
    assert page.total == 5  # the four above and alice's sign-in
    assert [entry.type for entry in page.entries] == ["UserLockedOut", "DeviceAdded"]
    failed = next(
        e
        for e in (await admin.get_activity_log(limit=10)).entries
        if e.type == "AuthenticationFailed"
    )
    assert (failed.name, failed.severity, failed.short_overview) == (
        "Failed login attempt from mallory",
        "Error",
        "IP address: 203.0.113.9",
    )
    assert failed.date is not None
    assert failed.date >= start

    since = await admin.get_activity_since(start, page_size=2)
    assert [e.type for e in since] == [
        "SessionStarted",
        "AuthenticationFailed",
        "DeviceAdded",
        "UserLockedOut",
    ]  # oldest first, the old entry left out, across pages
    newer = await admin.get_activity_since(start, after_id=since[1].id, page_size=1)
    assert [e.id for e in newer] == [since[2].id, since[3].id]
    assert await admin.get_activity_since(start, max_entries=1) == [since[-1]]
    assert await admin.get_activity_since(datetime.now(UTC) + timedelta(hours=1)) == []


def test_activity_page_tolerant_reader() -> None:
    page = ActivityLogPage.from_dict(
        {
            "Items": [
                {"Id": "7", "Name": "x", "Date": "2026-01-02T03:04:05.1234567Z"},
                {"Name": "no id"},
            ]
        }
    )
    (entry,) = page.entries
    assert (entry.id, entry.type, entry.severity, page.total) == (7, "", "Info", 1)
    assert entry.date == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert ActivityLogPage.from_dict({}).entries == []
    with pytest.raises(EmbyResponseError):
        ActivityLogPage.from_dict({"Items": "nope"})


def test_emby_datetime() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert emby_datetime(moment) == "2026-01-02T03:04:05.000006Z"
    assert emby_datetime(moment.astimezone(datetime.now().astimezone().tzinfo)) == emby_datetime(
        moment
    )


# -- release notes and updates -----------------------------------------------------------------


async def test_release_notes_and_updates(server: SimServer, admin: EmbyAdmin) -> None:
    assert await admin.get_package_updates(PackageType.SYSTEM) == []
    server.set_update_available("4.9.1.0", "Faster scans.")
    server.add_plugin_update("Trakt", "3.2.0.0", description="Sync fixes.")
    notes = await admin.get_release_notes()
    assert (notes.name, notes.version, notes.description) == (
        "Emby Server",
        "4.9.1.0",
        "Faster scans.",
    )
    assert notes.timestamp is not None
    assert [v.version for v in await admin.get_release_notes_versions()] == ["4.9.1.0", "4.8.11.0"]
    (system,) = await admin.get_package_updates(PackageType.SYSTEM)
    assert system.version == "4.9.1.0"
    (plugin,) = await admin.get_package_updates()
    assert (plugin.name, plugin.version, plugin.description) == ("Trakt", "3.2.0.0", "Sync fixes.")
    assert plugin.guid
    info = await admin.server.get_system_info()
    assert info.has_update_available


async def test_installed_plugins(server: SimServer, admin: EmbyAdmin, user: EmbyAdmin) -> None:
    assert await admin.get_plugins() == []
    server.install_plugin("Open Subtitles", "1.0.5.0")
    server.add_plugin_update("Trakt", "3.2.0.0")  # installs Trakt at an older version
    subtitles, trakt = await admin.get_plugins()
    assert (subtitles.name, subtitles.version) == ("Open Subtitles", "1.0.5.0")
    assert (trakt.name, trakt.version) == ("Trakt", "3.1.0.0")
    # A plugin's Id is the GUID of its package, as Packages/Updates names it.
    (update,) = await admin.get_package_updates()
    assert update.guid == trakt.id

    server.install_plugin("Trakt", "3.2.0.0")  # the update installed: no longer offered
    assert await admin.get_package_updates() == []
    assert [p.version for p in await admin.get_plugins()] == ["1.0.5.0", "3.2.0.0"]
    with pytest.raises(EmbyForbiddenError):
        await user.get_plugins()


def test_plugin_info_needs_an_id_and_a_version() -> None:
    assert PluginInfo.list_from([{"Id": "a", "Version": "1"}, {"Id": "b"}, {"Version": "2"}]) == [
        PluginInfo(id="a", name="", version="1")
    ]


def test_package_version_needs_a_version() -> None:
    assert PackageVersion.from_dict({"name": "x", "VersionStr": "1.0"}).version == "1.0"
    with pytest.raises(EmbyResponseError):
        PackageVersion.from_dict({"name": "x"})
    assert PackageVersion.list_from([{"name": "x"}, {"versionStr": "2"}]) == [
        PackageVersion(name="", version="2")
    ]


# -- restart and library scan ------------------------------------------------------------------


async def test_restart(server: SimServer, admin: EmbyAdmin) -> None:
    server.restart_downtime = 0.2
    server.require_restart()
    await admin.restart()
    async with asyncio.timeout(3):
        while server.running:  # noqa: ASYNC110 - the simulator's state, no event to wait on
            await asyncio.sleep(0.01)
        while not server.running:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert not (await admin.server.get_system_info()).has_pending_restart


async def test_restart_refused_when_the_server_cannot(server: SimServer, admin: EmbyAdmin) -> None:
    server.can_self_restart = False
    assert not (await admin.server.get_system_info()).can_self_restart
    with pytest.raises(EmbyResponseError, match="500"):
        await admin.restart()
    assert server.running


async def test_refresh_library_scans(server: SimServer, admin: EmbyAdmin) -> None:
    server.care.library.pending.append(
        server.care.library.item({"Name": "Sintel", "Type": "Movie"})
    )
    await admin.refresh_library()
    scan = await admin.get_library_scan_task()
    assert scan is not None
    assert scan.is_running
    runner = server.task("RefreshLibrary").runner
    assert runner is not None
    assert await runner == "Completed"
    done = await admin.get_library_scan_task()
    assert done is not None
    assert done.last_result is not None
    assert done.last_result.status is TaskStatus.COMPLETED
    assert [item.name for item in server.items.values()] == ["Sintel"]
