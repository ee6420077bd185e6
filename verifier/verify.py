"""The verification procedure (OB 3.0 §9.1 with §8.2.6, RFC 8725), check by check.

Every check is reported; the state follows from them (``VerificationResult.state``): any
failure means *not verified*, anything that could not be checked means *unknown*. The issuer's
key and status list come only through the injected :class:`~verifier.fetch.Fetcher`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from verifier.artefacts import Artefact, Unreadable, read_artefact
from verifier.fetch import Fetcher, FetchError, FetchRefused
from verifier.jose import (
    ALLOWED_ALGORITHMS,
    SignatureError,
    TokenError,
    compact_segments,
    read_segment,
    verify_signature,
)
from verifier.jwk_util import same_key
from verifier.keys import PRIVATE_MEMBERS, KeyRejected, origin, published_keys, resolve_key
from verifier.result import CheckResult, CheckStatus, VerificationResult
from verifier.schemas import ACHIEVEMENT_CREDENTIAL_SCHEMA, schema_errors
from verifier.status import check_status
from verifier.trust import Trust, TrustList
from verifier.vc import achievement, instant, issuer_id, stamp

#: JOSE header members OB 3.0 allows [§8.2.3]; anything else (crit, jku, x5u, …) is refused.
ALLOWED_HEADER = frozenset({"alg", "kid", "typ", "jwk"})
ALLOWED_TYP = (None, "JWT", "vc+jwt")
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat", "aud")
VERIFY_PATH = re.compile(
    r"^(?P<base>.*?)/(?:v|api/v1/credentials)/(?P<id>[A-Za-z0-9:._-]{1,100})/?$"
)

PdfReader = Callable[[bytes], tuple[Artefact, list[CheckResult]]]

#: The passing outcomes that read the same for every credential, made once.
_VERIFIES = {alg: CheckResult("signature", CheckStatus.PASS, f"{alg} signature verifies")
             for alg in ALLOWED_ALGORITHMS}  # fmt: skip
_CLAIMS_MATCH = CheckResult(
    "claims", CheckStatus.PASS, "iss, jti, sub, nbf, exp match the credential"
)
_SCHEMA_VALID = CheckResult(
    "schema", CheckStatus.PASS, "valid Open Badges 3.0 AchievementCredential"
)
#: What a NumericDate may be (a union built once, not on every isinstance call).
_NUMBER = int | float


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
        self.pdf_reader = pdf_reader or _read_pdf

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
        url = artefact.url or ""
        match = VERIFY_PATH.match(url.split("?")[0].split("#")[0])
        if match is None or urlsplit(url).scheme not in ("https", "http"):
            raise Unreadable("not a verify link (expected …/v/<credential id>)")
        api = f"{match['base']}/api/v1/credentials/{match['id']}"
        body = self.fetcher.get(api)
        try:
            document = json.loads(body)
            token = document["jwt"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise Unreadable(f"{api} did not answer with a credential") from None
        run.add("verify link", CheckStatus.PASS, f"fetched the credential from {origin(api)}")
        return Artefact(f"verify URL → {artefact.kind}", token=str(token))

    # -- the procedure ------------------------------------------------------------------------

    def _verify_artefact(
        self, artefact: Artefact, run: _Run, recipient_email: str | None
    ) -> VerificationResult:
        if artefact.token is None:
            return self._unsecured(artefact, run)
        token = artefact.token
        try:
            head, body, _ = compact_segments(token)
            header, header_check, algorithm_check = _header_reading(head)
            payload = read_segment(body, "payload")
        except TokenError as exc:
            run.add("decoding", CheckStatus.FAIL, f"{artefact.kind}: {exc}")
            return run.result(unreadable=True)
        legacy = isinstance(payload.get("vc"), dict)
        credential = payload["vc"] if legacy else _without_claims(payload)
        model = "VC 1.1 (vc claim)" if legacy else "VC 2.0"
        run.add("decoding", CheckStatus.PASS, f"{artefact.kind}, {model} credential")
        run.checks.extend(artefact.pdf_checks)
        run.checks += (header_check, algorithm_check)
        issuer = issuer_id(credential)
        key = self._key(header, issuer, run) if algorithm_check.status is CheckStatus.PASS else None
        self._signature(token, header, key, run)
        validity = _Validity.of(credential, legacy)
        self._claims(payload, credential, issuer, validity, legacy, run)
        self._schema(credential, legacy, run)
        self._window(validity, run)
        run.checks.append(
            check_status(
                credential, self.fetcher, now=run.now, leeway=self.options.leeway,
                allow_http=self.options.allow_http,
            )
        )  # fmt: skip
        if artefact.pdf_signer_jwk is not None or artefact.page_text is not None:
            self._pdf(artefact, payload, credential, issuer, run)
        self._trust(issuer, credential, run)
        self._recipient(credential, recipient_email, run)
        return run.result(credential)

    def _pdf(
        self,
        artefact: Artefact,
        payload: dict[str, Any],
        credential: dict[str, Any],
        issuer: str | None,
        run: _Run,
    ) -> None:
        """The PDF's signer is the issuer, and its page shows the embedded credential."""
        signer = artefact.pdf_signer_jwk
        if signer is None:
            run.add("PDF signer", CheckStatus.SKIP, "no valid PDF signature to attribute")
        elif issuer is None:
            run.add("PDF signer", CheckStatus.FAIL, "the credential names no issuer")
        else:
            try:
                published = published_keys(issuer, self.fetcher, allow_http=self.options.allow_http)
            except (KeyRejected, FetchRefused) as exc:
                run.add("PDF signer", CheckStatus.FAIL, str(exc))
            except FetchError as exc:
                run.add(
                    "PDF signer",
                    CheckStatus.UNKNOWN,
                    f"could not fetch the issuer's keys at {stamp(run.now)} ({exc})",
                )
            else:
                if any(same_key(signer, key) for key in published):
                    run.add(
                        "PDF signer", CheckStatus.PASS, "signed with a key the issuer publishes"
                    )
                else:
                    run.add(
                        "PDF signer",
                        CheckStatus.FAIL,
                        "signed with a key the issuer does not publish",
                    )
        page = artefact.page_text or ""
        name = achievement(credential).get("name", "")
        shown_id = re.sub(r"\s+", "", str(payload.get("jti") or credential.get("id") or ""))
        shown_name = re.sub(r"\s+", "", str(name))
        if shown_id and shown_id in page and shown_name in page:
            run.add("PDF contents", CheckStatus.PASS, "the page shows the embedded credential")
        else:
            run.add(
                "PDF contents",
                CheckStatus.FAIL,
                "the page does not show the embedded credential (id or badge differ)",
            )

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
        self._schema(credential, False, run)
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

    def _claims(
        self,
        payload: dict[str, Any],
        credential: dict[str, Any],
        issuer: str | None,
        validity: _Validity,
        legacy: bool,
        run: _Run,
    ) -> None:
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
            run.add("claims", CheckStatus.FAIL, "; ".join(problems))
        elif notes:
            run.add("claims", CheckStatus.PASS, f"{_CLAIMS_MATCH.detail} ({'; '.join(notes)})")
        else:
            run.checks.append(_CLAIMS_MATCH)

    def _schema(self, credential: dict[str, Any], legacy: bool, run: _Run) -> None:
        if legacy:
            run.add(
                "schema",
                CheckStatus.SKIP,
                "VC 1.1 credential: the OB 3.0 (VC 2.0) schema does not apply",
            )
            return
        subject = credential.get("credentialSubject")
        if not isinstance(subject, dict) or not ("id" in subject or subject.get("identifier")):
            run.add("schema", CheckStatus.FAIL, "credentialSubject needs an id or an identifier")
            return
        errors = schema_errors(credential, ACHIEVEMENT_CREDENTIAL_SCHEMA)
        if errors:
            more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
            run.add("schema", CheckStatus.FAIL, "; ".join(errors[:3]) + more)
        else:
            run.checks.append(_SCHEMA_VALID)

    def _window(self, validity: _Validity, run: _Run) -> None:
        start_name, end_name, start, end, start_at, end_at = validity
        leeway = self.options.leeway
        if start_at is None:
            run.add(
                "validity window", CheckStatus.FAIL, f"{start_name} is missing or has no timezone"
            )
        elif end is not None and end_at is None:
            run.add(
                "validity window", CheckStatus.FAIL, f"{end_name} is not a date-time with timezone"
            )
        elif start_at - leeway > run.now:
            run.add("validity window", CheckStatus.FAIL, f"not yet valid: valid from {start}")
        elif end_at is not None and end_at + leeway < run.now:
            run.add("validity window", CheckStatus.FAIL, f"expired on {end}")
        else:
            until = f" until {end}" if end else ", no expiry"
            run.add("validity window", CheckStatus.PASS, f"valid from {start}{until}")

    def _trust(self, issuer: str | None, credential: dict[str, Any], run: _Run) -> None:
        profile = credential.get("issuer")
        name = profile.get("name") if isinstance(profile, dict) else None
        run.trust, check = _trust_check(
            issuer, name if isinstance(name, str) else None, self.options.trust
        )
        run.checks.append(check)

    def _recipient(self, credential: dict[str, Any], email: str | None, run: _Run) -> None:
        if email is None:
            return
        subject = credential.get("credentialSubject")
        identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
        identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
        emails = [
            i
            for i in identifiers
            if isinstance(i, dict) and i.get("identityType") == "emailAddress"
        ]
        if not emails:
            run.add("recipient", CheckStatus.FAIL, "the credential names no email recipient")
            return
        for identity in emails:
            if _matches(identity, email):
                run.add(
                    "recipient",
                    CheckStatus.PASS,
                    "the credential was awarded to this email address",
                )
                return
        run.add(
            "recipient", CheckStatus.FAIL, "the credential was not awarded to this email address"
        )


