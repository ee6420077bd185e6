"""Bitstring status lists: allocating entries, publishing signed status-list credentials,
revoking, and serving a list's current token.

Entries are chosen at random (BSL §2.1: indexes should not reveal issuance order) and are never
reused: ``(status_list_id, status_index)`` is unique, and revoked credentials keep their rows.
Random probing needs no shared counter, so concurrent issuances do not queue on one row; when
probes keep landing on taken entries the list is marked full and a new one is opened.

The functions take a :class:`StatusSigner`, anything that signs a list's encoded bits (the
:class:`StatusLists` feature, built on the context's ``sign``), not the issuer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Protocol

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from issuer.context import Context, urn
from issuer.credential import VC_CONTEXT
from issuer.db.models import Credential, IssuanceLog, StatusList
from issuer.errors import NotFoundError
from verifier import bitstring, read_compact, stamp

LIST_SIZE = bitstring.MIN_ENTRIES
#: Consecutive taken entries after which a list counts as full (~2/3 full on average).
PROBES = 8
#: Status-list tokens kept per process (one list serves 131,072 credentials).
STATUS_TOKENS_KEPT = 256
_STATUS_ETAG = select(StatusList.etag).where(StatusList.id == bindparam("id"))
_STATUS_TOKEN = select(StatusList.jwt, StatusList.etag).where(StatusList.id == bindparam("id"))


class StatusSigner(Protocol):
    def sign_status_list(self, list_id: str, encoded: str, now: dt.datetime) -> str: ...


def new_list(session: Session, signer: StatusSigner, now: dt.datetime) -> StatusList:
    status_list = StatusList(
        id=secrets.token_hex(6), purpose="revocation", size=LIST_SIZE, full=False,
        jwt="", etag="", created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(status_list)
    publish(session, signer, status_list, now)
    return status_list


def open_list(session: Session, signer: StatusSigner, now: dt.datetime) -> StatusList:
    """The oldest revocation list not yet full, or a new one."""
    return session.scalars(
        select(StatusList)
        .where(StatusList.full.is_(False), StatusList.purpose == "revocation")
        .order_by(StatusList.created_at, StatusList.id)
        .limit(1)
    ).first() or new_list(session, signer, now)


def allocate(session: Session, signer: StatusSigner, now: dt.datetime) -> tuple[StatusList, int]:
    """An unused entry in an open list (opening one when needed)."""
    while True:
        status_list = open_list(session, signer, now)
        for _ in range(PROBES):
            index = secrets.randbelow(status_list.size)
            taken = session.scalar(
                select(
                    exists().where(
                        Credential.status_list_id == status_list.id,
                        Credential.status_index == index,
                    )
                )
            )
            if not taken:
                return status_list, index
        status_list.full = True


def publish(
    session: Session, signer: StatusSigner, status_list: StatusList, now: dt.datetime
) -> None:
    """Re-sign the list from the database's revoked entries (call with the list row locked)."""
    session.flush()
    revoked = session.scalars(
        select(Credential.status_index).where(
            Credential.status_list_id == status_list.id, Credential.revoked_at.is_not(None)
        )
    ).all()
    encoded = bitstring.encode(bitstring.with_bits_set(status_list.size, revoked))
    status_list.jwt = signer.sign_status_list(status_list.id, encoded, now)
    status_list.etag = '"' + hashlib.sha256(status_list.jwt.encode()).hexdigest()[:32] + '"'
    status_list.updated_at = now


def allocate_many(
    session: Session,
    signer: StatusSigner,
    count: int,
    now: dt.datetime,
    reserved: frozenset[tuple[str, int]] = frozenset(),
) -> list[tuple[str, int]]:
    """``count`` distinct unused entries, drawn at random, checked against the database in bulk
    and kept apart from ``reserved`` (entries chosen for credentials not stored yet)."""
    chosen: list[tuple[str, int]] = []
    while len(chosen) < count:
        status_list = open_list(session, signer, now)
        wanted = count - len(chosen)
        picked = {index for list_id, index in (*chosen, *reserved) if list_id == status_list.id}
        candidates = {secrets.randbelow(status_list.size) for _ in range(2 * wanted + 8)} - picked
        taken = set(
            session.scalars(
                select(Credential.status_index).where(
                    Credential.status_list_id == status_list.id,
                    Credential.status_index.in_(candidates),
                )
            )
        )
        free = sorted(candidates - taken)
        secrets.SystemRandom().shuffle(free)
        chosen += [(status_list.id, index) for index in free[:wanted]]
        if 3 * len(taken) > 2 * len(candidates):  # two thirds taken: as full as probing allows
            status_list.full = True
    return chosen


