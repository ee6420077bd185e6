"""``benchmarks``: reported figures meet every threshold of their project's profile."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope
from criteria.verdict import RuleResult, Status
from criteria.vocabulary import METRICS

if TYPE_CHECKING:
    from criteria.evidence import Evidence
    from criteria.model import BenchmarkProfile, Threshold
    from criteria.spec import Spec

COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _figure(metric: str, value: float) -> str:
    return f"{metric} = {value:g}{METRICS[metric]}"


class BenchmarksRule(Rule):
    kind = "benchmarks"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        projects = spec.slug_list("projects", allowed=scope.benchmarks, what="benchmark project")
        self.profiles: dict[str, BenchmarkProfile] = {p: scope.benchmarks[p] for p in projects}
        self.require_project_complete = spec.boolean("require_project_complete", False)
        if self.require_project_complete:
            for project in projects:
                if project not in scope.exercises:
                    raise spec.error(
                        "require_project_complete",
                        f"benchmark project {project!r} is not an exercise of this milestone",
                    )

    def parameters(self) -> dict[str, Any]:
        return {
            "projects": [p.to_dict() for p in self.profiles.values()],
            "require_project_complete": self.require_project_complete,
        }

    @staticmethod
    def _miss(threshold: Threshold, metrics: dict[str, float] | Any) -> str | None:
        value = metrics.get(threshold.metric)
        if value is None:
            return f"{threshold.metric} not reported (needs {threshold.op} {threshold.value:g})"
        if not COMPARE[threshold.op](value, threshold.value):
            return f"{_figure(threshold.metric, value)}, needs {threshold.op} {threshold.value:g}"
        return None

    def evaluate(self, evidence: Evidence) -> RuleResult:
        report = evidence.benchmarks
        expected = " or ".join(self.profiles)
        if report is None or report.project not in self.profiles:
            got = "no benchmark figures" if report is None else f"figures for {report.project}"
            reason = f"benchmarks: {got}; needs figures for {expected}"
            return self.result(Status.NOT_MET, 0, None, reason, 0.0)
        profile = self.profiles[report.project]
        misses = [m for t in profile.thresholds if (m := self._miss(t, report.metrics))]
        if self.require_project_complete:
            exercise = evidence.exercises.get(report.project)
            if exercise is None or exercise.status != "complete":
                misses.insert(0, f"project {report.project} is not complete")
        checks = len(profile.thresholds) + self.require_project_complete
        held = checks - len(misses)
        reason = f"benchmarks ({report.project}): {held} of {checks} requirements met"
        return self.tally(held, checks, reason, misses)
