"""The issuer's keys and milestones in the database: recording them (``sync``), rotating the
signing key, and withdrawing a compromised one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from issuer.context import Context
from issuer.db.models import IssuanceLog, IssuerKey, MilestoneRecord
from issuer.errors import NotFoundError
from issuer.keystore import KeyInfo
from issuer.records import Records
from issuer.status import StatusLists


class Keys:
    """Key rotation and withdrawal, each recorded in issuer_keys and the log."""

    def __init__(self, context: Context, lists: StatusLists, records: Records) -> None:
        self.context, self.lists, self.records = context, lists, records

    def sync(self) -> None:
        """Record the rule-file digests and the public keys in the database."""
        now = self.context.clock()
        with self.context.db.write() as session:
            for m in self.context.catalogue:
                milestone = session.get(MilestoneRecord, m.id)
                if milestone is None:
                    session.add(
                        MilestoneRecord(
                            id=m.id, title=m.title, rules_digest=m.digest, updated_at=now
                        )
                    )
                elif milestone.rules_digest != m.digest or milestone.title != m.title:
                    milestone.rules_digest, milestone.title = m.digest, m.title
                    milestone.updated_at = now
            for key in self.context.keys.ring():
                key_row = session.get(IssuerKey, key.key_id)
                retired = dt.datetime.fromisoformat(key.retired) if key.retired else None
                withdrawn = dt.datetime.fromisoformat(key.withdrawn) if key.withdrawn else None
                if key_row is None:
                    key_row = IssuerKey(
                        key_id=key.key_id,
                        alg=key.alg,
                        public_jwk=key.public_jwk,
                        created_at=dt.datetime.fromisoformat(key.created),
                    )
                    session.add(key_row)
                key_row.retired_at, key_row.withdrawn_at = retired, withdrawn
                key_row.state = key.state

    def rotate(self, alg: str | None, *, actor: str) -> KeyInfo:
        """Retire the current key (still published, it never signs again) for a new one."""
        keys = self.context.keys
        retiring = keys.current().key_id
        key = keys.rotate(self.context.settings.issuer_name, alg)
        self.sync()
        with self.context.db.write() as session:
            key_row = session.get(IssuerKey, retiring)
            if key_row is not None:
                key_row.retired_by = actor
        self.log_rotation(key.key_id, actor=actor)
        return key

    def log_rotation(self, key_id: str, *, actor: str) -> None:
        with self.context.db.write() as session:
            session.add(
                IssuanceLog(
                    at=self.context.clock(),
                    event="key-rotated",
                    actor=actor,
                    credential_id=None,
                    detail={"key": key_id},
                )
            )

    def withdraw(self, key_id: str, reason: str, *, actor: str) -> dict[str, Any]:
        """See :meth:`issuer.service.Issuer.withdraw_key`."""
        if not reason.strip():
            raise ValueError("a withdrawal needs a reason")
        keys = self.context.keys
        key = keys.key(key_id)
        rotated = keys.withdraw(key.key_id, self.context.settings.issuer_name)
        self.sync()
        now = self.context.clock()
        with self.context.db.write() as session:
            key_row = session.get(IssuerKey, key.key_id)
            if key_row is None:  # sync() recorded every key of the ring
                raise NotFoundError(f"no key {key.key_id!r} in the database")
            if rotated is not None:
                key_row.retired_by = actor
                session.add(IssuanceLog(at=now, event="key-rotated", actor=actor,
                                        credential_id=None,
                                        detail={"key": rotated.key_id, "replaces": key.key_id,
                                                "reason": "withdrawal"}))  # fmt: skip
            if key_row.withdrawn_by is None:
                key_row.withdrawn_by, key_row.withdrawal_reason = actor, reason
                session.add(IssuanceLog(at=now, event="key-withdrawn", actor=actor,
                                        credential_id=None,
                                        detail={"key": key.key_id, "reason": reason}))  # fmt: skip
            reason = key_row.withdrawal_reason or reason
        resigned = self.lists.resign(key.key_id)
        signed = self.records.key_counts().get(key.key_id, (0, 0))
        return {
            "key": key.key_id,
            "reason": reason,
            "current": keys.current().key_id,
            "rotated": rotated is not None,
            "status_lists_resigned": resigned,
            "credentials": signed[0],
            "live": signed[1],
        }
