"""The key store: the issuer's signing keys and PDF-signing certificates on disk.

Layout of the folder (``VOUCH_KEYS_DIR``)::

    keyring.json        which keys exist, their algorithms, which one signs now (public data)
    <key-id>.pem        the private key, PKCS#8 encrypted with the passphrase, mode 0600
                        (PBES2: PBKDF2-HMAC-SHA256, ``KDF_ROUNDS`` iterations, AES-256-CBC)
    <key-id>.crt        a self-signed X.509 certificate for the key (CN = issuer name)

A key id is the key's RFC 7638 JWK thumbprint, so it is stable and derived from the key itself.
Rotation adds a key and makes it current; retired keys stay in the ring (and published) so every
credential signed before still verifies, and never sign again. Withdrawal is for a compromised
key: it stays in the ring, marked withdrawn, but is no longer published (so nothing it signed
verifies any more) and its private key file is destroyed. Private keys are decrypted only inside
this module.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.x509.oid import NameOID

from issuer.errors import ConfigurationError, KeyStoreError, NotFoundError
from verifier import public_jwk

log = logging.getLogger(__name__)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey

ALGORITHMS = ("ES256", "RS256", "EdDSA")
DEFAULT_ALGORITHM = "ES256"
RSA_BITS = 3072
CERTIFICATE_YEARS = 5
KEYRING = "keyring.json"
DEV_PASSPHRASE_FILE = "dev-passphrase"  # noqa: S105 - a file name, not a secret
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
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}


def generate_private_key(alg: str) -> PrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ConfigurationError(f"unsupported algorithm {alg!r} (choose {', '.join(ALGORITHMS)})")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url without padding)."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def self_signed_certificate(
    key: PrivateKey, issuer_name: str, now: dt.datetime
) -> x509.Certificate:
    """A certificate for PDF signing: CN = issuer name, digital signature + non-repudiation."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)


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


# -- PKCS#8 encryption (RFC 5958 EncryptedPrivateKeyInfo, RFC 8018 PBES2) ------------------


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


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (never a half-written key)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class KeyInfo:
    """Public facts about one key of the ring."""

    key_id: str
    alg: str
    created: str
    retired: str | None
    public_jwk: dict[str, Any]
    #: When the key was withdrawn (compromised): unpublished, its private part destroyed.
    withdrawn: str | None = None

    @property
    def current(self) -> bool:
        return self.retired is None

    @property
    def state(self) -> str:
        """``current`` (signs), ``retired`` (published, never signs again) or ``withdrawn``."""
        return "withdrawn" if self.withdrawn else "retired" if self.retired else "current"


