"""A new credential before it is signed: its row's values and its JWT payload."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from criteria import Verdict
from issuer.context import Context
from issuer.credential import StatusEntry, build_credential, jwt_claims


class Subject(Protocol):
    """What drafting needs of a learner (a ``Learner`` row or a ``LearnerRef``)."""

    @property
    def subject_id(self) -> str: ...

    @property
    def email(self) -> str: ...


def draft(
    context: Context,
    learner: Subject,
    verdict: Verdict,
    list_id: str,
    index: int,
    now: dt.datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new credential: the values of its row (all but its learner's and submission's ids,
    token and key) and its JWT claims (the credential and the claims mirroring it), to be
    signed."""
    milestone = context.catalogue[verdict.milestone]
    credential_id = f"urn:uuid:{time_ordered_uuid()}"
    valid_until = (
        now + dt.timedelta(days=milestone.valid_for_days) if milestone.valid_for_days else None
    )
    credential = build_credential(
        credential_id=credential_id,
        issuer=context.profile,
        public_url=context.settings.public_url,
        milestone=milestone,
        verdict=verdict,
        subject_id=learner.subject_id,
        email=learner.email,
        salt=secrets.token_hex(16),
        status=StatusEntry(context.status_list_url(list_id), index),
        valid_from=now,
        valid_until=valid_until,
    )
    values = {
        "id": credential_id,
        "milestone_id": milestone.id,
        "status_list_id": list_id,
        "status_index": index,
        "issued_at": now.replace(microsecond=0),
        "valid_until": valid_until,
    }
    return values, credential | jwt_claims(credential)


def issued_entry(
    credential: Mapping[str, Any], learner: str, actor: str, now: dt.datetime
) -> dict[str, Any]:
    """The issuance log's line for a new credential (from the values of its row)."""
    detail = {
        "milestone": credential["milestone_id"],
        "learner": learner,
        "submission": credential["submission_id"],
        "key": credential["key_id"],
    }
    return {
        "at": now, "event": "issued", "actor": actor, "credential_id": credential["id"],
        "detail": detail,
    }  # fmt: skip


def time_ordered_uuid() -> uuid.UUID:
    """A version 7 UUID (RFC 9562 §5.7): the Unix time in milliseconds, then 74 random bits.

    Credential ids are UUIDs of this kind, so that new rows land at the end of the indexes on
    them (the credentials' primary key, the issuance log's credential id) instead of on a
    random page each: with random ids, the pages a bulk batch dirties grew with the table and
    so did each commit (38 → 140 µs per credential from the 10,000th to the 50,000th). The
    time they carry is the credential's own ``validFrom``, which it states anyway.
    """
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10))
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant: RFC 9562
    return uuid.UUID(int=value)
