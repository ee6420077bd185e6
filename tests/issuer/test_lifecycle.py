"""Issue 12 (trust), keys: revocation is final, and the one way back is an admin's re-issue.

Every test here runs on SQLite and on PostgreSQL (the ``issuer`` fixture)."""

from __future__ import annotations

import copy
import re

import pytest
from sqlalchemy import select

from criteria import load_catalogue
from issuer.db.models import Credential, IssuanceLog, Submission
from issuer.errors import ConflictError
from issuer.service import AWAITING_ADMIN
from tests.criteria.bundles import meeting_bundle
from tests.issuer.conftest import EXAMPLES, initialised_vouch
from tests.issuer.test_issuance import verify_with_jwks

CATALOGUE = load_catalogue()
M1 = meeting_bundle(CATALOGUE["foundation-mastery"])
SIGN_OFF = {"kind": "self-explanation", "verdict": "pass", "minutes": 20}


def awaiting_review(bundle):
    """The bundle as a learner submits it: no reviewer's sign-off yet."""
    pending = copy.deepcopy(bundle)
    pending.pop("reviews")
    return pending


def credentials_of(issuer, milestone="foundation-mastery"):
    with issuer.db.read() as s:
        return list(
            s.scalars(
                select(Credential)
                .where(Credential.milestone_id == milestone)
                .order_by(Credential.issued_at, Credential.id)
            )
        )


def live(issuer):
    return [c for c in credentials_of(issuer) if c.revoked_at is None]


def sign_off(issuer, submission_id, reviewer):
    return issuer.add_review(
        submission_id, SIGN_OFF, reviewer_id=reviewer, role="mentor", actor=reviewer
    )


# -- revocation is final ------------------------------------------------------------------------


def test_a_late_sign_off_after_a_revocation_issues_nothing(issuer):
    submitted = issuer.issue(awaiting_review(M1), actor="learner")
    assert submitted.verdict.status.value == "awaiting-review"
    first = sign_off(issuer, submitted.submission_id, "mentor-1").credential
    assert first is not None
    issuer.revoke(first.id, "plagiarised answers", actor="admin")

    late = sign_off(issuer, submitted.submission_id, "mentor-2")

    assert late.verdict.met
    assert late.credential is None
    assert not late.created
    assert "revoked" in late.withheld
    assert first.id in late.withheld
    assert live(issuer) == []
    submission = issuer.submission(submitted.submission_id)
    assert submission.status == AWAITING_ADMIN
    assert submission.verdict["withheld"] == late.withheld


def test_no_automatic_path_issues_a_revoked_achievement_again(issuer):
    first = issuer.issue(M1).credential
    issuer.revoke(first.id, "issued in error", actor="admin")

    again = issuer.issue(M1)  # the same bundle again (a re-submission)
    assert (again.credential, again.created) == (None, False)
    assert again.withheld
    [bulk] = issuer.issue_many([M1], actor="bulk")  # bulk issuance, in one batch
    assert (bulk.credential, bulk.withheld) == (None, again.withheld)
    fresh = issuer.issue(awaiting_review(M1), actor="learner")  # a brand-new submission
    assert fresh.verdict.status.value == "awaiting-review"
    signed = sign_off(issuer, fresh.submission_id, "mentor-1")
    assert signed.credential is None
    assert signed.withheld

    assert live(issuer) == []
    assert [c.id for c in credentials_of(issuer)] == [first.id]
    with issuer.db.read() as s:
        statuses = list(s.scalars(select(Submission.status).order_by(Submission.id)))
    assert statuses == ["met", AWAITING_ADMIN, AWAITING_ADMIN, AWAITING_ADMIN]


