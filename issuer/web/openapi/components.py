"""The document's components: schemas derived from the answers' shapes (``issuer/web/shapes.py``,
``verifier.VerificationJSON``), the few still written here (the verdict ``criteria`` writes, the
request bodies, readiness), and the helpers every path uses."""

from __future__ import annotations

from typing import Any

from criteria import REVIEW_VERDICTS, RuleResultJSON, VerdictJSON
from issuer.web import shapes
from issuer.web.openapi.derive import schema_of
from verifier import VerificationJSON

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

#: The shapes that are components: referenced by name wherever another shape holds them.
REFS: dict[Any, str] = {
    shapes.Share: "Share",
    shapes.CredentialView: "CredentialView",
    shapes.Review: "Review",
    VerificationJSON: "VerificationResult",
    RuleResultJSON: "RuleResult",
    VerdictJSON: "Verdict",
}


def schemas() -> dict[str, Any]:
    """Every component schema but the evidence bundle (which comes from the catalogue)."""
    return {
        "Error": schema_of(shapes.Error, REFS),
        "RuleResult": schema_of(RuleResultJSON, REFS),
        "Verdict": schema_of(VerdictJSON, REFS),
        "Share": schema_of(shapes.Share, REFS),
        "CredentialView": schema_of(shapes.CredentialView, REFS),
        "Reissued": {
            "allOf": [
                {"$ref": "#/components/schemas/CredentialView"},
                schema_of(shapes.Reissue, REFS),
            ]
        },
        "VerificationResult": schema_of(VerificationJSON, REFS),
        "Submission": schema_of(shapes.Submission, REFS),
        "Review": schema_of(shapes.Review, REFS),
        "ReviewRequest": REVIEW_REQUEST,
        "Outcome": schema_of(shapes.Outcome, REFS),
        "Token": schema_of(shapes.Token, REFS),
        "Readiness": READINESS,
        "LearnerSubmission": LEARNER_SUBMISSION,
    }


def json_answer(schema: str, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def inline(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    """A JSON answer whose schema is written in place."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def every(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with every one of ``properties`` present."""
    return {"type": "object", "required": list(properties), "properties": properties}


def listing(key: str, schema: str) -> dict[str, Any]:
    """``{key: [schema, …]}``, the answer of every route that lists things."""
    items = {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}
    return inline({"type": "object", "required": [key], "properties": {key: items}})


def errors(*codes: int) -> dict[str, Any]:
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
    return {str(code): json_answer("Error", names[code]) for code in codes}


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


def scoped(paths: dict[str, Any]) -> dict[str, Any]:
    """Every bearer operation: the scope it needs, and 403 for a token without it; 429 for
    the rate-limited ones."""
    limited = {("post", "/api/v1/tokens"), ("post", "/api/v1/verify")}
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if (method, path) in limited:
                responses.setdefault("429", errors(429)["429"])
            if operation.get("security") != BEARER:
                continue
            default = "admin" if path.startswith("/api/v1/admin/") else "read"
            scope = OPERATION_SCOPES.get((method, path), default)
            need = f"the {scope} scope" if scope else "any scope (a new token is never wider)"
            operation["description"] = (
                operation.get("description", "") + f" Token: {need}."
            ).strip()
            responses.setdefault("403", errors(403)["403"])
    return paths


def body(schema: str | dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema
    return {"required": True, "content": {"application/json": {"schema": ref}}}


ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
INT_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
REASON = body(
    {
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1}},
    }
)
