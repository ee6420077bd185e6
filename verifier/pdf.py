"""Reading a PDF certificate: its signature, its ``credential.jwt`` attachment, what the page shows.

The PDF's signature proves the file is unchanged since signing; who signed it is settled later,
by checking that the signer's key is one the credential's issuer publishes.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from verifier.artefacts import Artefact, Unreadable
from verifier.result import CheckResult, CheckStatus

ATTACHMENT_NAME = "credential.jwt"
MAX_ATTACHMENT_BYTES = 64 * 1024

# A damaged PDF is reported as a failed check; pyHanko's own tracebacks would only be noise.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


def _attachment(reader: Any) -> str:
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        raise Unreadable("the PDF has no embedded credential (credential.jwt)") from None
    for i in range(0, len(names) - 1, 2):
        if str(names[i]) == ATTACHMENT_NAME:
            stream = names[i + 1]["/EF"]["/F"]
            data = stream.data
            if len(data) > MAX_ATTACHMENT_BYTES:
                raise Unreadable("the embedded credential is too large")
            return data.decode("utf-8").strip()
    raise Unreadable("the PDF has no embedded credential (credential.jwt)")


def _signature(reader: Any) -> tuple[CheckResult, dict[str, Any] | None]:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signatures = reader.embedded_signatures
    if not signatures:
        return CheckResult("PDF signature", CheckStatus.FAIL, "the PDF is not signed"), None
    signature = signatures[-1]
    cert = signature.signer_cert
    # Trust is decided by the issuer's published keys, not by a CA: validate integrity only.
    context = ValidationContext(trust_roots=[cert], allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except Exception as exc:  # pyHanko raises many kinds on damaged input
        return CheckResult(
            "PDF signature", CheckStatus.FAIL, f"the signature cannot be validated: {exc}"
        ), None
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not (status.intact and status.valid):
        return CheckResult(
            "PDF signature", CheckStatus.FAIL, "the PDF signature does not verify"
        ), None
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE or len(signatures) != 1:
        return (
            CheckResult(
                "PDF signature", CheckStatus.FAIL, "the PDF was changed after it was signed"
            ),
            None,
        )
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    from verifier.jwk_util import public_jwk

    key = load_der_public_key(cert.public_key.dump())
    detail = f"intact and covers the whole file; signed by {cert.subject.human_friendly}"
    return CheckResult("PDF signature", CheckStatus.PASS, detail), public_jwk(key)


def _page_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def read_pdf(data: bytes) -> tuple[Artefact, list[CheckResult]]:
    """The credential inside a PDF certificate, with the PDF's own checks."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        token = _attachment(reader)
        check, signer = _signature(reader)
    except Unreadable:
        raise
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise Unreadable(f"not a readable PDF: {exc}") from None
    artefact = Artefact("PDF certificate", token=token)
    artefact.pdf_signer_jwk = signer
    try:
        artefact.page_text = _page_text(data)
    except Exception as exc:  # pypdf raises many kinds on damaged input
        raise Unreadable(f"the PDF's page cannot be read: {exc}") from None
    return artefact, [check]
