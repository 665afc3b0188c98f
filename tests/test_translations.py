"""Every translation key the code uses has an English string, and every string is used."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from custom_components.emby_connect.binary_sensor import BINARY_SENSORS
from custom_components.emby_connect.errors import CommandFailure, ErrorReason
from custom_components.emby_connect.sensor import LIBRARY_SENSORS, SENSORS
from custom_components.emby_connect.validation import FORM_ERRORS, UNKNOWN_ERROR

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "emby_connect"
STRINGS: dict[str, Any] = json.loads(
    (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8")
)
ICONS: dict[str, Any] = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
PLATFORMS = {"sensor": [*SENSORS, *LIBRARY_SENSORS], "binary_sensor": BINARY_SENSORS}


def _tree(module: str) -> ast.Module:
    return ast.parse((INTEGRATION / f"{module}.py").read_text(encoding="utf-8"))


def _literals(node: ast.AST) -> set[str]:
    """Return every string constant below a node (conditional expressions included)."""
    return {
        item.value
        for item in ast.walk(node)
        if isinstance(item, ast.Constant) and isinstance(item.value, str)
    }


def _keyword_values(tree: ast.AST, keyword: str) -> set[str]:
    """Return the string literals passed as a keyword argument anywhere in a module."""
    found: set[str] = set()
    for call in ast.walk(tree):
        if isinstance(call, ast.Call):
            for item in call.keywords:
                if item.arg == keyword:
                    found |= _literals(item.value)
    return found


def _returned_by(tree: ast.AST, function: str) -> set[str]:
    """Return the string literals a module-level function returns."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return {
                value
                for item in ast.walk(node)
                if isinstance(item, ast.Return) and item.value is not None
                for value in _literals(item.value)
            }
    return set()


def _flow_errors(tree: ast.AST) -> set[str]:
    """Return the literal values assigned to errors[...] in the config flow."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(target := node.targets[0], ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == "errors"
        ):
            found |= _literals(node.value)
    return found


def test_entity_names_match_the_descriptions() -> None:
    """Each entity's translation key has a name, and no entity string is left over."""
    for platform, descriptions in PLATFORMS.items():
        keys = {item.translation_key for item in descriptions if item.translation_key}
        strings = STRINGS["entity"].get(platform, {})
        assert set(strings) == keys, platform
        for key in keys:
            assert strings[key]["name"]


def test_entity_icons_match_the_descriptions() -> None:
    """Each translated entity has an icon (or a device class that brings one), nothing extra."""
    for platform, descriptions in PLATFORMS.items():
        keys = {item.translation_key for item in descriptions if item.translation_key}
        assert set(ICONS["entity"].get(platform, {})) == keys, platform


def test_enum_states_are_translated() -> None:
    """Every option of an enum sensor has a translated state."""
    for description in SENSORS:
        if description.options:
            assert description.translation_key is not None
            states = STRINGS["entity"]["sensor"][description.translation_key]["state"]
            assert set(states) == set(description.options)


def test_exception_strings_match_the_code() -> None:
    """Each exception key raised in the code has a message, and every message is raised."""
    # Every runtime error is raised with a typed reason whose value is its key.
    used = {reason.value for reason in ErrorReason} | {item.value for item in CommandFailure}
    for module in ("__init__", "coordinator", "account", "connection", "push", "media_player"):
        used |= _keyword_values(_tree(module), "translation_key")
    used -= set(STRINGS["issues"])
    assert used == set(STRINGS["exceptions"])
    for key in used:
        assert STRINGS["exceptions"][key]["message"]


def test_issue_strings_match_the_code() -> None:
    """Each repair issue has a title and a fix flow text; nothing unused."""
    created = _keyword_values(_tree("account"), "translation_key") & set(STRINGS["issues"])
    assert created == set(STRINGS["issues"])
    for key in created:
        issue = STRINGS["issues"][key]
        assert issue["title"]
        assert issue.get("description") or issue["fix_flow"]["step"]


def test_config_flow_strings_match_the_code() -> None:
    """Every step, error and abort of the flow has a string; no step, error or abort is unused."""
    tree = _tree("config_flow")
    steps = {
        node.name.removeprefix("async_step_")
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("async_step_")
    }
    config = STRINGS["config"]
    # Steps that only route (reauth, discovery, the end of the PIN wait) show no form.
    assert set(config["step"]) <= steps
    assert steps - set(config["step"]) <= {"reauth", "integration_discovery", "pin_finish"}

    # Form errors come from the one mapping in validation.py (and nothing set by hand).
    errors = _flow_errors(tree) | {key for _, _, key in FORM_ERRORS} | {UNKNOWN_ERROR}
    assert errors == set(config["error"])

    aborts = _keyword_values(tree, "reason")
    # Home Assistant's helpers raise these on our behalf.
    aborts |= {"already_configured", "reauth_successful", "reconfigure_successful"}
    aborts |= {"unique_id_mismatch"}
    assert aborts == set(config["abort"])
