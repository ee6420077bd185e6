"""``review``: a named sign-off by a person, never by the learner themself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from criteria.rules.base import Rule, RuleScope, article, listing
from criteria.verdict import RuleResult, Status
from criteria.vocabulary import REVIEWER_ROLES

if TYPE_CHECKING:
    from criteria.evidence import Evidence, Review
    from criteria.spec import Spec


class ReviewRule(Rule):
    """Met by one ``pass`` sign-off of the named kind that satisfies every condition.

    While no eligible reviewer (right role, not the learner) has signed off at all, the rule is
    *awaiting review*; an eligible reviewer's ``fail`` or a sign-off short of the minimums makes
    it *not met*.
    """

    kind = "review"

    def __init__(self, spec: Spec, scope: RuleScope) -> None:
        super().__init__(spec, scope)
        self.review = spec.slug("review")
        if self.review not in scope.reviews:
            known = ", ".join(scope.reviews) or "none defined"
            raise spec.error("review", f"unknown review kind {self.review!r} (known: {known})")
        self.title = scope.reviews[self.review].title
        self.roles = frozenset(spec.slug_list("roles", allowed=REVIEWER_ROLES, what="role"))
        self.role_order = tuple(r for r in REVIEWER_ROLES if r in self.roles)
        self.min_score = spec.optional_number("min_score", minimum=0, maximum=100)
        self.min_minutes = spec.optional_number("min_minutes", minimum=0)

    def parameters(self) -> dict[str, Any]:
        data: dict[str, Any] = {"review": self.review, "roles": list(self.role_order)}
        if self.min_score is not None:
            data["min_score"] = self.min_score
        if self.min_minutes is not None:
            data["min_minutes"] = self.min_minutes
        return data

    def _shortfall(self, review: Review) -> str | None:
        who = f"{review.role} {review.reviewer_id}"
        if review.verdict != "pass":
            return f"{who} gave verdict {review.verdict}"
        if self.min_score is not None:
            if review.score is None:
                return f"{who} gave no score (needs {self.min_score:g})"
            if review.score < self.min_score:
                return f"{who} scored {review.score:g}, needs {self.min_score:g}"
        if self.min_minutes is not None:
            if review.minutes is None:
                return f"{who} recorded no duration (needs {self.min_minutes:g} min)"
            if review.minutes < self.min_minutes:
                return f"{who} recorded {review.minutes:g} min, needs {self.min_minutes:g}"
        return None

    def evaluate(self, evidence: Evidence) -> RuleResult:
        label = f"{self.title} sign-off"
        roles = listing(self.role_order, "or")
        ignored: list[str] = []
        shortfalls: list[str] = []
        for review in evidence.reviews.get(self.review, ()):
            if review.reviewer_id == evidence.learner.id:
                ignored.append("a sign-off by the learner themself does not count")
            elif review.role not in self.roles:
                ignored.append(f"{article(review.role)}'s sign-off does not count (needs {roles})")
            elif (shortfall := self._shortfall(review)) is None:
                reason = f"{label}: passed by {review.role} {review.reviewer_id}"
                return self.result(Status.MET, 1, 1, reason, 1.0)
            else:
                shortfalls.append(shortfall)
        if shortfalls:
            reason = f"{label}: not passed; {'; '.join(shortfalls + ignored)}"
            return self.result(Status.NOT_MET, 0, 1, reason, 0.0)
        reason = f"{label}: waiting for {article(roles)}"
        if ignored:
            reason += f"; {'; '.join(ignored)}"
        return self.result(Status.AWAITING_REVIEW, 0, 1, reason, 0.0, awaits=self.review)
