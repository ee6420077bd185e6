"""Interoperability: the standards' own vectors through our verifier.

* OB 3.0 spec examples D1-D7 (``tests/vectors/ob3-examples``): each is signed with the RSA key
  in its own JOSE header (``jwk``). A header key proves nothing about the issuer (RFC 8725
  §3.10; NOTES §5 "Bind the key to the issuer"), so as-is they must not verify. Once the issuer
  publishes that key (a JWKS on the issuer's origin, served by a ``MappingFetcher``), every
  signature must verify.
* W3C vc-jose-cose vectors (``tests/vectors/vc-jose-cose``): the suite's keys published for the
  tokens' issuer; the signature outcome must match ``expected-results.json``.
* The 1EdTech validator's ``simple-jwt.svg``: a baked OB 3.0 SVG.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from verifier import CheckStatus, State, TrustList, Verifier, VerifyOptions
from verifier.artefacts import read_artefact
from verifier.fetch import MappingFetcher
from verifier.jose import read_compact
from verifier.keys import did_web_url, origin

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
OB3_EXAMPLES = sorted((VECTORS / "ob3-examples").glob("*.vc-jwt.txt"))
JOSE = VECTORS / "vc-jose-cose"
EXPECTED = json.loads((JOSE / "expected-results.json").read_text())["cases"]
#: A key nobody signed the examples with.
OTHER_RSA_JWK = RSAAlgorithm.to_jwk(
    rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(), as_dict=True
)
#: The examples carry dates from 2010 to 2030; verify at a fixed instant inside every window.
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def example_id(path: Path) -> str:
    return path.name.split("-")[0]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issuer_id(payload: dict) -> str:
    issuer = payload["issuer"]
    return issuer["id"] if isinstance(issuer, dict) else issuer


def published_key_documents(issuer: str, jwk: dict) -> dict[str, str]:
    """The material an issuer would publish so that ``jwk`` is its key, in the form the
    verifier resolves for that kind of issuer id (NOTES §5)."""
    if issuer.startswith("did:web:"):
        method = f"{issuer}#key-1"
        document = {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": issuer,
            "verificationMethod": [
                {"id": method, "type": "JsonWebKey", "controller": issuer, "publicKeyJwk": jwk}
            ],
            "assertionMethod": [method],
        }
        return {did_web_url(issuer): json.dumps(document)}
    if issuer.startswith("https://"):
        return {f"{origin(issuer)}/.well-known/jwks.json": json.dumps({"keys": [jwk]})}
    return {}  # no published form we could resolve


# -- OB 3.0 spec examples -----------------------------------------------------------------------
#
# Expected outcome of each example once its key is published (asserted per check, not on the
# whole state, since the examples are not all complete OB 3.0 credentials):
#   all  : header, algorithm (RS256), issuer key and signature pass; claims pass with "nbf absent"
#          noted (the examples have iss/jti/sub but no nbf/exp, NOTES §2 "Quirk").
#   D1, D4, D5, D6, D7: schema passes, no credentialStatus (status skipped): verified.
#   D2   : credentialStatus is a 1EdTechRevocationList, which we do not support: status
#          unknown, so the state is unknown (never verified) although the signature holds.
#   D3   : an EndorsementCredential, not an AchievementCredential: the OB 3.0 achievement
#          schema fails (and its status is a 1EdTechRevocationList): not verified.
EXAMPLE_STATES = {
    "D1": State.VERIFIED,
    "D2": State.UNKNOWN,
    "D3": State.NOT_VERIFIED,
    "D4": State.VERIFIED,
    "D5": State.VERIFIED,
    "D6": State.VERIFIED,
    "D7": State.VERIFIED,
}


def test_every_spec_example_is_covered():
    assert sorted(example_id(p) for p in OB3_EXAMPLES) == sorted(EXAMPLE_STATES)


@pytest.mark.parametrize("path", OB3_EXAMPLES, ids=example_id)
def test_spec_example_header_key_alone_is_not_trusted(path):
    # As-is: the issuer (an https URL we cannot reach) publishes nothing we can read; the
    # header's jwk must not stand in for the issuer's key.
    token = path.read_text()
    header, _ = read_compact(token)
    assert "jwk" in header
    assert "kid" not in header
    result = Verifier(MappingFetcher({})).verify(token, now=NOW)
    assert result.state is not State.VERIFIED
    assert result.check("issuer key").status is not CheckStatus.PASS
    assert result.check("signature").status is not CheckStatus.PASS


@pytest.mark.parametrize("path", OB3_EXAMPLES, ids=example_id)
def test_spec_example_with_another_published_key_fails_the_key_check(path):
    # The issuer publishes a key, but not the one in the header: the header's jwk names
    # nothing the issuer vouches for.
    token = path.read_text()
    _, payload = read_compact(token)
    documents = published_key_documents(issuer_id(payload), OTHER_RSA_JWK)
    result = Verifier(MappingFetcher(documents)).verify(token, now=NOW)
    assert result.state is State.NOT_VERIFIED
    assert result.check("issuer key").status is CheckStatus.FAIL
    assert "matching key" in result.check("issuer key").detail


@pytest.mark.parametrize("path", OB3_EXAMPLES, ids=example_id)
def test_spec_example_signature_verifies_given_its_published_key(path):
    token = path.read_text()
    header, payload = read_compact(token)
    issuer = issuer_id(payload)
    assert payload["iss"] == issuer
    # every example's issuer is an https URL: its JWKS lives at <origin>/.well-known/jwks.json
    assert issuer.startswith("https://")
    documents = published_key_documents(issuer, header["jwk"])
    trusting = VerifyOptions(trust=TrustList.of([issuer]))
    result = Verifier(MappingFetcher(documents), trusting).verify(token, now=NOW)

    for name in ("decoding", "header", "algorithm", "issuer key", "signature", "claims"):
        assert result.check(name).status is CheckStatus.PASS, result.check(name)
    assert result.check("signature").detail == "RS256 signature verifies"
    assert "nbf absent" in result.check("claims").detail
    assert result.check("validity window").status is CheckStatus.PASS
    expected = EXAMPLE_STATES[example_id(path)]
    assert result.state is expected, result.errors
    if expected is State.VERIFIED:
        assert result.check("schema").status is CheckStatus.PASS
        assert result.check("status").status is CheckStatus.SKIP
        # The same credential, to a verifier that does not know its issuer: genuine, not
        # "verified".
        unknown_issuer = Verifier(MappingFetcher(documents)).verify(token, now=NOW)
        assert unknown_issuer.state is State.UNTRUSTED
    else:
        status = result.check("status")
        assert status.status is CheckStatus.UNKNOWN
        assert "1EdTechRevocationList" in status.detail


def test_spec_example_with_an_unresolvable_issuer_fails_the_key_check_with_a_reason():
    # None of D1-D7 has a did:web or non-URL issuer; build one: D1 with a did:example issuer
    # (the signature no longer matters: the key check fails first and says why).
    token = OB3_EXAMPLES[0].read_text()
    header, payload = read_compact(token)
    payload |= {"issuer": "did:example:876543", "iss": "did:example:876543"}
    forged = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.AAAA"
    result = Verifier(MappingFetcher({})).verify(forged, now=NOW)
    key = result.check("issuer key")
    assert key.status is CheckStatus.FAIL
    assert "only did:web identifiers are resolved" in key.detail
    assert result.state is State.NOT_VERIFIED


def test_spec_example_key_published_in_a_did_web_document_is_found():
    # The did:web path, with D1 re-issued (unsigned) by a did:web issuer: the key is found in
    # the DID document, but the signature no longer matches the altered payload.
    token = OB3_EXAMPLES[0].read_text()
    header, payload = read_compact(token)
    did = "did:web:example.com:issuers:876543"
    payload |= {"issuer": did, "iss": did}
    altered = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}."
    altered += token.rsplit(".", 1)[1]
    documents = published_key_documents(did, header["jwk"])
    assert list(documents) == ["https://example.com/issuers/876543/did.json"]
    result = Verifier(MappingFetcher(documents)).verify(altered, now=NOW)
    assert result.check("issuer key").status is CheckStatus.PASS
    assert result.check("signature").status is CheckStatus.FAIL
    assert result.state is State.NOT_VERIFIED


# -- W3C vc-jose-cose ---------------------------------------------------------------------------
#
# These vectors target generic VC-JOSE-COSE, not the OB 3.0 profile: every token carries a
# `cty` header (OB 3.0 §8.2.3 allows no other JOSE headers, so our header check fails) and an
# examples/v2 context (the OB 3.0 schema fails). So no vector is ever "verified" here; what
# must match the suite is the signature: valid ones pass, the bad one fails, and a token whose
# algorithm is outside our allow-list is stopped by the algorithm check.
#
# The tokens' issuer is https://example.issuer/vc-jose-cose and their kid a bare RFC 7638
# thumbprint, so the verifier looks the kid up in the JWKS on the issuer's origin; that is
# where the named vm-*.json key is published.
#
# Failure cases whose signature is valid (the suite's reason is elsewhere):
#   13 bad media type: typ "bad+typ" / cty "bad+cty": the header check fails.
#   15 vc/vp claims  : the signature is valid; the state is not verified, but only because of
#                      the cty header and the schema: nothing here refuses a "vc"/"vp" claim
#                      that is not an object (the claims are passed through into the credential).
# Case 9 (unknown extensions) is ES512, not in our allow-list (RS256, ES256, EdDSA): it cannot
# be expressed as a signature check; the algorithm check fails with "not allowed".
SIGNATURE_IS_VALID = {"credential-jose-bad-media-type.txt", "credential-jose-vc-vp-claims.txt"}
TOKEN_CASES = [c for c in EXPECTED if c["input"].endswith(".txt")]


def jose_documents(case: dict) -> tuple[str, dict[str, str]]:
    token = (JOSE / case["input"]).read_text().strip()
    _, payload = read_compact(token)
    method = json.loads((JOSE / case["key"]).read_text())
    assert method["controller"] == issuer_id(payload) == payload["iss"]
    return token, published_key_documents(method["controller"], method["publicKeyJwk"])


def test_every_jose_token_case_is_covered():
    assert {c["input"] for c in TOKEN_CASES} == {p.name for p in JOSE.glob("*.txt")}


@pytest.mark.parametrize("case", TOKEN_CASES, ids=lambda c: c["test"].split(".")[0])
def test_jose_vector_signature_matches_the_expected_result(case):
    token, documents = jose_documents(case)
    header, _ = read_compact(token)
    result = Verifier(MappingFetcher(documents)).verify(token)

    assert result.check("decoding").status is CheckStatus.PASS
    assert result.state is not State.VERIFIED  # cty header + non-OB context, see above
    signature = result.check("signature")
    if header["alg"] not in ("RS256", "ES256", "EdDSA"):
        algorithm = result.check("algorithm")
        assert algorithm.status is CheckStatus.FAIL
        assert "not allowed" in algorithm.detail
        assert signature.status is not CheckStatus.PASS
        assert case["expected"] == "failure"
    elif case["expected"] == "success" or case["input"] in SIGNATURE_IS_VALID:
        assert result.check("issuer key").status is CheckStatus.PASS
        assert signature.status is CheckStatus.PASS
        assert signature.detail == f"{header['alg']} signature verifies"
    else:
        assert result.check("issuer key").status is CheckStatus.PASS
        assert signature.status is CheckStatus.FAIL
        assert "does not verify" in signature.detail


@pytest.mark.parametrize("case", TOKEN_CASES, ids=lambda c: c["test"].split(".")[0])
def test_jose_vector_cty_header_is_refused(case):
    token, documents = jose_documents(case)
    result = Verifier(MappingFetcher(documents)).verify(token)
    header = result.check("header")
    assert header.status is CheckStatus.FAIL
    assert "cty" in header.detail


def test_jose_bad_media_type_is_refused_for_its_typ():
    # The vector's header has both an unknown member (cty) and typ "bad+typ"; without cty the
    # typ alone must still be refused (the signature cannot hold after the edit, which does
    # not matter for the header check).
    case = next(c for c in EXPECTED if c["input"] == "credential-jose-bad-media-type.txt")
    token, documents = jose_documents(case)
    header, _ = read_compact(token)
    assert header["typ"] == "bad+typ"
    del header["cty"]
    _, body, signature = token.split(".")
    edited = f"{b64(json.dumps(header).encode())}.{body}.{signature}"
    result = Verifier(MappingFetcher(documents)).verify(edited)
    check = result.check("header")
    assert check.status is CheckStatus.FAIL
    assert "bad+typ" in check.detail
    assert result.state is State.NOT_VERIFIED


def test_jose_unsecured_credential_json_is_not_verified():
    # Case 10: credential-minimal.json has no proof at all.
    case = next(c for c in EXPECTED if c["input"] == "credential-minimal.json")
    assert case["expected"] == "failure"
    _, documents = jose_documents(next(c for c in TOKEN_CASES if c["key"] == case["key"]))
    result = Verifier(MappingFetcher(documents)).verify((JOSE / case["input"]).read_bytes())
    assert result.state is State.NOT_VERIFIED
    assert result.check("signature").status is CheckStatus.FAIL
    assert "no proof" in result.check("signature").detail


def test_jose_es512_token_is_refused_even_with_every_suite_key_published():
    # Case 9 with every suite key published (P-521 included): ES512 is still refused, since
    # the header's alg never chooses an algorithm outside the allow-list (RFC 8725 §3.1).
    token = (JOSE / "credential-jose-unknown-extensions.txt").read_text().strip()
    keys = [json.loads(p.read_text())["publicKeyJwk"] for p in sorted(JOSE.glob("vm-*.json"))]
    documents = {"https://example.issuer/.well-known/jwks.json": json.dumps({"keys": keys})}
    result = Verifier(MappingFetcher(documents)).verify(token)
    assert result.check("algorithm").status is CheckStatus.FAIL
    assert "not allowed" in result.check("algorithm").detail
    assert result.check("issuer key") is None
    assert result.check("signature").status is CheckStatus.SKIP
    assert result.state is State.NOT_VERIFIED


# -- 1EdTech validator: baked SVG ---------------------------------------------------------------

SIMPLE_JWT_SVG = VECTORS / "ob3-validator" / "simple-jwt.svg"


def test_validator_simple_jwt_svg_is_read_as_a_baked_svg():
    artefact = read_artefact(SIMPLE_JWT_SVG.read_bytes())
    assert artefact.kind.startswith("baked SVG (Open Badges 3.0)")
    result = Verifier(MappingFetcher({})).verify(SIMPLE_JWT_SVG.read_bytes(), now=NOW)
    decoding = result.check("decoding")
    assert decoding.status is CheckStatus.PASS
    assert "baked SVG (Open Badges 3.0)" in decoding.detail
