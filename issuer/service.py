"""Issuance and revocation: the issuer's business, on the database and the key store.

Issuing is one transaction: the learner, the submission and its verdict, and (when the rules
are met) the credential with its status entry and log line are committed together or not at
all. At most one live credential exists per learner and milestone (a unique index); a retried
or concurrent request gets the existing one.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import orjson
from jwt import PyJWK
from sqlalchemy import Select, bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from criteria import Catalogue, Evidence, EvidenceError, Verdict
from criteria.evidence import with_held
from issuer import forking, reviews, status
from issuer.accounts import Account
from issuer.badges import badge_png, badge_svg, bake_png, bake_svg
from issuer.certificates import CertificateData, CertificateRenderer, requirement_line
from issuer.config import Settings
from issuer.context import Clock, Context, retrying, urn, utc_now
from issuer.credential import (
    CLAIM_NAMES,
    IssuerProfile,
    StatusEntry,
    build_credential,
    jwt_claims,
    sign_json,
)
from issuer.db import Database
from issuer.db.models import (
    ApiToken,
    Credential,
    IssuanceLog,
    IssuerKey,
    Learner,
    MilestoneRecord,
    Review,
    StatusList,
    Submission,
)
from issuer.errors import (
    ConflictError,
    ForbiddenError,
    IssuanceBugError,
    NotFoundError,
)
from issuer.keystore import KeyInfo, KeyStore
from issuer.publication import kid
from issuer.sharing import share_links
from verifier.jose import read_compact, verify_signature
from verifier.schemas import schema_errors
from verifier.vc import stamp

log = logging.getLogger(__name__)
Row = TypeVar("Row")
#: Bundles per transaction in bulk issuance.
BATCH = 200
#: Bulk issuance refreshes the planner's statistics of the tables it fills after this many
#: bundles (over all calls), and again each time the count doubles (Database.refresh_statistics).
ANALYZE_AFTER = 2000
GROWING_TABLES = ("learners", "submissions", "credentials", "issuance_log")


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


#: Core columns: inserting through the table skips the ORM's per-row bookkeeping (~30 µs a row).
_LEARNER_COLUMNS = tuple(
    Learner.__table__.c[name] for name in ("id", "external_id", "subject_id", "name", "email")
)


class _Batch:
    """A batch of bulk issuance between judging and storing (see :meth:`Issuer.issue_batches`)."""

    def __init__(
        self,
        items: Sequence[bytes | str | Mapping[str, Any]],
        parsed: list[Evidence | EvidenceError],
        now: dt.datetime,
        key: KeyInfo,
    ) -> None:
        self.items, self.parsed, self.now, self.key = items, parsed, now, key
        self.learners: dict[str, LearnerRef] = {}
        #: Per valid bundle: its answer, or ("new"|"same", index into pending).
        self.slots: list[Issued | tuple[str, int]] = []
        #: Submissions to record: their row's values (but the learner's id), verdict, learner.
        self.pending: list[tuple[dict[str, Any], Verdict, str]] = []
        #: Credentials to issue, by their submission's index in pending: row values, payload.
        self.drafts: dict[int, tuple[dict[str, Any], bytes]] = {}
        #: The signed tokens, or the workers' futures of them (see Issuer._sign_drafts).
        self.signing: list[Future[list[str]]] | list[str] = []
        #: Met but withheld (an earlier credential was revoked), by index into pending: why.
        self.withheld: dict[int, str] = {}

    @property
    def entries(self) -> frozenset[tuple[str, int]]:
        """The status entries of the drafted credentials."""
        return frozenset(
            (values["status_list_id"], values["status_index"]) for values, _ in self.drafts.values()
        )

    def tokens(self) -> list[str]:
        """The signed tokens, in the drafts' order (waiting for the workers)."""
        return [
            token
            for part in self.signing
            for token in (part.result() if isinstance(part, Future) else [part])
        ]


@dataclass(frozen=True)
class Issued:
    """The outcome of an issuance request."""

    verdict: Verdict
    credential: Credential | None
    #: False when the credential already existed (an idempotent retry).
    created: bool
    #: None when nothing was recorded (a bulk re-run skipping what is already issued).
    submission_id: int | None
    #: Why a met verdict issued nothing: an earlier credential for this learner and milestone
    #: was revoked, so only an admin issues it again (:meth:`Issuer.reissue`).
    withheld: str | None = None


@dataclass(frozen=True)
class PublicView:
    """What the public verify page needs of a credential, read in one statement."""

    #: Not attached to any session (read-only: never add it to one).
    credential: Credential
    learner_name: str | None
    #: The signed token of the credential's status list, as the database holds it now.
    status_token: str


#: The verify page's one statement: the credential, its learner's name and its status list's
#: ETag (the token itself comes from :meth:`Issuer.status_token`'s cache when unchanged).
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
#: A submission whose rules are met but whose credential waits for an admin (revocation is
#: final: see :meth:`Issuer.reissue`).
AWAITING_ADMIN = "awaiting-admin"


def withheld_reason(revoked_id: str) -> str:
    return (
        f"the rules are met, but an earlier credential for this milestone ({revoked_id}) was "
        "revoked: revocation is final, so only an admin issues it again (vouch reissue)"
    )


