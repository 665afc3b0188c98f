"""The translations: what Home Assistant's validator (hassfest) demands of every language file,
every language matching English, and every key the code uses having a string (both ways).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
import json
from pathlib import Path
import re
import string
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.generated.languages import LANGUAGES
import homeassistant.helpers.config_validation as cv
import pytest
import voluptuous as vol

from custom_components.emby_connect import entry_issues
from custom_components.emby_connect.binary_sensor import BINARY_SENSORS
from custom_components.emby_connect.const import DOMAIN
from custom_components.emby_connect.entry_issues import ENTRY_ISSUES
from custom_components.emby_connect.errors import CommandFailure, ErrorReason
from custom_components.emby_connect.library_scan import LIBRARY_SCAN
from custom_components.emby_connect.sensor import LIBRARY_SENSORS, SENSORS
from custom_components.emby_connect.validation import FORM_ERRORS, UNKNOWN_ERROR

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "emby_connect"
TRANSLATIONS = INTEGRATION / "translations"
STRINGS: dict[str, Any] = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
# Every language file there is (parametrized, so a new language is checked without a change).
LANGUAGE_FILES = sorted(TRANSLATIONS.glob("*.json"), key=lambda path: path.stem)
ICONS: dict[str, Any] = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
PLATFORMS = {
    "sensor": [*SENSORS, *LIBRARY_SENSORS, LIBRARY_SCAN],
    "binary_sensor": BINARY_SENSORS,
}


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
    reasons = {reason.value for reason in ErrorReason}
    used = reasons | {item.value for item in CommandFailure}
    modules = ("__init__", "coordinator", "account", "connection", "push", "media_player")
    for module in (*modules, "browse", "media_source"):
        used |= _keyword_values(_tree(module), "translation_key")
    # A button's description names the error its failed press raises.
    used |= _keyword_values(_tree("button"), "error_key")
    # Issue keys are no exception's, unless a reason is both (an unsupported server).
    used -= set(STRINGS["issues"]) - reasons
    assert used == set(STRINGS["exceptions"])
    for key in used:
        assert STRINGS["exceptions"][key]["message"]


def test_issue_strings_match_the_code() -> None:
    """Each repair issue is raised somewhere and has a title and a fix flow text; none unused."""
    declared = {issue.translation_key for issue in ENTRY_ISSUES}
    assert declared == set(STRINGS["issues"])
    raised = {
        node.value.id
        for module in ("account", "errors", "rights")
        for node in ast.walk(_tree(module))
        if isinstance(node, ast.Attribute)
        and node.attr == "async_raise"
        and isinstance(node.value, ast.Name)
    }
    assert {getattr(entry_issues, name).translation_key for name in raised} == declared
    for key in declared:
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


# -- what hassfest checks in every translation file --------------------------------------------

# A translation key: lower case letters, digits, - and _, not at either end, never two in a row.
TRANSLATION_KEY = re.compile(r"^(?![_-])(?!.*[_-]{2})[a-z0-9_-]+(?<![_-])$")
# URLs belong in description placeholders. hassfest finds a scheme (or www.) before a host with
# a top-level domain; this finds those and more: any scheme://host, and a bare host/path (a
# scheme named alone, "an http:// or https://-address", is no URL).
URL = re.compile(
    r"\b[a-z][a-z0-9+.-]*://[a-z0-9\[]|\bwww\.[a-z0-9-]|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/",
    re.IGNORECASE,
)
# A placeholder inside single quotes ('{name}') reads wrongly in Lokalise and the frontend.
QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")


def _placeholders_of(text: str) -> set[str]:
    """Return a string's placeholders; raise vol.Invalid for a malformed one."""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as err:
        message = f"malformed placeholder: {err}"
        raise vol.Invalid(message) from err
    for field in fields:
        if not field.isidentifier():
            message = f"placeholder {{{field}}} is not an identifier"
            raise vol.Invalid(message)
    return fields


