"""Every language has English's keys, placeholders, links and addresses, and nothing left in English.

Also tests scripts/translations_todo.py, the tool that tells a translator what to (re)translate.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import re
import sys
from types import ModuleType
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
import pytest

from custom_components.emby_connect.const import DOMAIN

ROOT = Path(__file__).parent.parent
TRANSLATIONS = ROOT / "custom_components" / "emby_connect" / "translations"


def _load_tool() -> ModuleType:
    """Import scripts/translations_todo.py (scripts/ is not a package)."""
    name = "translations_todo"
    if (module := sys.modules.get(name)) is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "translations_todo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()

# The languages issue #13 asks for; more may come, none may go.
REQUIRED = {"de", "fr", "es", "it", "nl", "pl", "pt-BR", "sv", "da", "nb"}
LANGUAGES: list[str] = tool.languages(TRANSLATIONS)
ENGLISH: dict[str, str] = tool.flatten(json.loads((TRANSLATIONS / "en.json").read_text("utf-8")))

# Strings made only of names and placeholders: the same in every language.
NAMES_ONLY = {"{name}"}
NAMES = ("Emby Connect", "Emby Server", "Emby", "Home Assistant", "PIN", "AccessKey", "SystemId")
# Words a language writes exactly as English does. Each is Home Assistant core's own word in that
# language (Italian core says "Password", German, French, Swedish and Danish core say "Version",
# Spanish and Portuguese core say "Local", Dutch core says "items") or the word that language's
# media apps use.
SAME_AS_ENGLISH: dict[str, set[str]] = {
    "da": {"Server", "Version"},
    "de": {"Server", "Version"},
    "es": {"Local", "Series"},
    "fr": {"Albums", "sessions", "Version"},
    "it": {"Password", "Server"},
    "nb": {"Server"},
    "nl": {"Albums", "items", "Series", "Server", "Trailers"},
    "pl": set(),
    "pt-BR": {"Local", "Trailers"},
    "sv": {"Server", "Version"},
}

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# A web address, or a host with a path (emby.media/pin); http:// alone is a word, not an address.
ADDRESS = re.compile(r"https?://[A-Za-z0-9][\w.:/-]*|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+/[\w./-]*")
LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")


def _strings(lang: str) -> dict[str, str]:
    """Return one language's strings by dotted key."""
    tree: dict[str, Any] = json.loads((TRANSLATIONS / f"{lang}.json").read_text("utf-8"))
    return tool.flatten(tree)


def _addresses(text: str) -> list[str]:
    """Return the addresses in a string, without the sentence's trailing full stop."""
    return sorted(address.rstrip(".") for address in ADDRESS.findall(text))


def _only_names(text: str) -> bool:
    """Tell whether a string holds nothing but placeholders, names and punctuation."""
    rest = PLACEHOLDER.sub("", text)
    for name in NAMES:
        rest = rest.replace(name, "")
    return not re.sub(r"[\W_]", "", rest)


def test_the_required_languages_exist() -> None:
    """The ten languages the issue asks for all ship."""
    assert set(LANGUAGES) >= REQUIRED


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keys_match_english(lang: str) -> None:
    """A language has exactly English's keys, and every one is a non-empty string."""
    strings = _strings(lang)
    assert sorted(set(ENGLISH) - set(strings)) == [], "missing"
    assert sorted(set(strings) - set(ENGLISH)) == [], "not in English"
    assert [key for key, text in strings.items() if not isinstance(text, str) or not text] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_english(lang: str) -> None:
    """Each string has the placeholders its English string has, no more, no fewer."""
    strings = _strings(lang)
    wrong = {
        key: strings[key]
        for key, text in ENGLISH.items()
        if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(strings.get(key, "")))
    }
    assert wrong == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_markdown_and_addresses_are_kept(lang: str) -> None:
    """Bold text, links, paragraph breaks and addresses survive translation unchanged in kind."""
    strings = _strings(lang)
    for key, text in ENGLISH.items():
        translated = strings.get(key, "")
        assert translated.count("**") == text.count("**"), key
        assert len(LINK.findall(translated)) == len(LINK.findall(text)), key
        assert translated.count("\n") == text.count("\n"), key
        assert _addresses(translated) == _addresses(text), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_is_left_in_english(lang: str) -> None:
    """A string may equal English only if it is names and placeholders, or a word on the list."""
    strings = _strings(lang)
    allowed = NAMES_ONLY | SAME_AS_ENGLISH.get(lang, set())
    same = {key: text for key, text in strings.items() if ENGLISH.get(key) == text}
    assert {key: text for key, text in same.items() if text not in allowed} == {}


