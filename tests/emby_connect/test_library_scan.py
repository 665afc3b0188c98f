"""Tests for the library scan sensor of Emby Connect: running or idle, progress by push."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from unittest.mock import MagicMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.emby_connect.aioemby import (
    EmbyConnectionError,
    Feed,
    RefreshProgressMessage,
    ScheduledTask,
    ScheduledTaskEndedMessage,
    ScheduledTasksInfoMessage,
    TaskResult,
    TaskState,
    TaskStatus,
)

from .conftest import LIBRARY_SCAN_TASK, FakeChannel, Push, Runtime
from .helpers import forbidden, settle, state, tick

SCAN = "sensor.living_room_library_scan"
RUNNING = replace(LIBRARY_SCAN_TASK, state=TaskState.RUNNING, progress=10.0)
OTHER_TASK = ScheduledTask(
    id="0b1e6bc2a1f4c5d6e7f8091a2b3c4d5e",
    name="Extract chapter images",
    key="RefreshChapterImages",
    state=TaskState.RUNNING,
    progress=50.0,
)


def _attributes(hass: HomeAssistant) -> dict[str, object]:
    """Return the scan sensor's attributes."""
    found = hass.states.get(SCAN)
    assert found is not None
    return dict(found.attributes)


pytestmark = pytest.mark.platforms(Platform.SENSOR)


@pytest.mark.usefixtures("push")
async def test_scan_progress_is_pushed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, channel: FakeChannel
) -> None:
    """A scan shows running with its progress as the server pushes it, then its result."""
    assert (Feed.SCHEDULED_TASKS,) in [c.args for c in channel.websocket.subscribe.await_args_list]
    assert state(hass, SCAN) == "idle"
    assert _attributes(hass)["progress"] is None

    channel.push(ScheduledTasksInfoMessage(tasks=[OTHER_TASK, RUNNING]))
    await hass.async_block_till_done()
    assert state(hass, SCAN) == "running"
    assert _attributes(hass)["progress"] == 10.0

    # Each library folder reports its own progress: the scan shows their mean.
    channel.push(RefreshProgressMessage(item_id="movies", progress=42.5))
    await hass.async_block_till_done()
    assert _attributes(hass)["progress"] == 42.5
    channel.push(RefreshProgressMessage(item_id="shows", progress=20.0))
    await hass.async_block_till_done()
    assert _attributes(hass)["progress"] == 31.2
    # The task's periodic report does not move the folders' figure back.
    channel.push(ScheduledTasksInfoMessage(tasks=[RUNNING]))
    await hass.async_block_till_done()
    assert _attributes(hass)["progress"] == 31.2

    ended = datetime(2026, 12, 1, 21, 0, 5, tzinfo=UTC)
    channel.push(
        ScheduledTaskEndedMessage(
            result=TaskResult(
                status=TaskStatus.FAILED,
                task_id=LIBRARY_SCAN_TASK.id,
                key="RefreshLibrary",
                ended=ended,
                error_message="Disk gone",
            )
        )
    )
    await hass.async_block_till_done()
    assert state(hass, SCAN) == "idle"
    assert _attributes(hass) | {"friendly_name": None, "device_class": None} == {
        "progress": None,
        "last_result": "failed",
        "last_ended": ended.isoformat(),
        "options": ["idle", "running"],
        "friendly_name": None,
        "device_class": None,
    }


@pytest.mark.usefixtures("push")
async def test_scan_started_by_refresh_progress(hass: HomeAssistant, channel: FakeChannel) -> None:
    """A scan whose first news is a folder's progress shows running at once."""
    channel.push(RefreshProgressMessage(item_id="movies", progress=0.0))
    await hass.async_block_till_done()
    assert state(hass, SCAN) == "running"
    assert _attributes(hass)["progress"] == 0.0

    # Other tasks' ends and other messages change nothing.
    channel.push(
        ScheduledTaskEndedMessage(
            result=TaskResult(
                status=TaskStatus.COMPLETED, task_id=OTHER_TASK.id, key=OTHER_TASK.key
            )
        )
    )
    channel.push(ScheduledTasksInfoMessage(tasks=[OTHER_TASK]))
    await hass.async_block_till_done()
    assert state(hass, SCAN) == "running"

    channel.push(ScheduledTasksInfoMessage(tasks=[LIBRARY_SCAN_TASK]))
    await hass.async_block_till_done()
    assert state(hass, SCAN) == "idle"
    assert _attributes(hass)["last_result"] == "completed"


