"""Check the repository files that HACS and Home Assistant read: hacs.json and manifest.json."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
from homeassistant.core import HomeAssistant
import homeassistant.helpers.config_validation as cv
from homeassistant.loader import async_get_integration
from PIL import Image
import pytest
import voluptuous as vol

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "emby_connect"

# The keys HACS accepts in hacs.json; anything else makes its validation fail.
HACS_JSON = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)

# What HACS requires of an integration's manifest, plus what Home Assistant's hassfest asks
# of a custom integration.
MANIFEST = vol.Schema(
    {
        vol.Required("domain"): "emby_connect",
        vol.Required("name"): "Emby Connect",
        vol.Required("codeowners"): [vol.Match(r"^@[\w-]+$")],
        vol.Required("config_flow"): True,
        vol.Required("documentation"): vol.All(cv.url, vol.Match(r"^https://")),
        vol.Required("integration_type"): "hub",
        vol.Required("iot_class"): vol.In(["local_polling", "local_push"]),
        vol.Required("issue_tracker"): vol.All(cv.url, vol.Match(r"^https://")),
        # Pinned exactly (==), as core pins its integrations' requirements.
        vol.Required("requirements"): [vol.Match(r"^[A-Za-z0-9_.\-]+==[0-9][0-9A-Za-z.]*$")],
        vol.Required("version"): vol.All(str, vol.Coerce(AwesomeVersion)),
    },
    extra=vol.PREVENT_EXTRA,
)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_hacs_json() -> None:
    """hacs.json has only keys HACS accepts and names the Home Assistant version tested."""
    hacs = HACS_JSON(_load(ROOT / "hacs.json"))
    pinned = re.search(
        r"^homeassistant==(.+)$", (ROOT / "requirements_test.txt").read_text(), re.MULTILINE
    )
    assert pinned is not None
    assert hacs["homeassistant"] == pinned.group(1)


def test_manifest_schema_and_key_order() -> None:
    """The manifest passes the schema; domain and name first, then keys alphabetically."""
    manifest = _load(INTEGRATION / "manifest.json")
    MANIFEST(manifest)
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_version_is_semantic() -> None:
    """HACS shows the manifest version; it must be a plain X.Y.Z."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", _load(INTEGRATION / "manifest.json")["version"])


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_home_assistant_loads_the_integration(hass: HomeAssistant) -> None:
    """Home Assistant's own loader finds the integration and reads its manifest."""
    integration = await async_get_integration(hass, "emby_connect")
    assert integration.name == "Emby Connect"
    assert integration.config_flow is True
    # wakeonlan, pinned as core's wake_on_lan integration pins it (and the test requirements).
    assert integration.requirements == ["wakeonlan==3.3.0"]
    assert "wakeonlan==3.3.0" in (ROOT / "requirements_test.txt").read_text().splitlines()
    assert str(integration.version) == _load(INTEGRATION / "manifest.json")["version"]
    assert integration.get_component() is not None


def test_brand_images() -> None:
    """Home Assistant serves a custom integration's icon from its brand/ folder: square PNGs."""
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        with Image.open(INTEGRATION / "brand" / name) as image:
            assert image.format == "PNG"
            assert image.size == (size, size)
            assert image.mode == "RGBA"


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_home_assistant_sees_the_brand_images(hass: HomeAssistant) -> None:
    """The loader reports branding, so the frontend shows our icon instead of a placeholder."""
    integration = await async_get_integration(hass, "emby_connect")
    assert integration.has_branding
