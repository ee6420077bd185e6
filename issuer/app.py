"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify

from criteria import load_catalogue
from issuer.config import Settings


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = Settings.load(overrides)
    app = Flask(__name__, instance_path=str(settings.instance_path.resolve()))
    app.config["VOUCH"] = settings
    catalogue = load_catalogue()

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", milestones=len(catalogue))

    return app
