"""Golden checks against the standards: credential shape, JOSE header and claims, vectors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jwt
import pytest

from criteria import load_catalogue
from issuer.credential import (
    IssuerProfile,
    StatusEntry,
    build_credential,
    identity_hash,
    jwt_claims,
    sign,
)
from issuer.keystore import generate_private_key, public_jwk
from issuer.publication import did_web
from tests.criteria.bundles import meeting_bundle
from verifier import bitstring
from verifier.jose import read_compact, verify_signature
from verifier.keys import did_web_url
from verifier.schemas import schema_errors

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
CATALOGUE = load_catalogue()
NOW = dt.datetime(2026, 11, 25, 12, 30, 15, 123456, tzinfo=dt.UTC)


def built(milestone="foundation-mastery", **extra):
    m = CATALOGUE[milestone]
    verdict = CATALOGUE.check(meeting_bundle(m))
    return build_credential(
        credential_id="urn:uuid:2f1c56f4-3c59-4d0e-9a53-7e0d4c2a4b11",
        issuer=IssuerProfile("did:web:vouch.test", "Vouch Test Issuer", "https://vouch.test"),
        public_url="https://vouch.test",
        milestone=m,
        verdict=verdict,
        subject_id="urn:uuid:0b8e2f8e-8f0b-4bfa-9d0e-1d9a7c5e3f21",
        email="Ada@Example.org",
        salt="Kosher",
        status=StatusEntry("https://vouch.test/status/abc123", 4242),
        valid_from=NOW,
        **extra,
    )


def test_identity_hash_check_vector():
    # NOTES.md §1.9: a@example.com + salt Kosher
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


@pytest.mark.parametrize("milestone", [m.id for m in CATALOGUE])
def test_credential_validates_against_the_official_schema(milestone):
    assert schema_errors(built(milestone)) == []


def test_credential_fields_as_notes_require():
    c = built()
    assert c["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert c["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert c["issuer"] == {
        "id": "did:web:vouch.test", "type": ["Profile"], "name": "Vouch Test Issuer",
        "url": "https://vouch.test",
    }  # fmt: skip
    assert c["validFrom"] == "2026-11-25T12:30:15Z"
    assert "validUntil" not in c
    subject = c["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": identity_hash("ada@example.org", "Kosher"),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "Kosher",
        }
    ]
    assert "ada@example.org" not in json.dumps(c).lower()
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Foundation Master"
    assert achievement["criteria"]["narrative"].splitlines()[2:] == [
        "1. Score 75+ points on the self-assessment checklist",
        "2. Complete both practical exercises with satisfactory results",
        "3. Pass the knowledge check quiz with 80% or higher",
        "4. Demonstrate understanding in a 15-minute self-explanation session",
    ]
    assert achievement["image"]["type"] == "Image"
    assert c["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert c["credentialStatus"] == {
        "id": "https://vouch.test/status/abc123#4242",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4242",
        "statusListCredential": "https://vouch.test/status/abc123",
    }


def test_evidence_carries_bundle_and_rule_digests():
    m = CATALOGUE["foundation-mastery"]
    verdict = CATALOGUE.check(meeting_bundle(m))
    ids = [e.get("id") for e in built()["evidence"]]
    assert f"urn:vouch:evidence:sha256:{verdict.evidence_digest[7:]}" in ids
    assert f"urn:vouch:rules:foundation-mastery:sha256:{m.digest[7:]}" in ids
    assert all(e["type"] == ["Evidence"] for e in built()["evidence"])


def test_valid_until_when_a_milestone_sets_one():
    c = built(valid_until=NOW + dt.timedelta(days=365))
    assert c["validUntil"] == "2027-11-25T12:30:15Z"
    assert jwt_claims(c)["exp"] == int(
        dt.datetime(2027, 11, 25, 12, 30, 15, tzinfo=dt.UTC).timestamp()
    )
    assert schema_errors(c) == []


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_vc_jwt_header_and_claims(alg):
    key = generate_private_key(alg)
    c = built()
    token = sign(c | jwt_claims(c), key, alg, "did:web:vouch.test#k1")
    header, payload = read_compact(token)
    assert header == {"alg": alg, "kid": "did:web:vouch.test#k1", "typ": "JWT"}
    assert payload["iss"] == c["issuer"]["id"]
    assert payload["jti"] == c["id"]
    assert payload["sub"] == c["credentialSubject"]["id"]
    assert payload["nbf"] == int(dt.datetime(2026, 11, 25, 12, 30, 15, tzinfo=dt.UTC).timestamp())
    assert "exp" not in payload
    assert "vc" not in payload
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "sub", "nbf")} == c
    verify_signature(token, jwt.PyJWK(public_jwk(key.public_key())).key, alg)


@pytest.mark.parametrize(
    ("url", "did", "document"),
    [
        ("https://example.com", "did:web:example.com", "https://example.com/.well-known/did.json"),
        ("https://example.com/issuers/42", "did:web:example.com:issuers:42",
         "https://example.com/issuers/42/did.json"),
        ("https://example.com:3000/u/a", "did:web:example.com%3A3000:u:a",
         "https://example.com:3000/u/a/did.json"),
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000",
         "http://127.0.0.1:5000/.well-known/did.json"),
    ],
)  # fmt: skip
def test_did_web(url, did, document):
    """The issuer's did:web for its URL resolves, by the verifier's reading, to its document."""
    assert did_web(url) == did
    assert did_web_url(did, allow_http=True) == document


EXAMPLES = sorted(
    p.name.removesuffix(".vc-jwt.txt") for p in (VECTORS / "ob3-examples").glob("*.vc-jwt.txt")
)


@pytest.mark.parametrize("name", EXAMPLES)
def test_spec_vc_jwt_examples_decode(name):
    folder = VECTORS / "ob3-examples"
    header, payload = read_compact((folder / f"{name}.vc-jwt.txt").read_text())
    assert header == json.loads((folder / f"{name}.vc-jwt.header.json").read_text())
    assert payload == json.loads((folder / f"{name}.vc-jwt.payload.json").read_text())
    # each example is signed with the key in its own header
    verify_signature(
        (folder / f"{name}.vc-jwt.txt").read_text(), jwt.PyJWK(header["jwk"]).key, header["alg"]
    )


JOSE = sorted((VECTORS / "vc-jose-cose").glob("credential-*.txt"))


@pytest.mark.parametrize("path", JOSE, ids=[p.stem for p in JOSE])
def test_w3c_jose_vectors_decode(path):
    header, payload = read_compact(path.read_text())
    assert header["alg"] in {"ES256", "ES384", "ES512", "EdDSA"}
    assert "@context" in payload or "vc" in payload


def test_bitstring_vector_index_23():
    data = json.loads(
        (VECTORS / "ob3-validator" / "bitstring-testlist-index23-set.json").read_text()
    )
    bits = bitstring.decode(data["credentialSubject"]["encodedList"])
    assert [i for i in range(len(bits) * 8) if bitstring.bit(bits, i)] == [23]
    assert bits[2] == 0x01


def test_bitstring_round_trip_and_bomb_refused():
    bits = bitstring.with_bits_set(bitstring.MIN_ENTRIES, [0, 7, 131071])
    encoded = bitstring.encode(bits)
    assert encoded.startswith("u")
    assert bitstring.decode(encoded) == bits
    assert [bitstring.bit(bits, i) for i in (0, 1, 7, 8, 131071)] == [1, 0, 1, 0, 1]
    bomb = bitstring.encode(bytes(64 * 1024 * 1024))
    with pytest.raises(bitstring.BitstringError, match="expands beyond"):
        bitstring.decode(bomb)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda e: e[:40] + "!" + e[40:], id="a stray character"),
        pytest.param(lambda e: e[:40] + " " + e[40:], id="a space"),
        pytest.param(lambda e: e + "=" * (-len(e[1:]) % 4 or 4), id="padding"),
        pytest.param(lambda e: e.replace("-", "+").replace("_", "/"), id="standard alphabet"),
    ],
)
def test_bitstring_decoding_is_strict_base64url(damage):
    """BSL's encodedList is base64url without padding: anything else is refused, never skipped
    over (the standard library's decoder used to drop characters outside the alphabet)."""
    encoded = bitstring.encode(bitstring.with_bits_set(bitstring.MIN_ENTRIES, [5]))
    damaged = damage(encoded)
    assert damaged != encoded
    with pytest.raises(bitstring.BitstringError, match="not base64url"):
        bitstring.decode(damaged)


def test_fast_schema_validator_agrees_with_the_reference_validator():
    """jsonschema-rs and jsonschema give the same answer; the fast path never says "valid"
    where jsonschema does not."""
    from verifier.schemas import _fast, validator

    examples = [
        json.loads((VECTORS / "ob3-examples" / f"{name}.json").read_text())
        for name in ("D1-basic-openbadgecredential", "D2-complete-openbadgecredential")
    ]
    samples = [built(m.id) for m in CATALOGUE] + examples
    broken = []
    for sample in samples:
        for mutate in (
            lambda c: c.pop("issuer"),
            lambda c: c.__setitem__("type", ["VerifiableCredential"]),
            lambda c: c["credentialSubject"].__setitem__("type", ["Nope"]),
            lambda c: c.__setitem__("@context", ["https://www.w3.org/ns/credentials/v2"]),
            lambda c: c.__setitem__("credentialSchema", {"id": 1}),
        ):
            changed = json.loads(json.dumps(sample))
            mutate(changed)
            broken.append(changed)
    for credential in samples + broken:
        reference_valid = validator().is_valid(credential)
        assert _fast(ACHIEVEMENT_URL).is_valid(credential) == reference_valid
        assert schema_errors(credential) == [] if reference_valid else schema_errors(credential)
    assert sum(validator().is_valid(c) for c in broken) == 0


ACHIEVEMENT_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
