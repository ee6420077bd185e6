"""The key store: encrypted at rest, owner-only files, clear errors, rotation keeps old keys."""

from __future__ import annotations

import datetime as dt
import json
import logging
import stat

import jwt
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from issuer.errors import ConfigurationError, KeyStoreError
from issuer.keystore import KDF_ROUNDS, KeyStore, kdf_iterations, thumbprint
from tests.issuer.conftest import PASSPHRASE


@pytest.fixture
def store(tmp_path):
    return KeyStore(tmp_path / "keys", PASSPHRASE)


@pytest.mark.parametrize(("alg", "kty"), [("ES256", "EC"), ("RS256", "RSA"), ("EdDSA", "OKP")])
def test_init_each_algorithm(store, alg, kty):
    info = store.init("Vouch Test Issuer", alg)
    assert (info.alg, info.public_jwk["kty"], info.public_jwk["alg"]) == (alg, kty, alg)
    assert info.key_id == thumbprint(info.public_jwk)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(info.public_jwk)
    token = jwt.encode({"x": 1}, store.signing_key, algorithm=alg)
    assert jwt.decode(token, jwt.PyJWK(info.public_jwk).key, algorithms=[alg]) == {"x": 1}


def test_rsa_keys_are_at_least_2048_bits(store):
    store.init("Vouch Test Issuer", "RS256")
    assert store.signing_key.key_size >= 2048


def test_private_key_is_encrypted_pkcs8_and_owner_only(store):
    info = store.init("Vouch Test Issuer")
    pem = (store.path / f"{info.key_id}.pem").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    for path in store.path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o700
    assert PASSPHRASE.encode() not in b"".join(p.read_bytes() for p in store.path.iterdir())


def test_certificate_for_pdf_signing(store):
    info = store.init("Vouch Test Issuer")
    cert = store.certificate()
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Vouch Test Issuer"
    assert cert.public_key().public_numbers() == store.signing_key.public_key().public_numbers()
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    assert store.certificate(info.key_id) == cert


def test_init_is_safe_to_rerun(store):
    first = store.init("Vouch Test Issuer")
    assert store.init("Vouch Test Issuer", "RS256") == first
    assert len(store.ring()) == 1


def test_wrong_passphrase(store, tmp_path):
    store.init("Vouch Test Issuer")
    other = KeyStore(store.path, "not the passphrase")
    with pytest.raises(KeyStoreError, match="wrong VOUCH_KEY_PASSPHRASE"):
        _ = other.signing_key
    with pytest.raises(KeyStoreError, match="wrong VOUCH_KEY_PASSPHRASE"):
        other.init("Vouch Test Issuer")


def test_missing_store(tmp_path):
    with pytest.raises(KeyStoreError, match="run `vouch init`"):
        KeyStore(tmp_path / "nowhere", PASSPHRASE).current()


def test_unreadable_ring(store):
    store.init("Vouch Test Issuer")
    (store.path / "keyring.json").write_text("{not json")
    with pytest.raises(KeyStoreError, match="cannot read"):
        store.ring()


def test_missing_private_key_file(store):
    info = store.init("Vouch Test Issuer")
    (store.path / f"{info.key_id}.pem").unlink()
    with pytest.raises(KeyStoreError, match="cannot read private key"):
        _ = KeyStore(store.path, PASSPHRASE).signing_key


def test_production_refuses_without_passphrase(tmp_path):
    store = KeyStore(tmp_path / "keys", None, production=True)
    with pytest.raises(ConfigurationError, match="VOUCH_KEY_PASSPHRASE is required"):
        store.init("Vouch Test Issuer")
    assert not (tmp_path / "keys" / "keyring.json").exists()


def test_development_without_passphrase_warns_loudly(tmp_path, caplog):
    store = KeyStore(tmp_path / "keys", None)
    with caplog.at_level(logging.WARNING):
        info = store.init("Vouch Test Issuer")
    assert "DEVELOPMENT KEY STORE" in caplog.text
    assert (store.path / f"{info.key_id}.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED")
    secret = (store.path / "dev-passphrase").read_text()
    assert secret not in caplog.text
    assert stat.S_IMODE((store.path / "dev-passphrase").stat().st_mode) == 0o600


def test_rotation_keeps_retired_keys(store):
    first = store.init("Vouch Test Issuer")
    old_key = store.signing_key
    second = store.rotate("Vouch Test Issuer", "EdDSA")
    ring = store.ring()
    assert [k.key_id for k in ring] == [first.key_id, second.key_id]
    assert ring[0].retired is not None
    assert ring[1].current
    assert store.current() == second
    assert store.signing_key is not old_key
    assert store.private_key(first.key_id).private_numbers() == old_key.private_numbers()
    ring_file = json.loads((store.path / "keyring.json").read_text())
    assert ring_file["current"] == second.key_id


def test_rotate_refuses_wrong_passphrase(store):
    store.init("Vouch Test Issuer")
    with pytest.raises(KeyStoreError):
        KeyStore(store.path, "wrong").rotate("Vouch Test Issuer")
    assert len(store.ring()) == 1


