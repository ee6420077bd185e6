"""Public material: the JWKS, the DID document and the status lists."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from issuer.publication import did_document, jwks
from issuer.service import Issuer

bp = Blueprint("public", __name__)

KEYS_MAX_AGE = 300
STATUS_MAX_AGE = 60


def issuer() -> Issuer:
    return current_app.extensions["vouch"]


def _public_json(data: Any, max_age: int) -> Response:
    response = jsonify(data)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/jwks.json")
def jwks_json() -> Response:
    i = issuer()
    return _public_json(jwks(i.did, i.keys.ring()), KEYS_MAX_AGE)


@bp.get("/.well-known/did.json")
@bp.get("/did.json")
def did_json() -> Response:
    i = issuer()
    response = _public_json(did_document(i.did, i.keys.ring()), KEYS_MAX_AGE)
    response.mimetype = "application/did+json"
    return response


@bp.get("/status/<list_id>")
def status_list(list_id: str) -> Response:
    record = issuer().status_list(list_id)
    response = Response(record.jwt, mimetype="application/vc+jwt")
    response.set_etag(record.etag.strip('"'))
    response.headers["Cache-Control"] = f"public, max-age={STATUS_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    # No Last-Modified: a list re-signed within the same second would look unchanged to a
    # date-based revalidation and hide a revocation. The ETag changes with every signature.
    return response.make_conditional(request)
