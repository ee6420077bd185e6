"""PAdES signing for the certificates: pyHanko's signer, with the CMS container built once.

Imported only when a certificate is signed (pyHanko takes most of a second to import).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from typing import Any, NamedTuple

from pyhanko.sign.signers import SimpleSigner


def der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


class _CmsTemplate(NamedTuple):
    """A CMS SignedData as pyHanko built it, cut around the two parts that change."""

    content_type: bytes  # ContentInfo.contentType
    signed_data_head: bytes  # SignedData: version, digestAlgorithms, encapContentInfo, certificates
    signer_head: bytes  # SignerInfo: version, sid, digestAlgorithm
    attrs_before: bytes  # signed attributes up to the messageDigest value
    attrs_after: bytes  # signed attributes after it
    signature_algorithm: bytes
    size: int  # DER size of the container pyHanko built


class TemplateSigner(SimpleSigner):
    """pyHanko's :class:`SimpleSigner`, building each PAdES container from a template.

    For a PAdES signature without a timestamp, the signed attributes (content type, message
    digest, ESS signing-certificate-v2) depend on the document only through the message digest,
    whose length is fixed; the rest of the container (certificate, algorithms, signer id) does
    not depend on the document at all. The first container for a digest algorithm is built by
    pyHanko itself; later ones reuse its DER with the new digest and signature value, and are
    what pyHanko would have built (byte for byte with deterministic signatures). Anything
    else (dry runs, timestamps, revocation info, CAdES extras) goes to pyHanko unchanged.

    ``private_key`` is the already-loaded key object: pyHanko's ``sign_raw`` re-parses the
    PKCS#8 key for every signature.
    """

    def __init__(self, *, private_key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._private_key = private_key
        self._templates: dict[str, _CmsTemplate | None] = {}

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            name = mechanism.signature_algo
        except ValueError:
            name = mechanism["algorithm"].native
        key = self._private_key
        if name == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if name == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if name == "ed25519" and isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        return super().sign_raw(data, digest_algorithm)

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: Any = None,
        signed_attr_settings: Any = None,
        is_pdf_sig: bool = True,
        encap_content_info: Any = None,
    ) -> Any:
        from asn1crypto import cms

        settings = signed_attr_settings
        plain = (
            use_pades
            and is_pdf_sig
            and not dry_run
            and timestamper is None
            and encap_content_info is None
            and (
                settings is None
                or (settings.adobe_revinfo_attr is None and settings.cades_signed_attrs is None)
            )
        )
        template = await self._template(digest_algorithm, len(data_digest)) if plain else None
        if template is None:
            return await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
        attrs = template.attrs_before + data_digest + template.attrs_after
        signature = self.sign_raw(der(0x31, attrs), digest_algorithm)  # signed as a SET OF
        signer_info = der(
            0x30,
            template.signer_head
            + der(0xA0, attrs)  # [0] IMPLICIT in the SignerInfo
            + template.signature_algorithm
            + der(0x04, signature),
        )
        signed_data = der(0x30, template.signed_data_head + der(0x31, signer_info))
        return cms.ContentInfo.load(der(0x30, template.content_type + der(0xA0, signed_data)))

    def container_size(self, digest_algorithm: str) -> int | None:
        """The DER size of this signer's containers for ``digest_algorithm`` (building the
        template now), or None if pyHanko builds them all (the template would not fit)."""
        digest_size = hashlib.new(digest_algorithm).digest_size
        template = asyncio.run(self._template(digest_algorithm, digest_size))
        return None if template is None else template.size

    async def _template(self, digest_algorithm: str, digest_size: int) -> _CmsTemplate | None:
        """Cut pyHanko's own container for a placeholder digest (None: not cuttable)."""
        from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

        if digest_algorithm in self._templates:
            return self._templates[digest_algorithm]
        marker = secrets.token_bytes(digest_size)
        built = await super().async_sign(
            marker,
            digest_algorithm,
            use_pades=True,
            signed_attr_settings=PdfCMSSignedAttributes(),
        )
        template = self._cut(built, marker)
        self._templates[digest_algorithm] = template
        return template

    @staticmethod
    def _cut(built: Any, marker: bytes) -> _CmsTemplate | None:
        signed_data = built["content"]
        (signer_info,) = signed_data["signer_infos"]
        attrs = signer_info["signed_attrs"]
        types = [attr["type"].native for attr in attrs]
        fixed = {"content_type", "message_digest", "signing_certificate_v2"}
        if not set(types) <= fixed or len(types) != len(set(types)):
            return None  # an attribute that may change per document: leave it to pyHanko
        if signer_info["unsigned_attrs"].native or signed_data["crls"].native:
            return None
        encoded = [attr.dump() for attr in attrs]
        digest_at = types.index("message_digest")
        if not encoded[digest_at].endswith(der(0x04, marker)):
            return None
        head = b"".join(encoded[:digest_at]) + encoded[digest_at][: -len(marker)]
        names = ("version", "digest_algorithms", "encap_content_info", "certificates")
        return _CmsTemplate(
            content_type=built["content_type"].dump(),
            signed_data_head=b"".join(signed_data[name].dump() for name in names),
            signer_head=b"".join(
                signer_info[name].dump() for name in ("version", "sid", "digest_algorithm")
            ),
            attrs_before=head,
            attrs_after=b"".join(encoded[digest_at + 1 :]),
            signature_algorithm=signer_info["signature_algorithm"].dump(),
            size=len(built.dump()),
        )
