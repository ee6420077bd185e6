"""Reading a PDF certificate: its signature, its ``credential.jwt`` attachment, what the page shows.

The PDF's signature proves the file is unchanged since signing; who signed it is settled later,
by checking that the signer's key is one the credential's issuer publishes.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from verifier.artefacts import Artefact
from verifier.errors import Unreadable
from verifier.result import CheckResult, CheckStatus

ATTACHMENT_NAME = "credential.jwt"
MAX_ATTACHMENT_BYTES = 64 * 1024
#: A Vouch certificate is one page whose 18 streams decode to about 100 KB (the largest 24 KB):
#: a PDF is read with bounds far above that and far below what a hostile file may ask for (a
#: 1 MB Deflate stream inflates to 1 GB). Beyond any of them the PDF is unreadable input.
MAX_STREAM_BYTES = 1024 * 1024  # one stream, decoded
MAX_DECODED_BYTES = 16 * 1024 * 1024  # every stream of the PDF together, decoded
MAX_OBJECTS = 10_000  # objects in the PDF, every revision together (a certificate has 113)
MAX_TEXT_PAGES = 1  # pages whose text is read: a certificate is one page
DECODE_LIMITS = (
    f"not a readable PDF: its streams decode beyond {MAX_STREAM_BYTES} bytes each or "
    f"{MAX_DECODED_BYTES} in all"
)

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
            text: str = data.decode("utf-8").strip()
            return text
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
    from pypdf import PdfReader, apply_configuration

    stream = MAX_STREAM_BYTES
    with apply_configuration(  # pypdf's own bounds, each lowered to ours
        maximum_declared_stream_length=stream,
        array_based_stream_maximum_output_length=stream,
        jbig2_maximum_output_length=stream,
        lzw_maximum_output_length=stream,
        run_length_maximum_output_length=stream,
        zlib_maximum_output_length=stream,
        brotli_maximum_output_length=stream,
        image_maximum_buffer_size=stream,
        stream_decoding_work_maximum_length=MAX_DECODED_BYTES,
        xform_maximum_invocations_per_extraction=256,
        page_tree_maximum_entries=1024,
    ):
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:MAX_TEXT_PAGES]
        return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in pages))


def _decode_limits() -> Any:
    """pyHanko's bounds on decoding streams (per stream, and all of a PDF's), lowered to ours."""
    from pyhanko.pdf_utils.decode_limits import (
        DecodeLimits,
        DocumentDecodeBudget,
        StreamDecodeLimits,
    )

    return DecodeLimits(
        per_stream=StreamDecodeLimits(max_output_size=MAX_STREAM_BYTES),
        document_budget=DocumentDecodeBudget(base_allowance=MAX_DECODED_BYTES, max_ratio=0),
    )


def _decode_every_stream(reader: Any) -> None:
    """Decode each stream of the PDF once under pyHanko's bounds, the whole-document budget
    included: pypdf, which reads the page's text afterwards, bounds each stream but has no
    budget for a document, so a PDF whose streams together exceed it is refused first."""
    from pyhanko.pdf_utils.generic import StreamObject

    refs: set[Any] = set()
    for revision in range(reader.xrefs.total_revisions):
        refs |= reader.xrefs.explicit_refs_in_revision(revision)
        if len(refs) > MAX_OBJECTS:
            raise Unreadable(f"not a readable PDF: more than {MAX_OBJECTS} objects")
    for ref in refs:
        found = reader.get_object(ref)
        if isinstance(found, StreamObject):
            found.data  # noqa: B018 (decoding is the point: pyHanko counts it against the budget)


def read_pdf(data: bytes) -> tuple[Artefact, list[CheckResult]]:
    """The credential inside a PDF certificate, with the PDF's own checks.

    Anything a damaged or hostile PDF makes the readers raise is unreadable input, a
    ``RecursionError`` included: pyHanko's and pypdf's parsers recurse once per level of
    nested arrays and dictionaries, so 1,000 levels (2 KB) exhaust the stack.
    """
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError, PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=_decode_limits())
        token = _attachment(reader)
        check, signer = _signature(reader)
        _decode_every_stream(reader)
        del reader  # its decoded streams with it, before pypdf reads the page
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable("not a readable PDF: objects nested too deeply") from None
    except PdfDecodeLimitError:
        raise Unreadable(DECODE_LIMITS) from None
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise Unreadable(f"not a readable PDF: {exc}") from None
    artefact = Artefact("PDF certificate", token=token)
    artefact.pdf_signer_jwk = signer
    try:
        artefact.page_text = _page_text(data)
    except RecursionError:
        raise Unreadable("the PDF's page cannot be read: objects nested too deeply") from None
    except Exception as exc:  # pypdf raises many kinds on damaged input
        raise Unreadable(f"the PDF's page cannot be read: {exc}") from None
    return artefact, [check]
