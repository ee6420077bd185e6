"""The JSON API for people: submissions, sign-offs, tokens and administration.

Authentication is a bearer token (``Authorization: Bearer vch_…``); cookies are never used
here, so the API needs no CSRF token. Every route checks who may call it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, jsonify, request

from criteria import MAX_BUNDLE_BYTES, EvidenceError, EvidenceProblem, decode
from issuer.accounts import (
    ROLES,
    Account,
    create_token,
    parse_scopes,
    revoke_token,
    token_scopes,
)
from issuer.db.models import ApiToken, IssuanceLog, Review, Submission
from issuer.errors import ConflictError, ForbiddenError, InvalidRequestError
from issuer.identity import EmailUnverifiedError, learner_confirmed
from issuer.keystore import ALGORITHMS
from issuer.mail import MailError
from issuer.service import Issued
from issuer.web import identity, shapes
from issuer.web.auth import current_account, requires, scoped, token_grant
from issuer.web.credentials import credential_json
from issuer.web.public import issuer
from verifier.web import within_depth

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Only reviewers record sign-offs and rubric scores; only the issuer knows what is held.
LEARNER_FORBIDDEN = {
    "reviews": "reviewer accounts",
    "rubrics": "reviewer accounts",
    "held": "the issuer",
}


def _when(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _at(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def submission_json(record: Submission, *, with_evidence: bool = True) -> shapes.Submission:
    data: shapes.Submission = {
        "id": record.id,
        "milestone": record.milestone_id,
        "status": record.status,
        "progress": record.verdict.get("progress"),
        "created_at": _at(record.created_at),
        "verdict": record.verdict,
    }
    if with_evidence:
        data["evidence"] = record.bundle
    return data


def review_json(review: Review) -> shapes.Review:
    return {
        "id": review.id,
        "kind": review.kind,
        "reviewer": review.reviewer_id,
        "role": review.role,
        "verdict": review.verdict,
        "score": review.score,
        "minutes": review.minutes,
        "items": review.rubric_items,
        "comment": review.comment,
        "created_at": _at(review.created_at),
    }


def outcome_json(outcome: Issued) -> shapes.Outcome:
    record = outcome.credential
    return {
        "submission": outcome.submission_id,
        "verdict": outcome.verdict.to_dict(),
        "issued": record is not None,
        "credential": credential_json(record, outcome.claims) if record is not None else None,
        "created": outcome.created,
        # met, but an earlier credential was revoked: only an admin issues it again
        "withheld": outcome.withheld,
    }


def _json_body() -> Any:
    raw = request.get_data(cache=False)
    if not raw:
        raise InvalidRequestError("expected a JSON body", "$")
    return within_depth(decode(raw, max_bytes=MAX_BUNDLE_BYTES))


@bp.post("/submissions")
@requires("learner")
@scoped("submit")
def submit() -> Any:
    """A learner's evidence bundle: judged at once, issued when met."""
    me = current_account()
    bundle = _json_body()
    if not isinstance(bundle, dict):
        raise EvidenceError([EvidenceProblem("$", "expected a JSON object")])
    for field, source in LEARNER_FORBIDDEN.items():
        if field in bundle:
            raise InvalidRequestError(
                f"{field} may not be submitted: they come from {source}", f"$.{field}"
            )
    given = bundle.get("learner")
    if isinstance(given, dict) and str(given.get("email", me.email)).strip().lower() != me.email:
        raise ForbiddenError("you can only submit your own evidence")
    if not me.email_verified:
        raise identity.unverified_error()  # no credential binds to an unconfirmed address
    outcome = issuer().issue(bundle, actor=me.reviewer_id, learner_id=me.learner_id or 0)
    return jsonify(outcome_json(outcome)), 201


@bp.get("/submissions")
@requires()
@scoped("read")
def list_submissions() -> Any:
    """``?as=learner|reviewer|admin`` picks the view for an account with several roles
    (default: the most powerful it holds): own submissions, the review queue, all."""
    me = current_account()
    view = request.args.get("as") or next(r for r in ("admin", "reviewer", "learner") if me.has(r))
    if view not in ROLES:
        raise InvalidRequestError(f"as must be one of {', '.join(ROLES)}", "$.as")
    if not me.has(view):
        raise ForbiddenError(f"this account has no {view!r} role")
    if view == "learner":
        records = issuer().submissions(me.learner_id)
        return jsonify(submissions=[submission_json(r, with_evidence=False) for r in records])
    if view == "reviewer":
        return jsonify(
            submissions=[
                submission_json(s, with_evidence=False) | {"awaiting": kinds}
                for s, kinds in reviewable_queue(me)
            ]
        )
    return jsonify(
        submissions=[submission_json(r, with_evidence=False) for r in issuer().submissions()]
    )


