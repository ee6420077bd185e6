"""The JSON answers of the issuer's API, each shape written once.

The serializers (``issuer/web/api.py``, ``issuer/web/credentials.py``) build these; mypy checks
them against it; ``issuer/web/openapi/`` derives the documented schemas from them
(``issuer/web/openapi/derive.py``). At run time a TypedDict is a plain dict: no cost.
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired, TypedDict

from criteria import REVIEW_VERDICTS, REVIEWER_ROLES, ProblemJSON, Status, VerdictJSON
from issuer.accounts import ROLES
from verifier import VerificationJSON

#: Enumerations come from the code that produces the values, so they cannot drift apart.
VERDICT_STATUSES = [s.value for s in Status]
SCOPES = {
    "type": "array",
    "items": {"enum": ["read", "submit", "review", "admin"]},
    "uniqueItems": True,
    "description": "What the token may do: read (GET routes), submit (evidence), review "
    "(sign-offs), admin (issuing by hand, revoking, keys, metrics); each operation names the "
    "scope it needs. A token is also bound by its account's roles.",
}
#: A verdict as stored (``criteria.VerdictJSON`` when it was judged), documented as a component.
Verdict = Annotated[dict[str, Any], {"$ref": "#/components/schemas/Verdict"}]


class Share(TypedDict):
    verify_url: str
    certificate_pdf: str
    badge_png: str
    badge_svg: str
    embed_html: str
    linkedin_url: str


class CredentialView(TypedDict):
    id: str
    credential: Annotated[dict[str, Any], "The OB 3.0 credential (JWT claims removed)"]
    jwt: Annotated[str, "The compact VC-JWT"]
    verify_url: str
    revoked: bool
    share: Share


class Reissue(TypedDict):
    """What a re-issue adds to the credential view."""

    reissue_of: Annotated[str | None, {"type": "string"}, "the revoked credential"]
    created: bool


class Review(TypedDict):
    id: int
    kind: str
    reviewer: str
    role: Annotated[str, {"enum": list(REVIEWER_ROLES)}]
    verdict: Annotated[str, {"enum": list(REVIEW_VERDICTS)}]
    score: NotRequired[float | None]
    minutes: NotRequired[float | None]
    items: NotRequired[list[str] | None]
    comment: NotRequired[str | None]
    created_at: str


class Submission(TypedDict):
    id: int
    milestone: str
    status: Annotated[
        str,
        {"enum": [*VERDICT_STATUSES, "awaiting-admin"]},
        "the verdict's status, or awaiting-admin: met, but an earlier "
        "credential for this milestone was revoked (an admin re-issues it)",
    ]
    progress: Annotated[Any, {"type": "number"}]
    created_at: str
    verdict: Verdict
    evidence: NotRequired[dict[str, Any]]
    awaiting: NotRequired[dict[str, str]]
    reviews: NotRequired[list[Review]]


class Outcome(TypedDict):
    #: documented as always present: every outcome the API answers has a stored submission
    submission: Annotated[int | None, {"type": "integer"}]
    verdict: VerdictJSON
    issued: bool
    credential: CredentialView | None
    created: bool
    withheld: NotRequired[
        Annotated[
            str | None,
            "Why a met verdict issued nothing: an earlier credential for this "
            "learner and milestone was revoked, so only an admin issues it again",
        ]
    ]


class Token(TypedDict):
    id: int
    name: str
    prefix: str
    created_at: str
    last_used_at: Annotated[str | None, "recorded at most once an hour"]
    revoked_at: str | None
    scopes: Annotated[list[str], SCOPES]
    expires_at: Annotated[str, "after this the token is refused (401)"]
    token: NotRequired[Annotated[str, "shown once, at creation"]]


class Me(TypedDict):
    """The calling account."""

    id: int
    email: str
    name: str
    roles: list[Annotated[str, {"type": "string", "enum": list(ROLES)}]]
    reviewer_role: str | None
    email_verified: bool
    portfolio_public: bool
    portfolio_url: str


class ErrorDetail(TypedDict):
    code: str
    message: str
    path: str | None
    problems: NotRequired[list[ProblemJSON]]


class Error(TypedDict):
    """Every error answer (``issuer/web/errors.py``); the verifier's adds its result."""

    error: ErrorDetail
    result: NotRequired[VerificationJSON]


class Sent(TypedDict):
    sent_to: str


class LogEntry(TypedDict):
    id: int
    at: str
    event: str
    actor: str
    credential: str | None
    detail: dict[str, Any]


class Log(TypedDict):
    entries: list[LogEntry]


class Rotated(TypedDict):
    key_id: str
    alg: str
    created: str


class Revoked(TypedDict):
    id: str
    revoked: bool
    revoked_at: str | None
    reason: str | None
