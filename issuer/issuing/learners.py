"""Learners as issuance reads and writes them (without ORM objects), and what they hold."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from issuer.db.models import Credential, Learner
from issuer.errors import NotFoundError


class LearnerRef(NamedTuple):
    """A learner's row as issuance needs it (read and written without ORM objects)."""

    #: None until stored.
    id: int | None
    external_id: str
    subject_id: str
    name: str
    email: str
    #: Whether the name or email differ from the stored row's (or there is none yet).
    changed: bool = False

    def bundle_learner(self) -> dict[str, str]:
        """The ``learner`` member of an evidence bundle, as this row holds it."""
        return {"id": self.external_id, "name": self.name, "email": self.email}


#: Core columns: inserting through the table skips the ORM's per-row bookkeeping (~30 µs a row).
_LEARNER_COLUMNS = tuple(
    Learner.__table__.c[name] for name in ("id", "external_id", "subject_id", "name", "email")
)


def read(session: Session, people: list[Mapping[str, str]]) -> dict[str, LearnerRef]:
    """Learners by external id as the bundles name them: a statement whatever the number of
    people. A learner not yet stored gets a new subject id and no id (see :func:`write`);
    ``changed`` marks a name or email to update."""
    wanted = {p["id"]: (p["name"], p["email"].strip().lower()) for p in people}
    found = {
        row.external_id: LearnerRef(*row)
        for row in session.execute(
            select(*_LEARNER_COLUMNS).where(Learner.external_id.in_(list(wanted)))
        )
    }
    learners = {}
    for external_id, (name, email) in wanted.items():
        stored = found.get(external_id)
        if stored is None:
            learners[external_id] = LearnerRef(
                None, external_id, f"urn:uuid:{uuid.uuid4()}", name, email, changed=True
            )
        elif (stored.name, stored.email) != (name, email):
            learners[external_id] = stored._replace(name=name, email=email, changed=True)
        else:
            learners[external_id] = stored
    return learners


def by_id(session: Session, learner_id: int) -> LearnerRef:
    """The stored learner ``learner_id``; NotFoundError if there is none."""
    row = session.execute(select(*_LEARNER_COLUMNS).where(Learner.id == learner_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"no learner {learner_id}")
    return LearnerRef(*row)


def write(
    session: Session, learners: dict[str, LearnerRef], now: dt.datetime
) -> dict[str, LearnerRef]:
    """Store the new and changed learners of :func:`read` (a statement each kind); all of
    them, with their ids."""
    new = [
        {"external_id": lr.external_id, "subject_id": lr.subject_id, "name": lr.name,
         "email": lr.email, "created_at": now}
        for lr in learners.values() if lr.id is None
    ]  # fmt: skip
    changed = [
        {"id": lr.id, "name": lr.name, "email": lr.email}
        for lr in learners.values()
        if lr.changed and lr.id is not None
    ]
    if not new and not changed:
        return learners
    stored = dict(learners)
    if new:
        # by external id
        returning = insert(Learner.metadata.tables["learners"]).returning(*_LEARNER_COLUMNS)
        for row in session.connection().execute(returning, new):
            stored[row.external_id] = LearnerRef(*row)
    if changed:
        session.execute(update(Learner), changed)
    return stored


def held(session: Session, learner_id: int | None) -> list[str]:
    """Milestones the learner holds: issued credentials that are not revoked."""
    if learner_id is None:
        return []
    rows = session.scalars(
        select(Credential.milestone_id).where(
            Credential.learner_id == learner_id, Credential.revoked_at.is_(None)
        )
    )
    return sorted(rows)


def live(session: Session, learner_id: int | None, milestone: str) -> Credential | None:
    """The learner's live credential for the milestone, if any."""
    return session.scalars(
        select(Credential).where(
            Credential.learner_id == learner_id,
            Credential.milestone_id == milestone,
            Credential.revoked_at.is_(None),
        )
    ).one_or_none()


def revoked_pairs(
    session: Session, learner_ids: Sequence[int | None], milestone: str | None = None
) -> dict[tuple[int | None, str], str]:
    """(learner, milestone) → the id of a revoked credential, for the learners given (and the
    milestone, if given); read through the index of revoked credentials only."""
    query = select(Credential.learner_id, Credential.milestone_id, Credential.id).where(
        Credential.learner_id.in_([i for i in learner_ids if i is not None]),
        Credential.revoked_at.is_not(None),
    )
    if milestone is not None:
        query = query.where(Credential.milestone_id == milestone)
    return {(row[0], row[1]): row[2] for row in session.execute(query)}