def _without_claims(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload less the registered claims: the VC 2.0 credential, in the payload's order
    (copying and popping seven names is a third of a comprehension's cost)."""
    credential = payload.copy()
    for claim in REGISTERED_CLAIMS:
        credential.pop(claim, None)
    return credential


@lru_cache(maxsize=256)
def _header_reading(segment: str) -> tuple[dict[str, Any], CheckResult, CheckResult]:
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


@lru_cache(maxsize=256)
def _trust_check(
    issuer: str | None, claimed_name: str | None, trust: TrustList
) -> tuple[Trust, CheckResult]:
    """Whether the trust list covers ``issuer``, and who signed in words: once per issuer,
    name and list (most verifications meet a few issuers)."""
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


class _Validity(NamedTuple):
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
    def of(cls, credential: dict[str, Any], legacy: bool) -> _Validity:
        start_name, end_name = ("issuanceDate", "expirationDate") if legacy else _VC2_VALIDITY
        start, end = credential.get(start_name), credential.get(end_name)
        return cls(start_name, end_name, start, end, instant(start), instant(end))


_VC2_VALIDITY = ("validFrom", "validUntil")


def _read_pdf(data: bytes) -> tuple[Artefact, list[CheckResult]]:
    from verifier.pdf import read_pdf  # pyHanko loads only when a PDF arrives

    return read_pdf(data)


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
