"""Bulk issuance: batches in one transaction each, same credentials as one at a time."""

from __future__ import annotations

import copy
import json
import threading

import pytest
from sqlalchemy import func, select, text

from criteria import EvidenceError, load_catalogue
from issuer.db.models import Credential, IssuanceLog, Submission
from issuer.publication import jwks
from tests.criteria.bundles import meeting_bundle
from verifier.jose import read_compact, verify_signature
from verifier.schemas import schema_errors

CATALOGUE = load_catalogue()
M1 = meeting_bundle(CATALOGUE["foundation-mastery"])
M2 = meeting_bundle(CATALOGUE["implementation-proficiency"])


def person(bundle, n):
    bundle = copy.deepcopy(bundle)
    bundle["learner"] = {"id": f"bulk-{n}", "name": f"Learner {n}", "email": f"bulk{n}@example.org"}
    return bundle


def count(issuer, model):
    with issuer.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def forks(monkeypatch):
    """The worker pools bulk issuance forks: a list of their sizes."""
    from issuer import forking

    sizes = []

    def counted(workers, state):
        sizes.append(workers)
        return pool(workers, state)

    pool = forking.pool
    monkeypatch.setattr(forking, "pool", counted)
    if not forking.single_threaded():
        pytest.skip("this process has threads: bulk issuance would not fork")
    return sizes


@pytest.mark.parametrize("workers", [0, 2])
def test_a_batch_issues_one_verified_credential_per_learner(issuer, forks, workers):
    outcomes = issuer.issue_many(
        [person(M1, n) for n in range(30)], actor="test", batch=7, workers=workers
    )
    assert forks == ([workers] if workers else [])
    assert all(o.created for o in outcomes)
    keys = {k["kid"]: k for k in jwks(issuer.did, issuer.keys.ring())["keys"]}
    import jwt

    for outcome in outcomes:
        token = outcome.credential.jwt
        header, payload = read_compact(token)
        verify_signature(token, jwt.PyJWK(keys[header["kid"]]).key, header["alg"])
        body = {k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf")}
        assert schema_errors(body) == []
        assert payload["evidence"][-2]["id"].endswith(outcome.verdict.evidence_digest[7:])
    assert (
        count(issuer, Credential) == count(issuer, IssuanceLog) == count(issuer, Submission) == 30
    )
    with issuer.db.read() as session:
        entries = session.execute(select(Credential.status_list_id, Credential.status_index)).all()
    assert len(set(entries)) == 30


@pytest.mark.parametrize(
    ("batch", "workers"),
    [(200, 0), (1, 1), (2, 2)],
    ids=["one batch", "a batch each, signed by a worker", "batches of two, two workers"],
)
def test_outcomes_keep_their_order_and_kind(issuer, forks, batch, workers):
    """In smaller batches signed by workers, the next batch is judged while one is signed,
    except when both name the same learner: learner 1's second and third bundles are judged
    after the first is stored, so they find M1 held (the third needs it)."""
    not_met = person(M1, 2)
    not_met["checklist"] = []
    items = [
        json.dumps(person(M1, 1)).encode(),  # met
        b"{not json",  # invalid
        not_met,  # judged, not met
        person(M1, 1),  # the same achievement again in this batch
        person(M2, 1),  # needs M1, which this batch has just issued
        person(M2, 3),  # needs M1, which learner 3 does not hold
    ]
    outcomes = issuer.issue_many(items, actor="test", batch=batch, workers=workers)
    assert forks == ([workers] if workers else [])
    assert outcomes[0].created
    assert isinstance(outcomes[1], EvidenceError)
    assert outcomes[2].credential is None
    assert not outcomes[2].verdict.met
    assert outcomes[3].credential.id == outcomes[0].credential.id
    assert not outcomes[3].created
    assert outcomes[4].created
    assert outcomes[4].credential.milestone_id == "implementation-proficiency"
    assert [r.id for r in outcomes[5].verdict.unmet()] == ["prerequisites"]
    assert count(issuer, Credential) == 2


def test_a_rerun_issues_nothing_twice_and_records_nothing(issuer):
    batch = [person(M1, n) for n in range(10)]
    first = issuer.issue_many(batch, actor="test")
    submissions = count(issuer, Submission)
    again = issuer.issue_many(batch, actor="test")
    assert [o.credential.id for o in again] == [o.credential.id for o in first]
    assert not any(o.created for o in again)
    assert count(issuer, Submission) == submissions
    assert count(issuer, Credential) == 10


def test_bulk_and_single_issuance_agree(issuer):
    single = issuer.issue(person(M1, 1)).credential
    bulk = issuer.issue_many([person(M1, 2)], actor="test")[0].credential
    _, a = read_compact(single.jwt)
    _, b = read_compact(bulk.jwt)
    assert sorted(a) == sorted(b)
    assert a["credentialSubject"]["achievement"] == b["credentialSubject"]["achievement"]
    assert [e.get("name") for e in a["evidence"]] == [e.get("name") for e in b["evidence"]]


def test_concurrent_batches_overlapping_learners_give_one_credential_each(issuer):
    batch = [person(M1, n) for n in range(20)]
    barrier = threading.Barrier(3)
    errors = []

    def run():
        barrier.wait()
        try:
            issuer.issue_many(batch, actor="test", batch=5)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with issuer.db.read() as session:
        pairs = session.execute(select(Credential.learner_id, Credential.milestone_id)).all()
    assert len(pairs) == len(set(pairs)) == 20


def test_bulk_issuance_keeps_the_planner_informed(make_issuer, monkeypatch):
    """Found by the 100,000-credential benchmark: without autovacuum PostgreSQL planned every
    learner lookup as for the empty table it last saw and scanned the whole table, so bulk
    issuance slowed to a quarter of its speed. Bulk issuance now analyzes the tables it fills
    as they double (here from 10 bundles), counted over calls (the CLI calls per batch)."""
    from issuer.issuing import bulk

    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 10)
    issuer = make_issuer()
    analyzed = []
    monkeypatch.setattr(issuer.db, "refresh_statistics", lambda *tables: analyzed.append(tables))
    for first in range(0, 45, 5):
        issuer.issue_many([person(M1, n) for n in range(first, first + 5)], actor="test")
    assert len(analyzed) == 3  # at 10, 20 and 40 bundles
    assert set(analyzed[0]) == {"learners", "submissions", "credentials", "issuance_log"}


