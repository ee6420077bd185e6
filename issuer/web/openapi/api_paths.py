"""Paths of the JSON API for people: submissions, sign-offs, the account, tokens, administration."""

from __future__ import annotations

from typing import Any

from issuer.keystore import ALGORITHMS
from issuer.web.openapi.components import (
    BEARER,
    ID,
    INT_ID,
    REASON,
    body,
    errors,
    every,
    inline,
    json_answer,
    listing,
)
from issuer.web.openapi.derive import schema_of
from issuer.web.shapes import SCOPES, Log, Me, Rotated, Sent


def api_paths() -> dict[str, Any]:
    return {
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
                    "200": listing("submissions", "Submission"),
                    **errors(401, 403, 422),
                },
            },
            "post": {
                "summary": "Submit evidence (learner); issues when met",
                "description": "403 `email_unverified` until the account's address is confirmed "
                "(`POST /api/v1/me/confirmation` mails a new link).",
                "security": BEARER,
                "requestBody": body("LearnerSubmission"),
                "responses": {
                    "201": json_answer("Outcome", "Judged (and issued when met)"),
                    **errors(400, 401, 403, 413, 422),
                },
            },
        },
        "/api/v1/submissions/{id}": {
            "get": {
                "summary": "A submission with its verdict and sign-offs",
                "security": BEARER,
                "parameters": INT_ID,
                "responses": {"200": json_answer("Submission"), **errors(401, 404)},
            }
        },
        "/api/v1/submissions/{id}/reviews": {
            "post": {
                "summary": "Record a sign-off or rubric scoring (reviewer)",
                "security": BEARER,
                "parameters": INT_ID,
                "requestBody": body("ReviewRequest"),
                "responses": {
                    "201": json_answer("Outcome", "Recorded and judged again"),
                    **errors(400, 401, 403, 404, 409, 422),
                },
            }
        },
        "/api/v1/me": {
            "get": {
                "summary": "The calling account",
                "security": BEARER,
                "responses": {
                    "200": inline(schema_of(Me)),
                    **errors(401),
                },
            }
        },
        "/api/v1/me/confirmation": {
            "post": {
                "summary": "Mail a new link confirming the account's address",
                "security": BEARER,
                "responses": {
                    "202": inline(schema_of(Sent), "Sent"),
                    **errors(401, 409),
                    "503": json_answer("Error", "The mail server did not take the message"),
                },
            }
        },
        "/api/v1/tokens": {
            "get": {
                "summary": "My API tokens",
                "security": BEARER,
                "responses": {
                    "200": listing("tokens", "Token"),
                    **errors(401),
                },
            },
            "post": {
                "summary": "Create a token (shown once)",
                "security": BEARER,
                "description": "Made with a token, the new token is never wider: a subset of its "
                "scopes (by default the same) and no later expiry (by default the earlier of "
                "90 days and its own); asking for more is 403.",
                "requestBody": body(
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
                "responses": {"201": json_answer("Token"), **errors(400, 401, 403, 422, 429)},
            },
        },
        "/api/v1/tokens/{id}": {
            "delete": {
                "summary": "Revoke one of my tokens",
                "security": BEARER,
                "parameters": INT_ID,
                "responses": {"200": json_answer("Token"), **errors(401, 404)},
            }
        },
        "/api/v1/admin/issue": {
            "post": {
                "summary": "Issue by hand from a complete bundle (admin)",
                "security": BEARER,
                "requestBody": body("EvidenceBundle"),
                "responses": {
                    "201": json_answer("Outcome", "Issued"),
                    "200": json_answer("Outcome", "Judged; already issued or not met"),
                    **errors(400, 401, 403, 413, 422),
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
                "requestBody": REASON,
                "responses": {
                    "201": json_answer("Reissued", "Re-issued"),
                    "200": json_answer("Reissued", "Already re-issued"),
                    **errors(400, 401, 403, 404, 409, 422),
                },
            }
        },
        "/api/v1/admin/log": {
            "get": {
                "summary": "The issuance log (admin)",
                "security": BEARER,
                "responses": {
                    "200": inline(schema_of(Log)),
                    **errors(401, 403),
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
                "requestBody": REASON,
                "responses": {
                    "200": inline(
                        every(
                            {
                                "key": {"type": "string"},
                                "reason": {"type": "string"},
                                "current": {"type": "string"},
                                "rotated": {"type": "boolean"},
                                "status_lists_resigned": {"type": "integer"},
                                "credentials": {"type": "integer"},
                                "live": {"type": "integer"},
                            }
                        ),
                        "Withdrawn",
                    ),
                    **errors(400, 401, 403, 404, 422),
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
                    "200": inline(schema_of(Rotated)),
                    **errors(401, 403, 422),
                },
            }
        },
    }
