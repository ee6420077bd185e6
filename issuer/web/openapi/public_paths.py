"""Paths anyone may call: health, keys, status lists, verification, credentials."""

from __future__ import annotations

from typing import Any

from issuer.web.openapi import components as c
from issuer.web.openapi.derive import schema_of
from issuer.web.shapes import Revoked


def public_paths() -> dict[str, Any]:
    return {
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (issuance and submission totals)",
                "description": "Bearer VOUCH_METRICS_TOKEN, or an admin's API token.",
                "security": c.BEARER,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **c.errors(401, 403),
                },
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: the database answers and the current key signs",
                "responses": {
                    "200": c.json_answer("Readiness", "Ready"),
                    "503": c.json_answer("Readiness", "Not ready: the checks say what failed"),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Health",
                "responses": {
                    "200": c.inline(
                        c.every({"status": {"const": "ok"}, "milestones": {"type": "integer"}})
                    )
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description of the API (OpenAPI 3.1)",
                "responses": {
                    "200": c.inline({"type": "object", "required": ["openapi", "paths"]})
                },
            }
        },
        "/.well-known/jwks.json": {
            "get": {
                "summary": "The issuer's public keys (JWKS)",
                "responses": {
                    "200": {
                        "description": "JWKS",
                        "content": {
                            "application/json": {"schema": {"type": "object", "required": ["keys"]}}
                        },
                    }
                },
            }
        },
        "/.well-known/did.json": {
            "get": {
                "summary": "The issuer's did:web document",
                "responses": {
                    "200": {
                        "description": "DID document",
                        "content": {
                            "application/did+json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id", "verificationMethod"],
                                }
                            }
                        },
                    }
                },
            }
        },
        "/status/{id}": {
            "get": {
                "summary": "A signed status-list credential (VC-JWT)",
                "parameters": c.ID,
                "responses": {
                    "200": {
                        "description": "JWT",
                        "content": {"application/vc+jwt": {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Not modified"},
                    **c.errors(404),
                },
            }
        },
        "/api/v1/verify": {
            "post": {
                "summary": "Verify any artefact",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["credential"],
                                "properties": {
                                    "credential": {"type": ["string", "object"]},
                                    "email": {"type": "string"},
                                },
                            }
                        },
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "email": {"type": "string"},
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "200": c.json_answer("VerificationResult"),
                    **c.errors(400, 413, 422),
                },
            }
        },
        "/api/v1/credentials/{id}": {
            "get": {
                "summary": "A credential (JSON and JWT)",
                "parameters": c.ID,
                "responses": {"200": c.json_answer("CredentialView"), **c.errors(404)},
            }
        },
        "/api/v1/credentials/{id}/certificate.pdf": {
            "get": {
                "summary": "The signed PDF certificate",
                "parameters": c.ID,
                "responses": {
                    "200": {
                        "description": "PDF",
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **c.errors(404),
                },
            }
        },
        "/api/v1/credentials/{id}/badge.png": {
            "get": {
                "summary": "The baked badge (PNG)",
                "parameters": c.ID,
                "responses": {
                    "200": {
                        "description": "PNG",
                        "content": {
                            "image/png": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **c.errors(404),
                },
            }
        },
        "/api/v1/credentials/{id}/badge.svg": {
            "get": {
                "summary": "The baked badge (SVG)",
                "parameters": c.ID,
                "responses": {
                    "200": {
                        "description": "SVG",
                        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
                    },
                    **c.errors(404),
                },
            }
        },
        "/api/v1/credentials/{id}/revoke": {
            "post": {
                "summary": "Revoke (admin)",
                "security": c.BEARER,
                "parameters": c.ID,
                "requestBody": c.body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {
                            "reason": {"type": "string", "minLength": 1, "maxLength": 1000}
                        },
                    }
                ),
                "responses": {
                    "200": c.inline(schema_of(Revoked), "Revoked"),
                    **c.errors(400, 401, 403, 404, 422),
                },
            }
        },
        "/api/v1/credentials": {
            "get": {
                "summary": "My credentials (learner)",
                "security": c.BEARER,
                "responses": {
                    "200": c.listing("credentials", "CredentialView"),
                    **c.errors(401, 403),
                },
            }
        },
    }