def reviewable_queue(me: Account) -> list[tuple[Submission, dict[str, str]]]:
    """What waits for this reviewer's sign-off, less their own submissions."""
    queue = issuer().review_queue(me.reviewer_role or "", me.reviewer_id)
    return [(s, kinds) for s, kinds in queue if s.learner_id != me.learner_id]


def check_reviewable(me: Account, submission_id: int) -> None:
    """Nobody signs off their own submission; no sign-off completes a credential for an address
    its owner has not confirmed (submissions from before addresses were confirmed)."""
    record = issuer().submission(submission_id)
    if me.learner_id is not None and record.learner_id == me.learner_id:
        raise ForbiddenError("nobody signs off their own submission")
    with issuer().db.read() as db:
        if not learner_confirmed(db, record.learner_id):
            raise EmailUnverifiedError(
                "the learner has not confirmed their email address yet; sign off once they have"
            )


@bp.get("/submissions/<dbid:submission_id>")
@requires()
@scoped("read")
def get_submission(submission_id: int) -> Any:
    record = issuer().visible_submission(submission_id, current_account())
    reviews = [review_json(r) for r in issuer().reviews_of(record.id)]
    return jsonify(submission_json(record) | {"reviews": reviews})


@bp.post("/submissions/<dbid:submission_id>/reviews")
@requires("reviewer")
@scoped("review")
def add_review(submission_id: int) -> Any:
    me = current_account()
    body = _json_body()
    if not isinstance(body, dict):
        raise InvalidRequestError("expected a JSON object", "$")
    unknown = sorted(set(body) - {"kind", "verdict", "score", "minutes", "comment", "items"})
    if unknown:
        raise InvalidRequestError(f"unknown field {unknown[0]!r}", f"$.{unknown[0]}")
    check_reviewable(me, submission_id)
    outcome = issuer().add_review(
        submission_id,
        body,
        reviewer_id=me.reviewer_id,
        role=me.reviewer_role or "",
        reviewer_learner_id=me.learner_id,
        actor=me.reviewer_id,
    )
    return jsonify(outcome_json(outcome)), 201


@bp.get("/me")
@requires()
@scoped("read")
def me_json() -> Any:
    me = current_account()
    data: shapes.Me = {
        "id": me.id,
        "email": me.email,
        "name": me.name,
        "roles": sorted(me.roles),
        "reviewer_role": me.reviewer_role,
        "email_verified": me.email_verified,
        "portfolio_public": me.portfolio_public,
        "portfolio_url": issuer().portfolio_url(me.handle),
    }
    return jsonify(data)


@bp.post("/me/confirmation")
@requires()
@scoped(None)  # mails the account's own address a link
def resend_confirmation() -> Any:
    """Mail a new link confirming the account's address (202), unless it is confirmed (409)."""
    me = current_account()
    if me.email_verified:
        raise ConflictError("this account's address is confirmed already")
    if not identity.send_confirmation(me.id):
        raise MailError("the mail server did not take the message; try again later")
    sent: shapes.Sent = {"sent_to": me.email}
    return jsonify(sent), 202


@bp.get("/credentials")
@requires("learner")
@scoped("read")
def my_credentials() -> Any:
    me = current_account()
    return jsonify(
        credentials=[credential_json(c) for c in issuer().credentials_of(me.learner_id or 0)]
    )


def token_json(token: ApiToken) -> shapes.Token:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": _at(token.created_at),
        "last_used_at": _when(token.last_used_at),
        "revoked_at": _when(token.revoked_at),
        "scopes": token_scopes(token),
        "expires_at": _at(token.expires_at),
    }


@bp.get("/tokens")
@requires()
@scoped("read")
def list_tokens() -> Any:
    me = current_account()
    return jsonify(tokens=[token_json(t) for t in issuer().tokens_of(me.id)])


