"""Server-care push messages: parsing, and the real feeds of the simulator over a websocket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
from typing import Any

from aiohttp import ClientSession
import pytest

from custom_components.emby_connect.aioemby import (
    ActivityLogEntryMessage,
    ClientIdentity,
    EmbyAdmin,
    EmbyError,
    EmbyMessage,
    EmbyResponseError,
    EmbyServer,
    EmbyWebSocket,
    Feed,
    LibraryChangedMessage,
    OtherMessage,
    RefreshProgressMessage,
    ScheduledTaskEndedMessage,
    ScheduledTasksInfoMessage,
    TaskState,
    TaskStatus,
    parse_message,
)
from custom_components.emby_connect.aioemby.messages import feed_start_data
from embysim import EmbySimulator, SimServer


def _message(message_type: str, data: Any = None) -> str:
    return json.dumps({"MessageType": message_type, "Data": data})


def test_feed_start_data() -> None:
    assert feed_start_data() == "0,1000"
    assert feed_start_data(interval=1.5, initial_delay=0.25) == "250,1500"
    assert feed_start_data(interval=-1) == "0,0"


def test_scheduled_tasks_info() -> None:
    message = parse_message(
        _message(
            "ScheduledTasksInfo",
            [
                {"Id": "a", "Name": "Scan media library", "Key": "RefreshLibrary", "State": "Running", "CurrentProgressPercentage": 42.5},
                {"Id": "b", "Name": "Clean cache", "State": "Idle", "LastExecutionResult": {"Status": "Failed", "ErrorMessage": "disk"}},
                {"Name": "broken"},
            ],
        )
    )  # fmt: skip
    assert isinstance(message, ScheduledTasksInfoMessage)
    scan, clean = message.tasks
    assert (scan.is_library_scan, scan.state, scan.progress) == (True, TaskState.RUNNING, 42.5)
    assert clean.last_result is not None
    assert (clean.last_result.status, clean.last_result.error_message) == (
        TaskStatus.FAILED,
        "disk",
    )
    assert parse_message(_message("ScheduledTasksInfo")) == ScheduledTasksInfoMessage()
    with pytest.raises(EmbyResponseError):
        parse_message(_message("ScheduledTasksInfo", {"Id": "a"}))


def test_scheduled_task_ended() -> None:
    message = parse_message(
        _message(
            "ScheduledTaskEnded",
            {"Id": "a", "Key": "RefreshLibrary", "Name": "Scan media library", "Status": "Completed",
             "StartTimeUtc": "2026-01-02T03:04:05.1234567Z", "EndTimeUtc": "2026-01-02T03:05:05Z"},
        )
    )  # fmt: skip
    assert isinstance(message, ScheduledTaskEndedMessage)
    assert (message.result.key, message.result.status) == ("RefreshLibrary", TaskStatus.COMPLETED)
    assert message.result.started is not None
    assert message.result.ended is not None
    assert message.result.ended > message.result.started
    empty = parse_message(_message("ScheduledTaskEnded"))
    assert isinstance(empty, ScheduledTaskEndedMessage)
    assert empty.result.status is TaskStatus.UNKNOWN


@pytest.mark.parametrize(
    ("data", "progress"),
    [
        ({"ItemId": "f1", "Progress": "42.5"}, 42.5),  # Emby sends strings
        ({"ItemId": "f1", "Progress": 100}, 100.0),
        ({"itemid": "f1", "progress": "0"}, 0.0),
        ({"ItemId": "f1", "Progress": "101"}, 100.0),
        ({"ItemId": "f1", "Progress": "-3"}, 0.0),
    ],
)
def test_refresh_progress(data, progress) -> None:
    assert parse_message(_message("RefreshProgress", data)) == RefreshProgressMessage(
        item_id="f1", progress=progress
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"Progress": "5"},
        {"ItemId": "f1"},
        {"ItemId": "f1", "Progress": "soon"},
        {"ItemId": "f1", "Progress": "nan"},
        {"ItemId": "f1", "Progress": True},
    ],
)
def test_refresh_progress_refuses_bad_data(data) -> None:
    with pytest.raises(EmbyResponseError):
        parse_message(_message("RefreshProgress", data))


def test_activity_log_entry() -> None:
    assert parse_message(_message("ActivityLogEntry", [])) == ActivityLogEntryMessage()
    assert parse_message(_message("ActivityLogEntry")) == ActivityLogEntryMessage()
    message = parse_message(_message("ActivityLogEntry", [{"Id": 3, "Type": "UserLockedOut"}]))
    assert isinstance(message, ActivityLogEntryMessage)
    assert [(e.id, e.type) for e in message.entries] == [(3, "UserLockedOut")]


def test_start_messages_and_others_are_other_messages() -> None:
    assert parse_message(_message("ScheduledTasksInfoStart", "0,1000")) == OtherMessage(
        message_type="ScheduledTasksInfoStart", data="0,1000"
    )


# -- over a real websocket ---------------------------------------------------------------------


class Inbox:
    """Collect delivered messages; wait for the next one of a kind."""

    def __init__(self) -> None:
        """Start empty."""
        self.queue: asyncio.Queue[EmbyMessage] = asyncio.Queue()
        self.seen: list[EmbyMessage] = []

    def __call__(self, message: EmbyMessage) -> None:
        """Take one message (the listen() callback)."""
        self.queue.put_nowait(message)
        self.seen.append(message)

    async def next[T](self, kind: type[T], limit: float = 3.0) -> T:
        """Return the next message of a kind, skipping others."""
        async with asyncio.timeout(limit):
            while not isinstance(message := await self.queue.get(), kind):
                pass
            return message

    def drain(self) -> list[EmbyMessage]:
        """Return what arrived so far."""
        messages: list[EmbyMessage] = []
        while not self.queue.empty():
            messages.append(self.queue.get_nowait())
        return messages


@pytest.fixture
async def server(emby_sim: EmbySimulator) -> SimServer:
    """Return a running server behind /emby with an administrator; scans are quick."""
    server = await emby_sim.add_server(name="Living Room", base_path="/emby")
    server.add_user("alice", "pw", is_admin=True)
    server.scan_duration = 0.3
    server.library_changed_delay = 0.3
    server.care.scan.refresh_progress_interval = 0
    return server


@pytest.fixture
async def admin(server: SimServer, identity: ClientIdentity, session: ClientSession) -> EmbyAdmin:
    """Return the administrator's EmbyAdmin."""
    client = EmbyServer(url=server.local.url, identity=identity, session=session)
    await client.authenticate_by_name("alice", "pw")
    return EmbyAdmin(server=client)


