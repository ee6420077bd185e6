"""The verifier's web face: ``POST /api/v1/verify`` (JSON) and the ``/verify`` page.

Works inside the issuer's app or on its own (:func:`verifier.app.create_app`); either way it
uses the :class:`~verifier.verify.Verifier` placed in ``app.extensions["vouch.verifier"]``.
"""

from __future__ import annotations

import json
from typing import Any

import flask
import orjson
from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

import strictjson
from verifier.jose import MAX_DEPTH
from verifier.result import CheckStatus, State, VerificationResult
from verifier.vc import achievement, stamp
from verifier.verify import Verifier

bp = Blueprint("verifier", __name__)

MARKS = {
    CheckStatus.PASS.value: "✓ pass",
    CheckStatus.FAIL.value: "✗ fail",
    CheckStatus.UNKNOWN.value: "? unknown",
    CheckStatus.SKIP.value: "– skipped",
    CheckStatus.WARN.value: "! note",
}


#: The deepest JSON request body read: a credential (at most ``MAX_DEPTH`` levels) inside
#: ``{"credential": …}``, with room to spare; no request of this API nests deeper.
MAX_BODY_DEPTH = 2 * MAX_DEPTH
TOO_DEEP = f"JSON nested deeper than {MAX_BODY_DEPTH} levels (the limit)"


class UnreadableBody(HTTPException):
    """A JSON request body that is not strict JSON (duplicate members, NaN, Infinity) or nests
    beyond ``MAX_BODY_DEPTH``: 422, never a RecursionError."""

    code = 422
    name = "Unreadable Input"  # the issuer's error handler answers code "unreadable_input"
    path = "$"

    def get_response(self, environ: Any = None, scope: Any = None) -> flask.Response:
        """JSON in the API's error shape where no app error handler answers first (the
        stand-alone verifier)."""
        error = {"code": "unreadable_input", "message": self.description, "path": self.path}
        return flask.Response(json_body({"error": error}), 422, mimetype="application/json")


class _BoundedJson:
    """How both apps read a JSON request body: strictly (:mod:`strictjson`: no duplicate
    members, NaN or Infinity) and nested at most ``MAX_BODY_DEPTH``. A body it refuses is
    unreadable (422), not absent, even to ``get_json(silent=True)``; malformed JSON stays a
    ``ValueError`` (400, or None when silent)."""

    @staticmethod
    def loads(data: bytes | str) -> Any:
        try:
            return strictjson.loads(data, max_depth=MAX_BODY_DEPTH)
        except strictjson.TooDeep:  # beyond the limit, or beyond the parser's own stack
            raise UnreadableBody(TOO_DEEP) from None
        except strictjson.Refused as exc:
            raise UnreadableBody(str(exc)) from None


class BoundedRequest(flask.Request):
    """The request class of both apps: JSON bodies are read by :class:`_BoundedJson`."""

    @property
    def json_module(self) -> Any:
        return _BoundedJson

    @json_module.setter
    def json_module(self, _provider: Any) -> None:
        """Flask's request context sets the app's JSON provider here; bodies stay strict."""


def within_depth(body: Any) -> Any:
    """A parsed JSON request body, or ``UnreadableBody`` when it nests beyond the limit (the
    issuer's API checks the bodies it parses itself with this too)."""
    try:
        strictjson.check_depth(body, MAX_BODY_DEPTH)
    except strictjson.TooDeep:
        raise UnreadableBody(TOO_DEEP) from None
    return body


def verifier() -> Verifier:
    found: Verifier = current_app.extensions["vouch.verifier"]
    return found


def json_body(value: Any) -> bytes:
    """Compact UTF-8 JSON, keys in their own order: orjson's (a tenth of the standard
    library's time for a result), or the standard library's for what orjson refuses (an
    integer beyond 64 bits in a credential)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _submitted() -> tuple[bytes | str | None, str | None]:
    """The artefact from a multipart upload, a form field or a JSON body, and an email."""
    if request.is_json:  # the API's usual request: no form to parse
        return _from_json(request.get_json(silent=True))
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.read(), request.form.get("email") or None
    if request.form.get("credential"):
        return request.form["credential"], request.form.get("email") or None
    return _from_json(request.get_json(silent=True))


def _from_json(body: Any) -> tuple[str | None, str | None]:
    if isinstance(body, dict) and "credential" in body:
        value = body["credential"]
        email = body.get("email") if isinstance(body.get("email"), str) else None
        return (value if isinstance(value, str) else json.dumps(value)), email
    return None, None


@bp.post("/api/v1/verify")
def verify_api() -> Any:
    data, email = _submitted()
    if data is None:
        error = {
            "code": "invalid_request",
            "message": 'send {"credential": …} or a file',
            "path": "$.credential",
        }
        return jsonify(error=error), 400
    result = verifier().verify(data, recipient_email=email)
    if result.state is State.UNREADABLE:
        detail = result.checks[0].detail if result.checks else "unreadable input"
        error = {"code": "unreadable_input", "message": detail, "path": "$.credential"}
        return jsonify(error=error, result=result.to_dict()), 422
    # Compact and in the result's own order (verified, state, checks, …): no key sorting.
    return current_app.response_class(json_body(result.to_dict()), mimetype="application/json")


@bp.get("/verify")
def verify_form() -> Any:
    return render_template("verify/index.html")


@bp.post("/verify")
def verify_page() -> Any:
    data, email = _submitted()
    if data is None:
        return render_template("verify/index.html"), 400
    result = verifier().verify(data, recipient_email=email)
    return render_template("verify/result.html", **page_context(result))


def page_context(
    result: VerificationResult | None,
    *,
    learner_name: str | None = None,
    page_url: str | None = None,
    image_url: str | None = None,
) -> dict[str, Any]:
    """What the result page shows: one unambiguous state, then the facts, then every check."""
    if result is None:
        return {
            "css_state": "not-found", "headline": "Not found",
            "summary": "No credential with this id exists at this issuer.",
            "checks": [], "credential": None, "verified": False, "marks": MARKS,
            "page_url": page_url, "image_url": None, "badge": None,
        }  # fmt: skip
    credential = result.credential or {}
    awarded = achievement(credential)
    headline = result.headline
    trust = result.trust
    criteria = awarded.get("criteria")
    return {
        "css_state": headline.css,
        "headline": headline.title,
        "summary": headline.summary,
        "checks": [c.to_dict() for c in result.checks],
        "marks": MARKS,
        "verified": result.verified,
        "credential": credential or None,
        "badge": awarded.get("name"),
        "milestone": credential.get("name"),
        "learner_name": learner_name,
        "trust": trust,
        "valid_from": credential.get("validFrom") or credential.get("issuanceDate"),
        "valid_until": credential.get("validUntil") or credential.get("expirationDate"),
        "credential_id": credential.get("id"),
        "narrative": criteria.get("narrative") if isinstance(criteria, dict) else None,
        "checked_at": stamp(result.checked_at),
        "page_url": page_url,
        "image_url": image_url,
    }
