"""What carried the credential, when it was not handed in as a token: the verify link it is
fetched from, and the PDF certificate that embeds it (its signer and its visible page)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import strictjson
from verifier.artefacts import Artefact
from verifier.errors import FetchError, FetchRefused, KeyRejected, Unreadable
from verifier.fetch import Fetcher
from verifier.jwk_util import same_key
from verifier.keys import origin, published_keys
from verifier.result import CheckResult, CheckStatus
from verifier.vc import achievement, stamp

VERIFY_PATH = re.compile(
    r"^(?P<base>.*?)/(?:v|api/v1/credentials)/(?P<id>[A-Za-z0-9:._-]{1,100})/?$"
)

PdfReader = Callable[[bytes], tuple[Artefact, list[CheckResult]]]


def read_pdf(data: bytes) -> tuple[Artefact, list[CheckResult]]:
    """The default :data:`PdfReader`: the credential a PDF certificate embeds, and the checks
    of its PAdES signature."""
    from verifier.pdf import read_pdf  # pyHanko loads only when a PDF arrives

    return read_pdf(data)


def follow_url(artefact: Artefact, fetcher: Fetcher) -> tuple[Artefact, CheckResult]:
    """The token behind a verify link (``…/v/<id>``), fetched from the issuer's API; raises
    ``Unreadable`` (not a verify link, or no credential in the answer) or ``FetchError``."""
    url = artefact.url or ""
    match = VERIFY_PATH.match(url.split("?")[0].split("#")[0])
    if match is None or urlsplit(url).scheme not in ("https", "http"):
        raise Unreadable("not a verify link (expected …/v/<credential id>)")
    api = f"{match['base']}/api/v1/credentials/{match['id']}"
    body = fetcher.get(api)
    try:
        document = strictjson.loads(body)
        token = document["jwt"]
    except (ValueError, KeyError, TypeError):
        raise Unreadable(f"{api} did not answer with a credential") from None
    check = CheckResult(
        "verify link", CheckStatus.PASS, f"fetched the credential from {origin(api)}"
    )
    return Artefact(f"verify URL → {artefact.kind}", token=str(token)), check


def pdf_checks(
    artefact: Artefact,
    payload: dict[str, Any],
    credential: dict[str, Any],
    issuer: str | None,
    fetcher: Fetcher,
    *,
    now: dt.datetime,
    allow_http: bool,
) -> list[CheckResult]:
    """The PDF's signer is the issuer, and its page shows the embedded credential."""
    return [
        _signer_check(artefact.pdf_signer_jwk, issuer, fetcher, now=now, allow_http=allow_http),
        _contents_check(artefact.page_text or "", payload, credential),
    ]


def _signer_check(
    signer: dict[str, Any] | None,
    issuer: str | None,
    fetcher: Fetcher,
    *,
    now: dt.datetime,
    allow_http: bool,
) -> CheckResult:
    if signer is None:
        return CheckResult("PDF signer", CheckStatus.SKIP, "no valid PDF signature to attribute")
    if issuer is None:
        return CheckResult("PDF signer", CheckStatus.FAIL, "the credential names no issuer")
    try:
        published = published_keys(issuer, fetcher, allow_http=allow_http)
    except (KeyRejected, FetchRefused) as exc:
        return CheckResult("PDF signer", CheckStatus.FAIL, str(exc))
    except FetchError as exc:
        return CheckResult(
            "PDF signer",
            CheckStatus.UNKNOWN,
            f"could not fetch the issuer's keys at {stamp(now)} ({exc})",
        )
    if any(same_key(signer, key) for key in published):
        return CheckResult("PDF signer", CheckStatus.PASS, "signed with a key the issuer publishes")
    return CheckResult(
        "PDF signer", CheckStatus.FAIL, "signed with a key the issuer does not publish"
    )


def _contents_check(page: str, payload: dict[str, Any], credential: dict[str, Any]) -> CheckResult:
    name = achievement(credential).get("name", "")
    shown_id = re.sub(r"\s+", "", str(payload.get("jti") or credential.get("id") or ""))
    shown_name = re.sub(r"\s+", "", str(name))
    if shown_id and shown_id in page and shown_name in page:
        return CheckResult(
            "PDF contents", CheckStatus.PASS, "the page shows the embedded credential"
        )
    return CheckResult(
        "PDF contents",
        CheckStatus.FAIL,
        "the page does not show the embedded credential (id or badge differ)",
    )
