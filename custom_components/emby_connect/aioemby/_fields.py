"""Declarative wire fields: each model field states its wire names, reader and default once.

A model declares `movie_count: int = wire(read_count, "MovieCount", default=0)`; one generic
reader (`read_fields`, `WireModel.from_dict`) builds the keyword arguments from that metadata
with the tolerant readers of `_wire`. A model writes its own `from_dict` only where it computes
something (a value read from several fields, or from another object).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from functools import cache
from typing import Any, ClassVar, Self

from ._wire import JsonObject, Reader, as_object, fold
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


@dataclass(frozen=True, slots=True)
class _Spec:
    """One field of a model, ready to read."""

    attribute: str
    wire: _Wire
    default: Any
    factory: Callable[[], Any] | None


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


@cache
def _specs(cls: type) -> tuple[_Spec, ...]:
    """Return the wire fields of a model, in declaration order (once per model)."""
    return tuple(
        _Spec(
            attribute=model_field.name,
            wire=model_field.metadata[_KEY],
            default=model_field.default,
            factory=_factory(model_field),
        )
        for model_field in fields(cls)
        if _KEY in model_field.metadata
    )


def _factory(model_field: Field[Any]) -> Callable[[], Any] | None:
    """Return a field's default factory, or None."""
    factory = model_field.default_factory
    return None if factory is MISSING else factory


def wire_names(cls: type) -> tuple[str, ...]:
    """Return every wire name a model's fields read (what its objects are folded to)."""
    return _wire_names(cls)


@cache
def _wire_names(cls: type) -> tuple[str, ...]:
    """Return every wire name a model's fields read (once per model)."""
    return tuple(dict.fromkeys(name for spec in _specs(cls) for name in spec.wire.names))


def read_fields(cls: type, obj: JsonObject) -> dict[str, Any]:
    """Return the keyword arguments of a model's wire fields, read from a JSON object."""
    values: dict[str, Any] = {}
    for spec in _specs(cls):
        wire_field = spec.wire
        value = wire_field.read(obj, *wire_field.names)
        if value is None:
            if wire_field.required is not None:
                message = f"{wire_field.required} has no {wire_field.names[0]}"
                raise EmbyResponseError(message)
            if wire_field.fallback is not None:
                value = values[wire_field.fallback]
            elif wire_field.absent is not _ABSENT:
                value = wire_field.absent
            elif spec.factory is not None:
                value = spec.factory()
            else:
                value = spec.default
        values[spec.attribute] = value
    return values


class WireModel:
    """A model whose fields are all wire fields: `from_dict` reads them, nothing else.

    A subclass names what it parses in `_what` (for the error when it is no JSON object) and
    sets `_fold` when its objects are many (each is folded to its wire names once, so that a
    missing field costs one lookup instead of a case-insensitive scan).
    """

    __slots__ = ()
    _what: ClassVar[str]
    _fold: ClassVar[bool] = False

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Parse the model from a JSON object."""
        obj = as_object(data, cls._what)
        if cls._fold:
            obj = fold(obj, wire_names(cls))
        return cls(**read_fields(cls, obj))
