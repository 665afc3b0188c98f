#!/usr/bin/env python3
"""List the translation keys that need (re)translation, and record what a translation was made from.

Every translations/<lang>.json other than en.json is checked against en.json and against
scripts/translations_source.json, which keeps, per key, the English text each language's
translation was made from ({key: {English text: "de fr ..."}}). A key needs work when English
has it and the language does not (missing), the language has it and English does not (extra),
or its English text is not the one recorded for that language (changed, or never recorded).

    scripts/translations_todo.py                  # what needs doing in every language (exit 1 if any)
    scripts/translations_todo.py de fr            # the same, for some languages
    scripts/translations_todo.py --mark-synced de # after translating: record today's English for de
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import json
from pathlib import Path
import sys
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "custom_components" / "emby_connect" / "translations"
SOURCES = ROOT / "scripts" / "translations_source.json"


@dataclass(frozen=True, slots=True)
class Todo:
    """One key of one language that needs a translator."""

    key: str
    reason: str  # "missing", "extra" or "changed"
    english: str | None = None  # today's English (None for an extra key)
    translated_from: str | None = None  # the English recorded at the last sync, if any


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Return every string of a translation tree by its dotted key."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= flatten(value, f"{path}.")
        else:
            flat[path] = value
    return flat


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from a file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_sources(path: Path) -> dict[str, dict[str, str]]:
    """Return the recorded English per language and key from the sources file, if there is one."""
    by_lang: dict[str, dict[str, str]] = {}
    stored: dict[str, dict[str, str]] = read_json(path) if path.exists() else {}
    for key, texts in stored.items():
        for text, langs in texts.items():
            for lang in langs.split():
                by_lang.setdefault(lang, {})[key] = text
    return by_lang


def dump_sources(by_lang: dict[str, dict[str, str]]) -> str:
    """Return the sources file's text: each key once, each English text with its languages."""
    stored: dict[str, dict[str, list[str]]] = {}
    for lang, keys in sorted(by_lang.items()):
        for key, text in keys.items():
            stored.setdefault(key, {}).setdefault(text, []).append(lang)
    ordered = {
        key: {text: " ".join(langs) for text, langs in stored[key].items()}
        for key in sorted(stored)
    }
    return json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"


def languages(translations: Path = TRANSLATIONS) -> list[str]:
    """Return the languages that have a translation file, English excluded."""
    return sorted(path.stem for path in translations.glob("*.json") if path.stem != "en")


def todo(
    english: dict[str, str], translated: dict[str, str], sources: dict[str, str]
) -> list[Todo]:
    """Return what one language needs, given flat English, translation and recorded sources."""
    found = [Todo(key, "missing", text) for key, text in english.items() if key not in translated]
    found += [Todo(key, "extra") for key in translated if key not in english]
    found += [
        Todo(key, "changed", text, sources.get(key))
        for key, text in english.items()
        if key in translated and sources.get(key) != text
    ]
    return sorted(found, key=lambda item: item.key)


def mark_synced(english: dict[str, str], translated: dict[str, str]) -> dict[str, str]:
    """Return the sources to record: today's English of every key the language translates."""
    return {key: text for key, text in sorted(english.items()) if key in translated}


def _report(lang: str, items: list[Todo]) -> str:
    """Format one language's list for a person."""
    lines = [f"{lang}: {len(items)} to do"]
    for item in items:
        lines.append(f"  {item.reason:8} {item.key}")
        if item.reason == "changed":
            was = "(not recorded)" if item.translated_from is None else repr(item.translated_from)
            lines.append(f"           was: {was}")
        if item.english is not None:
            lines.append(f"           now: {item.english!r}")
    return "\n".join(lines)


def main(
    argv: list[str] | None = None, translations: Path = TRANSLATIONS, sources: Path = SOURCES
) -> int:
    """Print the work per language, or record the English of the languages just translated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("languages", nargs="*", help="languages to look at (default: all)")
    parser.add_argument(
        "--mark-synced",
        action="store_true",
        help="record today's English as the source of the given languages' translations",
    )
    args = parser.parse_args(argv)
    known = languages(translations)
    chosen: list[str] = args.languages or known
    if unknown := sorted(set(chosen) - set(known)):
        parser.error(f"no translation file for {', '.join(unknown)}")
    english = flatten(read_json(translations / "en.json"))
    recorded = load_sources(sources)
    if args.mark_synced:
        if not args.languages:
            parser.error("--mark-synced needs the languages you translated")
        for lang in chosen:
            recorded[lang] = mark_synced(english, flatten(read_json(translations / f"{lang}.json")))
        sources.write_text(dump_sources(recorded), encoding="utf-8")
        print(f"recorded the English of {', '.join(chosen)} in {sources.name}")
        return 0
    pending = 0
    for lang in chosen:
        translated = flatten(read_json(translations / f"{lang}.json"))
        if items := todo(english, translated, recorded.get(lang, {})):
            pending += len(items)
            print(_report(lang, items))
    if not pending:
        print(f"nothing to do in {', '.join(chosen)}")
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
