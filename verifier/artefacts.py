"""Recognising what was handed in and getting the credential out of it.

Accepts a compact VC-JWT, a credential as JSON, an ``EnvelopedVerifiableCredential``, a baked
PNG or SVG (Open Badges 3.0 and 2.0 baking), a PDF certificate (its ``credential.jwt``
attachment) or a verify URL. Anything else is :class:`Unreadable`, with a reason.
"""

from __future__ import annotations

import io
import string
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import strictjson
from verifier.errors import Unreadable
from verifier.jose import MAX_DEPTH

MAX_ARTEFACT_BYTES = 10 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_BASE64URL_AND_DOT = (string.ascii_letters + string.digits + "-_.").encode()
OB3_KEYWORD, OB2_KEYWORD = b"openbadgecredential", b"openbadges"
OB3_SVG_NS, OB2_SVG_NS = "https://purl.imsglobal.org/ob/v3p0", "http://openbadges.org"
ENVELOPE_PREFIXES = ("data:application/vc+jwt,", "data:application/jwt,")


@dataclass
class Artefact:
    """What was found: a token, or a credential object, and where it came from."""

    kind: str
    token: str | None = None
    credential: dict[str, Any] | None = None
    url: str | None = None
    #: For a PDF: the raw bytes, then the signer's public key and the page's text.
    pdf: bytes | None = None
    pdf_signer_jwk: dict[str, Any] | None = None
    page_text: str | None = None
    pdf_checks: list[Any] = field(default_factory=list)


def parse_json(text: str) -> Any:
    """Credential JSON, read strictly (:mod:`strictjson`) and nested at most ``MAX_DEPTH``."""
    try:
        return strictjson.loads(text, max_depth=MAX_DEPTH)
    except strictjson.TooDeep as exc:
        raise Unreadable(f"JSON {exc}") from None
    except ValueError as exc:
        raise Unreadable(f"not valid JSON: {exc}") from None


def from_json(value: Any) -> Artefact:
    if isinstance(value, str):
        return from_text(value)
    if not isinstance(value, dict):
        raise Unreadable("expected a credential (a JSON object) or a compact JWS")
    types = value.get("type")
    types = types if isinstance(types, list) else [types]
    if "EnvelopedVerifiableCredential" in types:
        data_url = value.get("id")
        if not isinstance(data_url, str) or not data_url.startswith(ENVELOPE_PREFIXES):
            raise Unreadable("EnvelopedVerifiableCredential without a data:application/vc+jwt id")
        return _enveloped(data_url)
    if "vc" in value and isinstance(value["vc"], dict) and "@context" not in value:
        raise Unreadable("a decoded JWT payload is not verifiable without its signature")
    if "@context" not in value and "recipient" in value and "badge" in value:
        return Artefact("Open Badges 2.0 assertion", credential=value)
    if "@context" not in value or "type" not in value:
        raise Unreadable("a JSON object that is not a verifiable credential (no @context/type)")
    return Artefact("credential JSON", credential=value)


def _enveloped(data_url: str) -> Artefact:
    """The VC-JWT inside a ``data:application/vc+jwt,…`` URL (VC-JOSE-COSE §3.1.1)."""
    return Artefact("enveloped VC-JWT", token=data_url.split(",", 1)[1].strip())


def is_compact_jws(text: str) -> bool:
    """Three base64url segments, the first two non-empty (deleting the alphabet with
    ``bytes.translate`` is about 25× cheaper than a regular expression over 5 KB; finding the
    dots with ``str.find`` is memchr, where ``count`` and ``split`` walk the text in Python's
    own loops)."""
    first = text.find(".")
    second = text.find(".", first + 1)
    return (
        first > 0
        and second > first + 1
        and text.find(".", second + 1) < 0
        and text.isascii()
        and not text.encode().translate(None, _BASE64URL_AND_DOT)
    )


