"""Run the shipped new media blueprint in Home Assistant: everything new, or one series only."""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

BLUEPRINT = (
    Path(__file__).parent.parent
    / "blueprints"
    / "automation"
    / "emby_connect"
    / "new_media_notify.yaml"
)
EVENT = "event.living_room_new_media"
EPISODE = {
    "type": "Episode",
    "title": "Hello, Ms. Cobel",
    "series": "Severance",
    "season": 2,
    "episode": 1,
    "year": 2025,
}
OTHER_EPISODE = {**EPISODE, "series": "Andor", "title": "One Year Later", "episode": 1}
MOVIE = {
    "type": "Movie",
    "title": "Arrival",
    "series": None,
    "season": None,
    "episode": None,
    "year": 2016,
}


async def _automation(hass: HomeAssistant, series: str) -> list[ServiceCall]:
    """Install the blueprint, make an automation of it; return the notifications it sends."""
    target = Path(hass.config.path("blueprints", "automation", "emby_connect"))
    await hass.async_add_executor_job(lambda: target.mkdir(parents=True, exist_ok=True))
    await hass.async_add_executor_job(shutil.copy, BLUEPRINT, target / BLUEPRINT.name)
    hass.states.async_set(EVENT, "unknown", {"event_type": None})
    calls = async_mock_service(hass, "notify", "phone")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "New on Emby",
                "use_blueprint": {
                    "path": f"emby_connect/{BLUEPRINT.name}",
                    "input": {
                        "new_media": EVENT,
                        "series": series,
                        "notify_action": "notify.phone",
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    return calls


async def _fire(hass: HomeAssistant, when: str, items: list[dict[str, Any]]) -> None:
    """Show a new media event, as the entity does."""
    attributes = {"event_type": "new_media", "count": len(items), "items": items}
    hass.states.async_set(EVENT, when, attributes)
    await hass.async_block_till_done()


async def test_everything_new(hass: HomeAssistant) -> None:
    """Without a series, every new item is in one notification."""
    calls = await _automation(hass, "")
    await _fire(hass, "2026-12-01T21:00:00.000+00:00", [EPISODE, MOVIE])
    assert [call.data for call in calls] == [
        {"title": "New on Emby", "message": "Severance S02E01: Hello, Ms. Cobel\nArrival (2016)"}
    ]


@pytest.mark.parametrize("series", ["Severance", "  severance "])
async def test_one_series_only(hass: HomeAssistant, series: str) -> None:
    """With a series, only its new episodes are told, and nothing when none came."""
    calls = await _automation(hass, series)
    await _fire(hass, "2026-12-01T21:00:00.000+00:00", [OTHER_EPISODE, MOVIE])
    assert calls == []
    await _fire(hass, "2026-12-01T22:00:00.000+00:00", [OTHER_EPISODE, EPISODE])
    assert [call.data["message"] for call in calls] == ["Severance S02E01: Hello, Ms. Cobel"]


async def test_entity_coming_back_is_no_news(hass: HomeAssistant) -> None:
    """The entity unavailable and back, or restored at a start, shows an old event: no news."""
    calls = await _automation(hass, "")
    await _fire(hass, STATE_UNAVAILABLE, [EPISODE])
    await _fire(hass, "2026-12-01T21:00:00.000+00:00", [EPISODE])
    hass.states.async_remove(EVENT)
    await _fire(hass, "2026-12-01T21:00:00.000+00:00", [EPISODE])
    assert calls == []
    await _fire(hass, "2026-12-01T22:00:00.000+00:00", [MOVIE])
    assert [call.data["message"] for call in calls] == ["Arrival (2016)"]
