"""The checks of a credential's own contents, whatever carried it: the OB 3.0 schema, whether
the issuer is trusted, and the recipient."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from verifier.result import CheckResult, CheckStatus
from verifier.schemas import ACHIEVEMENT_CREDENTIAL_SCHEMA, schema_errors
from verifier.trust import Trust, TrustList

_SCHEMA_VALID = CheckResult(
    "schema", CheckStatus.PASS, "valid Open Badges 3.0 AchievementCredential"
)


def schema_check(credential: dict[str, Any], legacy: bool) -> CheckResult:
    """An OB 3.0 AchievementCredential (draft 2019-09); a VC 1.1 credential is skipped."""
    if legacy:
        return CheckResult(
            "schema",
            CheckStatus.SKIP,
            "VC 1.1 credential: the OB 3.0 (VC 2.0) schema does not apply",
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or not ("id" in subject or subject.get("identifier")):
        return CheckResult(
            "schema", CheckStatus.FAIL, "credentialSubject needs an id or an identifier"
        )
    errors = schema_errors(credential, ACHIEVEMENT_CREDENTIAL_SCHEMA)
    if errors:
        more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
        return CheckResult("schema", CheckStatus.FAIL, "; ".join(errors[:3]) + more)
    return _SCHEMA_VALID


def trust_check(
    issuer: str | None, credential: dict[str, Any], trust: TrustList
) -> tuple[Trust, CheckResult]:
    """Whether ``trust`` covers the issuer, and who signed in words."""
    profile = credential.get("issuer")
    name = profile.get("name") if isinstance(profile, dict) else None
    return _trust_check(issuer, name if isinstance(name, str) else None, trust)


@lru_cache(maxsize=256)
def _trust_check(
    issuer: str | None, claimed_name: str | None, trust: TrustList
) -> tuple[Trust, CheckResult]:
    """Once per issuer, name and list (most verifications meet a few issuers)."""
    outcome = trust.judge(issuer, claimed_name)
    if outcome.listed is not None:
        known = f" as {outcome.listed.name}" if outcome.listed.name else ""
        detail = f"{outcome.signer} is on this verifier's trust list{known}"
        return outcome, CheckResult("issuer trusted", CheckStatus.PASS, detail)
    claim = f"; the name {claimed_name!r} is the issuer's own claim" if claimed_name else ""
    if trust:
        detail = f"signed by {outcome.signer}, which is not on this verifier's trust list{claim}"
    else:
        detail = f"signed by {outcome.signer}: this verifier has no trust list{claim}"
    return outcome, CheckResult("issuer trusted", CheckStatus.WARN, detail)


def recipient_check(credential: dict[str, Any], email: str) -> CheckResult:
    """The credential was awarded to ``email`` (plain or salted-hash email identifiers)."""
    subject = credential.get("credentialSubject")
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
    emails = [
        i for i in identifiers if isinstance(i, dict) and i.get("identityType") == "emailAddress"
    ]
    if not emails:
        return CheckResult("recipient", CheckStatus.FAIL, "the credential names no email recipient")
    if any(_matches(identity, email) for identity in emails):
        return CheckResult(
            "recipient", CheckStatus.PASS, "the credential was awarded to this email address"
        )
    return CheckResult(
        "recipient", CheckStatus.FAIL, "the credential was not awarded to this email address"
    )


def _matches(identity: dict[str, Any], email: str) -> bool:
    expected = str(identity.get("identityHash", ""))
    candidates = {email, email.strip(), email.strip().lower()}
    if not identity.get("hashed"):
        return any(hmac.compare_digest(c.encode(), expected.encode()) for c in candidates)
    algorithm, _, digest = expected.partition("$")
    if algorithm.lower() not in ("sha256", "md5"):
        return False
    salt = str(identity.get("salt", ""))
    for candidate in candidates:
        computed = hashlib.new(algorithm.lower(), (candidate + salt).encode()).hexdigest()
        if hmac.compare_digest(computed, digest.lower()):
            return True
    return False
