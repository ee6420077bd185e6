"""``KeyStore``: one folder of keys (see :mod:`issuer.keystore` for its layout). Rotation,
withdrawal, the passphrase, and the only place private keys are decrypted."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from issuer.errors import ConfigurationError, KeyStoreError, NotFoundError
from issuer.keystore.material import (
    DEFAULT_ALGORITHM,
    PrivateKey,
    generate_private_key,
    self_signed_certificate,
    thumbprint,
)
from issuer.keystore.pkcs8 import encrypt_private_key, kdf_iterations, kdf_rounds
from issuer.keystore.ring import (
    DEV_PASSPHRASE_FILE,
    KEYRING,
    KeyInfo,
    destroy,
    key_infos,
    new_ring,
    read_ring,
    ring_entry,
    save_ring,
    write_private,
)
from verifier import public_jwk

#: The package's name, as before the key store became a package (logging configuration by name).
log = logging.getLogger("issuer.keystore")


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
            write_private(dev, secrets.token_urlsafe(32).encode())
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
            cached = self._ring_cache = (version, key_infos(ring), ring["current"])
        return cached[1], cached[2]

    def _ring(self) -> dict[str, Any]:
        return read_ring(self.path)

    def _save_ring(self, ring: dict[str, Any]) -> None:
        save_ring(self.path, ring)

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
        write_private(self.path / f"{key_id}.pem", encrypted)
        write_private(
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
                    destroy(self.path / f"{key.key_id}.pem")
                elif key.key_id != info.key_id and self._weak(key.key_id):
                    self.unlocked(key.key_id)
            return info
        now = now or dt.datetime.now(dt.UTC)
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self._add_key(alg, issuer_name, now)
        self._save_ring(new_ring(info))
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
        ring["keys"].append(ring_entry(info))
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
        destroy(self.path / f"{key.key_id}.pem")
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
            write_private(path, encrypt_private_key(key, secret, self.kdf_rounds))
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
