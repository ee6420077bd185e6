"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify

from issuer import build
from issuer.config import Settings
from issuer.service import Issuer
from issuer.web import credentials, errors, public

#: Largest request body accepted anywhere (bundles are far smaller).
MAX_CONTENT_LENGTH = 2 * 1024 * 1024


def create_app(
    overrides: Mapping[str, Any] | None = None, *, issuer: Issuer | None = None
) -> Flask:
    """Build the web app: settings from the environment, then ``overrides`` (tests)."""
    if issuer is None:
        settings = Settings.load(overrides)
        settings.check()
        issuer = build(settings=settings)
    app = Flask(__name__, instance_path=str(issuer.settings.instance_path.resolve()))
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.extensions["vouch"] = issuer
    errors.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(credentials.bp)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", milestones=len(issuer.catalogue))

    return app
