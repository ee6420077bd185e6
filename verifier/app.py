"""A stand-alone verifier app: no issuer, no database, public material only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, redirect

from templates import TEMPLATES_DIR
from verifier.fetch import Fetcher, HttpFetcher
from verifier.trust import TrustList
from verifier.verify import Verifier, VerifyOptions
from verifier.web import BoundedRequest, bp


def options_from_env(environ: Mapping[str, str] = os.environ) -> VerifyOptions:
    """Trust from ``VOUCH_TRUSTED_ISSUERS`` and the files of ``VOUCH_TRUST_LISTS``; with neither,
    nothing is "verified": every valid credential is from an "untrusted issuer"."""
    development = environ.get("VOUCH_ENV", "development") != "production"
    trust = TrustList.from_setting(environ.get("VOUCH_TRUSTED_ISSUERS", ""))
    trust += TrustList.from_files(environ.get("VOUCH_TRUST_LISTS", ""))
    return VerifyOptions(trust=trust, allow_http=development)


def create_app(
    options: VerifyOptions | None = None,
    *,
    fetcher: Fetcher | None = None,
    config: Mapping[str, Any] | None = None,
) -> Flask:
    """The verifier on its own; the default fetcher allows private hosts only in development."""
    options = options or options_from_env()
    fetcher = fetcher or HttpFetcher(
        allow_http=options.allow_http, allow_private=options.allow_http
    )
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR))
    app.request_class = BoundedRequest
    app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    app.config.update(config or {})
    app.extensions["vouch.verifier"] = Verifier(fetcher, options)
    app.register_blueprint(bp)

    @app.get("/")
    def index() -> Any:
        return redirect("/verify")

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    return app
