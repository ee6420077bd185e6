"""Evidence bundles built from the rule files themselves, so tests follow the data.

``meeting_bundle`` gives full marks everywhere; ``break_rule`` changes one bundle so that one
top-level rule fails, in the mildest way that rule kind allows (one grade too low, one minute
over, one item short).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from criteria.model import Milestone
from criteria.rules import Rule
from criteria.rules.activities import ChallengesRule, ExercisesRule
from criteria.rules.benchmarks import BenchmarksRule
from criteria.rules.combinators import AtLeastRule
from criteria.rules.prerequisites import PrerequisitesRule
from criteria.rules.quiz import QuizRule
from criteria.rules.review import ReviewRule
from criteria.rules.scored import ChecklistRule, RubricRule
from criteria.vocabulary import QUALITY_GRADES

LEARNER = {"id": "learner-1", "name": "Ada Lovelace", "email": "ada@example.org"}


def walk(rules: tuple[Rule, ...]) -> Iterator[Rule]:
    for rule in rules:
        yield rule
        yield from walk(getattr(rule, "rules", ()))


def passing_value(op: str, value: float) -> float:
    return {"<": value / 2, "<=": value, ">": value * 2 + 1, ">=": value}[op]


def meeting_bundle(m: Milestone) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "schema": "vouch.evidence/v1",
        "milestone": m.id,
        "learner": dict(LEARNER),
        "checklist": list(m.checklist.points),
        "quizzes": {q.id: {x.id: x.answer for x in q.questions} for q in m.quizzes.values()},
        "exercises": [
            {"id": e, "status": "complete", "quality": "expert", "artifact_sha256": "ab" * 32}
            for e in m.exercises
        ],
        "challenges": [
            {"id": c.id, "minutes": c.time_limit_minutes, "passed": True, "quality": "expert"}
            for c in m.challenges.values()
        ],
        "reviews": [],
        "rubrics": {r.id: list(r.points) for r in m.rubrics.values()},
        "held": list(m.prerequisites.milestones),
    }
    for rule in walk(m.rules):
        if isinstance(rule, ReviewRule):
            bundle["reviews"].append(
                {
                    "kind": rule.review,
                    "reviewer": {"id": f"reviewer-{rule.id}", "role": rule.role_order[0]},
                    "verdict": "pass",
                    "score": 100,
                    "minutes": max(rule.min_minutes or 0, 30),
                }
            )
        elif isinstance(rule, BenchmarksRule):
            profile = next(iter(rule.profiles.values()))
            bundle["benchmarks"] = {"project": profile.project} | {
                t.metric: passing_value(t.op, t.value) for t in profile.thresholds
            }
    return bundle


def _lower(grade: str) -> str:
    return QUALITY_GRADES[QUALITY_GRADES.index(grade) - 1]


def break_rule(m: Milestone, rule: Rule, bundle: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``bundle`` on which ``rule`` fails, just barely."""
    bundle = copy.deepcopy(bundle)
    _break(m, rule, bundle)
    return bundle


def _break(m: Milestone, rule: Rule, bundle: dict[str, Any]) -> None:
    if isinstance(rule, ChecklistRule | RubricRule):
        key = (
            bundle["checklist"]
            if isinstance(rule, ChecklistRule)
            else bundle["rubrics"][rule.scored.id]
        )
        # drop the smallest items until one point more would be needed
        for item in sorted(list(key), key=rule.points.__getitem__):
            if sum(rule.points[i] for i in key) < rule.min_points:
                break
            key.remove(item)
    elif isinstance(rule, QuizRule):
        answers = bundle["quizzes"][rule.quiz.id]
        for question in rule.quiz.questions:
            wrong = next(k for k in question.options if k != question.answer)
            answers[question.id] = wrong
            correct = sum(answers[q.id] == q.answer for q in rule.quiz.questions)
            if correct * 100 < rule.min_percent * len(rule.quiz.questions):
                break
    elif isinstance(rule, ExercisesRule):
        target = rule.exercises[0]
        for entry in bundle["exercises"]:
            if entry["id"] == target:
                entry["quality"] = _lower(rule.min_quality)
    elif isinstance(rule, ChallengesRule):
        over = len(rule.limits) - rule.min_count + 1  # push this many over their limit
        for entry in bundle["challenges"]:
            if entry["id"] in rule.limits and over:
                entry["minutes"] = rule.limits[entry["id"]] + 1
                over -= 1
    elif isinstance(rule, ReviewRule):
        for review in bundle["reviews"]:
            if review["kind"] == rule.review:
                review["verdict"] = "fail"
    elif isinstance(rule, BenchmarksRule):
        threshold = rule.profiles[bundle["benchmarks"]["project"]].thresholds[0]
        flip = {"<": threshold.value, "<=": threshold.value + 1, ">": threshold.value,
                ">=": threshold.value - 1}  # fmt: skip
        bundle["benchmarks"][threshold.metric] = flip[threshold.op]
    elif isinstance(rule, PrerequisitesRule):
        bundle["held"].remove(rule.milestones[0])
    elif isinstance(rule, AtLeastRule):
        for child in rule.rules[: len(rule.rules) - rule.needed + 1]:
            _break(m, child, bundle)
    else:  # pragma: no cover - a new rule kind needs a way to break it here
        raise AssertionError(f"no breaker for {rule.kind}")