def test_an_admin_reissues_with_a_recorded_reason(issuer):
    first = issuer.issue(M1).credential
    issuer.revoke(first.id, "issued in error", actor="admin")
    withheld = issuer.issue(M1)
    assert withheld.withheld

    record, created = issuer.reissue(first.id, "appeal upheld", actor="ada-admin")

    assert created
    assert record.id != first.id
    assert record.reissue_of == first.id
    assert record.revoked_at is None
    assert (record.status_list_id, record.status_index) != (
        first.status_list_id,
        first.status_index,
    )
    assert record.key_id == issuer.keys.current().key_id
    new = verify_with_jwks(issuer, record.jwt)
    old = verify_with_jwks(issuer, first.jwt)
    assert new["jti"] == new["id"] == record.id
    for same in ("credentialSubject", "evidence", "name", "issuer"):
        assert new[same] == old[same]
    assert [c.id for c in live(issuer)] == [record.id]
    with issuer.db.read() as s:
        entry = s.scalars(select(IssuanceLog).where(IssuanceLog.event == "reissued")).one()
        assert (entry.actor, entry.credential_id) == ("ada-admin", record.id)
        assert entry.detail["reason"] == "appeal upheld"
        assert entry.detail["replaces"] == first.id
        assert entry.at is not None
    # the submission that waited for an admin is settled
    assert issuer.submission(withheld.submission_id).status == "met"
    # idempotent: asked again, the same credential
    again, created = issuer.reissue(first.id, "appeal upheld", actor="ada-admin")
    assert (again.id, created) == (record.id, False)
    # the re-issued credential now is what the learner holds
    assert issuer.issue(M1).credential.id == record.id


def test_reissue_refuses_a_live_credential_and_a_blank_reason(issuer):
    record = issuer.issue(M1).credential
    with pytest.raises(ConflictError, match="live"):
        issuer.reissue(record.id, "why not", actor="admin")
    with pytest.raises(ValueError, match="reason"):
        issuer.reissue(record.id, " ", actor="admin")


def test_vouch_reissue_cli(tmp_path):
    vouch = initialised_vouch(tmp_path, "cli-passphrase-reissue")
    bundle = str(EXAMPLES / "foundation-mastery.json")
    issued = vouch("issue", bundle)
    first = re.search(r"issued: (urn:uuid:\S+)", issued.output).group(1)
    assert vouch("revoke", first, "--reason", "issued in error").exit_code == 0

    withheld = vouch("issue", bundle)
    assert withheld.exit_code == 3, withheld.output
    assert "withheld:" in withheld.output
    assert first in withheld.output
    assert vouch("reissue", first, "--reason", " ").exit_code == 2

    done = vouch("reissue", first, "--reason", "appeal upheld", "--by", "ada")
    assert done.exit_code == 0, done.output
    second = re.search(r"^reissued: (urn:uuid:\S+)$", done.output, re.M).group(1)
    assert f"replaces: {first}" in done.output
    again = vouch("reissue", first, "--reason", "appeal upheld")
    assert (again.exit_code, f"already reissued: {second}" in again.output) == (0, True)
    live_one = vouch("reissue", second, "--reason", "again")
    assert live_one.exit_code == 1
    assert "live" in live_one.output
    assert vouch("issue", bundle).exit_code == 0


# -- withdrawing a compromised key --------------------------------------------------------------


def _verify(issuer, token):
    from issuer.verification import local_verifier

    return local_verifier(issuer).verify(token)


def _key_check(result):
    return next(c for c in result.checks if "key" in c.check)


def _learner(n):
    bundle = copy.deepcopy(M1)
    bundle["learner"] = {"id": f"learner-{n}", "name": f"Learner {n}", "email": f"l{n}@ex.org"}
    return bundle


