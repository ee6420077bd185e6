"""``/api/v1/credentials``: read a credential; revoke one (admin)."""

from __future__ import annotations

import hmac
from typing import Any, cast

from flask import Blueprint, Response, abort, g, jsonify, request

from issuer.accounts import TOKEN_PREFIX
from issuer.db.models import Credential
from issuer.web.auth import scoped
from issuer.web.errors import error_response
from issuer.web.public import SVG_CSP, issuer
from issuer.web.shapes import CredentialView, Revoked, Share
from verifier import REGISTERED_CLAIMS, read_compact

bp = Blueprint("credentials", __name__, url_prefix="/api/v1/credentials")


def credential_json(record: Credential, claims: dict[str, Any] | None = None) -> CredentialView:
    """The public view: the credential, its JWT and whether it is revoked (not why).
    ``claims``: the JWT's claims as just signed, when the caller has them (nothing decoded)."""
    payload = claims if claims is not None else read_compact(record.jwt)[1]
    credential = {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}
    return {
        "id": record.id,
        "credential": credential,
        "jwt": record.jwt,
        "verify_url": issuer().verify_url(record.id),
        "revoked": record.revoked_at is not None,
        "share": cast(Share, issuer().sharing(record)),
    }


@bp.get("/<credential_id>")
def get_credential(credential_id: str) -> Any:
    return jsonify(credential_json(issuer().credential(credential_id)))


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _filename(record: Credential, suffix: str) -> str:
    return f"{record.milestone_id}-{record.id.removeprefix('urn:uuid:')[:8]}.{suffix}"


@bp.get("/<credential_id>/certificate.pdf")
def certificate(credential_id: str) -> Response:
    record = issuer().credential(credential_id)
    pdf = issuer().certificate_pdf(record)
    return _download(pdf, "application/pdf", _filename(record, "pdf"))


@bp.get("/<credential_id>/badge.<any(png, svg):image_format>")
def badge(credential_id: str, image_format: str) -> Response:
    record = issuer().credential(credential_id)
    data = issuer().baked_badge(record, image_format)
    mimetype = "image/png" if image_format == "png" else "image/svg+xml"
    response = _download(data, mimetype, _filename(record, image_format))
    if image_format == "svg":
        response.headers["Content-Security-Policy"] = SVG_CSP
    return response


def require_admin() -> str:
    """An admin account's token, or the operator's ``VOUCH_ADMIN_TOKEN`` (constant-time)."""
    from issuer.web.auth import account

    current = account()
    if current is not None:
        if not current.has("admin"):
            abort(403, "only admins revoke credentials")
        return current.reviewer_id
    given = request.headers.get("Authorization", "")
    if not given.startswith("Bearer "):
        abort(401, "an admin bearer token is required")
    expected = issuer().settings.admin_token
    if expected is not None and hmac.compare_digest(given[7:].encode(), expected.encode()):
        return "admin"
    if given[7:].startswith(TOKEN_PREFIX):
        abort(401, g.get("auth_error") or "unknown or revoked token")
    abort(403, "this token may not revoke credentials")


@bp.post("/<credential_id>/revoke")
@scoped("admin")
def revoke(credential_id: str) -> Any:
    actor = require_admin()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error_response(400, "invalid_request", "expected a JSON object", "$")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        return error_response(
            400, "invalid_request", "reason: 1 to 1000 characters of text", "$.reason"
        )
    record = issuer().revoke(credential_id, reason.strip(), actor=actor)
    revoked: Revoked = {
        "id": record.id,
        "revoked": True,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "reason": record.revocation_reason,
    }
    return jsonify(revoked)