def test_the_allow_lists_stay_small_and_true() -> None:
    """Each allowed word is really used as is; names-only strings hold only names."""
    assert all(_only_names(text) for text in NAMES_ONLY)
    assert not any(_only_names(text) for words in SAME_AS_ENGLISH.values() for text in words)
    for lang, words in SAME_AS_ENGLISH.items():
        if lang in LANGUAGES:
            same = {text for key, text in _strings(lang).items() if ENGLISH.get(key) == text}
            assert words <= same, f"{lang}: {sorted(words - same)} no longer needed"


def test_the_recorded_sources_name_only_known_languages() -> None:
    """The todo tool's record is readable and speaks only of shipped languages and English keys."""
    recorded = tool.load_sources(tool.SOURCES)
    assert set(recorded) <= set(LANGUAGES)
    for keys in recorded.values():
        assert set(keys) <= set(ENGLISH)


# --- scripts/translations_todo.py -----------------------------------------------------------


def _write(directory: Path, lang: str, tree: dict[str, Any]) -> None:
    (directory / f"{lang}.json").write_text(json.dumps(tree), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    """Return a translations folder with English and German, and where the record goes."""
    translations = tmp_path / "translations"
    translations.mkdir()
    _write(translations, "en", {"config": {"title": "Sign in", "error": {"x": "Failed"}}})
    _write(translations, "de", {"config": {"title": "Anmelden", "error": {"x": "Fehler"}}})
    return translations, tmp_path / "sources.json"


def test_todo_names_missing_extra_and_changed_keys() -> None:
    """Missing, extra and changed keys are reported, with the English they came from."""
    english = {"a": "One", "b": "Two", "c": "Three"}
    translated = {"a": "Eins", "c": "Drei", "old": "Alt"}
    items = tool.todo(english, translated, {"a": "One", "c": "Tree"})
    assert [(item.key, item.reason) for item in items] == [
        ("b", "missing"),
        ("c", "changed"),
        ("old", "extra"),
    ]
    changed = items[1]
    assert (changed.english, changed.translated_from) == ("Three", "Tree")


def test_todo_treats_an_unrecorded_key_as_changed() -> None:
    """A translation whose source English was never recorded needs a look."""
    [item] = tool.todo({"a": "One"}, {"a": "Eins"}, {})
    assert (item.reason, item.translated_from) == ("changed", None)


def test_sources_round_trip_keeps_each_language_apart() -> None:
    """Languages synced at different times keep their own English in the record."""
    by_lang = {"de": {"a": "New", "b": "Two"}, "fr": {"a": "Old"}}
    text = tool.dump_sources(by_lang)
    assert json.loads(text) == {"a": {"New": "de", "Old": "fr"}, "b": {"Two": "de"}}


def test_mark_synced_then_english_changes(
    repo: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """After a sync nothing is due; a changed English string is due again, old and new shown."""
    translations, sources = repo
    assert tool.main(["de"], translations, sources) == 1
    assert tool.main(["--mark-synced", "de"], translations, sources) == 0
    assert tool.main([], translations, sources) == 0
    assert "nothing to do in de" in capsys.readouterr().out

    _write(translations, "en", {"config": {"title": "Log in", "error": {"x": "Failed"}, "n": "N"}})
    assert tool.main([], translations, sources) == 1
    out = capsys.readouterr().out
    assert "de: 2 to do" in out
    assert "changed  config.title" in out
    assert "was: 'Sign in'" in out
    assert "now: 'Log in'" in out
    assert "missing  config.n" in out
    assert "config.error.x" not in out


def test_mark_synced_needs_languages_that_exist(repo: tuple[Path, Path]) -> None:
    """Marking everything at once, or a language without a file, is refused."""
    translations, sources = repo
    with pytest.raises(SystemExit):
        tool.main(["--mark-synced"], translations, sources)
    with pytest.raises(SystemExit):
        tool.main(["xx"], translations, sources)
    assert not sources.exists()


@pytest.mark.parametrize("lang", sorted(REQUIRED))
async def test_home_assistant_serves_each_language(
    hass: HomeAssistant, enable_custom_integrations: None, lang: str
) -> None:
    """Home Assistant finds each file by its language code and serves its strings."""
    strings = await async_get_translations(hass, lang, "config", {DOMAIN})
    key = "config.step.user.title"
    assert strings[f"component.{DOMAIN}.{key}"] == _strings(lang)[key] != ENGLISH[key]
