"""Untrusted bytes in, an :class:`Evidence` or an :class:`EvidenceError` naming every problem out.

Valid bundles take a fast path (``jsonschema-rs``, in Rust); only an invalid one is re-checked
with ``jsonschema`` to collect every problem with its JSON path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

import strictjson
from criteria.errors import EvidenceError, EvidenceProblem, EvidenceTooLargeError
from criteria.evidence import Evidence
from criteria.model import Milestone
from criteria.schema import milestone_schema
from criteria.vocabulary import EVIDENCE_FORMAT

#: Largest bundle accepted as bytes; a complete bundle for any milestone is under 8 KiB.
MAX_BUNDLE_BYTES = 256 * 1024

_JSON_TYPES = {
    dict: "an object", list: "an array", str: "a string", bool: "a boolean",
    int: "a number", float: "a number", type(None): "null",
}  # fmt: skip
#: What an enum value is called, by the last field name on its path.
_ENUM_NAMES = {
    "checklist": "checklist item", "held": "milestone", "status": "status",
    "quality": "quality grade", "role": "reviewer role", "verdict": "verdict",
    "project": "benchmark project",
}  # fmt: skip
_ID_NAMES = {"exercises": "exercise", "challenges": "challenge", "reviews": "review kind"}
_PATTERN_MESSAGES = {
    "email": "is not an email address",
    "artifact_sha256": "is not a SHA-256 hex digest (64 lower-case hex digits)",
    "name": "must not be blank",
}


def _refuse_retrieval(uri: str) -> Any:
    raise LookupError(f"schema reference {uri} is not bundled; nothing is fetched")


def json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def decode(data: bytes | str, *, max_bytes: int = MAX_BUNDLE_BYTES) -> Any:
    """Parse JSON strictly (:mod:`strictjson`): size-limited, UTF-8, no duplicate keys, no NaN or
    Infinity."""
    size = len(data.encode() if isinstance(data, str) else data)
    if size > max_bytes:
        problem = EvidenceProblem("$", f"bundle is {size} bytes; the limit is {max_bytes}")
        raise EvidenceTooLargeError([problem])
    try:
        return strictjson.loads(data)
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except strictjson.DuplicateMember as exc:
        message = f"duplicate key {exc.key!r} in an object"
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except ValueError as exc:  # NaN, Infinity, nested too deeply for the parser
        message = f"not valid JSON: {exc}"
    raise EvidenceError([EvidenceProblem("$", message)])


def _shown(value: object, limit: int = 60) -> str:
    """A submitted value for a message, cut short: never echo a large input back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _enum_noun(path: list[str | int], field: str) -> str:
    """What the unknown value at ``path`` was meant to be, for the message."""
    if field in ("id", "kind"):
        return _ID_NAMES.get(str(path[0]), "id")
    if path[0] == "rubrics":
        return "rubric item"
    return _ENUM_NAMES.get(field, "value")


def _problems(error: ValidationError) -> list[EvidenceProblem]:
    """One or more readable problems for one jsonschema error."""
    path = list(error.absolute_path)
    where = json_path(path)
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    value, schema = error.instance, error.schema
    if isinstance(value, float) and not math.isfinite(value):
        return []  # reported once, as "not a finite number", by the semantic checks
    match error.validator:
        case "additionalProperties":
            known = schema.get("properties", {})
            noun = {"quizzes": "quiz", "rubrics": "rubric"}.get(field, "field")
            if len(path) >= 2 and path[-2] == "quizzes":
                noun = "question"
            return [
                EvidenceProblem(json_path([*path, key]), f"unknown {noun} {key!r}")
                for key in value
                if key not in known
            ]
        case "required":
            missing = error.validator_value
            return [
                EvidenceProblem(json_path([*path, key]), "required field is missing")
                for key in missing
                if key not in value
            ]
        case "enum":
            options = [str(o) for o in error.validator_value]
            if path and path[0] == "quizzes":
                message = f"answer {value!r} is not an option ({', '.join(options)})"
            else:
                listed = f" (expected one of: {', '.join(options)})" if len(options) <= 8 else ""
                message = f"unknown {_enum_noun(path, field)} {_shown(value)}{listed}"
            return [EvidenceProblem(where, message)]
        case "type":
            message = (
                f"expected {_type_name(_EXAMPLES[error.validator_value])}, got {_type_name(value)}"
            )
        case "const":
            message = f"expected {error.validator_value!r}, got {_shown(value)}"
        case "minimum":
            message = f"must be ≥ {error.validator_value:g}, got {_shown(value)}"
        case "maximum":
            message = f"must be ≤ {error.validator_value:g}, got {_shown(value)}"
        case "uniqueItems":
            seen: list[Any] = []
            dupes = []
            for v in value:
                if v in seen:
                    dupes.append(v)
                else:
                    seen.append(v)
            message = f"duplicate entries: {', '.join(_shown(d) for d in dupes[:5])}"
        case "maxItems":
            message = f"too many entries: {len(value)}, at most {error.validator_value}"
        case "maxLength":
            message = f"too long: {len(value)} characters, at most {error.validator_value}"
        case "minLength":
            message = "must not be empty"
        case "pattern":
            message = _PATTERN_MESSAGES.get(field, f"does not match {error.validator_value}")
        case "not":
            message = "this milestone takes no benchmark figures"
        case _:
            message = error.message
    return [EvidenceProblem(where, message)]


_EXAMPLES = {"object": {}, "array": [], "string": "", "number": 0.0, "integer": 0, "boolean": True}


