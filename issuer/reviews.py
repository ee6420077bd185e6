"""Reviewer sign-offs: which kinds a role may give, what a sign-off must contain, what a
verdict waits for. Pure functions over the milestone's rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from criteria import Milestone
from issuer.errors import ForbiddenError, InvalidRequestError


def review_kinds(milestone: Milestone, role: str) -> dict[str, str]:
    """The sign-offs (kind → title) a reviewer with ``role`` can give on a milestone."""
    kinds: dict[str, str] = {}
    for rule in milestone.all_rules():
        if rule.kind == "review" and role in rule.roles:
            kinds[rule.review] = rule.title
        elif rule.kind == "rubric":
            kinds[rule.scored.id] = rule.scored.title
    return kinds


def review_fields(
    milestone: Milestone, review: Mapping[str, Any], role: str
) -> tuple[str, dict[str, Any]]:
    """Check a sign-off's content against the milestone; the columns to store."""
    kind = review.get("kind")
    if not isinstance(kind, str) or (
        kind not in milestone.reviews and kind not in milestone.rubrics
    ):
        known = ", ".join([*milestone.reviews, *milestone.rubrics])
        raise InvalidRequestError(
            f"unknown sign-off kind {str(kind)[:60]!r} (known: {known})", "$.kind"
        )
    allowed = review_kinds(milestone, role)
    if kind not in allowed:
        raise ForbiddenError(f"a {role}'s sign-off does not count for {kind} on this milestone")
    comment = review.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > 4000):
        raise InvalidRequestError("comment: text of at most 4000 characters", "$.comment")
    if kind in milestone.rubrics:
        items = review.get("items")
        points = milestone.rubrics[kind].points
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidRequestError("items: the rubric items met, as a list of ids", "$.items")
        unknown = [i for i in items if i not in points]
        if unknown or len(set(items)) != len(items):
            raise InvalidRequestError(f"unknown or repeated rubric items: {unknown[:3]}", "$.items")
        score = float(sum(points[i] for i in set(items)))
        return kind, {
            "verdict": "pass",
            "rubric_items": sorted(set(items)),
            "comment": comment,
            "score": score,
            "minutes": None,
        }
    verdict = review.get("verdict")
    if verdict not in ("pass", "fail"):
        raise InvalidRequestError("verdict: pass or fail", "$.verdict")
    fields: dict[str, Any] = {"verdict": verdict, "comment": comment, "rubric_items": None}
    for name, top in (("score", 100), ("minutes", 24 * 60)):
        value = review.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= top
        ):
            raise InvalidRequestError(f"{name}: a number from 0 to {top}", f"$.{name}")
        fields[name] = None if value is None else float(value)
    return kind, fields


def awaited(results: list[dict[str, Any]]) -> set[str]:
    """The review kinds and rubric ids a verdict is waiting for."""
    waiting: set[str] = set()
    for result in results:
        if result.get("status") == "awaiting-review":
            waiting.add(result.get("awaits", ""))
        waiting |= awaited(result.get("rules", []))
    return waiting - {""}
