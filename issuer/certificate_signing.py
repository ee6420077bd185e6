"""Signing the PDF certificates (PAdES baseline) with the issuer's current key and certificate.

The pyHanko signer is built once per process (the private key is decrypted once, in memory
only), and so is the size of the signature's placeholder. pyHanko is imported only when a
certificate is first signed (see ``issuer.pdf_signing``).
"""

from __future__ import annotations

import io
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cryptography import x509

    from issuer.keystore import PrivateKey
    from issuer.pdf_signing import TemplateSigner

SIGNATURE_FIELD = "VouchIssuerSignature"


class SigningMaterial(Protocol):
    """What signing needs of the key store: the current private key and its certificate."""

    @property
    def signing_key(self) -> PrivateKey: ...

    def certificate(self, key_id: str | None = None) -> x509.Certificate: ...


class CertificateSigner:
    """Signs certificate PDFs; everything costly is built on first use and kept."""

    def __init__(self, signing: SigningMaterial) -> None:
        self.signing = signing

    @cached_property
    def signer(self) -> TemplateSigner:
        """A pyHanko signer built once: key and certificate parsed a single time."""
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from cryptography.hazmat.primitives import serialization
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from issuer.pdf_signing import TemplateSigner

        key = self.signing.signing_key
        cert = asn1_x509.Certificate.load(
            self.signing.certificate().public_bytes(serialization.Encoding.DER)
        )
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return TemplateSigner(
            signing_cert=cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([cert]),  # type: ignore[no-untyped-call]
            private_key=key,
        )

    @cached_property
    def pdf_signer(self) -> tuple[Any, int]:
        """pyHanko's PDF signer and the bytes to reserve for the container, worked out once.

        pyHanko would otherwise size the placeholder by building a throwaway container for
        every document. The reserve keeps pyHanko's 50% margin over the hex-encoded size.
        """
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from pyhanko.sign import fields, signers

        # Ed25519 signatures are defined over SHA-512 (RFC 8419); the others use SHA-256.
        ed = isinstance(self.signing.signing_key, ed25519.Ed25519PrivateKey)
        md = "sha512" if ed else "sha256"
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            md_algorithm=md,
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="Certificate issued by Vouch",
        )
        size = self.signer.container_size(md)
        if size is None:  # pyHanko builds every container: let it size the placeholder too
            return signers.PdfSigner(meta, signer=self.signer), 0
        hex_size = 2 * size  # written as a hex string
        return signers.PdfSigner(meta, signer=self.signer), hex_size + 2 * (hex_size // 4)

    def sign(self, pdf: bytes) -> bytes:
        """``pdf`` signed with an incremental update."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

        pdf_signer, reserve = self.pdf_signer
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        signed: bytes = pdf_signer.sign_pdf(writer, bytes_reserved=reserve or None).getvalue()
        return signed