def test_refreshed_statistics_reach_postgresql(issuer):
    if issuer.db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL-specific: SQLite plans from its indexes (a no-op there)")
    issuer.issue_many([person(M1, n) for n in range(20)], actor="test")
    issuer.db.refresh_statistics("learners", "credentials")
    with issuer.db.read() as session:
        learners = session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'learners'::regclass")
        )
    assert learners == 20


def test_bulk_issuance_leaves_the_garbage_collector_as_it_found_it(issuer):
    import gc

    thresholds = gc.get_threshold()
    issuer.issue_many([person(M1, n) for n in range(3)], actor="test")
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_sqlite_checkpoints_run_in_the_background_during_bulk_work(issuer):
    """Pages committed to the write-ahead log reach the database file without any commit of
    the writer's running a checkpoint (the log stays far below SQLite's 1,000-page trigger)."""
    import threading
    import time
    from pathlib import Path

    if issuer.db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific: other backends checkpoint on their own")
    database = Path(issuer.db.engine.url.database)

    def fill(table):
        with issuer.db.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE TABLE {table} (x BLOB)")
            connection.exec_driver_sql(f"INSERT INTO {table} VALUES (zeroblob(1000000))")

    fill("filler_before")
    size = database.stat().st_size
    time.sleep(0.2)
    assert database.stat().st_size == size  # in the log only: nothing checkpoints by itself
    with issuer.db.background_checkpoints(every=0.01):
        fill("filler_during")
        deadline = time.monotonic() + 5
        while database.stat().st_size <= size + 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert database.stat().st_size > size + 2_000_000  # both fillers are in the file now
    assert "vouch-wal-checkpoints" not in {t.name for t in threading.enumerate()}


def test_sqlite_connections_are_set_up_for_concurrent_bulk_work(issuer):
    """WAL (readers never wait for the writer), foreign keys, a busy timeout to queue writers,
    and a page cache that holds the randomly filled indexes as they grow."""
    from issuer.db import SQLITE_BUSY_MS, SQLITE_CACHE_KIB

    if issuer.db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific: PostgreSQL is used as it comes")
    with issuer.db.read() as session:
        settings = {
            name: session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "cache_size")
        }
    assert settings == {
        "journal_mode": "wal", "foreign_keys": 1, "busy_timeout": SQLITE_BUSY_MS,
        "cache_size": -SQLITE_CACHE_KIB,
    }  # fmt: skip
