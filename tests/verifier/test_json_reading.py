"""The JWS reader's orjson fast path answers exactly as the strict standard-library reader.

``read_compact`` takes orjson's reading of a segment only when writing it out again gives back
the segment's bytes (``jose._orjson_reading``). These tests hold it to the strict reader alone
(the fast path switched off): the same value with the same types, or the same error message.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any
from unittest import mock

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from criteria import load_catalogue
from tests.criteria.bundles import meeting_bundle
from verifier import jose
from verifier.jose import SignatureError, TokenError, read_compact, verify_signature

#: 30 digits: orjson would read a float.
BIG = 123456789012345678901234567890
HEADER = base64.urlsafe_b64encode(b'{"alg":"ES256","kid":"k"}').rstrip(b"=").decode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def typed(value: Any) -> Any:
    """``value`` with every type and member order spelled out: ``1 == 1.0 == True`` and
    ``2**64 == float(2**64)`` in Python, but they are different readings of a token."""
    if isinstance(value, dict):
        return ("object", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("array", [typed(v) for v in value])
    return (type(value).__name__, repr(value))


def outcome(raw: bytes) -> tuple[str, Any]:
    """The reader's answer for a payload segment holding ``raw``: its value or its error."""
    try:
        return ("value", typed(read_compact(f"{HEADER}.{b64(raw)}.sig")[1]))
    except TokenError as exc:
        return ("error", str(exc))


def strict_outcome(raw: bytes) -> tuple[str, Any]:
    """The same, with the fast path switched off: the strict reader alone."""
    with mock.patch.object(jose, "_orjson_reading", return_value=jose._UNPROVEN):
        return outcome(raw)


def spell(value: Any, duplicate: bool) -> str:
    """Compact JSON in orjson's spelling (so the fast path can be taken), with every object's
    first member written twice when ``duplicate``, integers of any size and NaN/Infinity."""
    if isinstance(value, dict):
        members = [f"{json.dumps(k)}:{spell(v, duplicate)}" for k, v in value.items()]
        if duplicate and members:
            members.append(members[0])
        return "{" + ",".join(members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(spell(v, duplicate) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)  # NaN, Infinity, -Infinity
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return orjson.dumps(value).decode()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**64 + 2)
    | st.integers(min_value=-(2**63) - 2, max_value=-(2**63) + 2)
    | st.floats()
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(
    value=json_values,
    duplicate=st.booleans(),
    spelling=st.sampled_from(["orjson-like", "standard library"]),
)
def test_fast_path_agrees_with_the_strict_reader(value, duplicate, spelling):
    body = {"v": value}
    text = spell(body, duplicate) if spelling == "orjson-like" else json.dumps(body)
    raw = text.encode("utf-8", "surrogatepass")
    assert outcome(raw) == strict_outcome(raw)


def nested(levels: int) -> bytes:
    return b'{"deep":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a":1,"a":1}', ("error", "duplicate member 'a'")),
        (b'{"a":1,"b":{"c":2,"c":3}}', ("error", "duplicate member 'c'")),
        (b'{"a":[{"x":null,"y":1,"x":null}]}', ("error", "duplicate member 'x'")),
        (b'{"n":%d}' % BIG, ("value", typed({"n": BIG}))),
        (b'{"n":18446744073709551616}', ("value", typed({"n": 2**64}))),
        (b'{"n":-9223372036854775809}', ("value", typed({"n": -(2**63) - 1}))),
        (b'{"n":18446744073709551615}', ("value", typed({"n": 2**64 - 1}))),
        (b'{"n":1e999}', ("error", "1e999 is not a finite number")),
        (b'{"n":NaN}', ("error", "NaN is not a JSON number")),
        (b'{"n":-Infinity}', ("error", "-Infinity is not a JSON number")),
        (b'{"n":-0}', ("value", typed({"n": 0}))),
        (b'{"n":1E5}', ("value", typed({"n": 100000.0}))),
        (b'{"s":"\\ud800"}', ("value", typed({"s": "\ud800"}))),
        (b"[1]", ("error", "payload is not a JSON object")),
        (nested(32), ("value", typed({"deep": json.loads(nested(32))["deep"]}))),
        (nested(33), ("error", "payload is nested deeper than 32 levels")),
        (nested(300), ("error", "payload is nested deeper than 32 levels")),  # orjson writes ≤ 254
        (nested(5000), ("error", "payload is nested too deeply")),  # orjson reads ≤ 1024
    ],
)  # fmt: skip
def test_fast_path_on_what_it_must_not_take(raw, expected):
    """Duplicates, integers beyond 64 bits, non-finite numbers and deep nesting: the answer
    (and the error message) is the strict reader's."""
    assert outcome(raw) == strict_outcome(raw) == expected


def test_invalid_utf8_keeps_the_strict_message():
    raw = b'{"s":"\xff"}'
    kind, message = outcome(raw)
    assert (kind, message) == strict_outcome(raw)
    assert message.startswith("payload is not base64url-encoded JSON: 'utf-8' codec can't decode")


def test_the_issuers_tokens_take_the_fast_path(issuer):
    """Not a correctness matter, but the reason the path exists: the issuer writes orjson."""
    token = issuer.issue(meeting_bundle(load_catalogue()["foundation-mastery"])).credential.jwt
    header, payload, _ = token.split(".")
    for part in (header, payload):
        assert jose._orjson_reading(jose.b64url_decode(part)) is not jose._UNPROVEN
    raw = jose.b64url_decode(payload)
    assert outcome(raw) == strict_outcome(raw)


@pytest.mark.parametrize(
    ("token", "segments"),
    [("abc", 1), ("a.b", 2), ("a.b.c.d", 4), ("a..b.c.", 5), ("....", 5), (".", 2)],
)
def test_segment_count_is_reported(token, segments):
    with pytest.raises(TokenError, match=f"^a compact JWS has 3 segments, this has {segments}$"):
        read_compact(token)


@pytest.mark.parametrize("token", ["abc", "a.b", "a.b.c.d", "a..b.c", "..."])
def test_signature_needs_exactly_three_segments(token):
    with pytest.raises(SignatureError, match=r"^not a compact JWS$"):
        verify_signature(token, None, "ES256")