class Issuer:
    """The issuer service; one per app or CLI invocation, built by :func:`issuer.build`."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        keys: KeyStore,
        catalogue: Catalogue,
        clock: Clock = utc_now,
    ) -> None:
        self.context = Context.make(settings, db, keys, catalogue, clock)
        self._status = status.StatusLists(self.context)
        #: Bundles bulk-issued by this instance, and when to refresh the planner's statistics.
        self._bulk_count, self._next_analysis = 0, ANALYZE_AFTER

    # -- the context: replacing one of these is seen by every feature -----------------------

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.context.settings = value

    @property
    def db(self) -> Database:
        return self.context.db

    @db.setter
    def db(self, value: Database) -> None:
        self.context.db = value

    @property
    def keys(self) -> KeyStore:
        return self.context.keys

    @keys.setter
    def keys(self, value: KeyStore) -> None:
        self.context.keys = value

    @property
    def catalogue(self) -> Catalogue:
        return self.context.catalogue

    @catalogue.setter
    def catalogue(self, value: Catalogue) -> None:
        self.context.catalogue = value

    @property
    def clock(self) -> Clock:
        return self.context.clock

    @clock.setter
    def clock(self, value: Clock) -> None:
        self.context.clock = value

    @property
    def did(self) -> str:
        return self.context.did

    @property
    def profile(self) -> IssuerProfile:
        return self.context.profile

    @property
    def _status_tokens(self) -> dict[str, tuple[str, str]]:
        """The status tokens kept (see :meth:`StatusLists.token`)."""
        return self._status.tokens

    # -- URLs ---------------------------------------------------------------------------

    def status_list_url(self, list_id: str) -> str:
        return self.context.status_list_url(list_id)

    def verify_url(self, credential_id: str) -> str:
        return self.context.verify_url(credential_id)

    def portfolio_url(self, handle: str) -> str:
        return self.context.portfolio_url(handle)

    # -- setup ----------------------------------------------------------------------------

    def sync(self) -> None:
        """Record the rule-file digests and the public keys in the database."""
        now = self.clock()
        with self.db.write() as session:
            for m in self.catalogue:
                record = session.get(MilestoneRecord, m.id)
                if record is None:
                    session.add(
                        MilestoneRecord(
                            id=m.id, title=m.title, rules_digest=m.digest, updated_at=now
                        )
                    )
                elif record.rules_digest != m.digest or record.title != m.title:
                    record.rules_digest, record.title, record.updated_at = m.digest, m.title, now
            for key in self.keys.ring():
                key_record = session.get(IssuerKey, key.key_id)
                retired = dt.datetime.fromisoformat(key.retired) if key.retired else None
                withdrawn = dt.datetime.fromisoformat(key.withdrawn) if key.withdrawn else None
                if key_record is None:
                    key_record = IssuerKey(
                        key_id=key.key_id,
                        alg=key.alg,
                        public_jwk=key.public_jwk,
                        created_at=dt.datetime.fromisoformat(key.created),
                    )
                    session.add(key_record)
                key_record.retired_at, key_record.withdrawn_at = retired, withdrawn
                key_record.state = key.state

    # -- signing --------------------------------------------------------------------------

    def sign_status_list(self, list_id: str, encoded: str, now: dt.datetime) -> str:
        return self._status.sign_status_list(list_id, encoded, now)

    def _published_key(self, key: KeyInfo) -> Any:
        cache = self.__dict__.setdefault("_key_objects", {})
        if key.key_id not in cache:
            cache[key.key_id] = PyJWK(key.public_jwk).key
        return cache[key.key_id]

    def _seal(self, payload: bytes, key: KeyInfo) -> str:
        """Sign a credential's JWT payload (JSON) with ``key`` and check the token, which is
        schema-valid and verifiable with the published key, or it is a bug: never stored."""
        token = sign_json(payload, self.keys.unlocked(key.key_id), key.alg, kid(self.did, key))
        self._self_check(orjson.loads(payload), token, key)
        return token

    def _self_check(self, expected: dict[str, Any], token: str, key: KeyInfo) -> None:
        credential = {name: v for name, v in expected.items() if name not in CLAIM_NAMES}
        problems = schema_errors(credential)
        if expected != credential | jwt_claims(credential):
            problems.append("the claims do not mirror the credential")
        try:
            # the key as published in the JWKS and DID document, not the private key's twin
            verify_signature(token, self._published_key(key), key.alg)
            header, payload = read_compact(token)
        except ValueError as exc:
            problems.append(f"signature: {exc}")
        else:
            if set(header) != {"alg", "kid", "typ"}:
                problems.append(f"header members {sorted(header)}")
            if payload != expected:
                problems.append("payload differs from the credential")
        if problems:
            raise IssuanceBugError("credential failed its own checks: " + "; ".join(problems))

    # -- issuing --------------------------------------------------------------------------

    def held(self, session: Session, learner_id: int | None) -> list[str]:
        """Milestones the learner holds: issued credentials that are not revoked."""
        if learner_id is None:
            return []
        rows = session.scalars(
            select(Credential.milestone_id).where(
                Credential.learner_id == learner_id, Credential.revoked_at.is_(None)
            )
        )
        return sorted(rows)

    def issue(
        self,
        bundle: bytes | str | Mapping[str, Any],
        *,
        actor: str = "cli",
        skip_held: bool = False,
    ) -> Issued:
        """Evaluate a bundle and, when it meets its milestone, issue (or return) the credential.

        ``held`` is always filled from the learner's live credentials: a bundle cannot claim a
        prerequisite. With ``skip_held`` a learner who already holds the milestone is answered
        with the existing credential and nothing is recorded (bulk re-runs). Raises
        ``EvidenceError`` for an invalid bundle.
        """
        evidence = self.catalogue.parse(bundle)
        return retrying(lambda: self._issue_once(evidence, actor, skip_held))

    def issue_many(
        self,
        items: Sequence[bytes | str | Mapping[str, Any]],
        *,
        actor: str,
        batch: int | None = None,
        workers: int = 0,
    ) -> list[Issued | EvidenceError]:
        """Bulk issuance: each batch of bundles (``BATCH`` by default) is judged, signed and
        stored in one transaction.

        Outcomes come back in order: an ``Issued`` (new, already held, or not met) or the
        ``EvidenceError`` of an invalid bundle. See :meth:`issue_batches`.
        """
        return [
            outcome
            for outcomes in self.issue_batches(items, actor=actor, batch=batch, workers=workers)
            for outcome in outcomes
        ]

    def issue_batches(
        self,
        items: Sequence[bytes | str | Mapping[str, Any]],
        *,
        actor: str,
        batch: int | None = None,
        workers: int = 0,
    ) -> Iterator[list[Issued | EvidenceError]]:
        """The outcomes of bulk issuance, batch by batch, each as soon as it is stored.

        A learner who already holds a milestone is answered with the existing credential and
        nothing is recorded, so a re-run after a crash completes the work without duplicates.
        A batch is judged and its credentials drafted first, then signed (here, or by
        ``workers`` worker processes: signing and self-checking are half the work), then stored
        in one transaction. With workers, the next batch is judged while this one is signed,
        unless they share a learner. A batch that loses a race with another writer
        (a learner, credential or status entry taken meanwhile) is issued again one bundle at a
        time.
        """
        batch = batch or BATCH
        chunks = [items[start : start + batch] for start in range(0, len(items), batch)]
        workers = min(workers, len(chunks) - 1)  # a pipeline of one batch gains nothing
        if workers and not forking.single_threaded():
            log.warning("issuing in one process: forking a threaded process")
            workers = 0
        with ExitStack() as stack:
            stack.enter_context(_bulk_collections())
            pool = stack.enter_context(self._pool(workers)) if workers else None
            stack.enter_context(self.db.background_checkpoints())  # a thread: after forking
            signing: _Batch | None = None
            for chunk in chunks:
                parsed = self._parse(chunk)
                people = {e.learner.id for e in parsed if isinstance(e, Evidence)}
                if signing is not None and not people.isdisjoint(signing.learners):
                    yield self._store(signing, actor)  # judge against what it stores
                    signing = None
                planned = self._plan(chunk, parsed, signing.entries if signing else frozenset())
                self._sign_drafts(planned, pool, workers)
                if signing is not None:
                    yield self._store(signing, actor)
                signing = planned
            if signing is not None:
                yield self._store(signing, actor)

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        """Workers that sign and self-check credentials, forked with this issuer: its key
        store already holds the decrypted signing key, which never crosses a pipe."""
        self.keys.signer()
        self.db.close_connections()
        return forking.pool(workers, self)

    def _parse(
        self, chunk: Sequence[bytes | str | Mapping[str, Any]]
    ) -> list[Evidence | EvidenceError]:
        parsed: list[Evidence | EvidenceError] = []
        for item in chunk:
            try:
                parsed.append(self.catalogue.parse(item))
            except EvidenceError as exc:
                parsed.append(exc)
        return parsed

    def _plan(
        self,
        chunk: Sequence[bytes | str | Mapping[str, Any]],
        parsed: list[Evidence | EvidenceError],
        reserved: frozenset[tuple[str, int]],
    ) -> _Batch:
        """Judge a batch and draft its credentials; nothing of it is written yet (only a status
        list, when one is opened or found full). ``reserved`` are status entries drafted and
        not yet stored."""
        valid = [e for e in parsed if isinstance(e, Evidence)]
        now = self.clock()
        planned = _Batch(chunk, parsed, now, self.keys.current())
        with self.db.write() as session:
            planned.learners = self._learners_read(session, [e.raw["learner"] for e in valid])
            stored = [lr.id for lr in planned.learners.values() if lr.id is not None]
            live = {
                (c.learner_id, c.milestone_id): c
                for c in session.scalars(
                    select(Credential).where(
                        Credential.learner_id.in_(stored), Credential.revoked_at.is_(None)
                    )
                )
            }
            revoked = self._revoked_pairs(session, stored)
            held: dict[str, set[str]] = {}
            external = {lr.id: lr.external_id for lr in planned.learners.values()}
            for learner_id, milestone_id in live:
                held.setdefault(external[learner_id], set()).add(milestone_id)
            issuing: dict[tuple[str, str], int] = {}  # met in this batch → its pending index
            for evidence in valid:
                learner = planned.learners[evidence.learner.id]
                key = (learner.external_id, evidence.milestone)
                if key in issuing:  # the same achievement twice in one batch
                    planned.slots.append(("same", issuing[key]))
                    continue
                verdict = self.catalogue.evaluate(
                    with_held(evidence, list(held.get(learner.external_id, ())))
                )
                if (learner.id, evidence.milestone) in live:
                    planned.slots.append(Issued(verdict, live[learner.id, evidence.milestone],
                                                False, None))  # fmt: skip
                    continue
                submission = {
                    "milestone_id": evidence.milestone,
                    "bundle": evidence.submitted,
                    "bundle_digest": verdict.evidence_digest,
                    "rules_digest": verdict.rules_digest,
                    "status": verdict.status.value,
                    "verdict": verdict.to_dict(),
                    "created_at": now,
                }
                withheld = revoked.get((learner.id, evidence.milestone)) if verdict.met else None
                if withheld is not None:
                    reason = withheld_reason(withheld)
                    planned.withheld[len(planned.pending)] = reason
                    submission["status"] = AWAITING_ADMIN
                    submission["verdict"] = verdict.to_dict() | {"withheld": reason}
                planned.pending.append((submission, verdict, learner.external_id))
                planned.slots.append(("new", len(planned.pending) - 1))
                if verdict.met and withheld is None:  # later bundles in this batch hold it
                    held.setdefault(learner.external_id, set()).add(evidence.milestone)
                    issuing[key] = len(planned.pending) - 1
            met = list(issuing.values())
            entries = status.allocate_many(session, self._status, len(met), now, reserved)
        for n, (list_id, index) in zip(met, entries, strict=True):
            _, verdict, learner_id = planned.pending[n]
            planned.drafts[n] = self._draft(
                planned.learners[learner_id], verdict, list_id, index, now
            )
        return planned

    def _sign_drafts(self, planned: _Batch, pool: ProcessPoolExecutor | None, workers: int) -> None:
        """Sign and self-check a batch's drafts: here, or split over the pool's workers."""
        payloads = [payload for _, payload in planned.drafts.values()]
        if pool is None:
            planned.signing = [self._seal(payload, planned.key) for payload in payloads]
            return
        share = -(-len(payloads) // workers) or 1
        planned.signing = [
            pool.submit(_seal_in_worker, payloads[start : start + share], planned.key)
            for start in range(0, len(payloads), share)
        ]

    def _store(self, planned: _Batch, actor: str) -> list[Issued | EvidenceError]:
        """Write a judged and signed batch in one transaction: its learners, submissions,
        credentials and log lines (the same rows as one-at-a-time issuance writes), with a few
        multi-row INSERTs and no ORM unit of work."""
        tokens = planned.tokens()  # before the transaction: no lock is held while waiting
        try:
            with self.db.write() as session:
                learners = self._learners_write(session, planned.learners, planned.now)
                connection = session.connection()
                submission_ids = self.db.insert_returning_ids(
                    connection,
                    Submission.__table__,
                    [
                        values | {"learner_id": learners[learner_id].id}
                        for values, _, learner_id in planned.pending
                    ],
                )
                answers: dict[int, Issued] = {}
                records: list[dict[str, Any]] = []
                entries: list[dict[str, Any]] = []
                for (n, (draft, _)), token in zip(planned.drafts.items(), tokens, strict=True):
                    _, verdict, learner_id = planned.pending[n]
                    values = draft | {
                        "learner_id": learners[learner_id].id, "submission_id": submission_ids[n],
                        "jwt": token, "key_id": planned.key.key_id,
                    }  # fmt: skip
                    records.append(values)
                    entries.append(issued_entry(values, learner_id, actor, planned.now))
                    answers[n] = Issued(verdict, Credential(**values), True, submission_ids[n])
                if records:
                    connection.execute(insert(Credential.__table__), records)
                    connection.execute(insert(IssuanceLog.__table__), entries)
        except IntegrityError:
            outcomes = [self._issue_or_error(item, actor) for item in planned.items]
        else:
            for n, (_, verdict, _) in enumerate(planned.pending):
                answers.setdefault(
                    n, Issued(verdict, None, False, submission_ids[n], planned.withheld.get(n))
                )
            resolved = iter(
                slot
                if isinstance(slot, Issued)
                else answers[slot[1]]
                if slot[0] == "new"
                else Issued(answers[slot[1]].verdict, answers[slot[1]].credential, False, None)
                for slot in planned.slots
            )
            outcomes = [
                item if isinstance(item, EvidenceError) else next(resolved)
                for item in planned.parsed
            ]
        self._bulk_count += len(planned.items)
        if self._bulk_count >= self._next_analysis:  # at 2,000, 4,000, 8,000, … bundles
            self.db.refresh_statistics(*GROWING_TABLES)
            self._next_analysis *= 2
        return outcomes

    def _issue_or_error(
        self, item: bytes | str | Mapping[str, Any], actor: str
    ) -> Issued | EvidenceError:
        try:
            return self.issue(item, actor=actor, skip_held=True)
        except EvidenceError as exc:
            return exc

    def _learners_read(
        self, session: Session, people: list[Mapping[str, str]]
    ) -> dict[str, LearnerRef]:
        """Learners by external id as the bundles name them: a statement whatever the number of
        people. A learner not yet stored gets a new subject id and no id (see
        :meth:`_learners_write`); ``changed`` marks a name or email to update."""
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

    def _learners_write(
        self, session: Session, learners: dict[str, LearnerRef], now: dt.datetime
    ) -> dict[str, LearnerRef]:
        """Store the new and changed learners of :meth:`_learners_read` (a statement each
        kind); all of them, with their ids."""
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
            returning = insert(Learner.__table__).returning(*_LEARNER_COLUMNS)  # by external id
            for row in session.connection().execute(returning, new):
                stored[row.external_id] = LearnerRef(*row)
        if changed:
            session.execute(update(Learner), changed)
        return stored

    def _issue_once(self, evidence: Evidence, actor: str, skip_held: bool = False) -> Issued:
        now = self.clock()
        # held is filled from the database when judged
        bundle = evidence.submitted
        with self.db.write() as session:
            person = bundle["learner"]
            found = self._learners_read(session, [person])
            learner = self._learners_write(session, found, now)[person["id"]]
            existing = self._live(session, learner.id, bundle["milestone"]) if skip_held else None
            if existing is not None:
                held = self.held(session, learner.id)
                verdict = self.catalogue.evaluate(with_held(evidence, held))
                return Issued(verdict, existing, False, None)
            submission = Submission(
                learner_id=learner.id,
                milestone_id=bundle["milestone"],
                bundle=bundle,
                bundle_digest="",
                rules_digest="",
                status="",
                verdict={},
                created_at=now,
            )
            session.add(submission)
            session.flush()
            return self._judge(session, submission, learner, actor, now, fresh=evidence)

    def evidence_of(self, session: Session, submission: Submission) -> dict[str, Any]:
        """The evidence a submission is judged on: as submitted, plus the sign-offs and rubric
        scores reviewers recorded, plus the milestones the learner holds."""
        bundle = dict(submission.bundle)
        reviews = list(bundle.get("reviews", []))
        rubrics = dict(bundle.get("rubrics", {}))
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
        if reviews:
            bundle["reviews"] = reviews
        if rubrics:
            bundle["rubrics"] = rubrics
        bundle["held"] = self.held(session, submission.learner_id)
        return bundle

    def _judge(
        self,
        session: Session,
        submission: Submission,
        learner: Learner | LearnerRef,
        actor: str,
        now: dt.datetime,
        fresh: Evidence | None = None,
    ) -> Issued:
        """Evaluate a submission's evidence; issue the credential when the rules are met.

        ``fresh`` is the already validated evidence of a submission just recorded (it has no
        sign-offs yet), so only the milestones held need adding; otherwise the evidence is put
        together from the database and validated again.
        """
        evidence = (
            with_held(fresh, self.held(session, submission.learner_id))
            if fresh is not None
            else self.catalogue.parse(self.evidence_of(session, submission))
        )
        verdict = self.catalogue.evaluate(evidence)
        submission.status = verdict.status.value
        submission.verdict = verdict.to_dict()
        submission.bundle_digest = verdict.evidence_digest
        submission.rules_digest = verdict.rules_digest
        session.flush()
        if not verdict.met:
            return Issued(verdict, None, False, submission.id)
        existing = self._live(session, learner.id, verdict.milestone)
        if existing is not None:
            return Issued(verdict, existing, False, submission.id)
        revoked = self._revoked_pairs(session, [learner.id], verdict.milestone)
        if revoked:
            reason = withheld_reason(next(iter(revoked.values())))
            submission.status = AWAITING_ADMIN
            submission.verdict = submission.verdict | {"withheld": reason}
            return Issued(verdict, None, False, submission.id, reason)
        status_list, index = status.allocate(session, self._status, now)
        values = self._signed(learner, submission.id, verdict, status_list.id, index, now)
        credential = Credential(**values)
        entry = IssuanceLog(**issued_entry(values, learner.external_id, actor, now))
        session.add_all([credential, entry])
        session.flush()
        return Issued(verdict, credential, True, submission.id)

    # -- reviews ----------------------------------------------------------------------------

    def review_kinds(self, milestone_id: str, role: str) -> dict[str, str]:
        """The sign-offs (kind → title) a reviewer with ``role`` can give on a milestone."""
        return reviews.review_kinds(self.catalogue[milestone_id], role)

    def add_review(
        self,
        submission_id: int,
        review: Mapping[str, Any],
        *,
        reviewer_id: str,
        role: str,
        reviewer_learner_id: int | None = None,
        actor: str,
    ) -> Issued:
        """Record a sign-off (or rubric scoring) and judge the submission again."""

        def once() -> Issued:
            now = self.clock()
            with self.db.write() as session:
                submission = session.scalars(
                    select(Submission).where(Submission.id == submission_id).with_for_update()
                ).one_or_none()
                if submission is None:
                    raise NotFoundError(f"no submission {submission_id}")
                if reviewer_learner_id is not None and submission.learner_id == reviewer_learner_id:
                    raise ForbiddenError("nobody signs off their own submission")
                kind, fields = reviews.review_fields(
                    self.catalogue[submission.milestone_id], review, role
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
                assert learner is not None
                return self._judge(session, submission, learner, actor, now)

        return retrying(once)

    def review_queue(self, role: str, reviewer_id: str) -> list[tuple[Submission, dict[str, str]]]:
        """Submissions waiting for a sign-off this reviewer can give (oldest first)."""
        with self.db.read() as session:
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
            awaiting = reviews.awaited(submission.verdict.get("rules", []))
            kinds = {
                kind: title
                for kind, title in self.review_kinds(submission.milestone_id, role).items()
                if kind in awaiting and (submission.id, kind) not in signed
            }
            if kinds:
                queue.append((submission, kinds))
        return queue

    def _revoked_pairs(
        self, session: Session, learner_ids: Sequence[int | None], milestone: str | None = None
    ) -> dict[tuple[int | None, str], str]:
        """(learner, milestone) → the id of a revoked credential, for the learners given (and
        the milestone, if given); read through the index of revoked credentials only."""
        query = select(Credential.learner_id, Credential.milestone_id, Credential.id).where(
            Credential.learner_id.in_([i for i in learner_ids if i is not None]),
            Credential.revoked_at.is_not(None),
        )
        if milestone is not None:
            query = query.where(Credential.milestone_id == milestone)
        return {(row[0], row[1]): row[2] for row in session.execute(query)}

    def _live(self, session: Session, learner_id: int, milestone: str) -> Credential | None:
        return session.scalars(
            select(Credential).where(
                Credential.learner_id == learner_id,
                Credential.milestone_id == milestone,
                Credential.revoked_at.is_(None),
            )
        ).one_or_none()

    def _signed(
        self,
        learner: Learner | LearnerRef,
        submission_id: int | None,
        verdict: Verdict,
        list_id: str,
        index: int,
        now: dt.datetime,
    ) -> dict[str, Any]:
        """Build, sign and self-check a credential; the values of the row that records it."""
        values, payload = self._draft(learner, verdict, list_id, index, now)
        key = self.keys.current()
        token = self._seal(payload, key)
        return values | {
            "learner_id": learner.id, "submission_id": submission_id, "jwt": token,
            "key_id": key.key_id,
        }  # fmt: skip

    def _draft(
        self,
        learner: Learner | LearnerRef,
        verdict: Verdict,
        list_id: str,
        index: int,
        now: dt.datetime,
    ) -> tuple[dict[str, Any], bytes]:
        """A new credential: the values of its row (all but its learner's and submission's ids,
        token and key) and its JWT payload, as JSON, to be signed."""
        milestone = self.catalogue[verdict.milestone]
        credential_id = f"urn:uuid:{time_ordered_uuid()}"
        valid_until = (
            now + dt.timedelta(days=milestone.valid_for_days) if milestone.valid_for_days else None
        )
        credential = build_credential(
            credential_id=credential_id,
            issuer=self.profile,
            public_url=self.settings.public_url,
            milestone=milestone,
            verdict=verdict,
            subject_id=learner.subject_id,
            email=learner.email,
            salt=secrets.token_hex(16),
            status=StatusEntry(self.status_list_url(list_id), index),
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
        return values, orjson.dumps(credential | jwt_claims(credential))

    # -- reading and revoking ---------------------------------------------------------------

    def _found(self, model: type[Row], key: Any, missing: str) -> Row:
        """The row of ``model`` with primary key ``key``; NotFoundError(``missing``) if none."""
        with self.db.read() as session:
            record = session.get(model, key)
            if record is None:
                raise NotFoundError(missing)
            return record

    def _all(self, query: Select[tuple[Row]]) -> list[Row]:
        with self.db.read() as session:
            return list(session.scalars(query))

    def credential(self, credential_id: str) -> Credential:
        return self._found(Credential, urn(credential_id), f"no credential {credential_id!r}")

    def submission(self, submission_id: int) -> Submission:
        return self._found(Submission, submission_id, f"no submission {submission_id}")

    def visible_submission(self, submission_id: int, viewer: Account) -> Submission:
        """Learners see their own; reviewers and admins see all (404 rather than reveal others)."""
        record = self.submission(submission_id)
        if not viewer.has("reviewer", "admin") and record.learner_id != viewer.learner_id:
            raise NotFoundError(f"no submission {submission_id}")
        return record

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
        return self._found(Learner, learner_id, f"no learner {learner_id}")

    def tokens_of(self, user_id: int) -> list[ApiToken]:
        return self._all(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))

    def rotate_keys(self, alg: str | None, *, actor: str) -> KeyInfo:
        """Retire the current key (still published, it never signs again) for a new one."""
        retiring = self.keys.current().key_id
        key = self.keys.rotate(self.settings.issuer_name, alg)
        self.sync()
        with self.db.write() as session:
            record = session.get(IssuerKey, retiring)
            if record is not None:
                record.retired_by = actor
        self.log_key_rotation(key.key_id, actor=actor)
        return key

    # -- withdrawing a compromised key --------------------------------------------------------

    def withdraw_key(self, key_id: str, reason: str, *, actor: str) -> dict[str, Any]:
        """Withdraw a compromised key (see :meth:`KeyStore.withdraw`): a new current key first
        if it is the current one; then it leaves the DID document and the JWKS, so everything
        it signed, and anything anyone signs with it, fails verification; its private key file
        is destroyed; the state, when, who and why are recorded (issuer_keys and the log); the
        status lists it signed are signed again with the current key. Safe to repeat (an
        interrupted withdrawal completes). What it signed is re-issued by :meth:`reissue_key`.
        """
        if not reason.strip():
            raise ValueError("a withdrawal needs a reason")
        key = self.keys.key(key_id)
        rotated = self.keys.withdraw(key.key_id, self.settings.issuer_name)
        self.sync()
        now = self.clock()
        with self.db.write() as session:
            record = session.get(IssuerKey, key.key_id)
            assert record is not None  # sync() recorded every key of the ring
            if rotated is not None:
                record.retired_by = actor
                session.add(IssuanceLog(at=now, event="key-rotated", actor=actor,
                                        credential_id=None,
                                        detail={"key": rotated.key_id, "replaces": key.key_id,
                                                "reason": "withdrawal"}))  # fmt: skip
            if record.withdrawn_by is None:
                record.withdrawn_by, record.withdrawal_reason = actor, reason
                session.add(IssuanceLog(at=now, event="key-withdrawn", actor=actor,
                                        credential_id=None,
                                        detail={"key": key.key_id, "reason": reason}))  # fmt: skip
            reason = record.withdrawal_reason or reason
        resigned = self._status.resign(key.key_id)
        signed = self.key_counts().get(key.key_id, (0, 0))
        return {
            "key": key.key_id,
            "reason": reason,
            "current": self.keys.current().key_id,
            "rotated": rotated is not None,
            "status_lists_resigned": resigned,
            "credentials": signed[0],
            "live": signed[1],
        }

    def key_counts(self) -> dict[str, tuple[int, int]]:
        """Per key id: how many credentials it signed, and how many of them are live."""
        live = func.sum(case((Credential.revoked_at.is_(None), 1), else_=0))
        with self.db.read() as session:
            rows = session.execute(
                select(Credential.key_id, func.count(), live).group_by(Credential.key_id)
            ).all()
        return {key_id: (total, int(alive or 0)) for key_id, total, alive in rows}

    def credentials_signed_by(self, key_id: str) -> list[Credential]:
        """Every credential ``key_id`` signed, revoked ones included, oldest first."""
        bare = self.keys.key(key_id).key_id
        return self._all(
            select(Credential)
            .where(Credential.key_id == bare)
            .order_by(Credential.issued_at, Credential.id)
        )

    def reissue_key(
        self, key_id: str, *, actor: str, progress: Callable[[int], None] | None = None
    ) -> dict[str, int]:
        """Re-issue, under the current key, every live credential the withdrawn key ``key_id``
        signed, and revoke the old one with reason ``key withdrawn: <why>``.

        Each credential is one transaction: the new credential, its record and log line, the
        old one's revocation (its status list re-signed) and log line. Resumable and
        idempotent: a credential already revoked is left alone, so running it again after an
        interruption re-issues only what is left. ``progress`` is told of each credential.
        """
        key = self.keys.key(key_id)
        if not key.withdrawn:
            raise ConflictError(
                f"key {key.key_id} is not withdrawn: withdraw it first (vouch keys withdraw)"
            )
        with self.db.read() as session:
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
            now = self.clock()
            with self.db.write() as session:
                old = session.get(Credential, credential_id)
                if old is None or not self._status.revoke_in(session, old, reason, actor, now):
                    return False  # revoked meanwhile (by an earlier run, or an admin)
                self._replace(session, old, now, actor=actor, event="reissued",
                              detail={"reason": reason, "withdrawn_key": key.key_id})  # fmt: skip
                return True

        for credential_id in todo:
            made = retrying(lambda: once(credential_id))  # noqa: B023 - called at once
            done["reissued" if made else "skipped"] += 1
            if progress is not None:
                progress(1)
        return done

    def counts(self) -> dict[str, int]:
        """Totals for monitoring (read from the database, so every worker agrees)."""
        with self.db.read() as session:
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

    def learner_name(self, learner_id: int) -> str | None:
        with self.db.read() as session:
            learner = session.get(Learner, learner_id)
            return learner.name if learner else None

    def revoke(self, credential_id: str, reason: str, *, actor: str) -> Credential:
        """Revoke a credential (idempotent: revoking twice keeps the first reason).

        Revocation is final: no automatic path (a late sign-off, the same bundle again, bulk
        issuance) issues that learner that milestone again; only :meth:`reissue` does."""
        return self._status.revoke(credential_id, reason, actor=actor)

    def reissue(self, credential_id: str, reason: str, *, actor: str) -> tuple[Credential, bool]:
        """An admin re-issues a revoked credential: the one way back after a revocation.

        The new credential is issued for the same achievement: the revoked one's subject,
        achievement and evidence, with a new id, status entry and ``validFrom`` (its
        ``validUntil`` unchanged), signed with the current key, recorded with who, when and why
        (log event ``reissued``). Submissions of that learner and milestone waiting for an admin
        are settled by it. Idempotent: asked again, it answers the credential it issued
        (``False``: not created now). Raises ConflictError for a live credential, or when the
        learner holds another live one for the milestone.
        """
        if not reason.strip():
            raise ValueError("a re-issue needs a reason")

        def once() -> tuple[Credential, bool]:
            now = self.clock()
            with self.db.write() as session:
                old = session.get(Credential, urn(credential_id))
                if old is None:
                    raise NotFoundError(f"no credential {credential_id!r}")
                if old.revoked_at is None:
                    raise ConflictError(
                        f"{old.id} is not revoked: a live credential needs no re-issue"
                    )
                live = self._live(session, old.learner_id, old.milestone_id)
                if live is not None:
                    if live.reissue_of == old.id:
                        return live, False
                    raise ConflictError(
                        f"the learner already holds a live credential for {old.milestone_id}: "
                        f"{live.id}"
                    )
                record = self._replace(session, old, now, actor=actor, event="reissued",
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
                return record, True

        return retrying(once)

    def _replace(
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
        status_list, index = status.allocate(session, self._status, now)
        credential_id = f"urn:uuid:{time_ordered_uuid()}"
        credential |= {
            "id": credential_id,
            "issuer": self.profile.to_json(),
            "validFrom": stamp(now),
            "credentialStatus": StatusEntry(self.status_list_url(status_list.id), index).to_json(),
        }
        key = self.keys.current()
        token = self._seal(orjson.dumps(credential | jwt_claims(credential)), key)
        record = Credential(
            id=credential_id, learner_id=old.learner_id, milestone_id=old.milestone_id,
            submission_id=old.submission_id, jwt=token, key_id=key.key_id,
            status_list_id=status_list.id, status_index=index, issued_at=now.replace(microsecond=0),
            valid_until=old.valid_until, reissue_of=old.id,
        )  # fmt: skip
        learner = session.get(Learner, old.learner_id)
        session.add(record)
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
        return record

    def log_key_rotation(self, key_id: str, *, actor: str) -> None:
        with self.db.write() as session:
            session.add(
                IssuanceLog(
                    at=self.clock(),
                    event="key-rotated",
                    actor=actor,
                    credential_id=None,
                    detail={"key": key_id},
                )
            )

    # -- artefacts --------------------------------------------------------------------------

    @property
    def certificates(self) -> CertificateRenderer:
        """The certificate renderer, made again when the current key changes (rotated by this
        process or another): its signer holds the key it was made with."""
        key_id = self.keys.current().key_id
        made = self.__dict__.get("_certificates")
        if made is None or made[0] != key_id:
            renderer = CertificateRenderer(self.keys, self.settings.instance_path / "certificates")
            made = self.__dict__["_certificates"] = (key_id, renderer)
        return made[1]

    def certificate_data(self, record: Credential) -> CertificateData:
        milestone = self.catalogue[record.milestone_id]
        return CertificateData(
            credential_id=record.id,
            jwt=record.jwt,
            learner_name=self.learner_name(record.learner_id) or "",
            badge_name=milestone.badge.name,
            milestone_title=milestone.title,
            number=milestone.number,
            level=milestone.level,
            issuer_name=self.settings.issuer_name,
            issued=record.issued_at,
            verify_url=self.verify_url(record.id),
            requirement=requirement_line(milestone),
            colour=milestone.badge.colour,
        )

    def certificate_pdf(self, record: Credential) -> bytes:
        """The signed PDF certificate of a credential (rendered once, then cached)."""
        return self.certificates.certificate(self.certificate_data(record))

    def baked_badge(self, record: Credential, image_format: str) -> bytes:
        """The milestone's badge image with the credential baked in (``png`` or ``svg``)."""
        milestone = self.catalogue[record.milestone_id]
        if image_format == "png":
            return bake_png(badge_png(milestone), record.jwt)
        if image_format == "svg":
            return bake_svg(badge_svg(milestone), record.jwt).encode()
        raise ValueError(f"badge format must be png or svg, not {image_format!r}")

    def sharing(self, record: Credential) -> dict[str, str]:
        """Links and the embed snippet a learner uses to show the badge elsewhere."""
        return share_links(
            self.settings, self.catalogue[record.milestone_id], record, self.verify_url(record.id)
        )

    def status_list(self, list_id: str) -> StatusList:
        return self._status.status_list(list_id)

    def status_token(self, list_id: str, etag: str | None = None) -> str:
        """The status list's signed token as the database holds it now (see
        :meth:`StatusLists.token`)."""
        return self._status.token(list_id, etag)

    def public_view(self, credential_id: str) -> PublicView:
        """The credential, its learner's name and its status list's current token: one
        statement (and a second only when the status list changed since it was last read)."""
        row = self.db.row(_PUBLIC_VIEW, {"id": urn(credential_id)})
        if row is None:
            raise NotFoundError(f"no credential {credential_id!r}")
        record = Credential(
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
        return PublicView(record, row.name, self.status_token(row.status_list_id, row.etag))


@contextmanager
def _bulk_collections() -> Iterator[None]:
    """Garbage collection tuned for a bulk run, and restored after it: what exists beforehand is
    frozen out of the collector's sight, and young objects are collected every 20,000
    allocations instead of 700. Judging and drafting allocate many short-lived containers; with
    the defaults the collector took a fifth of the issuing process's time (409 → 308 µs per
    credential), mostly rescanning what lives for the whole run: the catalogue, the schemas,
    SQLAlchemy's caches. Frozen objects are also not copied into forked workers by the
    collector touching them."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _seal_in_worker(payloads: list[bytes], key: KeyInfo) -> list[str]:
    """Sign and self-check credentials in a worker process (see Issuer._pool)."""
    issuer: Issuer = forking.adopted()
    return [issuer._seal(payload, key) for payload in payloads]


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
