"""The tolerant reader: typed values from JSON of any shape, never an exception but EmbyResponseError.

Emby servers and Emby Connect differ by version in case, type and presence of fields (numbers as
strings, booleans as "true", ids as numbers): every model reads its fields through these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from .exceptions import EmbyResponseError

type JsonObject = Mapping[str, Any]


class Reader[T](Protocol):
    """Read one value from a JSON object by its wire names; None when it is not there."""

    def __call__(self, data: JsonObject, /, *names: str) -> T | None:
        """Return the value, or None."""


def as_object(data: object, what: str) -> JsonObject:
    """Return data as a JSON object or raise EmbyResponseError."""
    if not isinstance(data, Mapping):
        message = f"Expected a JSON object for {what}, got {type(data).__name__}"
        raise EmbyResponseError(message)
    return data


def as_list(data: object, what: str) -> list[Any]:
    """Return data as a JSON array or raise EmbyResponseError."""
    if not isinstance(data, list):
        message = f"Expected a JSON array for {what}, got {type(data).__name__}"
        raise EmbyResponseError(message)
    return data


def as_mapping(data: object) -> JsonObject:
    """Return data if it is a JSON object, else an empty one (for optional nested objects)."""
    return data if isinstance(data, Mapping) else {}


def parse_each[T](parse: Callable[[object], T], data: object, what: str) -> list[T]:
    """Parse every item of a JSON array, skipping the items that cannot be parsed."""
    parsed: list[T] = []
    for item in as_list(data, what):
        try:
            parsed.append(parse(item))
        except EmbyResponseError:
            continue
    return parsed


class Folded(dict[str, Any]):
    """A JSON object re-keyed by the wire names a parser reads: no other spelling is left."""


def fold(data: JsonObject, names: Iterable[str]) -> JsonObject:
    """Return data keyed by the given wire names, matched case-insensitively, in one pass.

    A parser reading many fields of many objects (library pages) folds each object once, so
    that a missing field costs one lookup instead of a case-insensitive scan.
    """
    canonical, exact = _canonical(tuple(names))
    folded = Folded()
    for key, value in data.items():
        if value is None:
            continue
        if key in exact:
            # The wire name as spelt: it wins over any other spelling.
            folded[key] = value
        elif isinstance(key, str) and (name := canonical.get(key.lower())) and name not in folded:
            folded[name] = value
    return folded


@cache
def _canonical(names: tuple[str, ...]) -> tuple[dict[str, str], frozenset[str]]:
    """Return the wire names by their lower case, and the names as spelt (once per parser)."""
    return {name.lower(): name for name in names}, frozenset(names)


def get_value(data: JsonObject, *names: str) -> Any:
    """Return the first present, non-null value among the wire names (case-insensitive)."""
    for name in names:
        value = data.get(name)
        if value is not None:
            return value
    if isinstance(data, Folded):
        return None
    lowered = {key.lower(): value for key, value in data.items() if isinstance(key, str)}
    for name in names:
        value = lowered.get(name.lower())
        if value is not None:
            return value
    return None


def read_str(data: JsonObject, *names: str) -> str | None:
    """Read an optional string; numbers are accepted as text, other types are ignored."""
    value = get_value(data, *names)
    if isinstance(value, str):
        return value
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return str(value)
        except ValueError:
            # An integer with more digits than Python converts to text.
            return None
    return None


def read_required_str(data: JsonObject, what: str, *names: str) -> str:
    """Read a string that must be present and non-empty."""
    value = read_str(data, *names)
    if not value:
        message = f"{what} has no {names[0]}"
        raise EmbyResponseError(message)
    return value


def read_bool(data: JsonObject, *names: str, default: bool = False) -> bool:
    """Read a boolean; Connect sends some as the strings "true" and "false"."""
    value = read_flag(data, *names)
    return default if value is None else value


def read_flag(data: JsonObject, *names: str) -> bool | None:
    """Read an optional boolean (as read_bool does); None when there is none to read."""
    value = get_value(data, *names)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() in {"true", "1", "yes"}:
            return True
        if value.strip().lower() in {"false", "0", "no"}:
            return False
    if isinstance(value, int) and not isinstance(value, bool):
        return value != 0
    return None


def read_int(data: JsonObject, *names: str) -> int | None:
    """Read an optional integer; numeric strings are accepted, absurd values are ignored."""
    value = get_value(data, *names)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            return None
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    return None


def read_count(data: JsonObject, *names: str) -> int:
    """Read a non-negative count, defaulting to 0."""
    value = read_int(data, *names)
    return value if value is not None and value >= 0 else 0


def read_str_list(data: JsonObject, *names: str) -> list[str]:
    """Read a list of strings, dropping anything else."""
    value = get_value(data, *names)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def read_str_tuple(data: JsonObject, *names: str) -> tuple[str, ...]:
    """Read a list of strings as a tuple (for frozen models), dropping anything else."""
    return tuple(read_str_list(data, *names))


def read_str_map(data: JsonObject, *names: str) -> dict[str, str]:
    """Read an object of strings (e.g. ImageTags), dropping anything else."""
    value = get_value(data, *names)
    if not isinstance(value, Mapping):
        return {}
    return {
        key: item for key, item in value.items() if isinstance(key, str) and isinstance(item, str)
    }


def read_datetime(data: JsonObject, *names: str) -> datetime | None:
    """Read an ISO 8601 timestamp in UTC; Emby sends seven fractional digits, cut to six."""
    value = read_str(data, *names)
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:
        head, _, tail = text.partition(".")
        zone = tail.lstrip("0123456789")
        digits = tail[: len(tail) - len(zone)]
        text = f"{head}.{digits[:6]}{zone}" if digits else f"{head}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # Emby's dates are UTC; one without an offset is read as UTC too.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def read_text(data: JsonObject, *names: str) -> str | None:
    """Read an optional string; an empty one counts as missing."""
    return read_str(data, *names) or None


@cache
def _members[E: StrEnum](kind: type[E]) -> dict[str, E]:
    """Return an enum's members by lower-case value."""
    return {member.value.lower(): member for member in kind}


def enum_member[E: StrEnum](kind: type[E], value: str | None) -> E | None:
    """Return the member a wire value names (case-insensitive, spaces around ignored), or None."""
    return _members(kind).get(value.strip().lower()) if value is not None else None


@cache
def read_enum[E: StrEnum](kind: type[E]) -> Reader[E]:
    """Return a reader of the member a wire string names (None for any other value)."""

    def read(data: JsonObject, *names: str) -> E | None:
        return enum_member(kind, read_str(data, *names))

    return read


@cache
def read_object[T](parse: Callable[[object], T]) -> Reader[T]:
    """Return a reader of a nested JSON object through its parser (None when it is no object)."""

    def read(data: JsonObject, *names: str) -> T | None:
        value = get_value(data, *names)
        return parse(value) if isinstance(value, Mapping) else None

    return read
