"""Bitstring status lists: allocating entries and publishing signed status-list credentials.

Entries are chosen at random (BSL §2.1: indexes should not reveal issuance order) and are never
reused: ``(status_list_id, status_index)`` is unique, and revoked credentials keep their rows.
Random probing needs no shared counter, so concurrent issuances do not queue on one row; when
probes keep landing on taken entries the list is marked full and a new one is opened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from issuer.db.models import Credential, StatusList
from verifier import bitstring

if TYPE_CHECKING:
    from issuer.service import Issuer

LIST_SIZE = bitstring.MIN_ENTRIES
#: Consecutive taken entries after which a list counts as full (~2/3 full on average).
PROBES = 8


def new_list(session: Session, issuer: Issuer, now: dt.datetime) -> StatusList:
    status_list = StatusList(
        id=secrets.token_hex(6), purpose="revocation", size=LIST_SIZE, full=False,
        jwt="", etag="", created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(status_list)
    publish(session, issuer, status_list, now)
    return status_list


def open_list(session: Session, issuer: Issuer, now: dt.datetime) -> StatusList:
    """The oldest revocation list not yet full, or a new one."""
    return session.scalars(
        select(StatusList)
        .where(StatusList.full.is_(False), StatusList.purpose == "revocation")
        .order_by(StatusList.created_at, StatusList.id)
        .limit(1)
    ).first() or new_list(session, issuer, now)


def allocate(session: Session, issuer: Issuer, now: dt.datetime) -> tuple[StatusList, int]:
    """An unused entry in an open list (opening one when needed)."""
    while True:
        status_list = open_list(session, issuer, now)
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


def publish(session: Session, issuer: Issuer, status_list: StatusList, now: dt.datetime) -> None:
    """Re-sign the list from the database's revoked entries (call with the list row locked)."""
    session.flush()
    revoked = session.scalars(
        select(Credential.status_index).where(
            Credential.status_list_id == status_list.id, Credential.revoked_at.is_not(None)
        )
    ).all()
    encoded = bitstring.encode(bitstring.with_bits_set(status_list.size, revoked))
    status_list.jwt = issuer.sign_status_list(status_list.id, encoded, now)
    status_list.etag = '"' + hashlib.sha256(status_list.jwt.encode()).hexdigest()[:32] + '"'
    status_list.updated_at = now


def allocate_many(
    session: Session,
    issuer: Issuer,
    count: int,
    now: dt.datetime,
    reserved: frozenset[tuple[str, int]] = frozenset(),
) -> list[tuple[str, int]]:
    """``count`` distinct unused entries, drawn at random, checked against the database in bulk
    and kept apart from ``reserved`` (entries chosen for credentials not stored yet)."""
    chosen: list[tuple[str, int]] = []
    while len(chosen) < count:
        status_list = open_list(session, issuer, now)
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
