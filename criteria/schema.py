"""The JSON Schema of evidence bundles (``vouch.evidence/v1``), generated from the rule files.

Each milestone gets a precise schema (its own item, exercise, quiz and review ids as enums);
the published schema dispatches to them on ``milestone``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from criteria.model import Milestone
from criteria.vocabulary import (
    EVIDENCE_FORMAT,
    EXERCISE_STATUSES,
    FRACTION_METRICS,
    METRICS,
    QUALITY_GRADES,
    REVIEW_VERDICTS,
    REVIEWER_ROLES,
)

SCHEMA_ID = "urn:vouch:schema:evidence:v1"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Caps that keep a hostile bundle small; far above anything the curriculum needs.
MAX_ENTRIES = 50
MAX_REVIEWS = 200
MAX_TEXT = 200

_ID = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
#: Any count or measurement: non-negative and below a bound far past any real figure (a
#: 400-digit integer is valid JSON but no duration or throughput).
MAX_NUMBER = 1e12
_COUNT = {"type": "number", "minimum": 0, "maximum": MAX_NUMBER}
_GRADE = {"enum": list(QUALITY_GRADES)}


def _object(properties: dict[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": properties,
    }


def _id_set(ids: Iterable[str]) -> dict[str, Any]:
    """A set of known ids; ``enum`` + ``uniqueItems`` already bound its size."""
    return {"type": "array", "uniqueItems": True, "items": {"enum": list(ids)}}


def _entries(item: dict[str, Any], most: int) -> dict[str, Any]:
    return {"type": "array", "maxItems": most, "items": item}


LEARNER = _object(
    {
        "id": _ID,
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": r"\S"},
        "email": {"type": "string", "maxLength": 254, "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
    },
    required=("id", "name", "email"),
)


def milestone_schema(milestone: Milestone, milestone_ids: list[str]) -> dict[str, Any]:
    """The exact shape of a bundle for one milestone."""
    metrics = {
        metric: {**_COUNT, "maximum": 1} if metric in FRACTION_METRICS else _COUNT
        for metric in METRICS
    }
    return _object(
        {
            "schema": {"const": EVIDENCE_FORMAT},
            "milestone": {"const": milestone.id},
            "learner": LEARNER,
            "checklist": _id_set(milestone.checklist.points),
            "quizzes": _object(
                {
                    quiz.id: _object({q.id: {"enum": list(q.options)} for q in quiz.questions})
                    for quiz in milestone.quizzes.values()
                }
            ),
            "exercises": _entries(
                _object(
                    {
                        "id": {"enum": list(milestone.exercises)},
                        "status": {"enum": list(EXERCISE_STATUSES)},
                        "quality": _GRADE,
                        "artifact_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                    required=("id", "status"),
                ),
                MAX_ENTRIES if milestone.exercises else 0,
            ),
            "challenges": _entries(
                _object(
                    {
                        "id": {"enum": list(milestone.challenges)},
                        "minutes": _COUNT,
                        "passed": {"type": "boolean"},
                        "quality": _GRADE,
                    },
                    required=("id", "minutes", "passed"),
                ),
                MAX_ENTRIES if milestone.challenges else 0,
            ),
            "reviews": _entries(
                _object(
                    {
                        "kind": {"enum": list(milestone.reviews)},
                        "reviewer": _object(
                            {"id": _ID, "role": {"enum": list(REVIEWER_ROLES)}},
                            required=("id", "role"),
                        ),
                        "verdict": {"enum": list(REVIEW_VERDICTS)},
                        "score": {**_COUNT, "maximum": 100},
                        "minutes": _COUNT,
                        "comment": {"type": "string", "maxLength": 4000},
                    },
                    required=("kind", "reviewer", "verdict"),
                ),
                MAX_REVIEWS if milestone.reviews else 0,
            ),
            "rubrics": _object({r.id: _id_set(r.points) for r in milestone.rubrics.values()}),
            "benchmarks": (
                _object({"project": {"enum": list(milestone.benchmarks)}, **metrics}, ["project"])
                if milestone.benchmarks
                else {"not": {}}
            ),
            "held": _id_set(milestone_ids),
        },
        required=("schema", "milestone", "learner"),
    )


def evidence_schema(milestones: Iterable[Milestone]) -> dict[str, Any]:
    """The published schema: the envelope, then the named milestone's exact shape."""
    milestones = list(milestones)
    ids = [m.id for m in milestones]
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": f"Vouch evidence bundle ({EVIDENCE_FORMAT})",
        "description": (
            "What a learner submits for one milestone. Checklist items, quiz answers, "
            "exercise and challenge results, reviewer sign-offs, rubric scores and benchmark "
            "figures; ids come from the milestone's rule file (vouch criteria show)."
        ),
        "type": "object",
        "required": ["schema", "milestone", "learner"],
        "properties": {
            "schema": {"const": EVIDENCE_FORMAT},
            "milestone": {"enum": ids},
            "learner": LEARNER,
        },
        "allOf": [
            {
                "if": {"properties": {"milestone": {"const": m.id}}, "required": ["milestone"]},
                "then": {"$ref": f"#/$defs/{m.id}"},
            }
            for m in milestones
        ],
        "$defs": {m.id: milestone_schema(m, ids) for m in milestones},
    }