def test_repr_hides_the_passphrase(store):
    assert PASSPHRASE not in repr(store)


# -- encryption strength (issue 12: keys) -----------------------------------------------------


def _protection(pem: bytes) -> tuple[str, str, int, str]:
    """KDF, its hash, iterations and cipher of an encrypted PKCS#8 PEM, read by asn1crypto."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem as asn1_pem

    _, _, der = asn1_pem.unarmor(pem)
    algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(der)["encryption_algorithm"]
    cipher = f"{algorithm.encryption_cipher}-{algorithm.key_length * 8}-{algorithm.encryption_mode}"
    return algorithm.kdf, algorithm.kdf_hmac, algorithm.kdf_iterations, cipher


@pytest.fixture
def real_strength(monkeypatch):
    """The production iteration count (the suite runs at a test-only lower one)."""
    monkeypatch.delenv("VOUCH_TEST_KDF_ROUNDS", raising=False)


def _weaken(store, key_id):
    """Store ``key_id`` as cryptography's BestAvailableEncryption writes it (2,048 rounds)."""
    from cryptography.hazmat.primitives import serialization

    weak = store.private_key(key_id).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    (store.path / f"{key_id}.pem").write_bytes(weak)
    assert _protection(weak)[2] == 2048


def test_private_keys_are_encrypted_with_pbkdf2_sha256_at_600000_rounds(store, real_strength):
    info = store.init("Vouch Test Issuer")
    second = store.rotate("Vouch Test Issuer", "EdDSA")
    assert KDF_ROUNDS >= 600_000
    for key_id in (info.key_id, second.key_id):
        pem = (store.path / f"{key_id}.pem").read_bytes()
        assert _protection(pem) == ("pbkdf2", "sha256", KDF_ROUNDS, "aes-256-cbc")
        assert kdf_iterations(pem) == KDF_ROUNDS  # the store's own reading agrees


def test_weak_key_file_is_reencrypted_on_load_atomically_owner_only(store, real_strength):
    info = store.init("Vouch Test Issuer")
    before = store.signing_key.private_numbers()
    _weaken(store, info.key_id)
    path = store.path / f"{info.key_id}.pem"
    fresh = KeyStore(store.path, PASSPHRASE)
    assert fresh.signing_key.private_numbers() == before
    assert _protection(path.read_bytes()) == ("pbkdf2", "sha256", KDF_ROUNDS, "aes-256-cbc")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p.name for p in store.path.iterdir() if p.name.endswith(".tmp")]
    stamp = path.stat()
    assert KeyStore(store.path, PASSPHRASE).signing_key.private_numbers() == before
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (stamp.st_ino, stamp.st_mtime_ns)


def test_vouch_init_reencrypts_every_weak_key(tmp_path, real_strength):
    from tests.issuer.conftest import initialised_vouch

    vouch = initialised_vouch(tmp_path, PASSPHRASE)
    assert vouch("keys", "rotate").exit_code == 0
    store = KeyStore(tmp_path / "keys", PASSPHRASE)
    for key in store.ring():
        _weaken(store, key.key_id)
    assert vouch("init").exit_code == 0
    for key in store.ring():
        pem = (store.path / f"{key.key_id}.pem").read_bytes()
        assert _protection(pem) == ("pbkdf2", "sha256", KDF_ROUNDS, "aes-256-cbc")


def test_private_key_is_decrypted_once_per_store(store, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    store.init("Vouch Test Issuer")
    fresh = KeyStore(store.path, PASSPHRASE)
    calls = []
    real = serialization.load_pem_private_key
    monkeypatch.setattr(
        serialization, "load_pem_private_key", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    for _ in range(5):
        fresh.signer()
        _ = fresh.signing_key
    assert len(calls) == 1


def test_test_kdf_rounds_are_refused_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("VOUCH_TEST_KDF_ROUNDS", "1000")
    store = KeyStore(tmp_path / "keys", PASSPHRASE, production=True)
    with pytest.raises(ConfigurationError, match="tests only"):
        store.init("Vouch Test Issuer")
    monkeypatch.delenv("VOUCH_TEST_KDF_ROUNDS")
    assert KeyStore(tmp_path / "keys", PASSPHRASE, production=True).kdf_rounds == KDF_ROUNDS


def test_rerunning_init_decrypts_only_the_current_key_and_weak_ones(store, monkeypatch):
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setenv("VOUCH_TEST_KDF_ROUNDS", "5000")  # above the 2,048 of _weaken
    first = store.init("Vouch Test Issuer")
    store.rotate("Vouch Test Issuer")
    calls = []
    real = serialization.load_pem_private_key
    monkeypatch.setattr(
        serialization, "load_pem_private_key", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    KeyStore(store.path, PASSPHRASE).init("Vouch Test Issuer")
    assert len(calls) == 1  # the current key only: the retired one is already strong
    _weaken(store, first.key_id)
    calls.clear()
    KeyStore(store.path, PASSPHRASE).init("Vouch Test Issuer")
    assert len(calls) == 2
    assert kdf_iterations((store.path / f"{first.key_id}.pem").read_bytes()) == store.kdf_rounds
