"""Request and response hardening for every route: no NUL characters in, security headers out."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, abort, render_template, request
from sqlalchemy.exc import DBAPIError

from issuer.web.errors import error_response, wants_json

log = logging.getLogger(__name__)

#: ``\u0000`` in JSON text (an escaped backslash before it, ``\\u0000``, is not one).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
NUL_MESSAGE = "NUL characters (U+0000) are not accepted"


def _refuse_nul() -> None:
    """A NUL anywhere in the path, the query, a form field or a JSON string (keys too): 400.

    PostgreSQL refuses NUL in text (psycopg's DataError, a 500 whose traceback held the
    statement's parameters); no field of Vouch has a use for one. Checked here, once, before
    any other hook reads the request. Uploaded files are not fields and may hold any bytes.
    """
    if "\x00" in request.path:
        abort(400, f"{NUL_MESSAGE} in the path")
    for where, values in (("query", request.args), ("form", None)):
        if values is None:
            if request.mimetype not in _FORMS:
                continue
            values = request.form
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, f"{NUL_MESSAGE} in the {where}")
    if request.mimetype not in _FORMS and request.content_length != 0:
        body = request.get_data(cache=True)
        if b"\x00" in body or _JSON_NUL.search(body):
            abort(400, f"{NUL_MESSAGE} in the request body")


def init_app(app: Flask) -> None:
    """Register before any other request hook, so nothing reads a NUL before it is refused."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul)
    app.register_error_handler(DBAPIError, _database_error)


def _database_error(exc: DBAPIError) -> Any:
    """Any other database error: 500, logged by its kind and statement only.

    ``hide_parameters`` keeps the bound values out of the message SQLAlchemy writes, but the
    server's own text may quote them (PostgreSQL: ``Key (email)=(…) already exists``), and a
    logged traceback would carry it. The log names the error's class, its SQLSTATE and the
    statement (placeholders, no values).
    """
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    log.error(
        "database error %s (%s) in %s: %s",
        type(orig).__name__,
        sqlstate,
        request.endpoint,
        exc.statement,
    )
    message = "the server could not complete this request"
    if not wants_json():
        return render_template("app/error.html", status=500, message=message), 500
    return error_response(500, "internal_server_error", message)
