"""``GET /openapi.json``: the whole JSON API, described as OpenAPI 3.1."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify

from criteria import REVIEW_VERDICTS, REVIEWER_ROLES, Status
from issuer.keystore import ALGORITHMS
from issuer.web.public import issuer
from verifier import CheckStatus, State

bp = Blueprint("openapi", __name__)

#: Enumerations come from the code that produces the values, so they cannot drift apart.
VERDICT_STATUSES = [s.value for s in Status]

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "path"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "path": {"type": ["string", "null"]},
                "problems": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["path", "message"],
                        "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        },
        "result": {"$ref": "#/components/schemas/VerificationResult"},
    },
}
RULE_RESULT = {
    "type": "object",
    "required": ["id", "kind", "status", "measured", "threshold", "reason", "progress"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "status": {"enum": VERDICT_STATUSES},
        "measured": {"type": ["number", "string", "null"]},
        "threshold": {"type": ["number", "string", "null"]},
        "reason": {"type": "string"},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "seed": {"type": "string"},
        "awaits": {"type": "string"},
        "rules": {"type": "array", "items": {"$ref": "#/components/schemas/RuleResult"}},
    },
}
VERDICT = {
    "type": "object",
    "required": [
        "milestone",
        "met",
        "status",
        "progress",
        "rules",
        "rules_digest",
        "evidence_digest",
    ],
    "properties": {
        "milestone": {"type": "string"},
        "met": {"type": "boolean"},
        "status": {"enum": VERDICT_STATUSES},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "rules": {"type": "array", "items": {"$ref": "#/components/schemas/RuleResult"}},
        "rules_digest": {"type": "string"},
        "evidence_digest": {"type": "string"},
    },
}
SHARE = {
    "type": "object",
    "required": [
        "verify_url",
        "certificate_pdf",
        "badge_png",
        "badge_svg",
        "embed_html",
        "linkedin_url",
    ],
    "properties": {
        k: {"type": "string"}
        for k in (
            "verify_url",
            "certificate_pdf",
            "badge_png",
            "badge_svg",
            "embed_html",
            "linkedin_url",
        )
    },
}
CREDENTIAL_VIEW = {
    "type": "object",
    "required": ["id", "credential", "jwt", "verify_url", "revoked", "share"],
    "properties": {
        "id": {"type": "string"},
        "credential": {
            "type": "object",
            "description": "The OB 3.0 credential (JWT claims removed)",
        },
        "jwt": {"type": "string", "description": "The compact VC-JWT"},
        "verify_url": {"type": "string"},
        "revoked": {"type": "boolean"},
        "share": {"$ref": "#/components/schemas/Share"},
    },
}
REISSUED = {
    "allOf": [
        {"$ref": "#/components/schemas/CredentialView"},
        {
            "type": "object",
            "required": ["reissue_of", "created"],
            "properties": {
                "reissue_of": {"type": "string", "description": "the revoked credential"},
                "created": {"type": "boolean"},
            },
        },
    ]
}
VERIFICATION = {
    "type": "object",
    "required": [
        "verified",
        "state",
        "headline",
        "summary",
        "checked_at",
        "issuer",
        "checks",
        "credential",
        "errors",
    ],
    "properties": {
        "verified": {
            "type": "boolean",
            "description": "true only when every check passed and the issuer is trusted",
        },
        "state": {"enum": [s.value for s in State]},
        "headline": {"type": "string"},
        "summary": {"type": "string"},
        "checked_at": {"type": "string"},
        "issuer": {
            "type": ["object", "null"],
            "description": "who signed (the identifier whose published key was checked) and "
            "whether this verifier trusts them; claimed_name is the issuer's own claim",
            "required": ["id", "domain", "claimed_name", "trusted", "listed_as", "listed_in"],
            "properties": {
                "id": {"type": ["string", "null"]},
                "domain": {"type": ["string", "null"]},
                "claimed_name": {"type": ["string", "null"]},
                "trusted": {"type": "boolean"},
                "listed_as": {"type": ["string", "null"]},
                "listed_in": {"type": ["string", "null"]},
            },
        },
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["check", "status", "detail"],
                "properties": {
                    "check": {"type": "string"},
                    "status": {"enum": [s.value for s in CheckStatus]},
                    "detail": {"type": "string"},
                },
            },
        },
        "credential": {"type": ["object", "null"]},
        "errors": {"type": "array", "items": {"type": "string"}},
    },
}
SUBMISSION = {
    "type": "object",
    "required": ["id", "milestone", "status", "progress", "created_at", "verdict"],
    "properties": {
        "id": {"type": "integer"},
        "milestone": {"type": "string"},
        "status": {
            "enum": [*VERDICT_STATUSES, "awaiting-admin"],
            "description": "the verdict's status, or awaiting-admin: met, but an earlier "
            "credential for this milestone was revoked (an admin re-issues it)",
        },
        "progress": {"type": "number"},
        "created_at": {"type": "string"},
        "verdict": {"$ref": "#/components/schemas/Verdict"},
        "evidence": {"type": "object"},
        "awaiting": {"type": "object", "additionalProperties": {"type": "string"}},
        "reviews": {"type": "array", "items": {"$ref": "#/components/schemas/Review"}},
    },
}
REVIEW = {
    "type": "object",
    "required": ["id", "kind", "reviewer", "role", "verdict", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "reviewer": {"type": "string"},
        "role": {"enum": list(REVIEWER_ROLES)},
        "verdict": {"enum": list(REVIEW_VERDICTS)},
        "score": {"type": ["number", "null"]},
        "minutes": {"type": ["number", "null"]},
        "items": {"type": ["array", "null"], "items": {"type": "string"}},
        "comment": {"type": ["string", "null"]},
        "created_at": {"type": "string"},
    },
}
REVIEW_REQUEST = {
    "type": "object",
    "required": ["kind"],
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "description": "a sign-off kind or rubric id of the milestone"},
        "verdict": {"enum": list(REVIEW_VERDICTS)},
        "score": {"type": "number", "minimum": 0, "maximum": 100},
        "minutes": {"type": "number", "minimum": 0},
        "comment": {"type": "string", "maxLength": 4000},
        "items": {"type": "array", "items": {"type": "string"}, "description": "rubric items met"},
    },
}
OUTCOME = {
    "type": "object",
    "required": ["submission", "verdict", "issued", "credential", "created"],
    "properties": {
        "submission": {"type": "integer"},
        "verdict": {"$ref": "#/components/schemas/Verdict"},
        "issued": {"type": "boolean"},
        "credential": {
            "oneOf": [{"$ref": "#/components/schemas/CredentialView"}, {"type": "null"}]
        },
        "created": {"type": "boolean"},
        "withheld": {
            "type": ["string", "null"],
            "description": "Why a met verdict issued nothing: an earlier credential for this "
            "learner and milestone was revoked, so only an admin issues it again",
        },
    },
}
SCOPES = {
    "type": "array",
    "items": {"enum": ["read", "submit", "review", "admin"]},
    "uniqueItems": True,
    "description": "What the token may do: read (GET routes), submit (evidence), review "
    "(sign-offs), admin (issuing by hand, revoking, keys, metrics); each operation names the "
    "scope it needs. A token is also bound by its account's roles.",
}
TOKEN = {
    "type": "object",
    "required": [
        "id",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "scopes",
        "expires_at",
    ],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "prefix": {"type": "string"},
        "created_at": {"type": "string"},
        "last_used_at": {
            "type": ["string", "null"],
            "description": "recorded at most once an hour",
        },
        "revoked_at": {"type": ["string", "null"]},
        "scopes": SCOPES,
        "expires_at": {"type": "string", "description": "after this the token is refused (401)"},
        "token": {"type": "string", "description": "shown once, at creation"},
    },
}


READINESS = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"enum": ["ready", "not ready"]},
        "checks": {
            "type": "object",
            "required": ["database", "signing"],
            "properties": {
                "database": {"type": "string", "description": "ok, or what failed"},
                "signing": {"type": "string", "description": "ok, or what failed"},
            },
        },
    },
}


LEARNER_SUBMISSION = {
    "type": "object",
    "description": "An evidence bundle as a learner sends it: the learner is filled from the "
    "account, and reviews, rubric scores and held milestones come from elsewhere. After filling "
    "it must satisfy EvidenceBundle.",
    "required": ["schema", "milestone"],
    "properties": {
        "schema": {"const": "vouch.evidence/v1"},
        "milestone": {"type": "string"},
        "learner": {"type": "object"},
        "reviews": False,
        "rubrics": False,
        "held": False,
    },
}


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "Bad request",
        401: "No or unknown bearer token",
        403: "Not allowed for this account",
        404: "Not found",
        409: "Conflict",
        413: "Body too large",
        422: "Invalid content",
        429: "Too many requests: Retry-After says when to try again",
    }
    return {str(code): _json("Error", names[code]) for code in codes}


#: The scope each bearer operation needs (``None``: any valid token), shown in its description.
OPERATION_SCOPES: dict[tuple[str, str], str | None] = {
    ("get", "/api/v1/submissions"): "read",
    ("post", "/api/v1/submissions"): "submit",
    ("get", "/api/v1/submissions/{id}"): "read",
    ("post", "/api/v1/submissions/{id}/reviews"): "review",
    ("get", "/api/v1/me"): "read",
    ("get", "/api/v1/credentials"): "read",
    ("get", "/api/v1/tokens"): "read",
    ("post", "/api/v1/tokens"): None,
    ("delete", "/api/v1/tokens/{id}"): None,
    ("post", "/api/v1/credentials/{id}/revoke"): "admin",
    ("get", "/metrics"): "admin",
}


def _scoped(paths: dict[str, Any]) -> dict[str, Any]:
    """Every bearer operation: the scope it needs, and 403 for a token without it; 429 for
    the rate-limited ones."""
    limited = {("post", "/api/v1/tokens"), ("post", "/api/v1/verify")}
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if (method, path) in limited:
                responses.setdefault("429", _errors(429)["429"])
            if operation.get("security") != BEARER:
                continue
            default = "admin" if path.startswith("/api/v1/admin/") else "read"
            scope = OPERATION_SCOPES.get((method, path), default)
            need = f"the {scope} scope" if scope else "any scope (a new token is never wider)"
            operation["description"] = (
                operation.get("description", "") + f" Token: {need}."
            ).strip()
            responses.setdefault("403", _errors(403)["403"])
    return paths


def _body(schema: str | dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
    return {"required": True, "content": {"application/json": {"schema": ref}}}


ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
INT_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _paths() -> dict[str, Any]:
    return {
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (issuance and submission totals)",
                "description": "Bearer VOUCH_METRICS_TOKEN, or an admin's API token.",
                "security": BEARER,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 403),
                },
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: the database answers and the current key signs",
                "responses": {
                    "200": _json("Readiness", "Ready"),
                    "503": _json("Readiness", "Not ready: the checks say what failed"),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Health",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["status", "milestones"],
                                    "properties": {
                                        "status": {"const": "ok"},
                                        "milestones": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description of the API (OpenAPI 3.1)",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "required": ["openapi", "paths"]}
                            }
                        },
                    }
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
                "parameters": ID,
                "responses": {
                    "200": {
                        "description": "JWT",
                        "content": {"application/vc+jwt": {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Not modified"},
                    **_errors(404),
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
                "responses": {"200": _json("VerificationResult"), **_errors(400, 413, 422)},
            }
        },
        "/api/v1/credentials/{id}": {
            "get": {
                "summary": "A credential (JSON and JWT)",
                "parameters": ID,
                "responses": {"200": _json("CredentialView"), **_errors(404)},
            }
        },
        "/api/v1/credentials/{id}/certificate.pdf": {
            "get": {
                "summary": "The signed PDF certificate",
                "parameters": ID,
                "responses": {
                    "200": {
                        "description": "PDF",
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **_errors(404),
                },
            }
        },
        "/api/v1/credentials/{id}/badge.png": {
            "get": {
                "summary": "The baked badge (PNG)",
                "parameters": ID,
                "responses": {
                    "200": {
                        "description": "PNG",
                        "content": {
                            "image/png": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **_errors(404),
                },
            }
        },
        "/api/v1/credentials/{id}/badge.svg": {
            "get": {
                "summary": "The baked badge (SVG)",
                "parameters": ID,
                "responses": {
                    "200": {
                        "description": "SVG",
                        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
                    },
                    **_errors(404),
                },
            }
        },
        "/api/v1/credentials/{id}/revoke": {
            "post": {
                "summary": "Revoke (admin)",
                "security": BEARER,
                "parameters": ID,
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {
                            "reason": {"type": "string", "minLength": 1, "maxLength": 1000}
                        },
                    }
                ),
                "responses": {
                    "200": {
                        "description": "Revoked",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id", "revoked", "revoked_at", "reason"],
                                }
                            }
                        },
                    },
                    **_errors(400, 401, 403, 404, 422),
                },
            }
        },
        "/api/v1/credentials": {
            "get": {
                "summary": "My credentials (learner)",
                "security": BEARER,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["credentials"],
                                    "properties": {
                                        "credentials": {
                                            "type": "array",
                                            "items": {
                                                "$ref": "#/components/schemas/CredentialView"
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **_errors(401, 403),
                },
            }
        },
        "/api/v1/submissions": {
            "get": {
                "summary": "Learner: mine; reviewer: waiting for my sign-off; admin: all",
                "description": "An account with several roles gets the view of the most "
                "powerful unless `as` names another it holds.",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "as",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["learner", "reviewer", "admin"]},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["submissions"],
                                    "properties": {
                                        "submissions": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Submission"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **_errors(401, 403, 422),
                },
            },
            "post": {
                "summary": "Submit evidence (learner); issues when met",
                "description": "403 `email_unverified` until the account's address is confirmed "
                "(`POST /api/v1/me/confirmation` mails a new link).",
                "security": BEARER,
                "requestBody": _body("LearnerSubmission"),
                "responses": {
                    "201": _json("Outcome", "Judged (and issued when met)"),
                    **_errors(400, 401, 403, 413, 422),
                },
            },
        },
        "/api/v1/submissions/{id}": {
            "get": {
                "summary": "A submission with its verdict and sign-offs",
                "security": BEARER,
                "parameters": INT_ID,
                "responses": {"200": _json("Submission"), **_errors(401, 404)},
            }
        },
        "/api/v1/submissions/{id}/reviews": {
            "post": {
                "summary": "Record a sign-off or rubric scoring (reviewer)",
                "security": BEARER,
                "parameters": INT_ID,
                "requestBody": _body("ReviewRequest"),
                "responses": {
                    "201": _json("Outcome", "Recorded and judged again"),
                    **_errors(400, 401, 403, 404, 409, 422),
                },
            }
        },
        "/api/v1/me": {
            "get": {
                "summary": "The calling account",
                "security": BEARER,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["id", "email", "name", "roles", "email_verified"],
                                    "properties": {
                                        "roles": {
                                            "type": "array",
                                            "items": {
                                                "type": "string",
                                                "enum": ["learner", "reviewer", "admin"],
                                            },
                                        },
                                        "email_verified": {"type": "boolean"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors(401),
                },
            }
        },
        "/api/v1/me/confirmation": {
            "post": {
                "summary": "Mail a new link confirming the account's address",
                "security": BEARER,
                "responses": {
                    "202": {
                        "description": "Sent",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["sent_to"],
                                    "properties": {"sent_to": {"type": "string"}},
                                }
                            }
                        },
                    },
                    **_errors(401, 409),
                    "503": _json("Error", "The mail server did not take the message"),
                },
            }
        },
        "/api/v1/tokens": {
            "get": {
                "summary": "My API tokens",
                "security": BEARER,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["tokens"],
                                    "properties": {
                                        "tokens": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Token"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **_errors(401),
                },
            },
            "post": {
                "summary": "Create a token (shown once)",
                "security": BEARER,
                "description": "Made with a token, the new token is never wider: a subset of its "
                "scopes (by default the same) and no later expiry (by default the earlier of "
                "90 days and its own); asking for more is 403.",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "scopes": SCOPES,
                            "expires_at": {
                                "type": "string",
                                "format": "date-time",
                                "description": "default 90 days ahead; at most "
                                "VOUCH_TOKEN_MAX_DAYS (365)",
                            },
                        },
                    }
                ),
                "responses": {"201": _json("Token"), **_errors(400, 401, 403, 422, 429)},
            },
        },
        "/api/v1/tokens/{id}": {
            "delete": {
                "summary": "Revoke one of my tokens",
                "security": BEARER,
                "parameters": INT_ID,
                "responses": {"200": _json("Token"), **_errors(401, 404)},
            }
        },
        "/api/v1/admin/issue": {
            "post": {
                "summary": "Issue by hand from a complete bundle (admin)",
                "security": BEARER,
                "requestBody": _body("EvidenceBundle"),
                "responses": {
                    "201": _json("Outcome", "Issued"),
                    "200": _json("Outcome", "Judged; already issued or not met"),
                    **_errors(400, 401, 403, 413, 422),
                },
            }
        },
        "/api/v1/admin/credentials/{id}/reissue": {
            "post": {
                "summary": "Issue a revoked credential again, with a recorded reason (admin)",
                "description": "Revocation is final for every automatic path (sign-offs, "
                "re-submissions, bulk issuance); this is the one way back. A fresh credential "
                "for the same achievement, signed with the current key. Asked again, it answers "
                "the credential it issued (200).",
                "security": BEARER,
                "parameters": ID,
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {"reason": {"type": "string", "minLength": 1}},
                    }
                ),
                "responses": {
                    "201": _json("Reissued", "Re-issued"),
                    "200": _json("Reissued", "Already re-issued"),
                    **_errors(400, 401, 403, 404, 409, 422),
                },
            }
        },
        "/api/v1/admin/log": {
            "get": {
                "summary": "The issuance log (admin)",
                "security": BEARER,
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "required": ["entries"]}
                            }
                        },
                    },
                    **_errors(401, 403),
                },
            }
        },
        "/api/v1/admin/keys/{id}/withdraw": {
            "post": {
                "summary": "Withdraw a compromised signing key (admin)",
                "description": "Unlike rotation, which retires a healthy key: a new current key "
                "first if it signs now; it leaves the JWKS and DID document, so everything it "
                "signed fails verification; its private key is destroyed; the status lists it "
                "signed are re-signed. Safe to repeat. Re-issue what it signed with `vouch keys "
                "reissue`.",
                "security": BEARER,
                "parameters": ID,
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {"reason": {"type": "string", "minLength": 1}},
                    }
                ),
                "responses": {
                    "200": {
                        "description": "Withdrawn",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": [
                                        "key",
                                        "reason",
                                        "current",
                                        "rotated",
                                        "status_lists_resigned",
                                        "credentials",
                                        "live",
                                    ],
                                    "properties": {
                                        "key": {"type": "string"},
                                        "reason": {"type": "string"},
                                        "current": {"type": "string"},
                                        "rotated": {"type": "boolean"},
                                        "status_lists_resigned": {"type": "integer"},
                                        "credentials": {"type": "integer"},
                                        "live": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors(400, 401, 403, 404, 422),
                },
            }
        },
        "/api/v1/admin/keys/rotate": {
            "post": {
                "summary": "Rotate the signing key (admin)",
                "security": BEARER,
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"alg": {"enum": list(ALGORITHMS)}},
                                "additionalProperties": False,
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["key_id", "alg", "created"],
                                }
                            }
                        },
                    },
                    **_errors(401, 403, 422),
                },
            }
        },
    }


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
            "schemas": {
                "Error": ERROR,
                "RuleResult": RULE_RESULT,
                "Verdict": VERDICT,
                "Share": SHARE,
                "CredentialView": CREDENTIAL_VIEW,
                "Reissued": REISSUED,
                "VerificationResult": VERIFICATION,
                "Submission": SUBMISSION,
                "Review": REVIEW,
                "ReviewRequest": REVIEW_REQUEST,
                "Outcome": OUTCOME,
                "Token": TOKEN,
                "Readiness": READINESS,
                "EvidenceBundle": evidence,
                "LearnerSubmission": LEARNER_SUBMISSION,
            },
        },
        "paths": _scoped(_paths()),
    }
    return spec


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """Built once per app (it embeds the evidence schema of that app's catalogue)."""
    spec = current_app.extensions.get("vouch.openapi")
    if spec is None:
        spec = current_app.extensions["vouch.openapi"] = build_spec()
    return jsonify(spec)
