"""Verification results as values: a :class:`VerificationResult` holding a tuple of checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, NamedTuple, TypedDict

from verifier.trust import Trust, TrustJSON


class CheckStatus(StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"
    #: Not applicable to this artefact (e.g. no ``credentialStatus``, no recipient given).
    SKIP = "skip"
    #: Could not be checked: key or status list unreachable. Never shown as a pass.
    UNKNOWN = "unknown"
    #: Advisory only; alone it does not change the state (an untrusted issuer is a WARN, and
    #: the state says so through :attr:`VerificationResult.trust`).
    WARN = "warn"


class State(StrEnum):
    """What the answer means, in the order an employer needs it."""

    #: Every check passed and the issuer is on this verifier's trust list.
    VERIFIED = "verified"
    #: Every check passed, but the issuer is not on the trust list: the signature is genuine,
    #: the signer is whoever controls the issuer's published key, and its name is its own claim.
    UNTRUSTED = "untrusted issuer"
    NOT_VERIFIED = "not verified"
    #: Something could not be checked (key or status list unreachable): never a "yes".
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"


class Headline(NamedTuple):
    """The state in words: a title, a CSS class for the page, and one or two sentences."""

    title: str
    css: str
    summary: str


class CheckJSON(TypedDict):
    """One check as JSON (:meth:`CheckResult.to_dict`)."""

    check: str
    status: Annotated[str, CheckStatus]
    detail: str


class VerificationJSON(TypedDict):
    """The answer as JSON (:meth:`VerificationResult.to_dict`): the one definition of the shape;
    the issuer's OpenAPI document derives its schema from it. A plain dict at run time."""

    verified: Annotated[bool, "true only when every check passed and the issuer is trusted"]
    state: Annotated[str, State]
    headline: str
    summary: str
    checked_at: str
    issuer: Annotated[
        TrustJSON | None,
        "who signed (the identifier whose published key was checked) and "
        "whether this verifier trusts them; claimed_name is the issuer's own claim",
    ]
    checks: list[CheckJSON]
    credential: dict[str, Any] | None
    errors: list[str]


class CheckResult(NamedTuple):
    """One check's outcome (a named tuple: a dozen are made per verification, cheaply)."""

    check: str
    status: CheckStatus
    detail: str

    def to_dict(self) -> CheckJSON:
        return {"check": self.check, "status": self.status.value, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The answer: a state derived from the checks and the trust outcome, never a "verified"
    with a failed check or from an issuer the verifier does not trust."""

    checks: tuple[CheckResult, ...]
    credential: dict[str, Any] | None = None
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    unreadable: bool = False
    #: Who signed and whether the trust list names them (None when never decoded that far).
    trust: Trust | None = None

    @property
    def state(self) -> State:
        if self.unreadable:
            return State.UNREADABLE
        statuses = {c.status for c in self.checks}
        if CheckStatus.FAIL in statuses:
            return State.NOT_VERIFIED
        if CheckStatus.UNKNOWN in statuses or CheckStatus.PASS not in statuses:
            return State.UNKNOWN
        if self.trust is None or not self.trust.trusted:
            return State.UNTRUSTED
        return State.VERIFIED

    @property
    def verified(self) -> bool:
        return self.state is State.VERIFIED

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.check == name), None)

    @property
    def revoked(self) -> bool:
        status = self.check("status")
        return (
            status is not None and status.status is CheckStatus.FAIL and "revoked" in status.detail
        )

    @property
    def expired(self) -> bool:
        window = self.check("validity window")
        return (
            window is not None and window.status is CheckStatus.FAIL and "expired" in window.detail
        )

    @property
    def errors(self) -> list[str]:
        return [f"{c.check}: {c.detail}" for c in self.checks if c.status is CheckStatus.FAIL]

    @property
    def headline(self) -> Headline:
        """The answer in words, the same on the page, in the API and from the CLI."""
        state = self.state
        trust = self.trust
        if state is State.VERIFIED and trust is not None:
            by = trust.listed.name if trust.listed and trust.listed.name else trust.claimed_name
            issued = f" Issued by {by} ({trust.signer})." if by else f" Issued by {trust.signer}."
            return Headline("Verified", "verified", "Genuine, current and not revoked." + issued)
        if state is State.UNTRUSTED:
            signer = trust.signer if trust else "an unknown signer"
            claim = (
                f' "{trust.claimed_name}" is the name the issuer gives itself.'
                if trust and trust.claimed_name
                else ""
            )
            return Headline(
                "Issuer not recognised",
                "untrusted",
                f"The signature is genuine, but it was made by {signer}, an issuer this site "
                f"does not know.{claim} Rely on it only if you know who controls "
                f"{trust.domain if trust and trust.domain else 'that identifier'}.",
            )
        if self.revoked:
            return Headline("Revoked", "revoked", "The issuer has revoked this credential.")
        if self.expired:
            window = self.check("validity window")
            ended = window.detail if window else "has expired"
            return Headline("Expired", "expired", f"This credential {ended}.")
        if state is State.UNKNOWN:
            unknown = [c.detail for c in self.checks if c.status is CheckStatus.UNKNOWN]
            reason = unknown[0] if unknown else "nothing could be checked"
            return Headline("Could not be checked", "unknown", f"Not confirmed: {reason}.")
        if state is State.UNREADABLE:
            detail = self.checks[0].detail if self.checks else "Unreadable input."
            return Headline("Unreadable", "unreadable", detail)
        return Headline("Not verified", "not-verified", "; ".join(self.errors[:2]) + ".")

    def to_dict(self) -> VerificationJSON:
        headline = self.headline
        return {
            "verified": self.verified,
            "state": self.state.value,
            "headline": headline.title,
            "summary": headline.summary,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "issuer": self.trust.to_dict() if self.trust else None,
            "checks": [c.to_dict() for c in self.checks],
            "credential": self.credential,
            "errors": self.errors,
        }