@contextlib.asynccontextmanager
async def _listening(
    admin: EmbyAdmin, session: ClientSession
) -> AsyncIterator[tuple[EmbyWebSocket, Inbox]]:
    """Open the websocket with the admin's token and listen in a task."""
    assert admin.server.access_token is not None
    websocket = EmbyWebSocket(
        url=admin.server.url,
        access_token=admin.server.access_token,
        device_id="ha-device-1",
        session=session,
    )
    inbox = Inbox()
    await websocket.connect()
    task = asyncio.create_task(websocket.listen(inbox))
    try:
        yield websocket, inbox
    finally:
        await websocket.close()
        with contextlib.suppress(EmbyError):
            await task


async def test_a_library_scan_by_push(
    server: SimServer, admin: EmbyAdmin, session: ClientSession
) -> None:
    server.care.library.pending.extend(
        server.care.library.item(item)
        for item in [
            {"Name": "Pilot", "Type": "Episode", "SeriesName": "Blender Stories"},
            {"Name": "Sintel", "Type": "Movie", "ProductionYear": 2010},
        ]
    )
    async with _listening(admin, session) as (websocket, inbox):
        await websocket.subscribe(Feed.SCHEDULED_TASKS, interval=10)
        first = await inbox.next(ScheduledTasksInfoMessage)
        scan = next(task for task in first.tasks if task.is_library_scan)
        assert scan.state is TaskState.IDLE

        await admin.refresh_library()

        running = await inbox.next(ScheduledTasksInfoMessage)
        assert next(t for t in running.tasks if t.is_library_scan).state is TaskState.RUNNING
        progress = await inbox.next(RefreshProgressMessage)
        assert progress.progress == 0
        folders = {library.id for library in server.care.library.libraries}
        assert progress.item_id in folders
        ended = await inbox.next(ScheduledTaskEndedMessage)
        assert (ended.result.key, ended.result.status) == ("RefreshLibrary", TaskStatus.COMPLETED)
        changed = await inbox.next(LibraryChangedMessage)
        assert sorted(changed.items_added) == sorted(server.items)
        assert len(changed.items_added) == 2
    for folder in folders:
        values = [
            m.progress
            for m in inbox.seen
            if isinstance(m, RefreshProgressMessage) and m.item_id == folder
        ]
        assert values[0] == 0
        assert values[-1] == 100
        assert values == sorted(values)


async def test_activity_feed_and_unsubscribe(
    server: SimServer, admin: EmbyAdmin, session: ClientSession
) -> None:
    async with _listening(admin, session) as (websocket, inbox):
        await websocket.subscribe(Feed.ACTIVITY_LOG)
        await asyncio.sleep(0.05)
        server.log_failed_login("mallory")
        assert await inbox.next(ActivityLogEntryMessage) == ActivityLogEntryMessage()
        (entry,) = (await admin.get_activity_log(limit=1)).entries
        assert entry.type == "AuthenticationFailed"

        await websocket.unsubscribe(Feed.ACTIVITY_LOG)
        await asyncio.sleep(0.05)
        server.log_failed_login("eve")
        await asyncio.sleep(0.2)
        assert not any(isinstance(m, ActivityLogEntryMessage) for m in inbox.drain())


async def test_subscribing_on_a_closed_websocket_fails(session: ClientSession) -> None:
    websocket = EmbyWebSocket(
        url="http://127.0.0.1:1", access_token="t", device_id="d", session=session
    )
    with pytest.raises(EmbyError):
        await websocket.subscribe(Feed.SCHEDULED_TASKS)
