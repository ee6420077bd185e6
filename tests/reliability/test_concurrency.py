"""Many requests at once: one credential per achievement, status lists never corrupted."""

from __future__ import annotations

import copy
import threading

from sqlalchemy import func, select

from criteria import load_catalogue
from issuer.db.models import Credential
from tests.criteria.bundles import meeting_bundle
from verifier import bitstring
from verifier.jose import read_compact

CATALOGUE = load_catalogue()
M1 = meeting_bundle(CATALOGUE["foundation-mastery"])


def together(count, work):
    """Run ``work(i)`` in ``count`` threads released at the same moment; return results, errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def learner_bundle(n):
    bundle = copy.deepcopy(M1)
    bundle["learner"] = {"id": f"learner-{n}", "name": f"Learner {n}", "email": f"l{n}@example.org"}
    return bundle


def test_fifty_simultaneous_submissions_give_one_credential(issuer):
    results, errors = together(50, lambda _: issuer.issue(M1).credential.id)
    assert errors == []
    assert len(set(results)) == 1
    with issuer.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Credential)) == 1


def test_concurrent_revocations_and_issuances_keep_the_status_list_exact(issuer):
    first = [issuer.issue(learner_bundle(n)).credential for n in range(12)]
    to_revoke = first[::2]

    def work(i):
        if i < len(to_revoke):
            return issuer.revoke(to_revoke[i].id, "concurrency test", actor="test").id
        return issuer.issue(learner_bundle(100 + i)).credential.id

    _, errors = together(len(to_revoke) + 10, work)
    assert errors == []
    with issuer.db.read() as session:
        rows = session.scalars(select(Credential)).all()
    lists = {row.status_list_id for row in rows}
    for list_id in lists:
        _, payload = read_compact(issuer.status_list(list_id).jwt)
        bits = bitstring.decode(payload["credentialSubject"]["encodedList"])
        set_bits = {i for i in range(len(bits) * 8) if bitstring.bit(bits, i)}
        revoked = {
            r.status_index for r in rows if r.status_list_id == list_id and r.revoked_at is not None
        }
        assert set_bits == revoked
    assert sum(r.revoked_at is not None for r in rows) == len(to_revoke)
    assert len(rows) == 12 + 10
    assert len({(r.status_list_id, r.status_index) for r in rows}) == len(rows)
