"""Evaluation results as values: a :class:`RuleResult` per rule, gathered in a :class:`Verdict`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, NotRequired, TypedDict

if TYPE_CHECKING:
    from criteria.evidence import Evidence

Measure = int | float | str | None


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not-met"
    #: Not met yet, and only a reviewer's sign-off or rubric score is missing.
    AWAITING_REVIEW = "awaiting-review"


class RuleResultJSON(TypedDict):
    """One rule's result as JSON (:meth:`RuleResult.to_dict`); the issuer's OpenAPI document
    derives its schema from this, so the shape is written once."""

    id: str
    kind: str
    status: Annotated[str, Status]
    measured: Measure
    threshold: Measure
    reason: str
    progress: Annotated[float, {"minimum": 0, "maximum": 1}]
    seed: NotRequired[str]
    awaits: NotRequired[str]
    rules: NotRequired[list[RuleResultJSON]]


class VerdictJSON(TypedDict):
    """A verdict as JSON (:meth:`Verdict.to_dict`), the one definition of its shape."""

    milestone: str
    met: bool
    status: Annotated[str, Status]
    progress: Annotated[float, {"minimum": 0, "maximum": 1}]
    rules: list[RuleResultJSON]
    rules_digest: str
    evidence_digest: str
    #: Never written here: the issuer adds it to the verdict it stores when a met verdict issues
    #: nothing (an earlier credential for the milestone was revoked).
    withheld: NotRequired[str]


@dataclass(frozen=True, slots=True)
class RuleResult:
    """How one rule judged one bundle: status, what was measured, against what, and why."""

    id: str
    kind: str
    status: Status
    measured: Measure
    threshold: Measure
    reason: str
    progress: float
    seed: str | None = None
    children: tuple[RuleResult, ...] = ()
    #: For a rule awaiting review: the sign-off kind or rubric id it waits for.
    awaits: str | None = None

    @property
    def met(self) -> bool:
        return self.status is Status.MET

    def to_dict(self) -> RuleResultJSON:
        data: RuleResultJSON = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status.value,
            "measured": self.measured,
            "threshold": self.threshold,
            "reason": self.reason,
            "progress": round(self.progress, 4),
        }
        if self.seed is not None:
            data["seed"] = self.seed
        if self.children:
            data["rules"] = [child.to_dict() for child in self.children]
        if self.awaits is not None:
            data["awaits"] = self.awaits
        return data


@dataclass(frozen=True)
class Verdict:
    """Whether a bundle meets its milestone, with every rule's result in rule-file order."""

    milestone: str
    status: Status
    progress: float
    results: tuple[RuleResult, ...]
    rules_digest: str
    #: The evidence as judged, for its digest.
    evidence: Evidence = field(repr=False, compare=False)

    @cached_property
    def evidence_digest(self) -> str:
        """The digest of the evidence as judged: worked out when first asked, since judging
        does not need it and recording does (once)."""
        return self.evidence.digest

    @property
    def met(self) -> bool:
        return self.status is Status.MET

    def unmet(self) -> tuple[RuleResult, ...]:
        """The top-level rules that do not hold."""
        return tuple(r for r in self.results if not r.met)

    def to_dict(self) -> VerdictJSON:
        return {
            "milestone": self.milestone,
            "met": self.met,
            "status": self.status.value,
            "progress": round(self.progress, 4),
            "rules": [r.to_dict() for r in self.results],
            "rules_digest": self.rules_digest,
            "evidence_digest": self.evidence_digest,
        }
