"""Issuing one bundle: record the submission, judge it, and issue the credential when the rules
are met, all in one transaction (a reviewer's sign-off judges a submission again here too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from criteria import Evidence, Verdict, with_held, with_reviews
from issuer import status
from issuer.context import Context, retrying
from issuer.db.models import Credential, IssuanceLog, Review, Submission
from issuer.issuing import learners
from issuer.issuing.drafting import Subject, draft, issued_entry
from issuer.issuing.outcomes import AWAITING_ADMIN, Issued, withheld_reason
from issuer.issuing.sealing import Sealer


class Learnerlike(Subject, Protocol):
    """What judging needs of a learner (a ``Learner`` row or a ``LearnerRef``)."""

    @property
    def id(self) -> int | None: ...

    @property
    def external_id(self) -> str: ...


class Judge:
    """Judges submissions and issues what they earn, one at a time."""

    def __init__(self, context: Context, lists: status.StatusLists, sealer: Sealer) -> None:
        self.context, self.lists, self.sealer = context, lists, sealer

    def issue(
        self,
        bundle: bytes | str | Mapping[str, Any],
        actor: str,
        skip_held: bool,
        learner_id: int | None = None,
    ) -> Issued:
        """See :meth:`issuer.service.Issuer.issue`."""
        stored = None
        if learner_id is not None:
            with self.context.db.read() as session:
                stored = learners.by_id(session, learner_id)
            if not isinstance(bundle, Mapping):
                raise TypeError("a bundle for a stored learner is a mapping")
            bundle = {**bundle, "learner": stored.bundle_learner()}
        evidence = self.context.catalogue.parse(bundle)
        return retrying(lambda: self.issue_once(evidence, actor, skip_held, stored))

    def issue_once(
        self,
        evidence: Evidence,
        actor: str,
        skip_held: bool = False,
        stored: learners.LearnerRef | None = None,
    ) -> Issued:
        """Issue for validated evidence in one transaction; ``stored`` is its learner's row as
        just read (the bundle names it), so it is not read again."""
        now = self.context.clock()
        bundle = evidence.submitted
        with self.context.db.write() as session:
            learner = stored
            if learner is None:
                person = bundle["learner"]
                found = learners.read(session, [person])
                learner = learners.write(session, found, now)[person["id"]]
            existing = (
                learners.live(session, learner.id, bundle["milestone"]) if skip_held else None
            )
            evidence = with_held(evidence, learners.held(session, learner.id))
            if existing is not None:
                return Issued(self.context.catalogue.evaluate(evidence), existing, False, None)
            return self.judge(session, learner, actor, now, evidence)

    def evidence_of(self, session: Session, submission: Submission) -> Evidence:
        """The evidence a submission is judged on: as submitted, plus the sign-offs and rubric
        scores reviewers recorded, plus the milestones the learner holds.

        Nothing here is validated again: the bundle was when it was submitted, the sign-offs
        when they were recorded (:func:`issuer.reviews.review_fields`), and ``held`` comes from
        the issuer's own credentials.
        """
        reviews: list[dict[str, Any]] = []
        rubrics: dict[str, list[str]] = {}
        recorded = session.scalars(
            select(Review).where(Review.submission_id == submission.id).order_by(Review.id)
        )
        for review in recorded:
            if review.rubric_items is not None:
                rubrics[review.kind] = list(review.rubric_items)  # the latest scoring counts
                continue
            entry: dict[str, Any] = {
                "kind": review.kind,
                "reviewer": {"id": review.reviewer_id, "role": review.role},
                "verdict": review.verdict,
            }
            if review.score is not None:
                entry["score"] = review.score
            if review.minutes is not None:
                entry["minutes"] = review.minutes
            reviews.append(entry)
        submitted = Evidence.from_valid(submission.bundle)
        held = learners.held(session, submission.learner_id)
        return with_held(with_reviews(submitted, reviews, rubrics), held)

    def judge(
        self,
        session: Session,
        learner: Learnerlike,
        actor: str,
        now: dt.datetime,
        evidence: Evidence,
        submission: Submission | None = None,
    ) -> Issued:
        """Judge evidence (validated, with the milestones held); issue the credential when the
        rules are met.

        Without ``submission`` the evidence is a new submission's, recorded here with its
        verdict: one INSERT (its id, which the credential names, comes back with it). With one,
        a stored submission is judged again (a sign-off) and its verdict replaces the old.
        """
        verdict = self.context.catalogue.evaluate(evidence)
        outcome = verdict.to_dict()
        existing = withheld = None
        if verdict.met:
            existing = learners.live(session, learner.id, verdict.milestone)
            revoked = (
                learners.revoked_pairs(session, [learner.id], verdict.milestone)
                if existing is None
                else {}
            )
            if revoked:
                withheld = withheld_reason(next(iter(revoked.values())))
                outcome |= {"withheld": withheld}
        judged = {
            "status": AWAITING_ADMIN if withheld else verdict.status.value,
            "verdict": outcome,
            "bundle_digest": verdict.evidence_digest,
            "rules_digest": verdict.rules_digest,
        }
        if submission is None:
            bundle = evidence.submitted
            submission = Submission(
                learner_id=learner.id, milestone_id=bundle["milestone"], bundle=bundle,
                created_at=now, **judged,
            )  # fmt: skip
            session.add(submission)
        else:
            for name, value in judged.items():
                setattr(submission, name, value)
        session.flush()
        if not verdict.met or existing is not None or withheld is not None:
            return Issued(verdict, existing, False, submission.id, withheld)
        status_list, index = status.allocate(session, self.lists, now)
        values, claims = self.signed(learner, submission.id, verdict, status_list.id, index, now)
        credential = Credential(**values)
        entry = IssuanceLog(**issued_entry(values, learner.external_id, actor, now))
        session.add_all([credential, entry])
        session.flush()
        return Issued(verdict, credential, True, submission.id, claims=claims)

    def signed(
        self,
        learner: Learnerlike,
        submission_id: int | None,
        verdict: Verdict,
        list_id: str,
        index: int,
        now: dt.datetime,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Build, sign and self-check a credential: the values of the row that records it, and
        its JWT claims as signed."""
        values, claims = draft(self.context, learner, verdict, list_id, index, now)
        key = self.context.keys.current()
        token = self.sealer.seal(claims, key)
        return values | {
            "learner_id": learner.id, "submission_id": submission_id, "jwt": token,
            "key_id": key.key_id,
        }, claims  # fmt: skip
