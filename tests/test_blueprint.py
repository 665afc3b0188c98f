"""Run the shipped blueprint in Home Assistant: offline for a while, then back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

BLUEPRINT = (
    Path(__file__).parent.parent
    / "blueprints"
    / "automation"
    / "emby_connect"
    / "server_offline_notify.yaml"
)
SENSOR = "binary_sensor.living_room_connectivity"


@pytest.fixture
async def events(hass: HomeAssistant) -> list[str]:
    """Install the blueprint, create an automation from it and record what it fires."""
    target = Path(hass.config.path("blueprints", "automation", "emby_connect"))
    await hass.async_add_executor_job(lambda: target.mkdir(parents=True, exist_ok=True))
    await hass.async_add_executor_job(shutil.copy, BLUEPRINT, target / BLUEPRINT.name)
    hass.states.async_set(SENSOR, "on", {"device_class": "connectivity"})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Emby offline",
                "use_blueprint": {
                    "path": f"emby_connect/{BLUEPRINT.name}",
                    "input": {
                        "server": SENSOR,
                        "offline_for": {"minutes": 5},
                        "offline_actions": [
                            {"event": "emby_test", "event_data": {"what": "offline"}}
                        ],
                        "online_actions": [
                            {"event": "emby_test", "event_data": {"what": "online"}}
                        ],
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    fired: list[str] = []

    @callback
    def record(event: Event) -> None:
        fired.append(event.data["what"])

    hass.bus.async_listen("emby_test", record)
    return fired


async def _go(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, state: str, wait: timedelta
) -> None:
    hass.states.async_set(SENSOR, state, {"device_class": "connectivity"})
    await hass.async_block_till_done()
    freezer.tick(wait)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_long_outage_is_announced_and_so_is_the_return(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, events: list[str]
) -> None:
    """Offline longer than the chosen time: one notice, and one when it is back."""
    await _go(hass, freezer, "off", timedelta(minutes=4))
    assert events == []
    await _go(hass, freezer, "off", timedelta(minutes=2))
    assert events == ["offline"]
    await _go(hass, freezer, "on", timedelta(seconds=1))
    assert events == ["offline", "online"]


async def test_short_blip_stays_quiet(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, events: list[str]
) -> None:
    """A server that is back before the chosen time raises no notice either way."""
    await _go(hass, freezer, "off", timedelta(minutes=1))
    await _go(hass, freezer, "on", timedelta(minutes=10))
    assert events == []
