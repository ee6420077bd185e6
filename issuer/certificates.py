"""The PDF certificate: WeasyPrint renders it, the credential JWT rides along as an attachment,
and pyHanko signs it (PAdES baseline) with the issuer's certificate. What a certificate says
is ``issuer.certificate_data``; signing it is ``issuer.certificate_signing``; this module lays
it out, caches it and renders in bulk (its names are re-exported here).

Everything costly is built once per process: the Jinja environment, the font configuration,
the parsed stylesheet and the signer (its private key is decrypted once, in memory only).
Rendered certificates are cached on disk under a content address, so a certificate is drawn
once per credential and drawn again only when the template or the credential changes.

Where the time goes, and what this module does about it (``bench/certificates.py`` measures it):

* **QR code** (``issuer/qr.py``): the mask is chosen from one layout of the data instead of
  eight, and the code is drawn as the outlines of its dark areas instead of one square per
  module, which WeasyPrint's SVG path parser draws several times faster.
* **Layout**: :meth:`CertificateRenderer.render_many` lays out a batch of certificates as the
  pages of one document and writes each page as its own PDF with its own metadata and
  attachment. That spares a little per page (one HTML parse and cascade per batch); layout
  itself is WeasyPrint's per-page work and stays the largest cost.
* **Signing**: pyHanko builds its CMS container with asn1crypto, re-encoding the certificate
  and the attributes for every document, and by default builds a throwaway container first to
  size the signature's placeholder. ``issuer.pdf_signing.TemplateSigner`` lets pyHanko build
  the container once; after that only the document digest and the signature value change, so
  they are spliced into the pre-encoded DER. The placeholder size is computed once.
* **Bulk**: :meth:`CertificateRenderer.certificates_many` spreads batches over worker
  processes forked from a warmed-up renderer (``issuer.forking``): they inherit its fonts,
  stylesheet and signer in memory.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from issuer import forking
from issuer.certificate_data import ASSESSED_BY as ASSESSED_BY
from issuer.certificate_data import CertificateData as CertificateData
from issuer.certificate_data import document_metadata as document_metadata
from issuer.certificate_data import name_size as name_size
from issuer.certificate_data import requirement_line as requirement_line
from issuer.certificate_signing import SIGNATURE_FIELD as SIGNATURE_FIELD
from issuer.certificate_signing import CertificateSigner, SigningMaterial
from issuer.qr import qr_svg
from templates import TEMPLATES_DIR

if TYPE_CHECKING:
    from issuer.pdf_signing import TemplateSigner

log = logging.getLogger(__name__)
CERTIFICATE_DIR = TEMPLATES_DIR / "certificate"
ATTACHMENT_NAME = "credential.jwt"
#: Bump when the rendering code (not the template) changes the output.
RENDERER_VERSION = "2"
#: Certificates laid out together as one document. Larger batches save little more layout per
#: page (most of it is per page anyway) and share the work less evenly between processes.
BATCH = 8


class AssetFetcher:
    """WeasyPrint's only way out: files inside the certificate template folder, nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        from weasyprint.urls import FatalURLFetchingError, URLFetcherResponse

        path = Path(url.removeprefix("file://")).resolve() if url.startswith("file://") else None
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            raise FatalURLFetchingError(f"refusing to fetch {url[:120]!r} while rendering")
        return URLFetcherResponse(url, body=path.read_bytes())


# -- the renderer -------------------------------------------------------------------------------


