"""Compact JWS reading and signature checks, with the algorithm fixed by the caller (RFC 8725)."""

from __future__ import annotations

from typing import Any

import orjson
import pybase64
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import strictjson
from verifier.errors import SignatureError, TokenError

#: The only algorithms ever accepted; never ``none``, never HMAC [RFC 8725 §3.1, §2.1].
ALLOWED_ALGORITHMS = ("RS256", "ES256", "EdDSA")
MAX_TOKEN_BYTES = 64 * 1024
#: No genuine credential nests deeper than this.
MAX_DEPTH = 32
#: The signature schemes, built once (they hold no state; building them costs a microsecond).
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def b64url_decode(part: str) -> bytes:
    """Strict unpadded base64url (RFC 7515 §2): any character outside its alphabet is an error
    (``ValueError``), never skipped over. pybase64 decodes with SIMD, 8× faster than binascii."""
    if "=" in part or "+" in part or "/" in part:
        raise ValueError("characters outside the base64url alphabet")
    return pybase64.b64decode(part + "=" * (-len(part) % 4), altchars="-_", validate=True)


def _segment(part: str, what: str) -> dict[str, Any]:
    try:
        raw = b64url_decode(part)
    except ValueError as exc:  # binascii.Error is a ValueError
        raise TokenError(f"{what} is not base64url-encoded JSON: {exc}") from None
    value = _orjson_reading(raw)
    if value is _UNPROVEN:
        value = _strict_reading(raw, what)
    if not isinstance(value, dict):
        raise TokenError(f"{what} is not a JSON object")
    try:
        strictjson.check_depth(value, MAX_DEPTH, raw)
    except strictjson.TooDeep as exc:
        raise TokenError(f"{what} is {exc}") from None
    return value


#: What :func:`_orjson_reading` answers when it cannot prove its reading is the strict one.
_UNPROVEN: Any = object()


def _orjson_reading(raw: bytes) -> Any:
    """orjson's reading of ``raw`` when it is provably :func:`_strict_reading`'s, else
    ``_UNPROVEN`` (then the strict reader decides, with its own errors).

    orjson reads about three times faster, but keeps the last of duplicate members and turns
    integers beyond 64 bits into floats, so its reading is taken only when writing it out again
    gives back ``raw`` byte for byte. orjson never writes a duplicate member, NaN, Infinity or a
    float's spelling for an integer, so such a ``raw`` holds none of these; and the standard
    library reads the value orjson wrote back exactly (same types, floats in shortest round-trip
    form). Any other spelling (spaces, escapes, ``1E5``, ``-0``) simply takes the strict path.
    The issuer writes its tokens with ``orjson.dumps``: its own credentials take this one.
    """
    try:
        value = orjson.loads(raw)
        if orjson.dumps(value) == raw:
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):  # deep, malformed, not UTF-8
        pass
    return _UNPROVEN


def _strict_reading(raw: bytes, what: str) -> Any:
    """``raw`` as strict JSON (:mod:`strictjson`): UTF-8, no duplicate members, no NaN or
    Infinity."""
    try:
        return strictjson.loads(raw)
    except strictjson.TooDeep as exc:  # the parser's own stack ran out
        raise TokenError(f"{what} is {exc}") from None
    except strictjson.Refused as exc:
        raise TokenError(str(exc)) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeError are ValueErrors
        raise TokenError(f"{what} is not base64url-encoded JSON: {exc}") from None


def compact_segments(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> tuple[str, str, str]:
    """The header, payload and signature segments of a compact JWS, surrounding whitespace
    ignored; ``TokenError`` unless there are exactly three."""
    if len(token) > max_bytes:
        raise TokenError(f"token is longer than {max_bytes} bytes")
    token = token.strip()
    first = token.find(".")  # memchr, where split() walks 5 KB in a loop of its own
    second = token.find(".", first + 1)
    if first < 0 or second < 0 or token.find(".", second + 1) >= 0:
        raise TokenError(f"a compact JWS has 3 segments, this has {token.count('.') + 1}")
    return token[:first], token[first + 1 : second], token[second + 1 :]


def read_segment(part: str, what: str) -> dict[str, Any]:
    """One segment as strict JSON (``what`` names it in errors); ``TokenError`` if unreadable."""
    return _segment(part, what)


def read_compact(
    token: str, *, max_bytes: int = MAX_TOKEN_BYTES
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, unverified; ``TokenError`` if unreadable."""
    header, payload, _ = compact_segments(token, max_bytes=max_bytes)
    return _segment(header, "header"), _segment(payload, "payload")


def verify_signature(token: str, key: Any, algorithm: str) -> None:
    """Raise ``SignatureError`` unless ``token`` is signed by ``key`` with ``algorithm``.

    ``algorithm`` comes from the key's published metadata, not from the token's header, and the
    key's type must be the one that algorithm uses (RFC 8725 §3.1). The JWS is checked with
    ``cryptography`` directly: PyJWT's decoder validates base64url one character at a time in
    Python, which costs more than the signature itself.
    """
    if algorithm not in ALLOWED_ALGORITHMS:
        raise SignatureError(f"algorithm {algorithm!r} is not allowed")
    token = token.strip()
    signing_input, _, encoded = token.rpartition(".")
    first = signing_input.find(".")
    if first < 0 or signing_input.find(".", first + 1) >= 0:  # exactly one dot before it
        raise SignatureError("not a compact JWS")
    try:
        signature = b64url_decode(encoded)
    except ValueError:
        raise SignatureError("the signature is not base64url") from None
    message = signing_input.encode("ascii", "replace")
    try:
        if algorithm == "ES256":
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
                raise SignatureError("ES256 needs a P-256 key")
            if len(signature) != 64:
                raise SignatureError("an ES256 signature is 64 bytes")
            der = encode_dss_signature(
                int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
            )
            key.verify(der, message, _ECDSA_SHA256)
        elif algorithm == "EdDSA":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise SignatureError("EdDSA needs an Ed25519 key")
            key.verify(signature, message)
        else:  # RS256
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureError("RS256 needs an RSA key")
            key.verify(signature, message, _PKCS1V15, _SHA256)
    except InvalidSignature:
        raise SignatureError("signature does not verify") from None