# What a translated string must not be, each with the reason given when it is.
STRING_RULES: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda text: QUOTED_PLACEHOLDER.search(text) is not None, "a placeholder in single quotes"),
    (lambda text: text != text.strip(), "leading or trailing white space"),
    (lambda text: not text, "an empty string"),
    (lambda text: URL.search(text) is not None, "a URL: use a description placeholder"),
    # Core resolves [%key:...%] references when it builds its translations; a custom
    # integration's files are shipped as they are, so a reference would show as is.
    (lambda text: "[%key:" in text, "a [%key:...%] reference (custom integrations ship none)"),
)


def _text(value: Any) -> str:
    """Validate one translated string the way hassfest does, plus no URL and no reference."""
    text = cv.string_with_no_html(value)
    _placeholders_of(text)
    for broken, problem in STRING_RULES:
        if broken(text):
            raise vol.Invalid(problem)
    return text


def _label(value: Any) -> str:
    """Validate a state or unit name: a string without placeholders."""
    text = _text(value)
    if _placeholders_of(text):
        message = "placeholders are not allowed here"
        raise vol.Invalid(message)
    return text


def _data_described(step: dict[str, Any]) -> dict[str, Any]:
    """Describe only fields that exist: data_description keys are data keys (sections too)."""
    for part in (step, *step.get("sections", {}).values()):
        extra = set(part.get("data_description", {})) - set(part.get("data", {}))
        if extra:
            message = f"data_description of fields that are not in data: {sorted(extra)}"
            raise vol.Invalid(message)
    return step


KEY = vol.Match(TRANSLATION_KEY)
TEXTS = {KEY: _text}
STEP = vol.All(
    {
        vol.Optional("title"): _text,
        vol.Optional("description"): _text,
        vol.Optional("data"): TEXTS,
        vol.Optional("data_description"): TEXTS,
        vol.Optional("menu_options"): TEXTS,
        vol.Optional("menu_option_descriptions"): TEXTS,
        vol.Optional("submit"): _text,
        vol.Optional("sections"): {
            KEY: {
                vol.Optional("name"): _text,
                vol.Optional("description"): _text,
                vol.Optional("data"): TEXTS,
                vol.Optional("data_description"): TEXTS,
            }
        },
    },
    _data_described,
)
FLOW = {
    vol.Optional("flow_title"): _text,
    vol.Required("step"): {KEY: STEP},
    vol.Optional("error"): TEXTS,
    vol.Optional("abort"): TEXTS,
    vol.Optional("progress"): TEXTS,
    vol.Optional("create_entry"): TEXTS,
    vol.Optional("initiate_flow"): {vol.Required("user"): _text},
}
ENTITY = {
    vol.Optional("name"): _text,
    vol.Optional("state"): {KEY: _label},
    vol.Optional("state_attributes"): {
        KEY: {vol.Optional("name"): _label, vol.Optional("state"): {KEY: _label}}
    },
    vol.Optional("unit_of_measurement"): _label,
}
ISSUE = vol.All(
    {
        vol.Required("title"): _text,
        vol.Exclusive("description", "fixable"): _text,
        vol.Exclusive("fix_flow", "fixable"): FLOW,
    },
    cv.has_at_least_one_key("description", "fix_flow"),
)
FIELD = {
    vol.Required("name"): _text,
    vol.Required("description"): _text,
    vol.Optional("example"): _text,
}
SCHEMA = vol.Schema(
    {
        vol.Optional("title"): _text,
        vol.Optional("config"): FLOW,
        vol.Optional("options"): FLOW,
        vol.Optional("entity"): {KEY: {KEY: ENTITY}},
        vol.Optional("device"): {KEY: {vol.Optional("name"): _text}},
        vol.Optional("exceptions"): {KEY: {vol.Required("message"): _text}},
        vol.Optional("issues"): {KEY: ISSUE},
        vol.Optional("services"): {
            KEY: {
                vol.Required("name"): _text,
                vol.Required("description"): _text,
                vol.Optional("fields"): {KEY: FIELD},
                vol.Optional("sections"): {
                    KEY: {vol.Required("name"): _text, vol.Optional("description"): _text}
                },
            }
        },
        vol.Optional("selector"): {
            KEY: {
                vol.Optional("options"): TEXTS,
                vol.Optional("choices"): TEXTS,
                vol.Optional("unit_of_measurement"): {KEY: _label},
            }
        },
    }
)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _leaves(tree: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Yield (dotted key, string) for every string in a translation tree."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*path, key))
        else:
            yield ".".join((*path, key)), value


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda path: path.stem)
def test_language_file_passes_hassfest(path: Path) -> None:
    """Keys, shapes and strings as Home Assistant's validator demands them, for every language."""
    assert path.stem in LANGUAGES, f"{path.name}: not a language Home Assistant knows"
    raw = path.read_text(encoding="utf-8")
    strings = json.loads(raw)
    SCHEMA(strings)
    # hassfest's JSON check, and the shape Home Assistant's own tooling writes.
    assert raw.endswith("}\n"), f"{path.name}: end the file with one newline"


