"""What an issuance request is answered with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from criteria import Verdict
from issuer.db.models import Credential

#: A submission whose rules are met but whose credential waits for an admin (revocation is
#: final: see :meth:`issuer.lifecycle.Lifecycle.reissue`).
AWAITING_ADMIN = "awaiting-admin"


@dataclass(frozen=True)
class Issued:
    """The outcome of an issuance request."""

    verdict: Verdict
    credential: Credential | None
    #: False when the credential already existed (an idempotent retry).
    created: bool
    #: None when nothing was recorded (a bulk re-run skipping what is already issued).
    submission_id: int | None
    #: Why a met verdict issued nothing: an earlier credential for this learner and milestone
    #: was revoked, so only an admin issues it again (:meth:`Issuer.reissue`).
    withheld: str | None = None
    #: A credential issued now: its JWT claims as signed (the credential, and the registered
    #: claims mirroring it), so what was just built is shown without decoding its token.
    claims: dict[str, Any] | None = None


def withheld_reason(revoked_id: str) -> str:
    return (
        f"the rules are met, but an earlier credential for this milestone ({revoked_id}) was "
        "revoked: revocation is final, so only an admin issues it again (vouch reissue)"
    )
