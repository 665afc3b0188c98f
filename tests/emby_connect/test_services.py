"""Tests for the actions of Emby Connect."""

from __future__ import annotations

from unittest.mock import MagicMock

from aiohttp.hdrs import METH_POST
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import probatio
import pytest

from custom_components.emby_connect.aioemby import EmbyCommandError, Session
from custom_components.emby_connect.const import DOMAIN

from .conftest import load_json

PIXEL = "media_player.alice_s_pixel"
PIXEL_SESSION = "c4a2b1d3e5f7a9b1c3d5e7f9a1b3c5d7"


pytestmark = pytest.mark.platforms(Platform.MEDIA_PLAYER)


@pytest.fixture(autouse=True)
def recorded_sessions(mock_emby_server: MagicMock) -> None:
    """Let the server list the recorded sessions and take commands."""
    mock_emby_server.get_sessions.return_value = Session.list_from(load_json("sessions.json"))
    mock_emby_server.request.return_value = None


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("data", "params"),
    [
        (
            {"text": "Dinner is ready", "header": "Kitchen", "timeout": 10},
            {"Header": "Kitchen", "Text": "Dinner is ready", "TimeoutMs": "10000"},
        ),
        ({"text": "Hello"}, {"Header": "", "Text": "Hello"}),
    ],
)
async def test_send_message(
    hass: HomeAssistant,
    mock_emby_server: MagicMock,
    data: dict[str, object],
    params: dict[str, str],
) -> None:
    """The message reaches the client's session once, with its header and timeout."""
    await hass.services.async_call(
        DOMAIN, "send_message", {ATTR_ENTITY_ID: PIXEL, **data}, blocking=True
    )
    mock_emby_server.request.assert_called_once_with(
        METH_POST,
        f"Sessions/{PIXEL_SESSION}/Message",
        params=params,
        json_body=None,
        expect_json=False,
    )


@pytest.mark.usefixtures("init_integration")
async def test_send_message_refused(hass: HomeAssistant, mock_emby_server: MagicMock) -> None:
    """A client refusing the message gives a translated error."""
    mock_emby_server.request.side_effect = EmbyCommandError(
        "refused", session_id=PIXEL_SESSION, command="DisplayMessage", status=400
    )
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN, "send_message", {ATTR_ENTITY_ID: PIXEL, "text": "Hi"}, blocking=True
        )
    assert raised.value.translation_key == "command_refused"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("data", [{"text": ""}, {"text": "Hi", "timeout": 0}, {}])
async def test_send_message_invalid(
    hass: HomeAssistant, mock_emby_server: MagicMock, data: dict[str, object]
) -> None:
    """An empty text or a bad timeout is refused before anything is sent."""
    with pytest.raises(probatio.Invalid):
        await hass.services.async_call(
            DOMAIN, "send_message", {ATTR_ENTITY_ID: PIXEL, **data}, blocking=True
        )
    mock_emby_server.request.assert_not_called()