@pytest.mark.parametrize(
    "text",
    [
        "such as http://192.168.1.20:8096 or https://emby.example.com/emby behind a proxy",
        "Confirm a PIN at emby.media/pin",
        "see www.example.com",
        "ftp://files",
    ],
)
def test_the_url_rule_finds_urls(text: str) -> None:
    """What hassfest reported (a URL in data_description) and its cousins fail the rule."""
    with pytest.raises(vol.Invalid, match="URL"):
        _text(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (" padded", "white space"),
        ("Click <b>here</b>", "HTML"),
        ("Server '{name}'", "single quotes"),
        ("Server {name", "malformed"),
        ("Server {0}", "identifier"),
        ("[%key:common::config_flow::error::cannot_connect%]", "reference"),
    ],
)
def test_the_string_rules_find_bad_strings(text: str, problem: str) -> None:
    """Each of hassfest's string rules (and ours) refuses a string that breaks it."""
    with pytest.raises(vol.Invalid, match=problem):
        _text(text)


def test_the_rules_accept_what_they_should() -> None:
    """An address scheme named alone, placeholders and Markdown are fine."""
    assert _text("Enter an http:// or https:// address such as {example_url}, **{pin}**.")
    assert _text("Gib eine http://- oder https://-Adresse ein, etwa {example_url}.")
    with pytest.raises(vol.Invalid, match="placeholders"):
        _label("{count} streams")
    with pytest.raises(vol.Invalid, match="not in data"):
        STEP({"data": {"url": "Address"}, "data_description": {"host": "The host"}})
    assert TRANSLATION_KEY.match("music_videos")
    for key in ("Music_videos", "_private", "trailing-", "double__underscore"):
        assert not TRANSLATION_KEY.match(key), key


# Every language matching English (keys, placeholders, nothing left in English) is checked in
# tests/test_translations_languages.py.


# -- what the flow shows: every placeholder of a step's texts is filled in ---------------------


def _step_texts(result: FlowResult[Any, Any]) -> list[str]:
    """Return every text the frontend renders with a step's placeholders (errors included)."""
    config = STRINGS["config"]
    step = config["step"][result["step_id"]]
    texts = [step.get("description", "")]
    for part in (step, *step.get("sections", {}).values()):
        texts += [*part.get("data_description", {}).values(), part.get("description", "")]
    texts += step.get("menu_option_descriptions", {}).values()
    texts += [config["error"][error] for error in (result.get("errors") or {}).values()]
    return texts


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_flow_fills_every_placeholder(hass: HomeAssistant) -> None:
    """The menu and the address form (with its error) get every placeholder their texts use."""
    flow = hass.config_entries.flow
    menu = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert menu["type"] is FlowResultType.MENU
    form = await flow.async_configure(menu["flow_id"], {"next_step_id": "manual"})
    assert form["type"] is FlowResultType.FORM
    error = await flow.async_configure(
        form["flow_id"], {"url": "not an address", "username": "admin", "verify_ssl": True}
    )
    assert error["errors"] == {"url": "invalid_url"}
    for result in (menu, form, error):
        given = set(result.get("description_placeholders") or {})
        for text in _step_texts(result):
            assert _placeholders_of(text) <= given, (result["step_id"], text)
    flow.async_abort(error["flow_id"])
