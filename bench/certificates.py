"""Signed PDF certificates per second: the naive path (a fresh WeasyPrint render and a fresh
pyHanko signer per document), the prepared renderer one certificate at a time, and the bulk
path (batches laid out as one document, over worker processes); and the cost of each stage.

    python bench/certificates.py [--count N] [--processes P] [--runs R]

The naive path is the textbook one, QR code included (qrcode's SVG path image, one square per
module); a second naive line uses the renderer's QR code (mask chosen from one layout, outline
paths), to show what the QR code alone accounts for. Every figure is the best of R runs, per
PDF: wall clock (throughput on this machine, shared with whatever else runs) and CPU time
(this process and its worker processes: what a PDF costs, whatever else runs). The bulk line
with P processes uses P forked workers; its CPU figure is the per-process cost of a PDF. The
stage breakdown is CPU time per certificate of the bulk path in one process.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from common import best_of, learner_bundles, take_turns, throwaway_issuer
from markupsafe import Markup

from issuer.certificates import (
    ATTACHMENT_NAME,
    CERTIFICATE_DIR,
    SIGNATURE_FIELD,
    AssetFetcher,
    CertificateData,
    CertificateRenderer,
    document_metadata,
    qr_svg,
)
from issuer.forking import single_threaded


def textbook_qr_svg(url: str) -> Markup:
    """The QR code as qrcode draws it (one square subpath per dark module)."""
    import qrcode
    import qrcode.image.svg

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return Markup(image.to_string(encoding="unicode").split("?>", 1)[-1])


def naive_certificate(
    keys: Any, renderer: CertificateRenderer, data: CertificateData, textbook_qr: bool = True
) -> bytes:
    """The textbook path: fresh fonts and stylesheet, a one-page render, a fresh pyHanko signer
    with pyHanko's defaults (it sizes the signature by building a throwaway one first). Same
    template, metadata, attachment, PDF/UA-1 and signature as the renderer's certificates."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    fetcher = AssetFetcher(CERTIFICATE_DIR)
    fonts = FontConfiguration()
    css = CSS(filename=str(CERTIFICATE_DIR / "certificate.css"), font_config=fonts)
    with mock.patch("issuer.certificates.qr_svg", textbook_qr_svg if textbook_qr else qr_svg):
        page = renderer.html([data])
    html = HTML(string=page, base_url=str(CERTIFICATE_DIR) + "/", url_fetcher=fetcher)
    document = html.render(stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1")
    document.metadata = document_metadata(data)
    attachment = Attachment(string=data.jwt, name=ATTACHMENT_NAME, url_fetcher=fetcher)
    pdf = document.write_pdf(attachments=[attachment], pdf_variant="pdf/ua-1", custom_metadata=True)
    key = keys.signing_key  # decrypted once per process by the key store, as in production
    cert = asn1_x509.Certificate.load(keys.certificate().public_bytes(serialization.Encoding.DER))
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Certificate issued by Vouch",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def stage_breakdown(
    renderer: CertificateRenderer, data: list[CertificateData], runs: int
) -> dict[str, float]:
    """CPU seconds per certificate for each stage of render_many, in this process."""
    cpu = time.process_time
    count = len(data)
    stages: dict[str, float] = {}
    qr = 1 / best_of(runs, lambda: [qr_svg(d.verify_url) for d in data], count, cpu)
    codes = {d.verify_url: qr_svg(d.verify_url) for d in data}
    with mock.patch("issuer.certificates.qr_svg", codes.__getitem__):  # the template alone
        template = 1 / best_of(runs, lambda: renderer.html(data), count, cpu)
        layout = 1 / best_of(runs, lambda: renderer.layout(data), count, cpu) - template
    stages["template"], stages["QR code"], stages["layout"] = template, qr, layout
    document = renderer.layout(data)

    def write_all() -> None:
        for page, d in enumerate(data):
            renderer.write(document, page, d)

    # The shares of two parts of PDF writing, timed inside one run: font subsetting, and
    # drawing the QR code (the page's only SVG image).
    from weasyprint.pdf.fonts import Font
    from weasyprint.svg import SVG

    shares = {"QR drawing": 0.0, "font subsetting": 0.0}

    def timed(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = cpu()
            try:
                return original(*args, **kwargs)
            finally:
                shares[name] += cpu() - start

        return wrapper

    with (
        mock.patch.object(Font, "subset", timed("font subsetting", Font.subset)),
        mock.patch.object(SVG, "draw", timed("QR drawing", SVG.draw)),
    ):
        write_all()
    writing = 1 / best_of(runs, write_all, count, cpu)
    stages["PDF writing"] = writing - sum(shares.values()) / count
    stages |= {name: share / count for name, share in shares.items()}
    pdfs = [renderer.write(document, page, d) for page, d in enumerate(data)]
    stages["PAdES signing"] = 1 / best_of(
        runs, lambda: [renderer.sign(p) for p in pdfs], count, cpu
    )
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=48, help="certificates per run")
    parser.add_argument(
        "--processes",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="worker processes for the bulk path (default: the usable cores)",
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with throwaway_issuer() as issuer:
        records = [issuer.issue(b).credential for b in learner_bundles(args.count)]
        data = [issuer.certificate_data(r) for r in records]
        renderer = issuer.certificates
        renderer.render(data[0])  # warm: fonts, stylesheet, signer
        sample = data[: max(4, args.count // 4)]  # the slow paths get fewer documents

        def naive_path(textbook_qr: bool) -> None:
            for d in sample:
                naive_certificate(issuer.keys, renderer, d, textbook_qr)

        if args.processes > 1 and not single_threaded():
            raise SystemExit("this process has threads: certificates_many would not fork")

        def bulk(processes: int) -> None:
            kept = renderer.cache_dir
            with tempfile.TemporaryDirectory() as cache:  # every certificate a cache miss
                renderer.cache_dir = Path(cache)
                for _ in renderer.certificates_many(data, processes=processes):
                    pass
            renderer.cache_dir = kept

        figures = take_turns(
            args.runs,
            {
                "naive": (lambda: naive_path(True), len(sample)),
                "naive, outline QR": (lambda: naive_path(False), len(sample)),
                "prepared": (lambda: [renderer.render(d) for d in sample], len(sample)),
                "bulk, 1 process": (lambda: renderer.render_many(data), len(data)),
                "bulk, P processes": (lambda: bulk(args.processes), len(data)),
            },
        )
        naive, naive_outline, prepared = (
            figures["naive"], figures["naive, outline QR"], figures["prepared"]
        )  # fmt: skip
        bulk_one, bulk_many = figures["bulk, 1 process"], figures["bulk, P processes"]
        for d in data:
            renderer.certificate(d)  # fill the cache
        cached = 1 / best_of(args.runs, lambda: [renderer.certificate(d) for d in data], len(data))
        stages = stage_breakdown(renderer, data[:16], args.runs)

    def line(label: str, figures: tuple[float, float], extra: str = "") -> str:
        wall, cpu = figures
        rate = (
            f"{1 / wall:6.1f} signed PDFs/s ({wall * 1000:5.1f} ms each, CPU {cpu * 1000:5.1f} ms)"
        )
        return f"{label:<34} {rate}{extra}"

    def times(figures: tuple[float, float]) -> str:
        return f"; {naive[0] / figures[0]:.1f}x naive"

    p = args.processes
    print(line("naive path:", naive))
    print(line("naive path, outline QR code:", naive_outline))
    print(line("prepared renderer, one at a time:", prepared, times(prepared)))
    print(line("bulk, 1 process:", bulk_one, times(bulk_one)))
    print(line(f"bulk, {p} processes:", bulk_many, times(bulk_many)))
    print(
        f"bulk/naive: {naive[0] / bulk_many[0]:.1f}x with {p} processes (wall clock), "
        f"{naive[0] / bulk_one[0]:.1f}x in one; per process, a PDF costs "
        f"{bulk_many[1] * 1000:.1f} ms CPU in the pool against {naive[1] * 1000:.1f} ms naive "
        f"({naive[1] / bulk_many[1]:.1f}x, so {p * naive[1] / bulk_many[1]:.1f}x on {p} idle cores)"
    )
    print(
        f"against the naive path with the outline QR code: {naive_outline[0] / bulk_many[0]:.1f}x "
        f"with {p} processes, {naive_outline[0] / bulk_one[0]:.1f}x in one"
    )
    print(f"{'from the cache:':<34} {1 / cached:,.0f} PDFs/s")
    print(
        "one certificate (CPU, bulk path, 1 process): "
        + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in stages.items())
    )
    print(f"({len(data)} certificates per run, best of {args.runs}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