@pytest.mark.usefixtures("push")
async def test_no_polling_while_pushed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    channel: FakeChannel,
    mock_emby_admin: MagicMock,
) -> None:
    """While the websocket is open the task is not read; once it is gone, polling takes over."""
    assert mock_emby_admin.get_library_scan_task.call_count == 1
    await tick(hass, freezer)
    await tick(hass, freezer)
    assert mock_emby_admin.get_library_scan_task.call_count == 1

    channel.websocket.connect.side_effect = EmbyConnectionError("refused")
    mock_emby_admin.get_library_scan_task.return_value = RUNNING
    channel.end()
    await settle(hass)
    assert not channel.is_open
    await tick(hass, freezer)
    assert mock_emby_admin.get_library_scan_task.call_count > 1
    assert state(hass, SCAN) == "running"
    assert _attributes(hass)["progress"] == 10.0


async def test_polled_without_push(
    hass: HomeAssistant, loaded: Runtime, mock_emby_admin: MagicMock
) -> None:
    """Without a websocket the scan is read at the status poll's pace; away, it is unavailable."""
    mock_emby_admin.get_library_scan_task.return_value = RUNNING
    await loaded.tick()
    assert state(hass, SCAN) == "running"

    loaded.lose()
    await loaded.tick()
    assert state(hass, SCAN) == STATE_UNAVAILABLE

    loaded.find()
    mock_emby_admin.get_library_scan_task.return_value = LIBRARY_SCAN_TASK
    await loaded.tick()
    await loaded.tick()
    assert state(hass, SCAN) == "idle"


@pytest.mark.usefixtures("init_integration")
async def test_failed_read_shows_unavailable(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_emby_admin: MagicMock
) -> None:
    """A failed read of the task makes the sensor unavailable until the next good one."""
    mock_emby_admin.get_library_scan_task.side_effect = EmbyConnectionError("reset")
    await tick(hass, freezer)
    assert state(hass, SCAN) == STATE_UNAVAILABLE
    mock_emby_admin.get_library_scan_task.side_effect = None
    await tick(hass, freezer)
    assert state(hass, SCAN) == "idle"


@pytest.mark.parametrize(
    "admin_answer",
    [{"get_scheduled_tasks": forbidden()}, {"get_library_scan_task": None}],
    ids=["non_admin", "no_scan_task"],
)
async def test_no_scan_sensor(
    hass: HomeAssistant,
    *,
    stack: Push,
    mock_emby_admin: MagicMock,
    admin_answer: dict[str, object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A user who does not administer the server, or a server without the task, gets none."""
    for name, answer in admin_answer.items():
        method = getattr(mock_emby_admin, name)
        if isinstance(answer, Exception):
            method.side_effect = answer
        else:
            method.return_value = answer
    await stack.set_up()

    assert hass.states.get(SCAN) is None
    assert hass.states.get("sensor.living_room_stream_bitrate") is not None
    assert "Error" not in caplog.text
    # The open websocket asks for no scheduled tasks on its behalf.
    assert stack.channel.is_open
    assert (Feed.SCHEDULED_TASKS,) not in [
        call.args for call in stack.channel.websocket.subscribe.await_args_list
    ]


async def test_admin_rights_lost(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_emby_admin: MagicMock,
    mock_websocket: MagicMock,
) -> None:
    """A user who lost admin rights gets an unavailable sensor, and nothing fails."""
    mock_emby_admin.get_library_scan_task.side_effect = forbidden()
    await tick(hass, freezer)
    assert state(hass, SCAN) == STATE_UNAVAILABLE