def test_a_withdrawn_key_is_unpublished_destroyed_and_recorded(issuer):
    from issuer.credential import sign
    from issuer.db.models import IssuerKey, StatusList
    from issuer.errors import KeyStoreError
    from issuer.publication import did_document, jwks
    from verifier import State
    from verifier.jose import read_compact

    old_key = issuer.keys.current()
    stolen = issuer.keys.signing_key  # what an attacker holding the key could sign with
    record = issuer.issue(M1).credential
    assert _verify(issuer, record.jwt).state is State.VERIFIED

    summary = issuer.withdraw_key(old_key.key_id, "laptop stolen", actor="ada-admin")

    new_key = issuer.keys.current()
    assert new_key.key_id != old_key.key_id
    assert summary["rotated"]
    assert (summary["credentials"], summary["live"]) == (1, 1)
    assert issuer.keys.key(old_key.key_id).state == "withdrawn"
    # unpublished: the JWKS and DID document hold only the new key
    published = [k["kid"] for k in jwks(issuer.did, issuer.keys.ring())["keys"]]
    assert published == [f"{issuer.did}#{new_key.key_id}"]
    methods = did_document(issuer.did, issuer.keys.ring())["verificationMethod"]
    assert [m["id"] for m in methods] == published
    # what it signed, and anything signed with it now, fails: the verifier finds no such key
    result = _verify(issuer, record.jwt)
    assert result.state is not State.VERIFIED
    assert _key_check(result).status.value == "fail", result.to_dict()
    assert "does not publish key" in _key_check(result).detail
    _, payload = read_compact(record.jwt)
    other = "urn:uuid:00000000-0000-7000-8000-000000000000"
    forged = sign(payload | {"id": other, "jti": other}, stolen, old_key.alg,
                  f"{issuer.did}#{old_key.key_id}")  # fmt: skip
    result = _verify(issuer, forged)
    assert result.state is not State.VERIFIED
    assert "does not publish key" in _key_check(result).detail
    # its private part is destroyed, and nothing signs with it
    assert not (issuer.keys.path / f"{old_key.key_id}.pem").exists()
    with pytest.raises(KeyStoreError, match="withdrawn"):
        issuer.keys.unlocked(old_key.key_id)
    # the status list it signed is signed again with the current key
    with issuer.db.read() as s:
        lists = list(s.scalars(select(StatusList)))
        key_row = s.get(IssuerKey, old_key.key_id)
        log = list(s.scalars(select(IssuanceLog).order_by(IssuanceLog.id)))
    assert summary["status_lists_resigned"] == len(lists) == 1
    assert read_compact(lists[0].jwt)[0]["kid"] == f"{issuer.did}#{new_key.key_id}"
    verify_with_jwks(issuer, lists[0].jwt)  # with the published key
    # recorded: state, when, who, why (issuer_keys and the log)
    assert (key_row.state, key_row.withdrawn_by, key_row.withdrawal_reason) == (
        "withdrawn", "ada-admin", "laptop stolen",
    )  # fmt: skip
    assert key_row.withdrawn_at is not None
    assert [(e.event, e.detail.get("key")) for e in log[-2:]] == [
        ("key-rotated", new_key.key_id), ("key-withdrawn", old_key.key_id),
    ]  # fmt: skip
    # listed, and counted
    assert [c.id for c in issuer.credentials_signed_by(old_key.key_id)] == [record.id]
    assert issuer.key_counts()[old_key.key_id] == (1, 1)
    # withdrawing again changes nothing
    again = issuer.withdraw_key(old_key.key_id, "again", actor="someone")
    assert (again["rotated"], again["reason"], again["status_lists_resigned"]) == (
        False, "laptop stolen", 0,
    )  # fmt: skip
    assert issuer.keys.current() == new_key


def test_a_retired_key_still_verifies_and_never_signs(issuer):
    from verifier import State

    record = issuer.issue(M1).credential
    retired = issuer.keys.current()
    issuer.rotate_keys(None, actor="ada-admin")
    assert issuer.keys.key(retired.key_id).state == "retired"
    assert _verify(issuer, record.jwt).state is State.VERIFIED
    assert issuer.issue(_learner(2)).credential.key_id != retired.key_id
    from issuer.db.models import IssuerKey

    with issuer.db.read() as s:
        row = s.get(IssuerKey, retired.key_id)
        assert (row.state, row.retired_by) == ("retired", "ada-admin")


