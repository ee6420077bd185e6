"""``checklist`` and ``rubric``: ticked items' points reach a minimum."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope
from criteria.verdict import RuleResult, Status

if TYPE_CHECKING:
    from criteria.evidence import Evidence
    from criteria.model import ScoredList
    from criteria.spec import Spec


class _ScoreRule(Rule):
    @staticmethod
    @abstractmethod
    def scored_list(spec: Spec, scope: RuleScope) -> ScoredList: ...

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        scored = self.scored_list(spec, scope)
        self.scored = scored
        self.points = scored.points
        self.min_points = spec.integer("min_points", minimum=1, maximum=scored.total)

    def parameters(self) -> dict[str, Any]:
        return {"min_points": self.min_points, "total": self.scored.total}

    def score(self, ticked: frozenset[str], label: str) -> RuleResult:
        points = sum(map(self.points.__getitem__, ticked))
        if points >= self.min_points:
            reason = f"{label}: {points} of {self.scored.total} points (needs {self.min_points})"
            status = Status.MET
        else:
            short = self.min_points - points
            reason = (
                f"{label}: {points} of {self.scored.total} points, "
                f"needs {self.min_points} ({short} short)"
            )
            status = Status.NOT_MET
        return self.result(status, points, self.min_points, reason, points / self.min_points)


class ChecklistRule(_ScoreRule):
    """The self-assessment checklist; the learner ticks items, the rules give their points."""

    kind = "checklist"

    @staticmethod
    def scored_list(spec: Spec, scope: RuleScope) -> ScoredList:
        return scope.checklist

    def evaluate(self, evidence: Evidence) -> RuleResult:
        return self.score(evidence.checklist, "checklist")


class RubricRule(_ScoreRule):
    """A rubric a reviewer scores; until it is scored the rule awaits review."""

    kind = "rubric"

    @staticmethod
    def scored_list(spec: Spec, scope: RuleScope) -> ScoredList:
        rubric_id = spec.slug("rubric")
        if rubric_id not in scope.rubrics:
            known = ", ".join(scope.rubrics) or "none defined"
            raise spec.error("rubric", f"unknown rubric {rubric_id!r} (known: {known})")
        return scope.rubrics[rubric_id]

    def parameters(self) -> dict[str, Any]:
        return {"rubric": self.scored.id, **super().parameters()}

    def evaluate(self, evidence: Evidence) -> RuleResult:
        ticked = evidence.rubrics.get(self.scored.id)
        if ticked is None:
            reason = f"{self.scored.title}: not yet scored by a reviewer (needs {self.min_points})"
            return self.result(
                Status.AWAITING_REVIEW, None, self.min_points, reason, 0.0, awaits=self.scored.id
            )
        return self.score(ticked, self.scored.title)
