"""Strict JSON: the one reader of untrusted JSON in Vouch (evidence bundles, tokens, artefacts,
request bodies, fetched documents).

A leaf package, standard library only, so that the pure criteria engine and the verifier can
both use it without depending on each other (``criteria`` ← ``issuer`` → ``verifier``). It
refuses what the standard library lets through: duplicate members (RFC 8259 §4 leaves their
meaning open, RFC 7515 §5.2 forbids them in a JWS), ``NaN`` and ``Infinity`` (and a number such
as ``1e999`` that reads as one), text that is not UTF-8, and, when asked, nesting deeper than a
limit. Each caller words a refusal in its own error type: the verifier's ``TokenError``, the
criteria engine's ``EvidenceError``, a 422 for a request body.

    >>> loads(b'{"a": 1, "a": 2}')
    Traceback (most recent call last):
    strictjson.DuplicateMember: duplicate member 'a'
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["DuplicateMember", "NotFinite", "Refused", "TooDeep", "check_depth", "loads"]


class Refused(ValueError):
    """Readable as JSON by the standard library, but not strict JSON."""


class DuplicateMember(Refused):
    """An object names the same member twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate member {key!r}")
        self.key = key


class NotFinite(Refused):
    """``NaN``, ``Infinity`` or a number beyond a float's range: no genuine document holds one."""


class TooDeep(Refused):
    """Nested deeper than ``limit`` levels, or (``limit`` None) than the parser's stack allows."""

    def __init__(self, limit: int | None) -> None:
        super().__init__(
            "nested too deeply" if limit is None else f"nested deeper than {limit} levels"
        )
        self.limit = limit


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # the common case costs one comparison
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateMember(key)
            seen.add(key)
    return result


def _constant(name: str) -> Any:
    raise NotFinite(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    """``1e999`` reads as infinity without passing through ``parse_constant``: refuse it too."""
    value = float(text)
    if not math.isfinite(value):
        raise NotFinite(f"{text[:20]} is not a finite number")
    return value


#: Built once, not per call (``json.loads`` with hooks builds a decoder every time).
_DECODER = json.JSONDecoder(
    object_pairs_hook=_members, parse_constant=_constant, parse_float=_finite
)
_BOM = "\ufeff"


def loads(data: bytes | str, *, max_depth: int | None = None) -> Any:
    """``data`` read as strict JSON, nested at most ``max_depth`` levels when given.

    Raises :class:`Refused` (``DuplicateMember``, ``NotFinite``, ``TooDeep``), or the standard
    library's ``json.JSONDecodeError`` or ``UnicodeDecodeError``: all of them ``ValueError``.
    A document too deep for the parser's own stack is ``TooDeep`` too, never a RecursionError.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if text.startswith(_BOM):  # as json.loads says it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise TooDeep(None) from None
    if max_depth is not None:
        check_depth(value, max_depth, data)
    return value


#: Deleting every other byte leaves the opening brackets: one pass, where two counts take two.
_ALL_BUT_BRACKETS = bytes(b for b in range(256) if b not in b"{[")


def check_depth(value: Any, limit: int, source: bytes | str | None = None) -> None:
    """``TooDeep(limit)`` when parsed JSON ``value`` nests more than ``limit`` levels (an object
    or array is one). Given the ``source`` it was read from, a document with no more opening
    brackets than ``limit`` (most of them) needs no walk."""
    if source is not None:
        if isinstance(source, bytes):
            openings = len(source.translate(None, _ALL_BUT_BRACKETS))
        else:
            openings = source.count("{") + source.count("[")
        if openings <= limit:
            return
    if _nested_deeper_than(value, limit):
        raise TooDeep(limit)


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether parsed JSON ``value`` nests more than ``limit`` levels (an object or array is 1).

    Level by level, no recursion; exact type checks, since JSON parses to plain dicts and lists.
    """
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        below = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    below.append(child)
        if not below:
            return False
        level = below
    return True
