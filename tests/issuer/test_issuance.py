"""Issuing and revoking on a real database (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import copy
import itertools
import json
import threading

import jwt
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from criteria import EvidenceError, Status, load_catalogue
from issuer.db import json_text
from issuer.db.models import Credential, IssuanceLog, Learner, StatusList, Submission
from issuer.errors import IssuanceBugError, NotFoundError
from issuer.publication import jwks
from tests.criteria.bundles import meeting_bundle
from verifier import bitstring
from verifier.jose import read_compact, verify_signature
from verifier.schemas import schema_errors

CATALOGUE = load_catalogue()
M1 = meeting_bundle(CATALOGUE["foundation-mastery"])
M2 = meeting_bundle(CATALOGUE["implementation-proficiency"])


def counts(issuer):
    with issuer.db.read() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (Learner, Submission, Credential, IssuanceLog)
        }


def verify_with_jwks(issuer, token):
    """Verified by the published JWKS twice: with Vouch's verifier and with PyJWT's decoder (an
    independent reading of the JWS, base64url and JSON included)."""
    header, payload = read_compact(token)
    keys = {k["kid"]: k for k in jwks(issuer.did, issuer.keys.ring())["keys"]}
    published = keys[header["kid"]]
    key = jwt.PyJWK(published).key
    verify_signature(token, key, published["alg"])
    assert jwt.get_unverified_header(token) == header
    assert json.loads(jwt.PyJWS().decode(token, key, algorithms=[published["alg"]])) == payload
    return payload


def list_bits(issuer, list_id):
    _, payload = read_compact(issuer.status_list(list_id).jwt)
    return bitstring.decode(payload["credentialSubject"]["encodedList"])


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_issue_round_trip(make_issuer, alg):
    issuer = make_issuer(alg)
    outcome = issuer.issue(M1)
    assert outcome.created
    assert outcome.verdict.met
    record = outcome.credential
    payload = verify_with_jwks(issuer, record.jwt)
    credential = {k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf")}
    assert schema_errors(credential) == []
    assert payload["jti"] == record.id
    assert payload["credentialStatus"]["statusListIndex"] == str(record.status_index)
    assert read_compact(record.jwt)[0]["alg"] == alg
    assert issuer.credential(record.id).jwt == record.jwt
    assert issuer.credential(record.id.removeprefix("urn:uuid:")).id == record.id
    assert counts(issuer) == {"learners": 1, "submissions": 1, "credentials": 1, "issuance_log": 1}


def test_issuing_again_returns_the_same_credential(issuer):
    first = issuer.issue(M1).credential
    again = issuer.issue(json.dumps(M1))
    assert not again.created
    assert again.credential.id == first.id
    assert counts(issuer)["credentials"] == 1
    assert counts(issuer)["submissions"] == 2


def test_not_met_records_the_submission_only(issuer):
    bundle = copy.deepcopy(M1)
    bundle["checklist"] = []
    outcome = issuer.issue(bundle)
    assert outcome.credential is None
    assert outcome.verdict.status is Status.NOT_MET
    assert counts(issuer) == {"learners": 1, "submissions": 1, "credentials": 0, "issuance_log": 0}


def test_json_columns_keep_the_bundle_as_submitted(issuer):
    bundle = copy.deepcopy(M1)
    bundle["learner"]["name"] = "Zoë Ünal 李\u2028"
    outcome = issuer.issue(bundle)
    with issuer.db.read() as session:
        stored = session.get(Submission, outcome.submission_id)
        assert stored.bundle == {k: v for k, v in bundle.items() if k != "held"}
        assert stored.verdict == outcome.verdict.to_dict()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"a": "é", "b": [1, 2.5, None, True]}, '{"a":"é","b":[1,2.5,null,true]}'),
        ({1: "key"}, '{"1":"key"}'),  # as the standard library writes it
        ({"big": 2**70}, '{"big":1180591620717411303424}'),  # beyond orjson's 64 bits
    ],
)
def test_json_text(value, text):
    assert json_text(value) == text
    assert json.loads(json_text(value)) == json.loads(json.dumps(value))


def test_invalid_bundle_leaves_nothing(issuer):
    with pytest.raises(EvidenceError):
        issuer.issue(b"{}")
    assert counts(issuer) == {"learners": 0, "submissions": 0, "credentials": 0, "issuance_log": 0}


def test_prerequisites_come_from_issued_credentials(issuer):
    claimed = copy.deepcopy(M2)
    assert claimed["held"] == ["foundation-mastery"]
    outcome = issuer.issue(claimed)
    assert outcome.credential is None
    assert [r.id for r in outcome.verdict.unmet()] == ["prerequisites"]
    issuer.issue(M1)
    assert issuer.issue(claimed).credential is not None


def test_revoked_prerequisite_no_longer_counts(issuer):
    m1 = issuer.issue(M1).credential
    issuer.revoke(m1.id, "issued in error", actor="test")
    assert issuer.issue(M2).credential is None


def test_revocation_flips_exactly_one_bit(issuer):
    records = [issuer.issue(b).credential for b in (M1, M2)]
    target = records[0]
    before = list_bits(issuer, target.status_list_id)
    assert not any(before)
    revoked = issuer.revoke(target.id, "plagiarised capstone", actor="admin-1")
    after = list_bits(issuer, target.status_list_id)
    changed = [
        i for i in range(len(after) * 8) if bitstring.bit(after, i) != bitstring.bit(before, i)
    ]
    assert changed == [target.status_index]
    assert len(after) * 8 >= bitstring.MIN_ENTRIES
    assert (revoked.revoked_by, revoked.revocation_reason) == ("admin-1", "plagiarised capstone")
    with issuer.db.read() as s:
        events = s.scalars(select(IssuanceLog.event).order_by(IssuanceLog.id)).all()
    assert events == ["issued", "issued", "revoked"]


def test_revoking_twice_is_harmless(issuer):
    record = issuer.issue(M1).credential
    first = issuer.revoke(record.id, "first reason", actor="a")
    second = issuer.revoke(record.id, "second reason", actor="b")
    assert second.revoked_at == first.revoked_at
    assert second.revocation_reason == "first reason"
    bits = list_bits(issuer, record.status_list_id)
    assert sum(bin(b).count("1") for b in bits) == 1


def test_revocation_survives_a_restart(make_issuer):
    issuer = make_issuer()
    record = issuer.issue(M1).credential
    issuer.revoke(record.id, "reason", actor="a")
    issuer.db.dispose()
    restarted = make_issuer()
    assert restarted.credential(record.id).revoked_at is not None
    assert bitstring.bit(list_bits(restarted, record.status_list_id), record.status_index) == 1


def test_revoke_unknown_and_blank_reason(issuer):
    with pytest.raises(NotFoundError):
        issuer.revoke("urn:uuid:00000000-0000-0000-0000-000000000000", "r", actor="a")
    record = issuer.issue(M1).credential
    with pytest.raises(ValueError, match="reason"):
        issuer.revoke(record.id, "  ", actor="a")


def test_reissue_after_revocation_gets_a_new_entry(issuer):
    first = issuer.issue(M1).credential
    issuer.revoke(first.id, "reason", actor="a")
    assert issuer.issue(M1).credential is None  # revocation is final (test_lifecycle.py)
    second, _ = issuer.reissue(first.id, "appeal upheld", actor="a")
    assert second.id != first.id
    assert (second.status_list_id, second.status_index) != (
        first.status_list_id,
        first.status_index,
    )


def test_key_rotation_old_credentials_still_verify(issuer):
    old = issuer.issue(M1).credential
    issuer.keys.rotate(issuer.settings.issuer_name, "EdDSA")
    issuer.sync()
    new = issuer.issue(M2).credential
    assert new.key_id != old.key_id
    verify_with_jwks(issuer, old.jwt)
    verify_with_jwks(issuer, new.jwt)
    assert read_compact(new.jwt)[0]["alg"] == "EdDSA"


def test_rotation_by_another_process_is_picked_up_whole(issuer):
    """Found in review: the private key was cached once per process while the key id was
    re-read from the ring, so after `vouch keys rotate` in another process every issuance
    signed with the old key under the new kid and failed its self-check."""
    from issuer.keystore import KeyStore

    old = issuer.issue(M1).credential  # this process has now decrypted the current key
    elsewhere = KeyStore(issuer.keys.path, issuer.keys._passphrase)  # e.g. the CLI
    rotated = elsewhere.rotate(issuer.settings.issuer_name, "EdDSA")
    issuer.sync()
    new = issuer.issue(M2).credential
    assert old.key_id != rotated.key_id
    assert new.key_id == rotated.key_id
    verify_with_jwks(issuer, new.jwt)


def test_concurrent_issuance_gives_one_credential(make_issuer):
    issuer = make_issuer()
    barrier = threading.Barrier(8)
    results, errors = [], []

    def submit():
        barrier.wait()
        try:
            results.append(issuer.issue(M1).credential.id)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 8
    assert len(set(results)) == 1
    assert counts(issuer)["credentials"] == 1


def test_a_failure_mid_issuance_leaves_no_trace(issuer, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(issuer._sealer, "self_check", explode)
    with pytest.raises(RuntimeError):
        issuer.issue(M1)
    assert counts(issuer) == {"learners": 0, "submissions": 0, "credentials": 0, "issuance_log": 0}


def test_a_credential_failing_its_own_checks_is_never_stored(issuer, monkeypatch):
    import verifier.checks

    monkeypatch.setattr(
        verifier.checks, "schema_errors", lambda *_a: ["$.credentialSubject: broken"]
    )
    with pytest.raises(IssuanceBugError, match="broken"):
        issuer.issue(M1)
    assert counts(issuer)["credentials"] == 0


def test_one_live_credential_is_a_database_constraint(issuer):
    record = issuer.issue(M1).credential
    duplicate = {c.name: getattr(record, c.name) for c in Credential.__table__.columns}
    duplicate |= {"id": "urn:uuid:11111111-1111-1111-1111-111111111111", "status_index": 1}
    with pytest.raises(IntegrityError), issuer.db.write() as s:
        s.add(Credential(**duplicate))


def test_status_entries_are_never_reused(issuer):
    record = issuer.issue(M1).credential
    other = {c.name: getattr(record, c.name) for c in Credential.__table__.columns}
    other |= {
        "id": "urn:uuid:22222222-2222-2222-2222-222222222222",
        "milestone_id": "interview-mastery",
    }
    with pytest.raises(IntegrityError), issuer.db.write() as s:
        s.add(Credential(**other))


def test_issuance_log_is_append_only(issuer):
    issuer.issue(M1)
    with pytest.raises(PermissionError), issuer.db.write() as s:
        s.scalars(select(IssuanceLog)).first().actor = "someone else"
    with pytest.raises(DBAPIError, match="append-only"), issuer.db.write() as s:
        s.execute(text("UPDATE issuance_log SET actor = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), issuer.db.write() as s:
        s.execute(text("DELETE FROM issuance_log"))
    assert counts(issuer)["issuance_log"] == 1


def test_bulk_allocation_keeps_clear_of_reserved_entries(issuer, monkeypatch):
    """Bulk issuance drafts a batch's credentials while the one before is still being signed:
    the entries drafted for that one are reserved, though not stored yet."""
    from issuer import status as statuslists

    draws = itertools.count()  # 0, 1, 2, … in place of random draws
    monkeypatch.setattr(statuslists.secrets, "randbelow", lambda _size: next(draws) % 120)
    with issuer.db.write() as session:
        list_id = statuslists.open_list(session, issuer, issuer.clock()).id
        reserved = frozenset((list_id, index) for index in range(100))
        chosen = statuslists.allocate_many(session, issuer, 20, issuer.clock(), reserved)
    assert sorted(chosen) == [(list_id, index) for index in range(100, 120)]


def test_status_list_is_signed_and_large_enough(issuer):
    record = issuer.issue(M1).credential
    status_list = issuer.status_list(record.status_list_id)
    payload = verify_with_jwks(issuer, status_list.jwt)
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    assert len(list_bits(issuer, record.status_list_id)) == bitstring.MIN_ENTRIES // 8
    with pytest.raises(NotFoundError):
        issuer.status_list("nope")


def test_a_full_list_opens_a_new_one(issuer):
    with issuer.db.write() as s:
        for status_list in s.scalars(select(StatusList)):
            status_list.full = True
    first = issuer.issue(M1).credential
    with issuer.db.write() as s:
        s.get(StatusList, first.status_list_id).full = True
    second = issuer.issue(M2).credential
    assert second.status_list_id != first.status_list_id


def test_a_fresh_submission_is_judged_as_the_thorough_path_would(issuer):
    """Issuing judges the evidence it has just validated (plus the milestones held) instead of
    reading it back and validating it again: both give the same verdict and digest."""
    from criteria.evidence import bundle_digest

    for bundle, held_then in ((M1, []), (M2, ["foundation-mastery"])):
        outcome = issuer.issue(bundle)
        with issuer.db.read() as session:
            submission = session.get(Submission, outcome.submission_id)
            as_judged = issuer.evidence_of(session, submission) | {"held": held_then}
        thorough = issuer.catalogue.evaluate(issuer.catalogue.parse(as_judged))
        assert outcome.verdict.to_dict() == thorough.to_dict()
        assert submission.bundle_digest == thorough.evidence_digest == bundle_digest(as_judged)


def test_credential_ids_are_time_ordered_uuids(issuer):
    """Version 7 (RFC 9562): new credentials' rows land at the end of the indexes on their ids."""
    import time
    import uuid

    from issuer.service import time_ordered_uuid

    before = time.time_ns() // 1_000_000
    ids = [time_ordered_uuid() for _ in range(1000)]
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 1000
    assert {(u.version, u.variant) for u in ids} == {(7, uuid.RFC_4122)}
    assert all(before <= u.int >> 80 <= after for u in ids)
    time.sleep(0.002)
    later = time_ordered_uuid()
    assert str(later) > max(str(u) for u in ids)  # the text sorts by time too
    record = issuer.issue(M1).credential
    assert uuid.UUID(record.id.removeprefix("urn:uuid:")).version == 7


def test_a_stored_learners_submission_reads_the_learner_once(issuer):
    """``issue(bundle, learner_id=…)`` (a signed-in learner's submission) puts the stored
    learner in the bundle and reads that row once (issue 13), not again by external id."""
    first = issuer.issue(M1)
    learner_id = first.credential.learner_id
    statements = []
    engine = issuer.db.engine

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        bundle = {k: v for k, v in M2.items() if k != "learner"}
        outcome = issuer.issue(bundle, learner_id=learner_id)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert outcome.created
    assert outcome.credential.learner_id == learner_id
    assert sum("FROM learners" in s for s in statements) == 1
    assert counts(issuer)["learners"] == 1
    with pytest.raises(NotFoundError):
        issuer.issue(bundle, learner_id=learner_id + 1)


def test_a_new_credential_is_handed_on_as_signed(issuer):
    """The outcome carries the claims just signed (issue 13: nothing decodes what it has just
    built); they are the token's payload, one at a time and in bulk."""
    single = issuer.issue(M1)
    (bulk,) = issuer.issue_many([M2], actor="test")
    for outcome in (single, bulk):
        assert outcome.claims == read_compact(outcome.credential.jwt)[1]
    assert issuer.issue(M1).claims is None  # already issued: nothing was signed now
