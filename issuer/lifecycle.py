"""Re-issuing: the one way back after a revocation (an admin's re-issue), and re-issuing under
the current key everything a withdrawn key signed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer import status
from issuer.context import Context, retrying, urn
from issuer.credential import CLAIM_NAMES, StatusEntry, jwt_claims
from issuer.db.models import Credential, IssuanceLog, IssuerKey, Learner, Submission
from issuer.errors import ConflictError, NotFoundError
from issuer.issuing import learners
from issuer.issuing.drafting import time_ordered_uuid
from issuer.issuing.outcomes import AWAITING_ADMIN
from issuer.issuing.sealing import Sealer
from verifier import read_compact, stamp


class Lifecycle:
    """Re-issues, each recorded with who, when and why."""

    def __init__(self, context: Context, lists: status.StatusLists, sealer: Sealer) -> None:
        self.context, self.lists, self.sealer = context, lists, sealer

    def reissue(self, credential_id: str, reason: str, *, actor: str) -> tuple[Credential, bool]:
        """See :meth:`issuer.service.Issuer.reissue`."""
        if not reason.strip():
            raise ValueError("a re-issue needs a reason")

        def once() -> tuple[Credential, bool]:
            now = self.context.clock()
            with self.context.db.write() as session:
                old = session.get(Credential, urn(credential_id))
                if old is None:
                    raise NotFoundError(f"no credential {credential_id!r}")
                if old.revoked_at is None:
                    raise ConflictError(
                        f"{old.id} is not revoked: a live credential needs no re-issue"
                    )
                live = learners.live(session, old.learner_id, old.milestone_id)
                if live is not None:
                    if live.reissue_of == old.id:
                        return live, False
                    raise ConflictError(
                        f"the learner already holds a live credential for {old.milestone_id}: "
                        f"{live.id}"
                    )
                new = self.replace(session, old, now, actor=actor, event="reissued",
                                   detail={"reason": reason})  # fmt: skip
                session.execute(
                    update(Submission)
                    .where(
                        Submission.learner_id == old.learner_id,
                        Submission.milestone_id == old.milestone_id,
                        Submission.status == AWAITING_ADMIN,
                    )
                    .values(status="met")
                )
                return new, True

        return retrying(once)

    def replace(
        self,
        session: Session,
        old: Credential,
        now: dt.datetime,
        *,
        actor: str,
        event: str,
        detail: dict[str, Any],
    ) -> Credential:
        """Issue, in this transaction, the credential replacing ``old`` (revoked and flushed
        by the caller): a copy of its subject, achievement and evidence with a new id, status
        entry and ``validFrom``, signed with the current key and self-checked; and its log
        line (``event``, with ``detail``)."""
        _, payload = read_compact(old.jwt)
        credential = {name: v for name, v in payload.items() if name not in CLAIM_NAMES}
        status_list, index = status.allocate(session, self.lists, now)
        credential_id = f"urn:uuid:{time_ordered_uuid()}"
        status_url = self.context.status_list_url(status_list.id)
        credential |= {
            "id": credential_id,
            "issuer": self.context.profile.to_json(),
            "validFrom": stamp(now),
            "credentialStatus": StatusEntry(status_url, index).to_json(),
        }
        key = self.context.keys.current()
        token = self.sealer.seal(credential | jwt_claims(credential), key)
        new = Credential(
            id=credential_id, learner_id=old.learner_id, milestone_id=old.milestone_id,
            submission_id=old.submission_id, jwt=token, key_id=key.key_id,
            status_list_id=status_list.id, status_index=index, issued_at=now.replace(microsecond=0),
            valid_until=old.valid_until, reissue_of=old.id,
        )  # fmt: skip
        learner = session.get(Learner, old.learner_id)
        session.add(new)
        session.add(
            IssuanceLog(
                at=now,
                event=event,
                actor=actor,
                credential_id=credential_id,
                detail={
                    "replaces": old.id,
                    "milestone": old.milestone_id,
                    "learner": learner.external_id if learner else None,
                    "key": key.key_id,
                }
                | detail,
            )
        )
        session.flush()
        return new

    def reissue_key(
        self, key_id: str, *, actor: str, progress: Callable[[int], None] | None = None
    ) -> dict[str, int]:
        """See :meth:`issuer.service.Issuer.reissue_key`."""
        key = self.context.keys.key(key_id)
        if not key.withdrawn:
            raise ConflictError(
                f"key {key.key_id} is not withdrawn: withdraw it first (vouch keys withdraw)"
            )
        with self.context.db.read() as session:
            why = session.scalar(
                select(IssuerKey.withdrawal_reason).where(IssuerKey.key_id == key.key_id)
            )
            todo = list(
                session.scalars(
                    select(Credential.id)
                    .where(Credential.key_id == key.key_id, Credential.revoked_at.is_(None))
                    .order_by(Credential.issued_at, Credential.id)
                )
            )
        reason = f"key withdrawn: {why or 'compromised'}"
        done = {"reissued": 0, "skipped": 0}

        def once(credential_id: str) -> bool:
            now = self.context.clock()
            with self.context.db.write() as session:
                old = session.get(Credential, credential_id)
                if old is None or not self.lists.revoke_in(session, old, reason, actor, now):
                    return False  # revoked meanwhile (by an earlier run, or an admin)
                self.replace(session, old, now, actor=actor, event="reissued",
                             detail={"reason": reason, "withdrawn_key": key.key_id})  # fmt: skip
                return True

        for credential_id in todo:
            made = retrying(lambda: once(credential_id))  # noqa: B023 - called at once
            done["reissued" if made else "skipped"] += 1
            if progress is not None:
                progress(1)
        return done
