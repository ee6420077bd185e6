"""Private keys at rest: encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2
(RFC 8018): PBKDF2-HMAC-SHA256 at ``KDF_ROUNDS`` iterations and AES-256-CBC. Written here,
read back by cryptography; :func:`kdf_iterations` tells how strongly a stored key is protected,
so that weaker files can be re-encrypted."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from issuer.errors import ConfigurationError
from issuer.keystore.material import PrivateKey

#: PBKDF2-HMAC-SHA256 iterations protecting private keys at rest: the OWASP Password Storage
#: Cheat Sheet's figure for PBKDF2-HMAC-SHA256 (600,000). cryptography's
#: ``BestAvailableEncryption`` uses 2,048, and its PKCS#8 encryption builder takes no count,
#: so Vouch writes the PBES2 structure itself (RFC 8018) and cryptography reads it back.
KDF_ROUNDS = 600_000
#: Tests only: a lower iteration count, so that the suite's hundreds of fresh key stores do not
#: each cost a key derivation of a fifth of a second. Refused in production.
TEST_KDF_ROUNDS_VARIABLE = "VOUCH_TEST_KDF_ROUNDS"
_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_PBKDF2 = "1.2.840.113549.1.5.12"
_OID_HMAC_SHA256 = "1.2.840.113549.2.9"
_OID_AES256_CBC = "2.16.840.1.101.3.4.1.42"


def kdf_rounds(*, production: bool) -> int:
    """The iteration count new and re-encrypted private keys get: ``KDF_ROUNDS``, or the
    tests' ``VOUCH_TEST_KDF_ROUNDS`` outside production (at least 1,000)."""
    value = os.environ.get(TEST_KDF_ROUNDS_VARIABLE)
    if not value:
        return KDF_ROUNDS
    if production:
        raise ConfigurationError(
            f"{TEST_KDF_ROUNDS_VARIABLE} is for tests only: refused in production"
        )
    try:
        rounds = int(value)
    except ValueError:
        rounds = 0
    if rounds < 1000:
        raise ConfigurationError(f"{TEST_KDF_ROUNDS_VARIABLE} must be a whole number ≥ 1000")
    return rounds


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _der_oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _der(0x06, bytes(body))


def _der_sequence(*members: bytes) -> bytes:
    return _der(0x30, b"".join(members))


def encrypt_private_key(key: PrivateKey, secret: bytes, rounds: int) -> bytes:
    """``key`` as an encrypted PKCS#8 PEM: PBES2 with PBKDF2-HMAC-SHA256 (``rounds``
    iterations, 16-byte random salt) and AES-256-CBC."""
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    salt, iv = os.urandom(16), os.urandom(16)
    derived = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(secret)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(derived), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    kdf = _der_sequence(
        _der_oid(_OID_PBKDF2),
        _der_sequence(
            _der(0x04, salt),
            _der(0x02, rounds.to_bytes((rounds.bit_length() + 8) // 8, "big")),
            _der_sequence(_der_oid(_OID_HMAC_SHA256), b"\x05\x00"),
        ),
    )
    scheme = _der_sequence(_der_oid(_OID_AES256_CBC), _der(0x04, iv))
    algorithm = _der_sequence(_der_oid(_OID_PBES2), _der_sequence(kdf, scheme))
    der = _der_sequence(algorithm, _der(0x04, encrypted))
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[start : start + 64] for start in range(0, len(body), 64)]
    return b"\n".join(
        [
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----",
            *lines,
            b"-----END ENCRYPTED PRIVATE KEY-----",
            b"",
        ]
    )


def _der_read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """The DER element at ``at``: its tag, its contents and where the next element starts."""
    tag, size = data[at], data[at + 1]
    at += 2
    if size & 0x80:
        count = size & 0x7F
        size = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + size > len(data):
        raise ValueError("truncated DER")
    return tag, data[at : at + size], at + size


def _der_members(body: bytes) -> list[tuple[int, bytes]]:
    members, at = [], 0
    while at < len(body):
        tag, contents, at = _der_read(body, at)
        members.append((tag, contents))
    return members


def kdf_iterations(pem: bytes) -> int:
    """The PBKDF2-HMAC-SHA256 iteration count of an encrypted PKCS#8 PEM whose cipher is
    AES-256-CBC, or 0 for any other protection (another KDF, hash or cipher, or unencrypted)."""
    try:
        der = base64.b64decode(b"".join(pem.strip().splitlines()[1:-1]), validate=True)
        algorithm = _der_members(_der_read(der, 0)[1])[0][1]
        (_, oid), (_, params) = _der_members(algorithm)
        (_, kdf), (_, scheme) = _der_members(params)
        (_, kdf_oid), (_, kdf_params) = _der_members(kdf)
        (salt_tag, _), (count_tag, count), *rest = _der_members(kdf_params)
        prfs = [_der_members(body)[0][1] for tag, body in rest if tag == 0x30]
        cipher = _der_members(scheme)[0][1]
    except (ValueError, IndexError, TypeError):
        return 0
    expected = (_OID_PBES2, _OID_PBKDF2, _OID_HMAC_SHA256, _OID_AES256_CBC)
    found = (oid, kdf_oid, prfs[0] if len(prfs) == 1 else b"", cipher)
    if (salt_tag, count_tag) != (0x04, 0x02) or found != tuple(
        _der_oid(dotted)[2:] for dotted in expected
    ):
        return 0
    return int.from_bytes(count, "big")
