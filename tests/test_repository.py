"""Check the repository files that HACS and Home Assistant read, as their validators do.

hassfest (Home Assistant's validator, run by the hassfest action on custom integrations) checks
the manifest, the imports, the setup schema, the JSON and icon files; HACS checks hacs.json and
the release the version names. Translations are checked in tests/test_translations.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
import tomllib
from typing import Any

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import homeassistant
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
import homeassistant.helpers.config_validation as cv
from homeassistant.loader import async_get_integration
from PIL import Image
import pytest
import voluptuous as vol

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "emby_connect"
CORE_COMPONENTS = Path(homeassistant.__file__).parent / "components"
# A GitHub handle (@user) or team (@org/team), as hassfest and GitHub's CODEOWNERS take them.
CODEOWNER = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?$"
# A requirement pinned to one version, without spaces: "package==1.2.3" (extras allowed).
PINNED = r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$"
REPOSITORY = "https://github.com/emby-connect/emby_connect"

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
        vol.Required("codeowners"): vol.All([vol.Match(CODEOWNER)], vol.Length(min=1)),
        vol.Required("config_flow"): True,
        vol.Required("documentation"): vol.All(cv.url, vol.Match(r"^https://")),
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Required("integration_type"): "hub",
        vol.Required("iot_class"): vol.In(["local_polling", "local_push"]),
        vol.Required("issue_tracker"): vol.All(cv.url, vol.Match(r"^https://")),
        vol.Optional("loggers"): [str],
        # Pinned exactly (==), as core pins its integrations' requirements.
        vol.Required("requirements"): [vol.Match(PINNED)],
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


# -- hassfest's manifest, dependency, setup-schema, JSON and icon rules --------------------------


def test_manifest_names_its_directory_and_no_core_integration() -> None:
    """The domain is the directory's name and is not one of Home Assistant's own."""
    domain = _load(INTEGRATION / "manifest.json")["domain"]
    assert domain == INTEGRATION.name
    assert not (CORE_COMPONENTS / domain).exists(), "the domain collides with a core integration"


def test_manifest_version_is_one_hassfest_accepts() -> None:
    """hassfest requires `version` for custom integrations and parses it with AwesomeVersion."""
    version = AwesomeVersion(_load(INTEGRATION / "manifest.json")["version"])
    assert version.strategy in {
        AwesomeVersionStrategy.CALVER,
        AwesomeVersionStrategy.SEMVER,
        AwesomeVersionStrategy.SIMPLEVER,
        AwesomeVersionStrategy.BUILDVER,
        AwesomeVersionStrategy.PEP440,
    }


def test_manifest_links_point_at_this_repository() -> None:
    """documentation and issue_tracker are https addresses of this repository on GitHub."""
    manifest = _load(INTEGRATION / "manifest.json")
    assert manifest["documentation"] == REPOSITORY
    assert manifest["issue_tracker"] == f"{REPOSITORY}/issues"
    # hassfest keeps www.home-assistant.io/integrations/ for core integrations.
    assert "home-assistant.io" not in manifest["documentation"]


def test_manifest_rejects_what_hassfest_rejects() -> None:
    """The schema above is not a rubber stamp: each of these manifests fails it."""
    good = _load(INTEGRATION / "manifest.json")
    for bad in (
        {**good, "codeowners": ["emby-connect"]},
        {**good, "codeowners": []},
        {**good, "requirements": ["aiohttp>=3"]},
        {**good, "requirements": ["aiohttp == 3.14.5"]},
        {**good, "iot_class": "local_pulling"},
        {**good, "documentation": "http://example.com"},
        {**good, "unknown_key": True},
    ):
        with pytest.raises(vol.Invalid):
            MANIFEST(bad)
    assert MANIFEST({**good, "requirements": ["aioemby[speedups]==1.2.3"]})


def _imported_integrations() -> Iterator[tuple[Path, str]]:
    """Yield (module, integration) for every import of homeassistant.components.X."""
    for module in INTEGRATION.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("homeassistant.components."):
                    yield module, node.module.split(".")[2]
                elif node.module == "homeassistant.components":
                    yield from ((module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("homeassistant.components."):
                        yield module, alias.name.split(".")[2]


# Integrations any integration may import without declaring them (entity platforms and
# Home Assistant's internal ones), as hassfest's dependency check allows.
ALWAYS_ALLOWED = {platform.value for platform in Platform} | {
    "alert",
    "automation",
    "conversation",
    "device_automation",
    "frontend",
    "group",
    "homeassistant",
    "media_source",
    "onboarding",
    "panel_custom",
    "persistent_notification",
    "person",
    "script",
    "sun",
    "system_health",
    "system_log",
    "timer",
    "webhook",
    "websocket_api",
    "zone",
}


def test_imported_integrations_are_dependencies() -> None:
    """Code that uses another integration names it in `dependencies` or `after_dependencies`.

    As hassfest: entity platforms and the internal integrations are always allowed, and so is
    an integration this one provides a platform for (diagnostics.py, repairs.py, ...).
    """
    manifest = _load(INTEGRATION / "manifest.json")
    declared = set(manifest.get("dependencies", [])) | set(manifest.get("after_dependencies", []))
    undeclared = {
        f"{module.relative_to(INTEGRATION)}: {name}"
        for module, name in _imported_integrations()
        if name not in ALWAYS_ALLOWED | declared
        and not (INTEGRATION / f"{name}.py").is_file()
        and not (INTEGRATION / name).is_dir()
    }
    assert not undeclared, f"add to the manifest's dependencies: {sorted(undeclared)}"


def test_yaml_setup_has_a_config_schema() -> None:
    """hassfest: an integration that implements async_setup defines a CONFIG_SCHEMA."""
    tree = ast.parse((INTEGRATION / "__init__.py").read_text(encoding="utf-8"))
    functions = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    names = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    if functions & {"async_setup", "setup"}:
        assert "CONFIG_SCHEMA" in names, "set CONFIG_SCHEMA = cv.config_entry_only_config_schema"
    assert (INTEGRATION / "config_flow.py").is_file(), "config_flow: true needs config_flow.py"


def test_every_json_file_parses() -> None:
    """hassfest loads every JSON file of a custom integration."""
    for path in INTEGRATION.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


ICON = vol.All(str, vol.Match(r"^mdi:[a-z0-9-]+$"))
KEY = vol.Match(r"^(?![_-])(?!.*[_-]{2})[a-z0-9_-]+(?<![_-])$")
ICONS = vol.Schema(
    {
        vol.Optional("entity"): {
            KEY: {
                KEY: {
                    vol.Optional("default"): ICON,
                    vol.Optional("state"): {KEY: ICON},
                    vol.Optional("range"): {str: ICON},
                    vol.Optional("state_attributes"): {
                        KEY: {vol.Optional("default"): ICON, vol.Optional("state"): {KEY: ICON}}
                    },
                }
            }
        },
        vol.Optional("services"): {KEY: vol.Any(ICON, {vol.Required("service"): ICON})},
    }
)


def test_icons_pass_hassfest() -> None:
    """icons.json: Material Design icons under translation keys, no state icon as the default."""
    icons = ICONS(_load(INTEGRATION / "icons.json"))
    for platform in icons.get("entity", {}).values():
        for key, icon in platform.items():
            for state, state_icon in icon.get("state", {}).items():
                assert state_icon != icon.get("default"), f"{key}.{state}: same as the default"


# -- what a person who finds the repository expects: license, changelog, release -----------------


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_one_version_everywhere() -> None:
    """manifest.json (what HACS shows) and pyproject.toml name one version, the changelog's.

    Between releases the version is the next one, whose changes collect under Unreleased;
    releasing renames that section to it (see the README's "Releases").
    """
    version = AwesomeVersion(_load(INTEGRATION / "manifest.json")["version"])
    assert _pyproject()["project"]["version"] == version
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", changelog, re.M)
    newest = AwesomeVersion(released[0])
    assert version == newest or (version > newest and "## [Unreleased]" in changelog)


def test_changelog_keeps_a_changelog() -> None:
    """Keep a Changelog: an Unreleased section first, then releases newest first, each linked."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings[0] == "Unreleased"
    releases = [AwesomeVersion(version) for version in headings[1:]]
    assert releases == sorted(releases, reverse=True)
    assert releases, "no release yet"
    for heading in headings:
        assert re.search(rf"^\[{re.escape(heading)}\]: https://", changelog, re.M), heading
    sections = set(re.findall(r"^### (.+)$", changelog, re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_license_is_the_one_pyproject_names() -> None:
    """LICENSE holds the MIT license that pyproject.toml declares (SPDX) and the README names."""
    assert _pyproject()["project"]["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert "[MIT](LICENSE)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_states_the_tested_range() -> None:
    """The README names the oldest Home Assistant tested (hacs.json's) and the newest."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    oldest = _load(ROOT / "hacs.json")["homeassistant"]
    newest = re.search(
        r"^homeassistant==(.+)$", (ROOT / "requirements_ha_next.txt").read_text(), re.M
    )
    assert newest is not None
    assert AwesomeVersion(newest.group(1)) >= AwesomeVersion(oldest)
    assert f"Home Assistant {oldest} to {newest.group(1)}" in readme
