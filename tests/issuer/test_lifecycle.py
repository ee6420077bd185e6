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