class KeyStore:
    """One folder of keys. Construct cheaply; the signing key is decrypted once, on first use."""

    def __init__(
        self, path: Path, passphrase: str | None = None, *, production: bool = False
    ) -> None:
        self.path = Path(path)
        self._passphrase = passphrase
        self.production = production
        #: The key ring as last read, under the ring file's (mtime, size, inode).
        self._ring_cache: tuple[tuple[int, int, int], tuple[KeyInfo, ...], str] | None = None
        #: Private keys decrypted by this process, by key id (decryption costs ~0.15 s).
        self._decrypted: dict[str, PrivateKey] = {}

    @property
    def kdf_rounds(self) -> int:
        """PBKDF2 iterations for keys written or re-encrypted by this store."""
        return kdf_rounds(production=self.production)

    # -- passphrase -----------------------------------------------------------------

    def _secret(self, *, creating: bool) -> bytes:
        if self._passphrase:
            return self._passphrase.encode()
        if self.production:
            raise ConfigurationError(
                "VOUCH_KEY_PASSPHRASE is required in production: private keys are stored encrypted"
            )
        dev = self.path / DEV_PASSPHRASE_FILE
        if not dev.exists():
            if not creating:
                raise KeyStoreError(f"no VOUCH_KEY_PASSPHRASE set and no {dev} to fall back on")
            _write_private(dev, secrets.token_urlsafe(32).encode())
        log.warning(
            "DEVELOPMENT KEY STORE: VOUCH_KEY_PASSPHRASE is not set, so private keys in %s are "
            "encrypted with a passphrase kept beside them (%s). Set VOUCH_KEY_PASSPHRASE "
            "before issuing real credentials.",
            self.path, dev,
        )  # fmt: skip
        return dev.read_bytes().strip()

    # -- the ring -------------------------------------------------------------------

    def exists(self) -> bool:
        return (self.path / KEYRING).exists()

    def _keys(self) -> tuple[tuple[KeyInfo, ...], str]:
        """The ring's keys and the current key id, re-read only when the file changed
        (rotation replaces it atomically, so its inode and mtime change)."""
        path = self.path / KEYRING
        try:
            stamp = path.stat()
        except FileNotFoundError:
            raise KeyStoreError(f"no key store at {self.path}: run `vouch init`") from None
        except OSError as exc:
            raise KeyStoreError(f"cannot read {path}: {exc.strerror}") from None
        version = (stamp.st_mtime_ns, stamp.st_size, stamp.st_ino)
        cached = self._ring_cache
        if cached is None or cached[0] != version:
            ring = self._ring()
            keys = tuple(
                KeyInfo(
                    k["id"],
                    k["alg"],
                    k["created"],
                    k.get("retired"),
                    k["public_jwk"],
                    k.get("withdrawn"),
                )
                for k in ring["keys"]
            )
            cached = self._ring_cache = (version, keys, ring["current"])
        return cached[1], cached[2]

    def _ring(self) -> dict[str, Any]:
        try:
            ring = json.loads((self.path / KEYRING).read_text())
        except FileNotFoundError:
            raise KeyStoreError(f"no key store at {self.path}: run `vouch init`") from None
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"cannot read {self.path / KEYRING}: {exc}") from None
        if not isinstance(ring, dict) or ring.get("format") != "vouch.keyring/v1":
            raise KeyStoreError(f"{self.path / KEYRING} is not a Vouch key ring")
        return ring

    def _save_ring(self, ring: dict[str, Any]) -> None:
        _write_private(self.path / KEYRING, json.dumps(ring, indent=2).encode())

    def ring(self) -> list[KeyInfo]:
        """Every key, oldest first, withdrawn ones included; exactly one is current (treat the
        JWKs as read-only)."""
        return list(self._keys()[0])

    def published(self) -> list[KeyInfo]:
        """The keys a verifier may use: current and retired, never withdrawn."""
        return [key for key in self._keys()[0] if key.withdrawn is None]

    def key(self, key_id: str) -> KeyInfo:
        """The key ``key_id`` of the ring (a bare thumbprint, or a ``did:…#`` key id)."""
        bare = key_id.rsplit("#", 1)[-1]
        found = next((k for k in self._keys()[0] if k.key_id == bare), None)
        if found is None:
            raise NotFoundError(f"no key {key_id!r} in the key ring")
        return found

    def current(self) -> KeyInfo:
        keys, current = self._keys()
        return next(k for k in keys if k.key_id == current)

    def _add_key(self, alg: str, issuer_name: str, now: dt.datetime) -> KeyInfo:
        secret = self._secret(creating=True)
        key = generate_private_key(alg)
        jwk = public_jwk(key.public_key())
        key_id = thumbprint(jwk)
        jwk |= {"alg": alg, "use": "sig"}
        encrypted = encrypt_private_key(key, secret, self.kdf_rounds)
        certificate = self_signed_certificate(key, issuer_name, now)
        _write_private(self.path / f"{key_id}.pem", encrypted)
        _write_private(
            self.path / f"{key_id}.crt", certificate.public_bytes(serialization.Encoding.PEM)
        )
        return KeyInfo(key_id, alg, now.isoformat(timespec="seconds"), None, jwk)

    def init(
        self, issuer_name: str, alg: str = DEFAULT_ALGORITHM, *, now: dt.datetime | None = None
    ) -> KeyInfo:
        """Create the store with one key, or check an existing one; return the current key."""
        if self.exists():
            info = self.current()
            _ = self.signing_key  # proves the passphrase opens it
            for key in self.ring():  # re-encrypts any key stored at a weaker strength
                if key.withdrawn:  # finishes a withdrawal interrupted before the file went
                    _destroy(self.path / f"{key.key_id}.pem")
                elif key.key_id != info.key_id and self._weak(key.key_id):
                    self.unlocked(key.key_id)
            return info
        now = now or dt.datetime.now(dt.UTC)
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self._add_key(alg, issuer_name, now)
        self._save_ring(
            {"format": "vouch.keyring/v1", "current": info.key_id, "keys": [_entry(info)]}
        )
        return info

    def rotate(
        self, issuer_name: str, alg: str | None = None, *, now: dt.datetime | None = None
    ) -> KeyInfo:
        """Make a new key current; the old ones are retired but stay published."""
        ring = self._ring()
        now = now or dt.datetime.now(dt.UTC)
        _ = self.signing_key  # refuse to rotate with a wrong passphrase
        info = self._add_key(alg or self.current().alg, issuer_name, now)
        stamp = now.isoformat(timespec="seconds")
        for entry in ring["keys"]:
            entry.setdefault("retired", None)
            if entry["retired"] is None:
                entry["retired"] = stamp
        ring["keys"].append(_entry(info))
        ring["current"] = info.key_id
        self._save_ring(ring)
        return info

    def withdraw(
        self, key_id: str, issuer_name: str, *, now: dt.datetime | None = None
    ) -> KeyInfo | None:
        """Withdraw a compromised key: marked withdrawn in the ring (so no longer published)
        and its private key file destroyed. If it is the current key, a new key is made current
        first and returned. Safe to repeat: each step is skipped once done."""
        key = self.key(key_id)
        now = now or dt.datetime.now(dt.UTC)
        rotated = None
        if key.current:
            rotated = self.rotate(issuer_name, now=now)
        ring = self._ring()
        entry = next(e for e in ring["keys"] if e["id"] == key.key_id)
        if entry.get("withdrawn") is None:
            stamp = now.isoformat(timespec="seconds")
            entry["withdrawn"] = stamp
            entry["retired"] = entry.get("retired") or stamp
            self._save_ring(ring)
        self._decrypted.pop(key.key_id, None)
        _destroy(self.path / f"{key.key_id}.pem")
        return rotated

    # -- secrets ----------------------------------------------------------------------

    def signer(self) -> tuple[KeyInfo, PrivateKey]:
        """The current key and its private key, from one reading of the ring: a rotation by
        another process is picked up whole. Each private key is decrypted once per process."""
        key = self.current()
        return key, self.unlocked(key.key_id)

    def unlocked(self, key_id: str) -> PrivateKey:
        """The private key ``key_id``, decrypted once per process; never a withdrawn key's
        (another process may have withdrawn it since it was decrypted here)."""
        if self.key(key_id).withdrawn:
            raise KeyStoreError(f"key {key_id} is withdrawn: it signs nothing")
        if key_id not in self._decrypted:
            self._decrypted[key_id] = self.private_key(key_id)
        return self._decrypted[key_id]

    @property
    def signing_key(self) -> PrivateKey:
        """The current private key."""
        return self.signer()[1]

    def private_key(self, key_id: str) -> PrivateKey:
        """Decrypt the private key ``key_id`` (a key derivation: prefer :meth:`unlocked`). A key
        file protected more weakly than this store writes (fewer iterations, another KDF or
        cipher) is re-encrypted at this store's strength, atomically, mode 0600."""
        path = self.path / f"{key_id}.pem"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise KeyStoreError(f"cannot read private key {path}: {exc.strerror}") from None
        secret = self._secret(creating=False)
        try:
            key = serialization.load_pem_private_key(data, password=secret)
        except (ValueError, TypeError):
            key = None
        if not isinstance(key, PrivateKey):
            raise KeyStoreError(
                f"cannot decrypt private key {key_id}: wrong VOUCH_KEY_PASSPHRASE or damaged file"
            )
        if kdf_iterations(data) < self.kdf_rounds:
            _write_private(path, encrypt_private_key(key, secret, self.kdf_rounds))
            log.warning("re-encrypted private key %s at %d PBKDF2 iterations", key_id,
                        self.kdf_rounds)  # fmt: skip
        return key

    def _weak(self, key_id: str) -> bool:
        """Whether the key file exists and is protected more weakly than this store writes."""
        try:
            data = (self.path / f"{key_id}.pem").read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise KeyStoreError(f"cannot read private key {key_id}: {exc.strerror}") from None
        return kdf_iterations(data) < self.kdf_rounds

    def certificate(self, key_id: str | None = None) -> x509.Certificate:
        key_id = key_id or self.current().key_id
        path = self.path / f"{key_id}.crt"
        try:
            return x509.load_pem_x509_certificate(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"cannot read certificate {path}: {exc}") from None

    def __repr__(self) -> str:  # never show the passphrase
        return f"KeyStore({str(self.path)!r})"


def _entry(info: KeyInfo) -> dict[str, Any]:
    return {
        "id": info.key_id,
        "alg": info.alg,
        "created": info.created,
        "retired": info.retired,
        "withdrawn": info.withdrawn,
        "public_jwk": info.public_jwk,
    }


def _destroy(path: Path) -> None:
    """Overwrite a private key file with random bytes, then remove it (no-op if gone). On
    copy-on-write or journalling file systems and SSDs the old blocks may survive: the
    passphrase encryption is what protects them; the file is gone from the key store."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    with open(path, "r+b") as handle:
        handle.write(os.urandom(size))
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
