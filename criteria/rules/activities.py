"""``exercises`` and ``challenges``: activities done, well enough, and in time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope, listing
from criteria.verdict import RuleResult
from criteria.vocabulary import GRADE_RANK, QUALITY_GRADES

if TYPE_CHECKING:
    from criteria.evidence import ChallengeResult, Evidence, ExerciseResult
    from criteria.spec import Spec


def _quality_gap(quality: str | None, min_quality: str) -> str | None:
    """Why ``quality`` falls short of ``min_quality``, or ``None`` if it does not."""
    if quality is None:
        return f"has no quality grade (needs {min_quality} or better)"
    if GRADE_RANK[quality] < GRADE_RANK[min_quality]:
        return f"graded {quality}, needs {min_quality} or better"
    return None


class ExercisesRule(Rule):
    """Every listed exercise complete, at or above a quality grade."""

    kind = "exercises"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        self.exercises = spec.slug_list("exercises", allowed=scope.exercises, what="exercise")
        self.min_quality = spec.choice("min_quality", QUALITY_GRADES)

    def parameters(self) -> dict[str, Any]:
        return {"exercises": list(self.exercises), "min_quality": self.min_quality}

    def _problem(self, exercise_id: str, result: ExerciseResult | None) -> str | None:
        if result is None:
            return f"{exercise_id} not submitted"
        if result.status != "complete":
            return f"{exercise_id} is {result.status}"
        gap = _quality_gap(result.quality, self.min_quality)
        return gap and f"{exercise_id} {gap}"

    def evaluate(self, evidence: Evidence) -> RuleResult:
        problems = [
            problem
            for exercise_id in self.exercises
            if (problem := self._problem(exercise_id, evidence.exercises.get(exercise_id)))
        ]
        total = len(self.exercises)
        done = total - len(problems)
        reason = f"exercises: {done} of {total} complete at {self.min_quality} or better"
        return self.tally(done, total, reason, problems)


class ChallengesRule(Rule):
    """At least ``min_count`` of a set of challenges passed within each one's time limit."""

    kind = "challenges"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        ids = spec.slug_list("challenges", allowed=scope.challenges, what="challenge")
        #: Each challenge's time limit; the loader guarantees every challenge has one.
        self.limits: dict[str, int] = {c: scope.challenges[c].time_limit_minutes or 0 for c in ids}
        self.min_count = spec.integer("min_count", minimum=1, maximum=len(ids))
        self.min_quality = spec.optional_choice("min_quality", QUALITY_GRADES)

    def parameters(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "challenges": [{"id": c, "time_limit_minutes": m} for c, m in self.limits.items()],
            "min_count": self.min_count,
        }
        if self.min_quality is not None:
            data["min_quality"] = self.min_quality
        return data

    def _problem(self, challenge_id: str, result: ChallengeResult | None) -> str | None:
        if result is None:
            return f"{challenge_id} not attempted"
        if not result.passed:
            return f"{challenge_id} not passed"
        limit = self.limits[challenge_id]
        if result.minutes > limit:
            return f"{challenge_id} took {result.minutes:g} min, limit {limit}"
        gap = self.min_quality and _quality_gap(result.quality, self.min_quality)
        return gap and f"{challenge_id} {gap}"

    def evaluate(self, evidence: Evidence) -> RuleResult:
        problems = [
            problem
            for challenge_id in self.limits
            if (problem := self._problem(challenge_id, evidence.challenges.get(challenge_id)))
        ]
        solved = len(self.limits) - len(problems)
        met = solved >= self.min_count
        quality = f" at {self.min_quality} or better" if self.min_quality else ""
        among = listing(self.limits, "or" if self.min_count == 1 else "and")
        reason = (
            f"challenges: {solved} solved within the time limit{quality}, "
            f"needs {self.min_count} of {among}"
        )
        return self.tally(solved, self.min_count, reason, [] if met else problems)