def test_reissue_under_the_current_key_is_one_transaction_each_and_resumable(issuer, monkeypatch):
    from verifier import State

    records = [issuer.issue(_learner(n)).credential for n in range(4)]
    issuer.revoke(records[3].id, "issued in error", actor="admin")
    old_key = records[0].key_id
    with pytest.raises(ConflictError, match="not withdrawn"):
        issuer.reissue_key(old_key, actor="admin")
    issuer.withdraw_key(old_key, "key leaked", actor="admin")

    # interrupted after the first credential: nothing half-done
    real = issuer._lifecycle.replace
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(issuer._lifecycle, "replace", failing)
    with pytest.raises(RuntimeError):
        issuer.reissue_key(old_key, actor="admin")
    monkeypatch.undo()
    assert len(live(issuer)) == 3  # one re-issued, two still waiting, none lost
    assert issuer.key_counts()[old_key] == (4, 2)

    assert issuer.reissue_key(old_key, actor="admin") == {"reissued": 2, "skipped": 0}
    assert issuer.reissue_key(old_key, actor="admin") == {"reissued": 0, "skipped": 0}

    current = issuer.keys.current().key_id
    fresh = live(issuer)
    assert len(fresh) == 3
    assert {c.key_id for c in fresh} == {current}
    assert {c.reissue_of for c in fresh} == {r.id for r in records[:3]}
    assert {c.learner_id for c in fresh} == {r.learner_id for r in records[:3]}
    for c in fresh:
        assert _verify(issuer, c.jwt).state is State.VERIFIED
    old = {c.id: c for c in credentials_of(issuer) if c.key_id == old_key}
    for r in records[:3]:
        assert old[r.id].revocation_reason == "key withdrawn: key leaked"
    assert old[records[3].id].revocation_reason == "issued in error"  # not re-issued
    with issuer.db.read() as s:
        entries = list(s.scalars(select(IssuanceLog).where(IssuanceLog.event == "reissued")))
    assert sorted(e.detail["replaces"] for e in entries) == sorted(r.id for r in records[:3])
    assert {e.detail["reason"] for e in entries} == {"key withdrawn: key leaked"}


def test_vouch_keys_withdraw_credentials_reissue_cli(tmp_path):
    import json

    vouch = initialised_vouch(tmp_path, "cli-passphrase-withdraw")
    bundle = str(EXAMPLES / "foundation-mastery.json")
    first = re.search(r"issued: (urn:uuid:\S+)", vouch("issue", bundle).output).group(1)
    [key] = json.loads(vouch("keys", "list", "--json").output)
    assert (key["state"], key["credentials"], key["live"]) == ("current", 1, 1)
    kid = key["kid"]

    assert vouch("keys", "withdraw", kid, "--reason", " ").exit_code == 2
    assert vouch("keys", "withdraw", "no-such-key", "--reason", "x").exit_code == 1
    withdrawn = vouch("keys", "withdraw", kid, "--reason", "laptop stolen", "--by", "ada")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "new current key:" in withdrawn.output
    assert "vouch keys reissue" in withdrawn.output
    [listed] = json.loads(vouch("keys", "credentials", kid, "--json").output)
    assert (listed["id"], listed["revoked_at"]) == (first, None)
    old, new = json.loads(vouch("keys", "list", "--json").output)
    assert (old["state"], old["live"], new["state"], new["credentials"]) == (
        "withdrawn", 1, "current", 0,
    )  # fmt: skip
    assert "WITHDRAWN" in vouch("keys", "list").output

    done = vouch("keys", "reissue", kid)
    assert done.exit_code == 0, done.output
    assert "re-issued: 1, already done: 0" in done.output
    assert "re-issued: 0, already done: 0" in vouch("keys", "reissue", kid).output
    [listed] = json.loads(vouch("keys", "credentials", kid, "--json").output)
    assert listed["revocation_reason"] == "key withdrawn: laptop stolen"
    old, new = json.loads(vouch("keys", "list", "--json").output)
    assert (old["live"], new["credentials"], new["live"]) == (0, 1, 1)
    again = vouch("issue", bundle)  # the learner holds the re-issued credential
    assert again.exit_code == 0
    assert "already issued: urn:uuid:" in again.output
    assert first not in again.output
    assert vouch("keys", "reissue", new["kid"]).exit_code == 1  # not withdrawn


def test_vouch_keys_withdraw_with_reissue_does_both(tmp_path):
    import json

    vouch = initialised_vouch(tmp_path, "cli-passphrase-withdraw-reissue")
    assert vouch("issue", str(EXAMPLES / "foundation-mastery.json")).exit_code == 0
    [key] = json.loads(vouch("keys", "list", "--json").output)
    done = vouch("keys", "withdraw", key["kid"], "--reason", "leaked", "--reissue")
    assert done.exit_code == 0, done.output
    assert "re-issued: 1, already done: 0" in done.output
    old, new = json.loads(vouch("keys", "list", "--json").output)
    assert (old["state"], old["live"], new["live"]) == ("withdrawn", 0, 1)
