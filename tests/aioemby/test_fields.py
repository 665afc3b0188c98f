"""Tests for the declarative wire fields: what a declaration states is what a parse does."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from custom_components.emby_connect.aioemby import EmbyResponseError
from custom_components.emby_connect.aioemby._fields import WireModel, read_fields, wire
from custom_components.emby_connect.aioemby._wire import read_count, read_str_list, read_text


@dataclass(frozen=True, slots=True, kw_only=True)
class _Thing(WireModel):
    """A model of every kind of wire field."""

    _what = "thing"
    _fold = True

    id: str = wire(read_text, "Id", required="Thing")
    name: str = wire(read_text, "Name", fallback="id")
    kind: str = wire(read_text, "Kind", "Type", absent="")
    count: int = wire(read_count, "Count", default=0)
    tags: list[str] = wire(read_str_list, "Tags", default_factory=list)
    secret: str | None = wire(read_text, "Secret", default=None, repr=False)


def test_every_kind_of_field() -> None:
    thing = _Thing.from_dict(
        {"id": "t", "TYPE": "box", "Count": "3", "tags": ["a", 1], "Secret": "s3cret"}
    )
    assert thing == _Thing(id="t", name="t", kind="box", count=3, tags=["a"], secret="s3cret")
    assert "s3cret" not in repr(thing)
    assert _Thing.from_dict({"Id": "t"}) == _Thing(id="t", name="t", kind="")
    assert _Thing.list_from([{"Id": "a"}, {}, "x"]) == [_Thing(id="a", name="a", kind="")]


def test_required_and_shape_errors() -> None:
    with pytest.raises(EmbyResponseError, match=r"^Thing has no Id$"):
        _Thing.from_dict({"Id": "", "Name": "n"})
    with pytest.raises(EmbyResponseError, match="JSON object for thing"):
        _Thing.from_dict([])
    with pytest.raises(EmbyResponseError, match="JSON array for thing list"):
        _Thing.list_from({})


def test_each_default_is_fresh() -> None:
    first, second = _Thing.from_dict({"Id": "a"}), _Thing.from_dict({"Id": "b"})
    assert first.tags == []
    assert first.tags is not second.tags


def test_declarations_that_cannot_be_read_are_refused() -> None:
    with pytest.raises(TypeError, match="needs a wire name"):
        wire(read_text)
    with pytest.raises(TypeError, match="needs a default"):
        wire(read_text, "Name")

    @dataclass(frozen=True, slots=True, kw_only=True)
    class _Orphan:
        name: str = wire(read_text, "Name", fallback="id")

    with pytest.raises(TypeError, match="falls back on no earlier required field"):
        read_fields(_Orphan, {})
