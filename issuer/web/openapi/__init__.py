"""``GET /openapi.json``: the whole JSON API, described as OpenAPI 3.1."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify

from issuer.web.openapi.api_paths import api_paths
from issuer.web.openapi.components import schemas, scoped
from issuer.web.openapi.public_paths import public_paths
from issuer.web.public import issuer

bp = Blueprint("openapi", __name__)


def build_spec() -> dict[str, Any]:
    evidence = issuer().catalogue.evidence_schema()
    # The bundle schema's $defs live under its component: rebase its local references.
    text = json.dumps(evidence).replace('"#/$defs/', '"#/components/schemas/EvidenceBundle/$defs/')
    evidence = json.loads(text)
    for key in ("$schema", "$id"):
        evidence.pop(key, None)
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "Vouch API",
            "version": "1.0.0",
            "description": "Issue, verify and manage Open Badges 3.0 credentials for milestones.",
        },
        "servers": [{"url": issuer().settings.public_url}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "vch_… API token"}
            },
            "schemas": schemas() | {"EvidenceBundle": evidence},
        },
        "paths": scoped(public_paths() | api_paths()),
    }
    return spec


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """Built once per app (it embeds the evidence schema of that app's catalogue)."""
    spec = current_app.extensions.get("vouch.openapi")
    if spec is None:
        spec = current_app.extensions["vouch.openapi"] = build_spec()
    return jsonify(spec)
