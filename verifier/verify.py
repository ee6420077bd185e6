"""The verification procedure (OB 3.0 §9.1 with §8.2.6, RFC 8725), check by check.

Every check is reported; the state follows from them (``VerificationResult.state``): any
failure means *not verified*, anything that could not be checked means *unknown*. The issuer's
key and status list come only through the injected :class:`~verifier.fetch.Fetcher`. The
checks themselves live by subject: :mod:`verifier.claims` (header, claims, validity window),
:mod:`verifier.checks` (schema, trust, recipient), :mod:`verifier.carriers` (verify links,
PDF certificates) and :mod:`verifier.status`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from verifier.artefacts import Artefact, read_artefact
from verifier.carriers import PdfReader, follow_url, pdf_checks, read_pdf
from verifier.checks import recipient_check, schema_check, trust_check
from verifier.claims import Validity, claims_check, header_reading, window_check, without_claims
from verifier.errors import (
    FetchError,
    FetchRefused,
    KeyRejected,
    SignatureError,
    TokenError,
    Unreadable,
)
from verifier.fetch import Fetcher
from verifier.jose import ALLOWED_ALGORITHMS, compact_segments, read_segment, verify_signature
from verifier.keys import resolve_key
from verifier.result import CheckResult, CheckStatus, VerificationResult
from verifier.status import check_status
from verifier.trust import Trust, TrustList
from verifier.vc import issuer_id, stamp

#: The passing outcomes that read the same for every credential, made once.
_VERIFIES = {alg: CheckResult("signature", CheckStatus.PASS, f"{alg} signature verifies")
             for alg in ALLOWED_ALGORITHMS}  # fmt: skip


@dataclass(frozen=True)
class VerifyOptions:
    #: Trusted issuers (DIDs, base URLs, domains). A credential whose every check passes is
    #: "verified" only when its issuer is on this list; otherwise it is "untrusted issuer".
    trust: TrustList = field(default_factory=TrustList)
    #: Allowed clock skew on validFrom / validUntil (≤ 60 s per RFC 8725 guidance).
    leeway: dt.timedelta = dt.timedelta(seconds=60)
    #: Development only: http URLs (and did:web over http for local hosts).
    allow_http: bool = False


@dataclass
class _Run:
    """One verification in progress: the checks so far."""

    now: dt.datetime
    checks: list[CheckResult] = field(default_factory=list)
    trust: Trust | None = None

    def add(self, check: str, status: CheckStatus, detail: str) -> None:
        self.checks.append(CheckResult(check, status, detail))

    def result(
        self, credential: dict[str, Any] | None = None, *, unreadable: bool = False
    ) -> VerificationResult:
        return VerificationResult(
            tuple(self.checks), credential, self.now, unreadable=unreadable, trust=self.trust
        )


class Verifier:
    def __init__(
        self,
        fetcher: Fetcher,
        options: VerifyOptions | None = None,
        *,
        pdf_reader: PdfReader | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.options = options or VerifyOptions()
        self.pdf_reader = pdf_reader or read_pdf

    # -- entry points -----------------------------------------------------------------------

    def verify(
        self,
        data: bytes | str,
        *,
        recipient_email: str | None = None,
        now: dt.datetime | None = None,
    ) -> VerificationResult:
        """Verify any artefact: token, JSON, PDF, baked image or verify URL."""
        run = _Run(now or dt.datetime.now(dt.UTC))
        try:
            artefact = read_artefact(data)
            if artefact.pdf is not None:
                artefact = self._from_pdf(artefact)
            if artefact.url is not None:
                artefact = self._follow_url(artefact, run)
        except Unreadable as exc:
            run.add("decoding", CheckStatus.FAIL, str(exc))
            return run.result(unreadable=True)
        except FetchRefused as exc:
            run.add("decoding", CheckStatus.FAIL, f"cannot follow the link: {exc}")
            return run.result()
        except FetchError as exc:
            run.add("decoding", CheckStatus.UNKNOWN, f"could not fetch at {stamp(run.now)}: {exc}")
            return run.result()
        return self._verify_artefact(artefact, run, recipient_email)

    def _from_pdf(self, artefact: Artefact) -> Artefact:
        found, checks = self.pdf_reader(artefact.pdf or b"")
        found.pdf_checks = checks  # reported after "decoding"
        return found

    def _follow_url(self, artefact: Artefact, run: _Run) -> Artefact:
        found, check = follow_url(artefact, self.fetcher)
        run.checks.append(check)
        return found

    # -- the procedure ------------------------------------------------------------------------

    def _verify_artefact(
        self, artefact: Artefact, run: _Run, recipient_email: str | None
    ) -> VerificationResult:
        if artefact.token is None:
            return self._unsecured(artefact, run)
        token = artefact.token
        try:
            head, body, _ = compact_segments(token)
            header, header_check, algorithm_check = header_reading(head)
            payload = read_segment(body, "payload")
        except TokenError as exc:
            run.add("decoding", CheckStatus.FAIL, f"{artefact.kind}: {exc}")
            return run.result(unreadable=True)
        legacy = isinstance(payload.get("vc"), dict)
        credential = payload["vc"] if legacy else without_claims(payload)
        model = "VC 1.1 (vc claim)" if legacy else "VC 2.0"
        run.add("decoding", CheckStatus.PASS, f"{artefact.kind}, {model} credential")
        run.checks.extend(artefact.pdf_checks)
        run.checks += (header_check, algorithm_check)
        issuer = issuer_id(credential)
        key = self._key(header, issuer, run) if algorithm_check.status is CheckStatus.PASS else None
        self._signature(token, header, key, run)
        validity = Validity.of(credential, legacy)
        run.checks += (
            claims_check(payload, credential, issuer, validity, legacy),
            schema_check(credential, legacy),
            window_check(validity, run.now, self.options.leeway),
        )
        run.checks.append(
            check_status(
                credential, self.fetcher, now=run.now, leeway=self.options.leeway,
                allow_http=self.options.allow_http,
            )
        )  # fmt: skip
        if artefact.pdf_signer_jwk is not None or artefact.page_text is not None:
            run.checks += pdf_checks(
                artefact, payload, credential, issuer, self.fetcher,
                now=run.now, allow_http=self.options.allow_http,
            )  # fmt: skip
        run.trust, trusted = trust_check(issuer, credential, self.options.trust)
        run.checks.append(trusted)
        if recipient_email is not None:
            run.checks.append(recipient_check(credential, recipient_email))
        return run.result(credential)

    def _unsecured(self, artefact: Artefact, run: _Run) -> VerificationResult:
        credential = artefact.credential or {}
        run.add("decoding", CheckStatus.PASS, artefact.kind)
        if artefact.kind.endswith("Open Badges 2.0 assertion"):
            run.add("signature", CheckStatus.FAIL,
                    "an Open Badges 2.0 assertion is not a verifiable credential; "
                    "this verifier checks Open Badges 3.0")  # fmt: skip
            return run.result(credential)
        proof = credential.get("proof")
        if proof is None:
            run.add(
                "signature", CheckStatus.FAIL, "no proof: an unsecured credential proves nothing"
            )
        else:
            kinds = proof if isinstance(proof, list) else [proof]
            names = ", ".join(
                str(p.get("cryptosuite") or p.get("type")) for p in kinds if isinstance(p, dict)
            )
            run.add("signature", CheckStatus.FAIL,
                    f"embedded proofs ({names}) are not supported: ask for the VC-JWT")  # fmt: skip
        run.checks.append(schema_check(credential, False))
        return run.result(credential)

    def _key(self, header: dict[str, Any], issuer: str | None, run: _Run) -> Any:
        if issuer is None:
            run.add("issuer key", CheckStatus.FAIL, "the credential names no issuer")
            return None
        try:
            resolved = resolve_key(header, issuer, self.fetcher, allow_http=self.options.allow_http)
        except (KeyRejected, FetchRefused) as exc:
            run.add("issuer key", CheckStatus.FAIL, str(exc))
            return None
        except FetchError as exc:
            run.add("issuer key", CheckStatus.UNKNOWN,
                    f"could not fetch the issuer's keys at {stamp(run.now)} ({exc})")  # fmt: skip
            return None
        run.add("issuer key", CheckStatus.PASS, f"{resolved.kid}, published at {resolved.source}")
        return resolved.key

    def _signature(self, token: str, header: dict[str, Any], key: Any, run: _Run) -> None:
        if key is None:
            unknown = any(c.status is CheckStatus.UNKNOWN for c in run.checks)
            status = CheckStatus.UNKNOWN if unknown else CheckStatus.SKIP
            run.add("signature", status, "not checked: no published key to check it with")
            return
        try:
            verify_signature(token, key, header["alg"])
        except SignatureError as exc:
            run.add("signature", CheckStatus.FAIL, str(exc))
        else:
            run.checks.append(_VERIFIES[header["alg"]])
