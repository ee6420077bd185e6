"""strictjson, the one reader of untrusted JSON: what it refuses, and how deep it reads."""

from __future__ import annotations

import json

import pytest

import strictjson


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ('{"a": 1, "a": 2}', strictjson.DuplicateMember, "duplicate member 'a'"),
        ('[{"x": {"y": 1, "y": 1}}]', strictjson.DuplicateMember, "duplicate member 'y'"),
        ('{"n": NaN}', strictjson.NotFinite, "NaN is not a JSON number"),
        ("[-Infinity]", strictjson.NotFinite, "-Infinity is not a JSON number"),
        ("[1e999]", strictjson.NotFinite, "1e999 is not a finite number"),
        ("[" * 5_000 + "]" * 5_000, strictjson.TooDeep, "nested too deeply"),
        ("\ufeff{}", json.JSONDecodeError, "Unexpected UTF-8 BOM"),
        ("{", json.JSONDecodeError, "Expecting property name"),
    ],
)
def test_refused(text, error, message):
    for data in (text, text.encode()):
        with pytest.raises(error, match=message) as caught:
            strictjson.loads(data)
        assert isinstance(caught.value, ValueError)  # callers may catch ValueError alone


def test_not_utf8_is_refused():
    with pytest.raises(UnicodeDecodeError):
        strictjson.loads(b'{"s": "\xff"}')


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("source", [True, False])
def test_max_depth_is_the_deepest_read(source):
    assert strictjson.loads(nested(8), max_depth=8) == json.loads(nested(8))
    with pytest.raises(strictjson.TooDeep, match=r"^nested deeper than 8 levels$"):
        strictjson.loads(nested(9), max_depth=8)
    value = json.loads(nested(9))
    with pytest.raises(strictjson.TooDeep):
        strictjson.check_depth(value, 8, nested(9) if source else None)
    strictjson.check_depth(value, 9, nested(9) if source else None)


def test_many_brackets_side_by_side_are_not_depth():
    """The bracket count only spares the walk; a wide document is not a deep one."""
    text = json.dumps([[{"a": [1]}] for _ in range(100)])
    assert strictjson.loads(text, max_depth=4) == json.loads(text)
    assert strictjson.loads(text.encode(), max_depth=4) == json.loads(text)


def test_what_it_reads_is_what_the_standard_library_reads():
    text = (
        '{"a": [1, 2.5, -0, 1E5, "\\u00e9", true, null, {"b": {}}], "big": 123456789012345678901}'
    )
    assert strictjson.loads(text) == json.loads(text)