def from_text(text: str) -> Artefact:
    text = text.strip()
    if not text:
        raise Unreadable("empty input")
    if is_compact_jws(text):
        return Artefact("VC-JWT", token=text)
    if text.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return Artefact("verify URL", url=text)
    if text.startswith(ENVELOPE_PREFIXES):
        return _enveloped(text)
    if text.startswith(("{", "[", '"')):
        return from_json(parse_json(text))
    if text.count(".") == 2:
        raise Unreadable("looks like a JWT but its segments are not base64url")
    raise Unreadable("not a JWT, credential JSON, image, PDF or URL")


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(data):
        if offset + 8 > len(data):
            raise Unreadable("PNG is truncated")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        crc = data[offset + 8 + length : offset + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise Unreadable("PNG is truncated")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            raise Unreadable(f"PNG chunk {kind.decode('latin-1')!r} fails its CRC")
        chunks.append((kind, body))
        offset += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _itxt(body: bytes) -> tuple[bytes, str]:
    """Keyword and text of a baked-badge iTXt chunk (``openbadgecredential``/``openbadges``)."""
    keyword, _, rest = body.partition(b"\x00")
    if len(rest) < 2:
        raise Unreadable("malformed iTXt chunk")
    compressed, _method, rest = rest[0], rest[1], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if compressed:
        raise Unreadable("baked iTXt chunk is compressed, which Open Badges baking forbids")
    try:
        return keyword, text.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("baked iTXt text is not UTF-8") from None


def from_png(data: bytes) -> Artefact:
    chunks = _png_chunks(data)
    if not chunks or chunks[-1][0] != b"IEND":
        raise Unreadable("PNG is truncated (no IEND chunk)")
    for kind, body in chunks:
        if kind == b"iTXt" and body.split(b"\x00", 1)[0] in (OB3_KEYWORD, OB2_KEYWORD):
            keyword, text = _itxt(body)
            version = "3.0" if keyword == OB3_KEYWORD else "2.0"
            return _from_baked(text, f"baked PNG (Open Badges {version})")
        if kind == b"tEXt" and body.startswith(OB2_KEYWORD + b"\x00"):
            url = body.split(b"\x00", 1)[1].decode("latin-1")
            return Artefact("baked PNG (legacy Open Badges hosted assertion)", url=url)
    raise Unreadable("PNG carries no baked badge (no openbadgecredential or openbadges iTXt chunk)")


def _from_baked(text: str, kind: str) -> Artefact:
    artefact = from_text(text)
    artefact.kind = f"{kind}: {artefact.kind}"
    return artefact


def from_svg(data: bytes) -> Artefact:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        # A DOCTYPE is common in SVG files; entities and external references stay forbidden.
        root = ElementTree.parse(io.BytesIO(data), forbid_dtd=False).getroot()
    except (DefusedXmlException, ElementTree.ParseError) as exc:
        raise Unreadable(f"SVG cannot be parsed safely: {exc}") from None
    for namespace, tag, version in (
        (OB3_SVG_NS, "credential", "Open Badges 3.0"),
        (OB2_SVG_NS, "assertion", "Open Badges 2.0"),
    ):
        element = root.find(f".//{{{namespace}}}{tag}")
        if element is None:
            continue
        verify = element.get("verify")
        body = (element.text or "").strip()
        if version.endswith("3.0") and verify:
            return _from_baked(verify, f"baked SVG ({version})")
        if body:
            return _from_baked(body, f"baked SVG ({version})")
        if verify:
            return _from_baked(verify, f"baked SVG ({version})")
        raise Unreadable(f"baked SVG ({version}) element is empty")
    raise Unreadable("SVG carries no baked badge (no openbadges:credential or :assertion element)")


def read_artefact(data: bytes | str) -> Artefact:
    """Recognise an artefact; raise ``Unreadable`` with a reason otherwise."""
    if isinstance(data, str) and data.isascii() and len(data) <= MAX_ARTEFACT_BYTES:
        # The common case, a token as text: what from_text finds below, without the round trip
        # through bytes (a compact JWS holds no "<", "%" or non-ASCII: not an image or a PDF).
        text = data.strip()
        if is_compact_jws(text):
            return Artefact("VC-JWT", token=text)
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_ARTEFACT_BYTES:
        raise Unreadable(f"input is {len(raw)} bytes; the limit is {MAX_ARTEFACT_BYTES}")
    if raw.startswith(PNG_SIGNATURE):
        return from_png(raw)
    if raw.startswith(b"%PDF-"):
        return Artefact("PDF certificate", pdf=raw)
    head = raw[:512].lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) or b"<svg" in head:
        return from_svg(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("binary input that is neither PNG nor PDF") from None
    return from_text(text)
