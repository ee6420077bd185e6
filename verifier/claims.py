"""Reading a VC-JWT's header and claims: the header and algorithm checks, the registered
claims against the credential they mirror [OB 3.0 §8.2.4.1], and the validity window."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, NamedTuple

from verifier.jose import ALLOWED_ALGORITHMS, read_segment
from verifier.keys import PRIVATE_MEMBERS
from verifier.result import CheckResult, CheckStatus
from verifier.vc import instant

#: The JWT registered claim names [RFC 7519 §4.1]: what is not the credential in a VC 2.0
#: payload. The issuer writes five of them (``iss``, ``jti``, ``sub``, ``nbf``, ``exp``).
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
#: JOSE header members OB 3.0 allows [§8.2.3]; anything else (crit, jku, x5u, …) is refused.
ALLOWED_HEADER = frozenset({"alg", "kid", "typ", "jwk"})
ALLOWED_TYP = (None, "JWT", "vc+jwt")

_CLAIMS_MATCH = CheckResult(
    "claims", CheckStatus.PASS, "iss, jti, sub, nbf, exp match the credential"
)
#: What a NumericDate may be (a union built once, not on every isinstance call).
_NUMBER = int | float


def without_claims(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload less the registered claims: the VC 2.0 credential, in the payload's order
    (copying and popping seven names is a third of a comprehension's cost)."""
    credential = payload.copy()
    for claim in REGISTERED_CLAIMS:
        credential.pop(claim, None)
    return credential


@lru_cache(maxsize=256)
def header_reading(segment: str) -> tuple[dict[str, Any], CheckResult, CheckResult]:
    """A header segment, read and checked (members, algorithm) once: every token one key signs
    carries the same header. The header is shared between verifications: read-only.
    ``TokenError`` (not cached) if it cannot be read."""
    header = read_segment(segment, "header")
    return header, _header_check(header), _algorithm_check(header)


def _header_check(header: dict[str, Any]) -> CheckResult:
    if not ALLOWED_HEADER.issuperset(header):
        extra = sorted(set(header) - ALLOWED_HEADER)
        return CheckResult(
            "header", CheckStatus.FAIL, f"header members not allowed: {', '.join(extra)}"
        )
    if header.get("typ") not in ALLOWED_TYP:
        return CheckResult(
            "header", CheckStatus.FAIL, f"typ {header.get('typ')!r} is not JWT or vc+jwt"
        )
    if "kid" not in header and "jwk" not in header:
        return CheckResult(
            "header", CheckStatus.FAIL, "neither kid nor jwk: no way to find the key"
        )
    if isinstance(header.get("jwk"), dict) and PRIVATE_MEMBERS & set(header["jwk"]):
        return CheckResult(
            "header", CheckStatus.FAIL, "the header's jwk contains private key material"
        )
    return CheckResult("header", CheckStatus.PASS, f"members: {', '.join(sorted(header))}")


def _algorithm_check(header: dict[str, Any]) -> CheckResult:
    alg = header.get("alg")
    if alg in ALLOWED_ALGORITHMS:
        return CheckResult("algorithm", CheckStatus.PASS, f"{alg} is allowed")
    only = ", ".join(ALLOWED_ALGORITHMS)
    return CheckResult("algorithm", CheckStatus.FAIL, f"{alg!r} is not allowed (only {only})")


class Validity(NamedTuple):
    """The credential's validity members and their instants, read once for the claims and
    validity window checks. VC 1.1 names them issuanceDate/expirationDate, VC 2.0
    validFrom/validUntil."""

    start_name: str
    end_name: str
    start: Any
    end: Any
    start_at: dt.datetime | None
    end_at: dt.datetime | None

    @classmethod
    def of(cls, credential: dict[str, Any], legacy: bool) -> Validity:
        start_name, end_name = ("issuanceDate", "expirationDate") if legacy else _VC2_VALIDITY
        start, end = credential.get(start_name), credential.get(end_name)
        return cls(start_name, end_name, start, end, instant(start), instant(end))


_VC2_VALIDITY = ("validFrom", "validUntil")


def claims_check(
    payload: dict[str, Any],
    credential: dict[str, Any],
    issuer: str | None,
    validity: Validity,
    legacy: bool,
) -> CheckResult:
    """The registered claims mirror the credential; missing ``nbf``/``exp`` are accepted."""
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    problems: list[str] = []
    notes: list[str] = []
    if "vc" in payload and not legacy:
        problems.append("the vc claim is not a credential object")
    if "vp" in payload:
        problems.append("a vp claim has no place in a credential")
    for claim, expected in (("iss", issuer), ("jti", credential.get("id")),
                            ("sub", subject_id)):  # fmt: skip
        if claim not in payload:
            if expected is not None and claim != "sub":
                problems.append(f"{claim} is missing")
        elif payload[claim] != expected:
            problems.append(f"{claim} {payload[claim]!r} ≠ {expected!r}")
    for claim, value, moment in (
        ("nbf", validity.start, validity.start_at),
        ("exp", validity.end, validity.end_at),
    ):
        if claim not in payload:
            if value is not None:
                notes.append(f"{claim} absent (accepted)")
            continue
        claimed = payload[claim]
        if not isinstance(claimed, _NUMBER) or isinstance(claimed, bool):
            problems.append(f"{claim} is not a NumericDate")
        elif moment is None or int(claimed) != int(moment.timestamp()):
            problems.append(f"{claim} {claimed} does not match {value!r}")
    if problems:
        return CheckResult("claims", CheckStatus.FAIL, "; ".join(problems))
    if notes:
        return CheckResult(
            "claims", CheckStatus.PASS, f"{_CLAIMS_MATCH.detail} ({'; '.join(notes)})"
        )
    return _CLAIMS_MATCH


def window_check(validity: Validity, now: dt.datetime, leeway: dt.timedelta) -> CheckResult:
    """``now`` lies within the validity window, give or take ``leeway``."""
    start_name, end_name, start, end, start_at, end_at = validity
    if start_at is None:
        detail = f"{start_name} is missing or has no timezone"
    elif end is not None and end_at is None:
        detail = f"{end_name} is not a date-time with timezone"
    elif start_at - leeway > now:
        detail = f"not yet valid: valid from {start}"
    elif end_at is not None and end_at + leeway < now:
        detail = f"expired on {end}"
    else:
        until = f" until {end}" if end else ", no expiry"
        return CheckResult("validity window", CheckStatus.PASS, f"valid from {start}{until}")
    return CheckResult("validity window", CheckStatus.FAIL, detail)
