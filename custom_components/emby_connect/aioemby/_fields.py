"""Declarative wire fields: each model field states its wire names, reader and default once.

A model declares `movie_count: int = wire(read_count, "MovieCount", default=0)`; one generic
reader (`read_fields`, `WireModel.from_dict`) builds the keyword arguments from that metadata
with the tolerant readers of `_wire`. A model writes its own `from_dict` only where it computes
something (a value read from several fields, or from another object).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, ClassVar, Self

from ._wire import Folded, JsonObject, Reader, as_object, fold, parse_each
from .exceptions import EmbyResponseError

_KEY = "emby_wire"


class _Absent:
    """The marker of an argument not given (None is a value)."""


_ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class _Wire:
    """How one field is read: its wire names, reader and what stands in when it is missing."""

    names: tuple[str, ...]
    read: Reader[Any]
    required: str | None
    fallback: str | None
    absent: Any


def wire[T](
    read: Reader[T],
    *names: str,
    default: T = _ABSENT,
    default_factory: Callable[[], T] | None = None,
    absent: T = _ABSENT,
    required: str | None = None,
    fallback: str | None = None,
    repr: bool = True,  # noqa: A002 (the name dataclasses.field gives it)
) -> Any:
    """Return a dataclass field read from the wire names (the first present one wins).

    When the wire lacks the value (the reader returns None): `required` raises
    EmbyResponseError "<required> has no <first name>"; `fallback` takes the value of an
    earlier field; `absent` stands in without being the constructor's default; otherwise the
    field's default. Typed as Any, as dataclasses.field is, so the annotation stays the type.
    """
    if not names:
        message = "A wire field needs a wire name"
        raise TypeError(message)
    metadata = {_KEY: _Wire(names, read, required, fallback, absent)}
    if default_factory is not None:
        return field(default_factory=default_factory, repr=repr, metadata=metadata)
    if default is not _ABSENT:
        return field(default=default, repr=repr, metadata=metadata)
    if required is None and fallback is None and absent is _ABSENT:
        message = f"The wire field {names[0]} needs a default, absent, fallback or required"
        raise TypeError(message)
    return field(repr=repr, metadata=metadata)


# What a field takes when the wire lacks it: the dataclass default (the field is left out of
# the keyword arguments), a value, an earlier field's value, or an EmbyResponseError.
_DEFAULT, _VALUE, _FALLBACK, _REQUIRED = range(4)

# A step: the attribute, its reader, the first wire name and any others, what stands in (kind
# and value), and whether a folded object without the name may skip the reader.
type _Step = tuple[str, Reader[Any], str, tuple[str, ...], int, Any, bool]


@dataclass(frozen=True, slots=True)
class _Plan:
    """How a model is read: one step a wire field, and every wire name they read."""

    steps: tuple[_Step, ...]
    names: tuple[str, ...]


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    """Return how a model is read (worked out once per model)."""
    if (plan := _PLANS.get(cls)) is None:
        plan = _PLANS[cls] = _make_plan(cls)
    return plan


def _make_plan(cls: type) -> _Plan:
    """Work out how a model is read, from its fields' metadata."""
    steps: list[_Step] = []
    for model_field in fields(cls):
        if (spec := model_field.metadata.get(_KEY)) is None:
            continue
        if spec.required is not None:
            kind, extra = _REQUIRED, f"{spec.required} has no {spec.names[0]}"
        elif spec.fallback is not None:
            if not any(step[0] == spec.fallback and step[4] == _REQUIRED for step in steps):
                # Only a required field is sure to have a value to fall back on.
                message = (
                    f"{cls.__name__}.{model_field.name} falls back on no earlier required field"
                )
                raise TypeError(message)
            kind, extra = _FALLBACK, spec.fallback
        elif spec.absent is not _ABSENT:
            kind, extra = _VALUE, spec.absent
        else:
            kind, extra = _DEFAULT, None
        name, *more = spec.names
        steps.append(
            (model_field.name, spec.read, name, tuple(more), kind, extra, _skips(model_field))
        )
    return _Plan(steps=tuple(steps), names=tuple(dict.fromkeys(_names(steps))))


def _names(steps: list[_Step]) -> Iterator[str]:
    """Yield every wire name the steps read."""
    for step in steps:
        yield step[2]
        yield from step[3]


def _skips(model_field: Field[Any]) -> bool:
    """Return whether a folded object without the field's one name may skip its reader.

    True when the reader gives nothing, or the field's default, for an object without it:
    the fold leaves only the names an object has, so one membership test tells.
    """
    spec = model_field.metadata[_KEY]
    if len(spec.names) != 1:
        return False
    missing = spec.read(Folded(), *spec.names)
    if missing is None:
        return True
    if spec.required is not None or spec.fallback is not None or spec.absent is not _ABSENT:
        return False
    if model_field.default_factory is not MISSING:
        return bool(missing == model_field.default_factory())
    return bool(missing == model_field.default)


def read_fields(cls: type, obj: JsonObject) -> dict[str, Any]:
    """Return the keyword arguments of a model's wire fields, read from a JSON object.

    A field the wire lacks and that takes its default is left out (the dataclass defaults it).
    """
    return _read(_plan(cls).steps, obj)


def _read(steps: tuple[_Step, ...], obj: JsonObject) -> dict[str, Any]:
    """Run a model's steps over a JSON object."""
    values: dict[str, Any] = {}
    folded = isinstance(obj, Folded)
    for attribute, read, name, more, kind, extra, skips in steps:
        if folded and skips and name not in obj:
            value = None
        elif more:
            value = read(obj, name, *more)
        else:
            value = read(obj, name)
        if value is not None:
            values[attribute] = value
        elif kind == _VALUE:
            values[attribute] = extra
        elif kind == _FALLBACK:
            values[attribute] = values[extra]
        elif kind == _REQUIRED:
            raise EmbyResponseError(extra)
    return values


class WireModel:
    """A model whose fields are all wire fields: `from_dict` reads them, nothing else.

    A subclass names what it parses in `_what` (for the error when it is no JSON object) and
    `_list_what` (when it is no JSON array), and sets `_fold` when its objects are many (each
    is folded to its wire names once, so that a missing field costs one lookup instead of a
    case-insensitive scan).
    """

    __slots__ = ()
    _what: ClassVar[str]
    _list_what: ClassVar[str | None] = None
    _fold: ClassVar[bool] = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the model from a JSON object."""
        plan = _plan(cls)
        obj = as_object(data, cls._what)
        if cls._fold:
            obj = fold(obj, plan.names)
        return cls(**_read(plan.steps, obj))

    @classmethod
    def list_from(cls, data: object) -> list[Self]:
        """Parse a JSON array of the model, skipping the entries that cannot be read."""
        return parse_each(cls.from_dict, data, cls._list_what or f"{cls._what} list")
