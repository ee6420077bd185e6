"""Reading what the issuer recorded: credentials, submissions, reviews, learners, tokens, the
log, counts for monitoring, and the public view of a credential."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select, bindparam, case, func, select

from issuer.accounts import Account
from issuer.context import Context, urn
from issuer.db.models import (
    ApiToken,
    Credential,
    IssuanceLog,
    Learner,
    Review,
    StatusList,
    Submission,
)
from issuer.errors import NotFoundError
from issuer.status import StatusLists

Row = TypeVar("Row")


@dataclass(frozen=True)
class PublicView:
    """What the public verify page needs of a credential, read in one statement."""

    #: Not attached to any session (read-only: never add it to one).
    credential: Credential
    learner_name: str | None
    #: The signed token of the credential's status list, as the database holds it now.
    status_token: str


#: The verify page's one statement: the credential, its learner's name and its status list's
#: ETag (the token itself comes from :meth:`StatusLists.token`'s cache when unchanged).
_PUBLIC_VIEW = (
    select(
        Credential.id,
        Credential.learner_id,
        Credential.milestone_id,
        Credential.jwt,
        Credential.status_list_id,
        Credential.status_index,
        Credential.issued_at,
        Credential.valid_until,
        Credential.revoked_at,
        Learner.name,
        StatusList.etag,
    )
    .join(Learner, Learner.id == Credential.learner_id, isouter=True)
    .join(StatusList, StatusList.id == Credential.status_list_id)
    .where(Credential.id == bindparam("id"))
)


class Records:
    """Read queries, each in its own read transaction."""

    def __init__(self, context: Context, lists: StatusLists) -> None:
        self.context, self.lists = context, lists

    def _all(self, query: Select[Row]) -> list[Row]:
        with self.context.db.read() as session:
            return list(session.scalars(query))

    def credential(self, credential_id: str) -> Credential:
        return self.context.found(
            Credential, urn(credential_id), f"no credential {credential_id!r}"
        )

    def submission(self, submission_id: int) -> Submission:
        return self.context.found(Submission, submission_id, f"no submission {submission_id}")

    def visible_submission(self, submission_id: int, viewer: Account) -> Submission:
        """Learners see their own; reviewers and admins see all (404 rather than reveal others)."""
        submission = self.submission(submission_id)
        if not viewer.has("reviewer", "admin") and submission.learner_id != viewer.learner_id:
            raise NotFoundError(f"no submission {submission_id}")
        return submission

    def submissions(self, learner_id: int | None = None, limit: int = 100) -> list[Submission]:
        """Newest first; one learner's, or everyone's."""
        query = select(Submission).order_by(Submission.id.desc()).limit(limit)
        if learner_id is not None:
            query = query.where(Submission.learner_id == learner_id)
        return self._all(query)

    def reviews_of(self, submission_id: int) -> list[Review]:
        return self._all(
            select(Review).where(Review.submission_id == submission_id).order_by(Review.id)
        )

    def credentials_of(self, learner_id: int) -> list[Credential]:
        return self._all(
            select(Credential)
            .where(Credential.learner_id == learner_id)
            .order_by(Credential.issued_at)
        )

    def log(self, limit: int = 200) -> list[IssuanceLog]:
        return self._all(select(IssuanceLog).order_by(IssuanceLog.id.desc()).limit(limit))

    def learner(self, learner_id: int) -> Learner:
        return self.context.found(Learner, learner_id, f"no learner {learner_id}")

    def learner_name(self, learner_id: int) -> str | None:
        with self.context.db.read() as session:
            learner = session.get(Learner, learner_id)
            return learner.name if learner else None

    def tokens_of(self, user_id: int) -> list[ApiToken]:
        return self._all(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))

    def key_counts(self) -> dict[str, tuple[int, int]]:
        """Per key id: how many credentials it signed, and how many of them are live."""
        live = func.sum(case((Credential.revoked_at.is_(None), 1), else_=0))
        with self.context.db.read() as session:
            rows = session.execute(
                select(Credential.key_id, func.count(), live).group_by(Credential.key_id)
            ).all()
        return {key_id: (total, int(alive or 0)) for key_id, total, alive in rows}

    def credentials_signed_by(self, key_id: str) -> list[Credential]:
        """Every credential ``key_id`` signed, revoked ones included, oldest first."""
        bare = self.context.keys.key(key_id).key_id
        return self._all(
            select(Credential)
            .where(Credential.key_id == bare)
            .order_by(Credential.issued_at, Credential.id)
        )

    def counts(self) -> dict[str, int]:
        """Totals for monitoring (read from the database, so every worker agrees)."""
        with self.context.db.read() as session:
            total = session.scalar(select(func.count()).select_from(Credential)) or 0
            revoked = session.scalar(
                select(func.count())
                .select_from(Credential)
                .where(Credential.revoked_at.is_not(None))
            )
            by_status = dict(
                session.execute(
                    select(Submission.status, func.count()).group_by(Submission.status)
                ).all()
            )
        return {
            "credentials_issued": total,
            "credentials_revoked": revoked or 0,
            **{f"submissions_{status.replace('-', '_')}": n for status, n in by_status.items()},
        }

    def public_view(self, credential_id: str) -> PublicView:
        """The credential, its learner's name and its status list's current token: one
        statement (and a second only when the status list changed since it was last read)."""
        row = self.context.db.row(_PUBLIC_VIEW, {"id": urn(credential_id)})
        if row is None:
            raise NotFoundError(f"no credential {credential_id!r}")
        credential = Credential(
            id=row.id,
            learner_id=row.learner_id,
            milestone_id=row.milestone_id,
            jwt=row.jwt,
            status_list_id=row.status_list_id,
            status_index=row.status_index,
            issued_at=row.issued_at,
            valid_until=row.valid_until,
            revoked_at=row.revoked_at,
        )
        return PublicView(credential, row.name, self.lists.token(row.status_list_id, row.etag))