class CertificateRenderer:
    def __init__(self, signing: SigningMaterial, cache_dir: Path) -> None:
        """``signing`` supplies ``signing_key`` and ``certificate()`` (the key store)."""
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        self.signing = signing
        self.pdf_signing = CertificateSigner(signing)
        self.cache_dir = cache_dir
        self.env = Environment(
            loader=FileSystemLoader(CERTIFICATE_DIR),
            autoescape=select_autoescape(["html", "svg"], default=True),
        )
        self.template = self.env.get_template("certificate.html")
        self._lock = threading.Lock()

    @cached_property
    def _weasy(self) -> tuple[Any, Any, Any]:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fetcher = AssetFetcher(CERTIFICATE_DIR)
        fonts = FontConfiguration()
        css = CSS(
            filename=str(CERTIFICATE_DIR / "certificate.css"),
            font_config=fonts,
            url_fetcher=fetcher,
        )
        return fetcher, fonts, css

    @cached_property
    def template_digest(self) -> str:
        digest = hashlib.sha256(RENDERER_VERSION.encode())
        for name in ("certificate.html", "certificate.css"):
            digest.update((CERTIFICATE_DIR / name).read_bytes())
        return digest.hexdigest()

    @property
    def signer(self) -> TemplateSigner:
        """The pyHanko signer (see :class:`CertificateSigner`)."""
        return self.pdf_signing.signer

    def html(self, datas: Sequence[CertificateData]) -> str:
        """The HTML of one sheet per certificate."""
        return self.template.render(
            certificates=[
                asdict(data)
                | {
                    "name_size": name_size(data.learner_name),
                    "qr_svg": qr_svg(data.verify_url),
                    "issued_date": data.issued.strftime("%-d %B %Y"),
                }
                for data in datas
            ]
        )

    def layout(self, datas: Sequence[CertificateData]) -> Any:
        """The certificates laid out as the pages of one WeasyPrint document."""
        from weasyprint import HTML

        fetcher, fonts, css = self._weasy
        html = HTML(
            string=self.html(datas), base_url=str(CERTIFICATE_DIR) + "/", url_fetcher=fetcher
        )
        document = html.render(stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1")
        if len(document.pages) != len(datas):
            raise RuntimeError(f"{len(datas)} certificates laid out on {len(document.pages)} pages")
        return document

    def write(self, document: Any, page: int, data: CertificateData) -> bytes:
        """Page ``page`` of a laid-out document as a standalone, unsigned PDF/UA-1 file."""
        from weasyprint import Attachment

        single = document.copy([document.pages[page]])
        single.metadata = document_metadata(data)
        attachment = Attachment(
            string=data.jwt,
            name=ATTACHMENT_NAME,
            description="Open Badges 3.0 credential (VC-JWT)",
            url_fetcher=document.url_fetcher,
        )
        pdf: bytes = single.write_pdf(
            attachments=[attachment], pdf_variant="pdf/ua-1", custom_metadata=True
        )
        return pdf

    def render(self, data: CertificateData) -> bytes:
        """A fresh, signed PDF (no cache)."""
        return self.render_many([data])[0]

    def render_many(self, datas: Sequence[CertificateData], batch_size: int = BATCH) -> list[bytes]:
        """Fresh, signed PDFs, one per certificate (no cache), laid out ``batch_size`` at a time.

        Each is a standalone certificate, the same as :meth:`render` gives for it alone.
        """
        pdfs: list[bytes] = []
        for start in range(0, len(datas), batch_size):
            batch = datas[start : start + batch_size]
            document = self.layout(batch)
            for page, data in enumerate(batch):
                pdfs.append(self.sign(self.write(document, page, data)))
        return pdfs

    def sign(self, pdf: bytes) -> bytes:
        return self.pdf_signing.sign(pdf)

    def cache_key(self, data: CertificateData) -> str:
        digest = hashlib.sha256(self.template_digest.encode())
        digest.update(repr(sorted(asdict(data).items())).encode())
        return digest.hexdigest()

    def _cached(self, data: CertificateData) -> bytes | None:
        try:
            return (self.cache_dir / f"{self.cache_key(data)}.pdf").read_bytes()
        except FileNotFoundError:
            return None

    def _store(self, data: CertificateData, pdf: bytes) -> None:
        path = self.cache_dir / f"{self.cache_key(data)}.pdf"
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(pdf)
            os.replace(tmp, path)  # readers see the whole file or none
        except OSError as exc:  # a full or read-only disk costs the cache, not the certificate
            log.warning(
                "certificate cache unavailable (%s); serving %s uncached", exc.strerror, path.name
            )
            tmp.unlink(missing_ok=True)

    def certificate(self, data: CertificateData) -> bytes:
        """The certificate from the cache, rendering (and storing) it on a miss."""
        pdf = self._cached(data)
        if pdf is not None:
            return pdf
        with self._lock:  # WeasyPrint's font configuration is not thread-safe
            pdf = self.render(data)
        self._store(data, pdf)
        return pdf

    def certificates_many(
        self, datas: Iterable[CertificateData], *, processes: int = 1, batch_size: int = BATCH
    ) -> Iterator[tuple[CertificateData, bytes]]:
        """Every certificate with its PDF, in order: from the cache, or rendered in batches of
        ``batch_size`` (over ``processes`` worker processes if more than one) and stored.

        A generator working through a window of a few batches per process at a time, so
        memory stays bounded however many certificates there are.
        """
        if processes > 1 and not forking.single_threaded():
            log.warning("rendering certificates in one process: forking a threaded process")
            processes = 1
        window = batch_size * processes * 8
        with ExitStack() as stack:
            pool: ProcessPoolExecutor | None = None
            for chunk in _chunks(datas, window):
                cached = [self._cached(data) for data in chunk]
                missing = [data for data, pdf in zip(chunk, cached, strict=True) if pdf is None]
                if missing and processes > 1 and pool is None:
                    pool = stack.enter_context(self._pool(processes))
                rendered = iter(self._render_missing(missing, pool, batch_size, processes))
                for data, pdf in zip(chunk, cached, strict=True):
                    if pdf is None:
                        pdf = next(rendered)
                        self._store(data, pdf)
                    yield data, pdf

    def _pool(self, processes: int) -> ProcessPoolExecutor:
        """Worker processes forked from this one, after building what they all need."""
        self.warm_up()  # the workers inherit it
        return forking.pool(processes, self)

    def _render_missing(
        self,
        datas: list[CertificateData],
        pool: ProcessPoolExecutor | None,
        batch_size: int,
        processes: int,
    ) -> list[bytes]:
        if not datas:
            return []
        if pool is None:
            with self._lock:  # WeasyPrint's font configuration is not thread-safe
                return self.render_many(datas, batch_size)
        size = min(batch_size, -(-len(datas) // processes))  # every worker gets a share
        batches = [datas[i : i + size] for i in range(0, len(datas), size)]
        futures = [pool.submit(_render_in_worker, batch, size) for batch in batches]
        return [pdf for future in futures for pdf in future.result()]

    def warm_up(self) -> None:
        """Build what every certificate uses: fonts, stylesheet, signer and its template."""
        _ = self._weasy, self.pdf_signing.pdf_signer


def _chunks(items: Iterable[CertificateData], size: int) -> Iterator[list[CertificateData]]:
    """``items`` in lists of ``size`` (the last may be shorter); itertools.batched is 3.12+."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _render_in_worker(batch: list[CertificateData], batch_size: int) -> list[bytes]:
    renderer: CertificateRenderer = forking.adopted()
    return renderer.render_many(batch, batch_size)
