"""Reviewer sign-offs: which kinds a role may give, what a sign-off must contain, what a
verdict waits for (pure functions over the milestone's rules); recording a sign-off, which
judges its submission again, and the queue of submissions a reviewer can sign off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from criteria import Milestone, ReviewRule, RubricRule
from issuer.context import Context, retrying
from issuer.db.models import Learner, Review, Submission
from issuer.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError
from issuer.issuing.judging import Judge
from issuer.issuing.outcomes import Issued


def review_kinds(milestone: Milestone, role: str) -> dict[str, str]:
    """The sign-offs (kind → title) a reviewer with ``role`` can give on a milestone."""
    kinds: dict[str, str] = {}
    for rule in milestone.all_rules():
        if isinstance(rule, ReviewRule) and role in rule.roles:
            kinds[rule.review] = rule.title
        elif isinstance(rule, RubricRule):
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


class Reviews:
    """Sign-offs on submissions, and the queue of those waiting for one."""

    def __init__(self, context: Context, judge: Judge) -> None:
        self.context, self.judge = context, judge

    def kinds(self, milestone_id: str, role: str) -> dict[str, str]:
        """The sign-offs (kind → title) a reviewer with ``role`` can give on a milestone."""
        return review_kinds(self.context.catalogue[milestone_id], role)

    def add(
        self,
        submission_id: int,
        review: Mapping[str, Any],
        *,
        reviewer_id: str,
        role: str,
        reviewer_learner_id: int | None,
        actor: str,
    ) -> Issued:
        """Record a sign-off (or rubric scoring) and judge the submission again."""

        def once() -> Issued:
            now = self.context.clock()
            with self.context.db.write() as session:
                submission = session.scalars(
                    select(Submission).where(Submission.id == submission_id).with_for_update()
                ).one_or_none()
                if submission is None:
                    raise NotFoundError(f"no submission {submission_id}")
                if reviewer_learner_id is not None and submission.learner_id == reviewer_learner_id:
                    raise ForbiddenError("nobody signs off their own submission")
                kind, fields = review_fields(
                    self.context.catalogue[submission.milestone_id], review, role
                )
                duplicate = session.scalar(
                    select(Review.id).where(
                        Review.submission_id == submission.id,
                        Review.kind == kind,
                        Review.reviewer_id == reviewer_id,
                    )
                )
                if duplicate is not None and fields.get("rubric_items") is None:
                    raise ConflictError(f"you have already signed off {kind} on this submission")
                session.add(
                    Review(
                        submission_id=submission.id,
                        kind=kind,
                        reviewer_id=reviewer_id,
                        role=role,
                        created_at=now,
                        **fields,
                    )
                )
                session.flush()
                learner = session.get(Learner, submission.learner_id)
                if learner is None:  # a foreign key: the row exists
                    raise NotFoundError(f"no learner {submission.learner_id}")
                evidence = self.judge.evidence_of(session, submission)
                return self.judge.judge(session, learner, actor, now, evidence, submission)

        return retrying(once)

    def queue(self, role: str, reviewer_id: str) -> list[tuple[Submission, dict[str, str]]]:
        """Submissions waiting for a sign-off this reviewer can give (oldest first)."""
        with self.context.db.read() as session:
            waiting = session.scalars(
                select(Submission)
                .where(Submission.status == "awaiting-review")
                .order_by(Submission.created_at, Submission.id)
            ).all()
            signed = {
                (r.submission_id, r.kind)
                for r in session.scalars(select(Review).where(Review.reviewer_id == reviewer_id))
            }
        queue = []
        for submission in waiting:
            awaiting = awaited(submission.verdict.get("rules", []))
            kinds = {
                kind: title
                for kind, title in self.kinds(submission.milestone_id, role).items()
                if kind in awaiting and (submission.id, kind) not in signed
            }
            if kinds:
                queue.append((submission, kinds))
        return queue