def _semantic_problems(
    bundle: Mapping[str, Any], *, parsed_here: bool = False
) -> list[EvidenceProblem]:
    """What a schema cannot say: duplicate ids inside arrays of objects, non-finite numbers."""
    problems = []
    for field in ("exercises", "challenges"):
        first: dict[str, int] = {}
        for i, entry in _entries_of(bundle, field):
            entry_id = entry.get("id")
            if isinstance(entry_id, str):
                if entry_id in first:
                    also = f"also at $.{field}[{first[entry_id]}]"
                    problems.append(
                        EvidenceProblem(f"$.{field}[{i}].id", f"duplicate {entry_id!r} ({also})")
                    )
                first.setdefault(entry_id, i)
    signed: dict[tuple[str, str], int] = {}
    for i, review in _entries_of(bundle, "reviews"):
        reviewer = review.get("reviewer")
        kind = review.get("kind")
        reviewer_id = reviewer.get("id") if isinstance(reviewer, Mapping) else None
        if isinstance(kind, str) and isinstance(reviewer_id, str):
            if (kind, reviewer_id) in signed:
                also = f"also at $.reviews[{signed[kind, reviewer_id]}]"
                message = f"duplicate {kind} sign-off by {reviewer_id!r} ({also})"
                problems.append(EvidenceProblem(f"$.reviews[{i}]", message))
            signed.setdefault((kind, reviewer_id), i)
    if not parsed_here:  # our JSON parser already refuses NaN and Infinity
        problems += _non_finite(bundle, [])
    return problems


def _entries_of(bundle: Mapping[str, Any], field: str) -> list[tuple[int, Mapping[str, Any]]]:
    """The object entries of an array field, tolerating a malformed bundle."""
    entries = bundle.get(field)
    if not isinstance(entries, list):
        return []
    return [(i, e) for i, e in enumerate(entries) if isinstance(e, Mapping)]


def _non_finite(value: Any, path: list[str | int]) -> list[EvidenceProblem]:
    if isinstance(value, float):
        return (
            []
            if math.isfinite(value)
            else [EvidenceProblem(json_path(path), "not a finite number")]
        )
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _non_finite(v, [*path, k])]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _non_finite(v, [*path, i])]
    return []


#: No valid bundle nests deeper than this (``$.reviews[0].reviewer.id`` is 4 levels).
MAX_DEPTH = 6


def _too_deep(value: Any, path: tuple[str | int, ...] = ()) -> EvidenceProblem:
    """Where a bundle nests deeper than any valid one (iterative: no recursion to overflow)."""
    stack = [(value, path)]
    while stack:
        node, where = stack.pop()
        if len(where) > MAX_DEPTH:
            return EvidenceProblem(json_path(where[: MAX_DEPTH + 1]), "nested too deeply")
        if isinstance(node, Mapping):
            stack.extend((v, (*where, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*where, i)) for i, v in enumerate(node))
    return EvidenceProblem("$", "nested too deeply")


class EvidenceValidator:
    """Validates bundles for a fixed set of milestones; schemas are compiled once."""

    def __init__(self, milestones: Mapping[str, Milestone]) -> None:
        ids = list(milestones)
        schemas = {m.id: milestone_schema(m, ids) for m in milestones.values()}
        self._fast: dict[str, Callable[[Any], bool]] = {
            m: jsonschema_rs.Draft202012Validator(s, retriever=_refuse_retrieval).is_valid
            for m, s in schemas.items()
        }
        self._full = {m: Draft202012Validator(s) for m, s in schemas.items()}

    def parse(
        self, data: bytes | str | Mapping[str, Any], *, max_bytes: int = MAX_BUNDLE_BYTES
    ) -> Evidence:
        """Validate a bundle (JSON text, bytes or an already-parsed mapping) and index it."""
        bundle = decode(data, max_bytes=max_bytes) if isinstance(data, bytes | str) else data
        if not isinstance(bundle, Mapping):
            raise EvidenceError(
                [EvidenceProblem("$", f"expected an object, got {_type_name(bundle)}")]
            )
        self._check_envelope(bundle)
        milestone = bundle["milestone"]
        try:
            valid = self._fast[milestone](bundle)
        except ValueError:  # a value Rust cannot hold: let the reference decide
            valid = False
        if not valid:
            try:
                problems = self._all_problems(milestone, bundle)
            except RecursionError:
                raise EvidenceError([_too_deep(bundle)]) from None
            raise EvidenceError(
                problems or [EvidenceProblem("$", "does not match the evidence schema")]
            )
        problems = _semantic_problems(bundle, parsed_here=not isinstance(data, Mapping))
        if problems:
            raise EvidenceError(problems)
        return Evidence.from_valid(bundle)

    def _all_problems(self, milestone: str, bundle: Mapping[str, Any]) -> list[EvidenceProblem]:
        """Every schema and semantic problem, sorted by path (the slow, thorough path)."""
        found = [p for e in self._full[milestone].iter_errors(bundle) for p in _problems(e)]
        found += _semantic_problems(bundle)
        return sorted(set(found), key=lambda p: (p.path, p.message))

    def _check_envelope(self, bundle: Mapping[str, Any]) -> None:
        problems = []
        if bundle.get("schema") != EVIDENCE_FORMAT:
            got = bundle.get("schema")
            message = (
                "required field is missing"
                if got is None
                else f"expected {EVIDENCE_FORMAT!r}, got {_shown(got)}"
            )
            problems.append(EvidenceProblem("$.schema", message))
        milestone = bundle.get("milestone")
        if milestone is None:
            problems.append(EvidenceProblem("$.milestone", "required field is missing"))
        elif not isinstance(milestone, str) or milestone not in self._fast:
            problems.append(
                EvidenceProblem(
                    "$.milestone",
                    f"unknown milestone {_shown(milestone)} (known: {', '.join(self._fast)})",
                )
            )
        if problems:
            raise EvidenceError(problems)
