"""Tests for the remotes of Emby Connect."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock, call

from aiohttp.hdrs import METH_POST
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.remote import DOMAIN as REMOTE_DOMAIN, SERVICE_SEND_COMMAND
from homeassistant.components.remote.const import ATTR_NUM_REPEATS
from homeassistant.const import ATTR_COMMAND, ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.emby_connect.aioemby import Session
from custom_components.emby_connect.const import DOMAIN, STATUS_INTERVAL

from .conftest import SYSTEM_ID, load_json

REMOTE = "remote.alice_s_pixel"
PIXEL_SESSION = "c4a2b1d3e5f7a9b1c3d5e7f9a1b3c5d7"


def _sessions(*, pixel: bool = True) -> list[dict[str, Any]]:
    """Return the recorded sessions, the phone taking a few navigation commands."""
    sessions: list[dict[str, Any]] = load_json("sessions.json")
    sessions[1]["SupportedCommands"] = ["MoveUp", "Select", "Back", "SetVolume"]
    return sessions if pixel else [sessions[0], *sessions[2:]]


pytestmark = pytest.mark.platforms(Platform.REMOTE)


@pytest.fixture(autouse=True)
def remote_sessions(mock_emby_server: MagicMock) -> None:
    """Let the server list sessions that take remote commands."""
    mock_emby_server.get_sessions.return_value = Session.list_from(_sessions())
    mock_emby_server.request.return_value = None


def _command(name: str) -> Any:
    """Return the request a general command makes to the phone's session."""
    return call(
        METH_POST,
        f"Sessions/{PIXEL_SESSION}/Command",
        params=None,
        json_body={"Name": name, "Arguments": {}},
        expect_json=False,
    )


@pytest.mark.usefixtures("init_integration")
async def test_remotes(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_emby_server: MagicMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only clients listing navigation commands get a remote; it is off while they are away."""
    entries = er.async_entries_for_config_entry(
        entity_registry, hass.config_entries.async_entries(DOMAIN)[0].entry_id
    )
    assert [entry.entity_id for entry in entries] == [REMOTE]
    assert entries[0].unique_id == f"{SYSTEM_ID}_android-device-123_remote"
    assert hass.states.get(REMOTE).state == STATE_ON  # type: ignore[union-attr]

    mock_emby_server.get_sessions.return_value = Session.list_from(_sessions(pixel=False))
    freezer.tick(STATUS_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(REMOTE).state == STATE_OFF  # type: ignore[union-attr]


@pytest.mark.usefixtures("init_integration")
async def test_send_commands(hass: HomeAssistant, mock_emby_server: MagicMock) -> None:
    """Each command reaches the session, in order, as many times as asked."""
    await hass.services.async_call(
        REMOTE_DOMAIN,
        SERVICE_SEND_COMMAND,
        {
            ATTR_ENTITY_ID: REMOTE,
            ATTR_COMMAND: ["MoveUp", "Select"],
            ATTR_NUM_REPEATS: 2,
            "delay_secs": 0,
        },
        blocking=True,
    )
    assert mock_emby_server.request.call_args_list == [
        _command("MoveUp"),
        _command("Select"),
        _command("MoveUp"),
        _command("Select"),
    ]


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("command", ["GoHome", "SetVolume", "Reboot"])
async def test_command_not_taken(
    hass: HomeAssistant, mock_emby_server: MagicMock, command: str
) -> None:
    """A command the client does not list is refused before anything is sent."""
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            REMOTE_DOMAIN,
            SERVICE_SEND_COMMAND,
            {ATTR_ENTITY_ID: REMOTE, ATTR_COMMAND: ["MoveUp", command]},
            blocking=True,
        )
    assert raised.value.translation_key == "command_not_supported"
    assert raised.value.translation_placeholders == {"command": command, "name": "Alice's Pixel"}
    mock_emby_server.request.assert_not_called()
