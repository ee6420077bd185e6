"""For operators: liveness (``/healthz``), readiness (``/readyz``) and metrics (``/metrics``)."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from issuer.accounts import Account, find_token
from issuer.credential import sign
from issuer.errors import IssuerError
from issuer.web.public import issuer

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    """Liveness: the process answers. No I/O, so a slow database never restarts workers."""
    return jsonify(status="ok", milestones=len(issuer().catalogue))


def _database() -> str | None:
    try:
        with issuer().db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        return f"the database does not answer ({type(exc).__name__})"
    return None


def _signing() -> str | None:
    service = issuer()
    try:
        key, private_key = service.keys.signer()
        sign({"purpose": "readiness"}, private_key, key.alg, key.key_id)
    except IssuerError as exc:
        return f"the key store cannot sign: {exc}"
    except (OSError, ValueError, TypeError) as exc:
        return f"the key store cannot sign ({type(exc).__name__})"
    return None


@bp.get("/readyz")
def readyz() -> Any:
    """Readiness: the database answers and the current key signs; 503 naming what failed."""
    checks = {"database": _database(), "signing": _signing()}
    ready = not any(checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return response


def _may_read_metrics() -> None:
    """``VOUCH_METRICS_TOKEN``, or an admin's API token with the admin scope; else 401/403."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401, "a bearer token is required (VOUCH_METRICS_TOKEN or an admin's token)")
    given = header[7:].strip()
    service = issuer()
    expected = service.settings.metrics_token
    if expected is not None and hmac.compare_digest(given.encode(), expected.encode()):
        return
    with service.db.read() as db:
        found = find_token(db, given)
        current = Account.of(found[0]) if found else None
    if found is None or current is None or found[1].expired(service.clock()):
        abort(401, "unknown, revoked or expired token")
    if not current.has("admin") or "admin" not in found[1].scopes:
        abort(403, "metrics need an admin's token with the admin scope")


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format: issuance and submission totals from the database."""
    _may_read_metrics()
    lines = []
    for name, value in issuer().counts().items():
        lines += [f"# TYPE vouch_{name} gauge", f"vouch_{name} {value}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
