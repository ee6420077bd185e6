"""Crash safety: bulk issuance killed with SIGKILL at random points, then resumed.

After every kill the database holds no credential without its record, no record without a
valid signed credential and no duplicate; resuming issues every learner exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from issuer.db.models import Credential, IssuanceLog, Learner
from issuer.publication import jwks
from verifier.jose import read_compact, verify_signature
from verifier.schemas import schema_errors

from .test_concurrency import learner_bundle

KILLS = 20
LEARNERS = 30000  # ~10 s of bulk issuance: kills 0.5-2 s apart land inside the run
VOUCH = Path(sys.executable).with_name("vouch")


@pytest.fixture
def instance(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VOUCH_")},
        "VOUCH_INSTANCE_PATH": str(tmp_path / "instance"),
        "VOUCH_KEYS_DIR": str(tmp_path / "keys"),
        "VOUCH_KEY_PASSPHRASE": "crash test passphrase",
        "VOUCH_PUBLIC_URL": "https://vouch.test",
    }
    subprocess.run([str(VOUCH), "init"], env=env, check=True, capture_output=True)
    bundles = tmp_path / "bundles.jsonl"
    bundles.write_text("\n".join(json.dumps(learner_bundle(n)) for n in range(LEARNERS)) + "\n")
    return env, bundles, tmp_path


def check_invariants(database: Path, keys: dict, checked: set[str]) -> int:
    """Every stored credential is complete, signed, schema-valid and unique; returns the count.

    Signatures and schemas of credentials already seen in ``checked`` are not checked again.
    """
    engine = create_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        credentials = session.scalars(select(Credential)).all()
        logged = set(
            session.scalars(select(IssuanceLog.credential_id).where(IssuanceLog.event == "issued"))
        )
        learners = set(session.scalars(select(Learner.id)))
        integrity = session.execute(text("PRAGMA integrity_check")).scalar()
    engine.dispose()
    assert integrity == "ok"
    pairs = [(c.learner_id, c.milestone_id) for c in credentials]
    assert len(pairs) == len(set(pairs)), "a duplicate credential"
    assert len({(c.status_list_id, c.status_index) for c in credentials}) == len(credentials)
    for credential in credentials:
        assert credential.learner_id in learners
        assert credential.id in logged, "a credential without its log line"
        if credential.id in checked:
            continue
        checked.add(credential.id)
        header, payload = read_compact(credential.jwt)
        key = keys[header["kid"]]
        verify_signature(credential.jwt, jwt.PyJWK(key).key, key["alg"])
        assert payload["jti"] == credential.id
        body = {k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf", "exp")}
        assert schema_errors(body) == []
    assert logged <= {c.id for c in credentials}, "a log line without its credential"
    return len(credentials)


@pytest.mark.skipif(not VOUCH.exists(), reason="the vouch console script is not installed")
def test_sigkill_at_random_points_then_resume(instance):
    env, bundles, root = instance
    rng = random.Random(20261125)
    database = root / "instance" / "vouch.sqlite3"
    from issuer.keystore import KeyStore

    ring = KeyStore(root / "keys", env["VOUCH_KEY_PASSPHRASE"]).ring()
    keys = {k["kid"]: k for k in jwks("did:web:vouch.test", ring)["keys"]}
    counts: list[int] = []
    checked: set[str] = set()
    for _ in range(KILLS):
        process = subprocess.Popen(
            [str(VOUCH), "issue-bulk", str(bundles)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.5, 2.0))  # before, during or after start-up and the first rows
        process.send_signal(signal.SIGKILL)
        process.wait()
        counts.append(check_invariants(database, keys, checked))
    assert counts == sorted(counts), "credentials never disappear"
    interrupted = sum(c < LEARNERS for c in counts)
    assert interrupted >= KILLS // 2, f"most kills must land inside the run: {counts}"
    done = subprocess.run(
        [str(VOUCH), "issue-bulk", str(bundles), "--json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["issued"] + summary["already issued"] == LEARNERS
    assert summary["not met"] == summary["invalid"] == 0
    assert check_invariants(database, keys, checked) == LEARNERS  # none skipped, none twice