@bp.post("/tokens")
@requires()
@scoped(None)  # a new token is never wider than the one making it
def new_token() -> Any:
    """A new token: ``{"name", "scopes"?, "expires_at"?}``. Made with a token, it is no wider
    than that token (a subset of its scopes, no later expiry; 403 otherwise)."""
    me = current_account()
    body = _json_body()
    if not isinstance(body, dict):
        raise InvalidRequestError("expected a JSON object", "$")
    name = body.get("name")
    scopes = parse_scopes(body["scopes"]) if body.get("scopes") is not None else None
    expires_at = _moment(body.get("expires_at"), "$.expires_at")
    service = issuer()
    with service.db.write() as db:
        token, record = create_token(
            db, me.id, str(name or ""), service.clock(), scopes=scopes, expires_at=expires_at,
            max_days=service.settings.token_max_days, minted_with=token_grant(),
        )  # fmt: skip
        data = token_json(record)
        data["token"] = token
    return jsonify(data), 201


def _moment(value: object, path: str) -> dt.datetime | None:
    """An RFC 3339 date-time with a time zone (None when absent)."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequestError("a date-time with a time zone (RFC 3339)", path)
    return moment.astimezone(dt.UTC)


@bp.delete("/tokens/<dbid:token_id>")
@requires()
@scoped(None)  # a new token is never wider than the one making it
def delete_token(token_id: int) -> Any:
    me = current_account()
    with issuer().db.write() as db:
        record = revoke_token(db, me.id, token_id, issuer().clock())
        data = token_json(record)
    return jsonify(data)


@bp.post("/admin/issue")
@requires("admin")
@scoped("admin")
def admin_issue() -> Any:
    """Issue by hand from a complete bundle (reviews and rubric scores included)."""
    me = current_account()
    outcome = issuer().issue(_json_body(), actor=me.reviewer_id)
    return jsonify(outcome_json(outcome)), (201 if outcome.created else 200)


@bp.post("/admin/credentials/<credential_id>/reissue")
@requires("admin")
@scoped("admin")
def admin_reissue(credential_id: str) -> Any:
    """Issue a revoked credential again, with a recorded reason: revocation is final for every
    automatic path, so this is the one way back (``vouch reissue``)."""
    me = current_account()
    body = _json_body()
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRequestError("a re-issue needs a reason", "$.reason")
    record, created = issuer().reissue(credential_id, reason.strip(), actor=me.reviewer_id)
    extra: shapes.Reissue = {"reissue_of": record.reissue_of, "created": created}
    data = {**credential_json(record), **extra}
    return jsonify(data), (201 if created else 200)


def log_json(entry: IssuanceLog) -> shapes.LogEntry:
    return {
        "id": entry.id,
        "at": _at(entry.at),
        "event": entry.event,
        "actor": entry.actor,
        "credential": entry.credential_id,
        "detail": entry.detail,
    }


@bp.get("/admin/log")
@requires("admin")
@scoped("admin")
def admin_log() -> Any:
    return jsonify(entries=[log_json(e) for e in issuer().log()])


@bp.post("/admin/keys/<key_id>/withdraw")
@requires("admin")
@scoped("admin")
def admin_withdraw_key(key_id: str) -> Any:
    """Withdraw a compromised signing key (``vouch keys withdraw``): unpublished, its private
    key destroyed, its status lists re-signed. Re-issuing what it signed takes a while:
    ``vouch keys reissue KID``."""
    me = current_account()
    body = _json_body()
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRequestError("a withdrawal needs a reason", "$.reason")
    return jsonify(issuer().withdraw_key(key_id, reason.strip(), actor=me.reviewer_id))


@bp.post("/admin/keys/rotate")
@requires("admin")
@scoped("admin")
def admin_rotate() -> Any:
    me = current_account()
    body = request.get_json(silent=True) or {}
    alg = body.get("alg") if isinstance(body, dict) else None
    if alg is not None and alg not in ALGORITHMS:
        raise InvalidRequestError(f"alg must be one of {', '.join(ALGORITHMS)}", "$.alg")
    key = issuer().rotate_keys(alg, actor=me.reviewer_id)
    rotated: shapes.Rotated = {"key_id": key.key_id, "alg": key.alg, "created": key.created}
    return jsonify(rotated)
