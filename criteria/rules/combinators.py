"""``all``, ``any`` and ``at_least``: one rule made of others, met when enough of them are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope
from criteria.verdict import RuleResult, Status

if TYPE_CHECKING:
    from criteria.evidence import Evidence
    from criteria.spec import Spec


def combine(results: tuple[RuleResult, ...], needed: int) -> tuple[Status, float]:
    """Status and progress of "at least ``needed`` of ``results``".

    Progress is the mean of the ``needed`` best children's progress, so ``all`` averages and
    ``any`` takes the best. The result is *awaiting review* when the missing ones are only
    waiting for reviewers.
    """
    met = sum(r.met for r in results)
    if met >= needed:
        status = Status.MET
    elif met + sum(r.status is Status.AWAITING_REVIEW for r in results) >= needed:
        status = Status.AWAITING_REVIEW
    else:
        status = Status.NOT_MET
    best = sorted((r.progress for r in results), reverse=True)[:needed]
    return status, sum(best) / needed


class AtLeastRule(Rule):
    kind = "at_least"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        self.rules = tuple(scope.build_rule(s) for s in spec.tables("rules", required=True))
        self.needed = self.read_needed(spec, len(self.rules))

    def read_needed(self, spec: Spec, count: int) -> int:
        return spec.integer("n", minimum=1, maximum=count)

    def parameters(self) -> dict[str, Any]:
        data: dict[str, Any] = {"n": self.needed} if self.kind == "at_least" else {}
        return data | {"rules": [rule.describe() for rule in self.rules]}

    def evaluate(self, evidence: Evidence) -> RuleResult:
        children = tuple(rule.evaluate(evidence) for rule in self.rules)
        status, progress = combine(children, self.needed)
        met = sum(child.met for child in children)
        reason = f"{met} of {len(children)} met, needs {self.needs}"
        if status is not Status.MET:
            reason += ": " + "; ".join(c.reason for c in children if not c.met)
        return self.result(status, met, self.needed, reason, progress, children)

    @property
    def needs(self) -> str:
        return f"at least {self.needed}"


class AllRule(AtLeastRule):
    kind = "all"
    needs = "all"

    def read_needed(self, spec: Spec, count: int) -> int:
        return count


class AnyRule(AtLeastRule):
    kind = "any"
    needs = "any one"

    def read_needed(self, spec: Spec, count: int) -> int:
        return 1
