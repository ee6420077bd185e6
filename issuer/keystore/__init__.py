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
this package, by :class:`KeyStore` (``store``).

The modules: ``material`` (algorithms, new keys, thumbprints, certificates), ``pkcs8`` (the
encryption at rest and its iteration count), ``ring`` (the ring file, atomic owner-only writes)
and ``store`` (``KeyStore``).
"""

from issuer.keystore.material import (
    ALGORITHMS,
    CERTIFICATE_YEARS,
    DEFAULT_ALGORITHM,
    RSA_BITS,
    PrivateKey,
    PublicKey,
    generate_private_key,
    self_signed_certificate,
    thumbprint,
)
from issuer.keystore.pkcs8 import (
    KDF_ROUNDS,
    TEST_KDF_ROUNDS_VARIABLE,
    encrypt_private_key,
    kdf_iterations,
    kdf_rounds,
)
from issuer.keystore.ring import DEV_PASSPHRASE_FILE, KEYRING, KeyInfo
from issuer.keystore.store import KeyStore
from verifier import public_jwk

__all__ = [
    "ALGORITHMS",
    "CERTIFICATE_YEARS",
    "DEFAULT_ALGORITHM",
    "DEV_PASSPHRASE_FILE",
    "KDF_ROUNDS",
    "KEYRING",
    "RSA_BITS",
    "TEST_KDF_ROUNDS_VARIABLE",
    "KeyInfo",
    "KeyStore",
    "PrivateKey",
    "PublicKey",
    "encrypt_private_key",
    "generate_private_key",
    "kdf_iterations",
    "kdf_rounds",
    "public_jwk",
    "self_signed_certificate",
    "thumbprint",
]
