"""Verification results as values: a :class:`VerificationResult` holding a tuple of checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class CheckStatus(StrEnum):
    PASS = "pass"  # noqa: S105 - a check status, not a password
    FAIL = "fail"
    #: Not applicable to this artefact (e.g. no ``credentialStatus``, no recipient given).
    SKIP = "skip"
    #: Could not be checked: key or status list unreachable. Never shown as a pass.
    UNKNOWN = "unknown"
    #: Advisory only (e.g. issuer not in the trust list); does not change the state.
    WARN = "warn"


class State(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not verified"
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"


class CheckResult(NamedTuple):
    """One check's outcome (a named tuple: a dozen are made per verification, cheaply)."""

    check: str
    status: CheckStatus
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status.value, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The answer: a state derived from the checks, never a "verified" with a failed check."""

    checks: tuple[CheckResult, ...]
    credential: dict[str, Any] | None = None
    checked_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    unreadable: bool = False

    @property
    def state(self) -> State:
        if self.unreadable:
            return State.UNREADABLE
        statuses = {c.status for c in self.checks}
        if CheckStatus.FAIL in statuses:
            return State.NOT_VERIFIED
        if CheckStatus.UNKNOWN in statuses or CheckStatus.PASS not in statuses:
            return State.UNKNOWN
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "state": self.state.value,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "checks": [c.to_dict() for c in self.checks],
            "credential": self.credential,
            "errors": self.errors,
        }
