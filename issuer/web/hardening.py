"""Request and response hardening for every route: no NUL characters in, security headers out."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, render_template, request
from sqlalchemy.exc import DBAPIError

from issuer.web.errors import error_response, wants_json

log = logging.getLogger(__name__)

#: ``\u0000`` in JSON text (an escaped backslash before it, ``\\u0000``, is not one).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
#: Bodies that are files, not text: any bytes are theirs to hold.
_BINARY = ("application/pdf", "application/octet-stream", "image/")
NUL_MESSAGE = "NUL characters (U+0000) are not accepted"


def _refuse_nul() -> None:
    """A NUL anywhere in the path, the query, a form field or a JSON string (keys too): 400.

    PostgreSQL refuses NUL in text (psycopg's DataError, a 500 whose traceback held the
    statement's parameters); no field of Vouch has a use for one. Checked here, once, before
    any other hook reads the request. Uploaded files (multipart parts, or a body sent as a PDF,
    an image or octet-stream) are not text and may hold any bytes.
    """
    if "\x00" in request.path:
        abort(400, f"{NUL_MESSAGE} in the path")
    for where, values in (("query", request.args), ("form", None)):
        if values is None:
            if request.mimetype not in _FORMS:
                continue
            values = request.form
        for key, value in values.items(multi=True):
            # a multipart field named with a bare CR is parsed with no name (None)
            if "\x00" in (key or "") or "\x00" in (value or ""):
                abort(400, f"{NUL_MESSAGE} in the {where}")
    binary = request.mimetype.startswith(_BINARY)
    if request.mimetype not in _FORMS and not binary and request.content_length != 0:
        body = request.get_data(cache=True)
        if b"\x00" in body or _JSON_NUL.search(body):
            abort(400, f"{NUL_MESSAGE} in the request body")


_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
#: Pages that carry a credential's id or a learner's handle in their address: no Referer at all.
PRIVATE_ADDRESS = ("/v/", "/verify", "/u/")
HSTS = "max-age=31536000"


def style_hashes(app: Flask) -> list[str]:
    """The CSP source of every fixed ``<style>`` block in the app's templates (``'sha256-…'``).

    Pages carry one stylesheet inline (no external assets); the policy allows exactly that
    text, so an injected ``<style>`` does not apply. A block holding template syntax would
    change per page and cannot be allowed by hash: it is left out (and so blocked).
    """
    sources = []
    for name in app.jinja_env.list_templates(extensions=["html"]):
        text, _, _ = app.jinja_env.loader.get_source(app.jinja_env, name)  # type: ignore[union-attr]
        for block in _STYLE.findall(text):
            if "{{" not in block and "{%" not in block:
                digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
                sources.append(f"'sha256-{digest}'")
    return sorted(set(sources))


def content_security_policy(app: Flask, public_url: str) -> str:
    """No script at all, styles only from the templates' own blocks, never framed.

    Nothing embeds Vouch's pages in a frame: the embed snippet is a link around the badge
    image, and an image is not a frame, so every page has ``frame-ancestors 'none'``. Images
    come from this origin or the public URL's (badge links are absolute).
    """
    parts = urlsplit(public_url)
    images = f"'self' {parts.scheme}://{parts.netloc}" if parts.netloc else "'self'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'none'",
            "style-src 'self' " + " ".join(style_hashes(app)),
            f"img-src {images} data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _headers(policy: str, production: bool) -> Any:
    def add_headers(response: Response) -> Response:
        """Every response: a response that set its own policy (SVG images) keeps it."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        private = request.path.startswith(PRIVATE_ADDRESS)
        headers.setdefault(
            "Referrer-Policy", "no-referrer" if private else "strict-origin-when-cross-origin"
        )
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return add_headers


def init_app(app: Flask, *, public_url: str, production: bool) -> None:
    """Register before any other request hook, so nothing reads a NUL before it is refused."""
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul)
    app.register_error_handler(DBAPIError, _database_error)
    app.after_request(_headers(content_security_policy(app, public_url), production))


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
