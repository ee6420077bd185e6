"""Public material: the JWKS, the DID document and the status lists."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from issuer.publication import did_document, jwks
from issuer.service import Issuer

bp = Blueprint("public", __name__)

KEYS_MAX_AGE = 300
STATUS_MAX_AGE = 60
#: An SVG served to a browser must not run anything (inline styles are all it needs).
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def issuer() -> Issuer:
    service: Issuer = current_app.extensions["vouch"]
    return service


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


@bp.get("/achievements/<milestone_id>/image.<any(png, svg):image_format>")
def achievement_image(milestone_id: str, image_format: str) -> Response:
    """The badge design of a milestone (the Achievement's ``image``), not baked."""
    from criteria import UnknownMilestoneError
    from issuer.badges import badge_png, badge_svg
    from issuer.errors import NotFoundError

    try:
        milestone = issuer().catalogue[milestone_id]
    except UnknownMilestoneError:
        raise NotFoundError(f"no milestone {milestone_id!r}") from None
    if image_format == "png":
        response = Response(badge_png(milestone), mimetype="image/png")
    else:
        response = Response(badge_svg(milestone), mimetype="image/svg+xml")
        response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
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
    response.make_conditional(request)  # the same response, made a 304 when it matches
    return response
