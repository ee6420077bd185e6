"""``prerequisites``: milestones the learner already holds (from issued, unrevoked credentials)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope, listing
from criteria.verdict import RuleResult, Status

if TYPE_CHECKING:
    from criteria.evidence import Evidence
    from criteria.spec import Spec


class PrerequisitesRule(Rule):
    """Built from a milestone's ``[prerequisites]`` table; ids are checked catalogue-wide."""

    kind = "prerequisites"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        self.milestones = spec.slug_list("milestones", what="milestone")

    def parameters(self) -> dict[str, Any]:
        return {"milestones": list(self.milestones)}

    def evaluate(self, evidence: Evidence) -> RuleResult:
        missing = [m for m in self.milestones if m not in evidence.held]
        total = len(self.milestones)
        held = total - len(missing)
        if missing:
            reason = f"prerequisites: {listing(missing)} not held yet"
            return self.result(Status.NOT_MET, held, total, reason, held / total)
        return self.result(
            Status.MET, held, total, f"prerequisites: holds {listing(self.milestones)}", 1.0
        )
