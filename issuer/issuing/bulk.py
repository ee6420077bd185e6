"""Bulk issuance: batches judged and drafted, signed (here or by forked worker processes) while
the next batch is judged, then stored in one transaction each with a few multi-row INSERTs."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from criteria import Evidence, EvidenceError, Verdict, with_held
from issuer import forking, status
from issuer.context import Context
from issuer.db.models import Credential
from issuer.issuing import learners
from issuer.issuing.drafting import draft, issued_entry
from issuer.issuing.judging import Judge
from issuer.issuing.learners import LearnerRef
from issuer.issuing.outcomes import AWAITING_ADMIN, Issued, withheld_reason
from issuer.issuing.sealing import Sealer
from issuer.keystore import KeyInfo

log = logging.getLogger(__name__)
Bundle = bytes | str | Mapping[str, Any]
#: Bundles per transaction in bulk issuance.
BATCH = 200
#: Bulk issuance refreshes the planner's statistics of the tables it fills after this many
#: bundles (over all calls), and again each time the count doubles (Database.refresh_statistics).
ANALYZE_AFTER = 2000
GROWING_TABLES = ("learners", "submissions", "credentials", "issuance_log")
#: The tables, for Core statements (typed as ``Table``, which ``Model.__table__`` is not).
TABLES = Credential.metadata.tables


class _Batch:
    """A batch of bulk issuance between judging and storing (see :meth:`Bulk.issue_batches`)."""

    def __init__(
        self,
        items: Sequence[Bundle],
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
        self.drafts: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
        #: The signed tokens, or the workers' futures of them (see Bulk.sign_drafts).
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


class Bulk:
    """Bulk issuance for one issuer; counts what it issued to keep the planner informed."""

    def __init__(
        self, context: Context, lists: status.StatusLists, sealer: Sealer, judge: Judge
    ) -> None:
        self.context, self.lists, self.sealer, self.judge = context, lists, sealer, judge
        #: Bundles bulk-issued by this instance, and when to refresh the planner's statistics.
        self.count, self.next_analysis = 0, ANALYZE_AFTER

    def issue_batches(
        self, items: Sequence[Bundle], *, actor: str, batch: int | None, workers: int
    ) -> Iterator[list[Issued | EvidenceError]]:
        """See :meth:`issuer.service.Issuer.issue_batches`."""
        batch = batch or BATCH
        chunks = [items[start : start + batch] for start in range(0, len(items), batch)]
        workers = min(workers, len(chunks) - 1)  # a pipeline of one batch gains nothing
        if workers and not forking.single_threaded():
            log.warning("issuing in one process: forking a threaded process")
            workers = 0
        with ExitStack() as stack:
            stack.enter_context(_bulk_collections())
            pool = stack.enter_context(self.pool(workers)) if workers else None
            stack.enter_context(self.context.db.background_checkpoints())  # a thread: after forking
            signing: _Batch | None = None
            for chunk in chunks:
                parsed = self.parse(chunk)
                people = {e.learner.id for e in parsed if isinstance(e, Evidence)}
                if signing is not None and not people.isdisjoint(signing.learners):
                    yield self.store(signing, actor)  # judge against what it stores
                    signing = None
                planned = self.plan(chunk, parsed, signing.entries if signing else frozenset())
                self.sign_drafts(planned, pool, workers)
                if signing is not None:
                    yield self.store(signing, actor)
                signing = planned
            if signing is not None:
                yield self.store(signing, actor)

    def pool(self, workers: int) -> ProcessPoolExecutor:
        """Workers that sign and self-check credentials, forked with this issuer's sealer: its
        key store already holds the decrypted signing key, which never crosses a pipe."""
        self.context.keys.signer()
        self.context.db.close_connections()
        return forking.pool(workers, self.sealer)

    def parse(self, chunk: Sequence[Bundle]) -> list[Evidence | EvidenceError]:
        parsed: list[Evidence | EvidenceError] = []
        for item in chunk:
            try:
                parsed.append(self.context.catalogue.parse(item))
            except EvidenceError as exc:
                parsed.append(exc)
        return parsed

    def plan(
        self,
        chunk: Sequence[Bundle],
        parsed: list[Evidence | EvidenceError],
        reserved: frozenset[tuple[str, int]],
    ) -> _Batch:
        """Judge a batch and draft its credentials; nothing of it is written yet (only a status
        list, when one is opened or found full). ``reserved`` are status entries drafted and
        not yet stored."""
        context = self.context
        valid = [e for e in parsed if isinstance(e, Evidence)]
        now = context.clock()
        planned = _Batch(chunk, parsed, now, context.keys.current())
        with context.db.write() as session:
            planned.learners = learners.read(session, [e.raw["learner"] for e in valid])
            stored = [lr.id for lr in planned.learners.values() if lr.id is not None]
            live: dict[tuple[int | None, str], Credential] = {
                (c.learner_id, c.milestone_id): c
                for c in session.scalars(
                    select(Credential).where(
                        Credential.learner_id.in_(stored), Credential.revoked_at.is_(None)
                    )
                )
            }
            revoked = learners.revoked_pairs(session, stored)
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
                verdict = context.catalogue.evaluate(
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
            entries = status.allocate_many(session, self.lists, len(met), now, reserved)
        for n, (list_id, index) in zip(met, entries, strict=True):
            _, verdict, external_id = planned.pending[n]
            planned.drafts[n] = draft(
                context, planned.learners[external_id], verdict, list_id, index, now
            )
        return planned

    def sign_drafts(self, planned: _Batch, pool: ProcessPoolExecutor | None, workers: int) -> None:
        """Sign and self-check a batch's drafts: here, or split over the pool's workers."""
        payloads = [claims for _, claims in planned.drafts.values()]
        if pool is None:
            planned.signing = [self.sealer.seal(claims, planned.key) for claims in payloads]
            return
        share = -(-len(payloads) // workers) or 1
        planned.signing = [
            pool.submit(_seal_in_worker, payloads[start : start + share], planned.key)
            for start in range(0, len(payloads), share)
        ]

    def store(self, planned: _Batch, actor: str) -> list[Issued | EvidenceError]:
        """Write a judged and signed batch in one transaction: its learners, submissions,
        credentials and log lines (the same rows as one-at-a-time issuance writes), with a few
        multi-row INSERTs and no ORM unit of work."""
        db = self.context.db
        tokens = planned.tokens()  # before the transaction: no lock is held while waiting
        try:
            with db.write() as session:
                stored = learners.write(session, planned.learners, planned.now)
                connection = session.connection()
                submission_ids = db.insert_returning_ids(
                    connection,
                    TABLES["submissions"],
                    [
                        values | {"learner_id": stored[learner_id].id}
                        for values, _, learner_id in planned.pending
                    ],
                )
                answers: dict[int, Issued] = {}
                rows: list[dict[str, Any]] = []
                entries: list[dict[str, Any]] = []
                for (n, (drafted, claims)), token in zip(
                    planned.drafts.items(), tokens, strict=True
                ):
                    _, verdict, learner_id = planned.pending[n]
                    values = drafted | {
                        "learner_id": stored[learner_id].id, "submission_id": submission_ids[n],
                        "jwt": token, "key_id": planned.key.key_id,
                    }  # fmt: skip
                    rows.append(values)
                    entries.append(issued_entry(values, learner_id, actor, planned.now))
                    answers[n] = Issued(
                        verdict, Credential(**values), True, submission_ids[n], claims=claims
                    )
                if rows:
                    connection.execute(insert(TABLES["credentials"]), rows)
                    connection.execute(insert(TABLES["issuance_log"]), entries)
        except IntegrityError:
            outcomes = [self.issue_or_error(item, actor) for item in planned.items]
        else:
            outcomes = _outcomes(planned, answers, submission_ids)
        self.count += len(planned.items)
        if self.count >= self.next_analysis:  # at 2,000, 4,000, 8,000, … bundles
            db.refresh_statistics(*GROWING_TABLES)
            self.next_analysis *= 2
        return outcomes

    def issue_or_error(self, item: Bundle, actor: str) -> Issued | EvidenceError:
        try:
            return self.judge.issue(item, actor, skip_held=True)
        except EvidenceError as exc:
            return exc


def _outcomes(
    planned: _Batch, answers: dict[int, Issued], submission_ids: list[int]
) -> list[Issued | EvidenceError]:
    """A stored batch's outcomes, in the order of its bundles."""
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
    return [item if isinstance(item, EvidenceError) else next(resolved) for item in planned.parsed]


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


def _seal_in_worker(payloads: list[dict[str, Any]], key: KeyInfo) -> list[str]:
    """Sign and self-check credentials in a worker process (see Bulk.pool)."""
    sealer: Sealer = forking.adopted()
    return [sealer.seal(claims, key) for claims in payloads]
