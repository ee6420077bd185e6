"""One JSON error shape for the API: ``{"error": {"code", "message", "path"}}``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from criteria import EvidenceError, EvidenceTooLargeError, ProblemJSON
from issuer.errors import IssuerError
from issuer.web.shapes import Error, ErrorDetail

log = logging.getLogger(__name__)


def error_response(
    status: int,
    code: str,
    message: str,
    path: str | None = None,
    problems: list[ProblemJSON] | None = None,
) -> Any:
    """An answer in the API's error shape (:class:`issuer.web.shapes.Error`)."""
    detail: ErrorDetail = {"code": code, "message": message, "path": path}
    if problems is not None:
        detail["problems"] = problems
    body: Error = {"error": detail}
    return jsonify(body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(IssuerError)
    def _issuer_error(exc: IssuerError) -> Any:
        if exc.status >= 500:
            log.error("%s: %s", exc.code, exc)
        if not wants_json():
            return render_template(
                "app/error.html", status=exc.status, message=str(exc)
            ), exc.status
        return error_response(exc.status, exc.code, str(exc), getattr(exc, "path", None))

    @app.errorhandler(EvidenceError)
    def _evidence_error(exc: EvidenceError) -> Any:
        problems = [p.to_dict() for p in exc.problems]
        status = 413 if isinstance(exc, EvidenceTooLargeError) else 422
        return error_response(
            status, exc.code, str(exc), problems[0]["path"] if problems else None, problems=problems
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        name = (exc.name or "error").lower().replace(" ", "_")
        if not wants_json():
            message = exc.description or exc.name
            return render_template(
                "app/error.html", status=exc.code, message=message
            ), exc.code or 500
        path = getattr(exc, "path", None)  # where in the body, when the exception knows
        return error_response(exc.code or 500, name, exc.description or exc.name, path)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(exc: Exception) -> Any:
        """The database is unreachable: say so (503) instead of a bare 500; retry later."""
        log.error("database unavailable: %s", type(exc).__name__)
        message = "the database is unavailable; try again shortly"
        if not wants_json():
            return render_template("app/error.html", status=503, message=message), 503
        response = error_response(503, "database_unavailable", message)
        response[0].headers["Retry-After"] = "5"
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        message = "The form expired or was not sent from this site. Reload the page and try again."
        return render_template("app/error.html", status=400, message=message), 400


def wants_json() -> bool:
    """API routes answer JSON; pages answer HTML."""
    return request.path.startswith(
        ("/api/", "/.well-known/", "/status/", "/openapi.json", "/metrics", "/readyz", "/healthz")
    )