def kid_of(token: str) -> str:
    """The ``kid`` of a compact JWS's header ("" if unreadable)."""
    try:
        kid_value = read_compact(token)[0].get("kid")
    except ValueError:
        return ""
    return kid_value if isinstance(kid_value, str) else ""


class StatusLists:
    """The status feature: signing lists, revoking, and the lists' tokens as served."""

    def __init__(self, context: Context) -> None:
        self.context = context
        #: list id → (ETag, token) of the last token read; see :meth:`token`.
        self.tokens: dict[str, tuple[str, str]] = {}

    def sign_status_list(self, list_id: str, encoded: str, now: dt.datetime) -> str:
        url = self.context.status_list_url(list_id)
        did = self.context.did
        credential = {
            "@context": [VC_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": stamp(now),
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded,
            },
        }
        claims = {"iss": did, "jti": url, "sub": f"{url}#list", "nbf": int(now.timestamp())}
        return self.context.sign(credential | claims)

    def status_list(self, list_id: str) -> StatusList:
        if not list_id.isalnum() or len(list_id) > 32:
            raise NotFoundError(f"no status list {list_id[:40]!r}")
        return self.context.found(StatusList, list_id, f"no status list {list_id!r}")

    def token(self, list_id: str, etag: str | None = None) -> str:
        """The status list's signed token as the database holds it now.

        The ETag (a digest of the token, rewritten with it in the same transaction) is read on
        every call, or given by a caller who has just read it; the token itself is read again
        only when the ETag differs from the one it was kept under. So a revocation is seen by
        the very next call, in every process, and an unchanged list is not re-read.
        """
        if not list_id.isalnum() or len(list_id) > 32:
            raise NotFoundError(f"no status list {list_id[:40]!r}")
        db = self.context.db
        if etag is None:
            found = db.row(_STATUS_ETAG, {"id": list_id})
            if found is None:
                raise NotFoundError(f"no status list {list_id!r}")
            etag = found.etag
        kept = self.tokens.get(list_id)
        if kept is not None and kept[0] == etag:
            return kept[1]
        row = db.row(_STATUS_TOKEN, {"id": list_id})
        if row is None:
            raise NotFoundError(f"no status list {list_id!r}")
        if len(self.tokens) >= STATUS_TOKENS_KEPT:
            self.tokens.clear()
        self.tokens[list_id] = (row.etag, row.jwt)
        token: str = row.jwt
        return token

    def revoke(self, credential_id: str, reason: str, *, actor: str) -> Credential:
        """Revoke a credential (idempotent: revoking twice keeps the first reason).

        Revocation is final: no automatic path (a late sign-off, the same bundle again, bulk
        issuance) issues that learner that milestone again; only a re-issue does."""
        if not reason.strip():
            raise ValueError("a revocation needs a reason")
        now = self.context.clock()
        with self.context.db.write() as session:
            credential = session.get(Credential, urn(credential_id))
            if credential is None:
                raise NotFoundError(f"no credential {credential_id!r}")
            self.revoke_in(session, credential, reason, actor, now)
            return credential

    def revoke_in(
        self, session: Session, credential: Credential, reason: str, actor: str, now: dt.datetime
    ) -> bool:
        """Revoke ``credential`` in this transaction: its bit set, its list re-signed, a log
        line. False when it was already revoked (by this transaction's time)."""
        # Lock the list: concurrent revocations in one list publish one after the other.
        status_list = session.scalars(
            select(StatusList).where(StatusList.id == credential.status_list_id).with_for_update()
        ).one()
        session.refresh(credential)
        if credential.revoked_at is not None:
            return False
        credential.revoked_at, credential.revoked_by = now, actor
        credential.revocation_reason = reason
        publish(session, self, status_list, now)
        session.add(
            IssuanceLog(
                at=now,
                event="revoked",
                actor=actor,
                credential_id=credential.id,
                detail={
                    "reason": reason,
                    "status_list": status_list.id,
                    "status_index": credential.status_index,
                },
            )
        )
        return True

    def resign(self, key_id: str) -> int:
        """Sign again, with the current key, every status list last signed by ``key_id``
        (one transaction each, the list locked); how many."""
        with self.context.db.read() as session:
            lists = session.execute(select(StatusList.id, StatusList.jwt)).all()
        signed_by = [row.id for row in lists if kid_of(row.jwt).endswith(f"#{key_id}")]
        for list_id in signed_by:
            with self.context.db.write() as session:
                status_list = session.scalars(
                    select(StatusList).where(StatusList.id == list_id).with_for_update()
                ).one()
                if kid_of(status_list.jwt).endswith(f"#{key_id}"):
                    publish(session, self, status_list, self.context.clock())
        return len(signed_by)
