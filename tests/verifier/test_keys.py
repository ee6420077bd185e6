"""Key resolution (``verifier.keys.resolve_key``): every route to a published key, and every
reason to refuse one, asked twice (the routing is cached; its answers must not change)."""

from __future__ import annotations

import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from verifier.fetch import FetchRefused, MappingFetcher
from verifier.jwk_util import public_jwk
from verifier.keys import KeyRejected, resolve_key

DID = "did:web:example.org"
SITE = "https://example.org"
JWK = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
DOCUMENT = {
    "id": DID,
    "verificationMethod": [
        {"id": f"{DID}#k1", "type": "JsonWebKey", "controller": DID, "publicKeyJwk": JWK}
    ],
    "assertionMethod": [f"{DID}#k1"],
}
FETCHER = MappingFetcher(
    {
        f"{SITE}/.well-known/did.json": json.dumps(DOCUMENT),
        f"{SITE}/.well-known/jwks.json": json.dumps({"keys": [JWK | {"kid": "k1"}]}),
        f"{SITE}/keys.json": json.dumps({"keys": [JWK | {"kid": f"{SITE}/keys.json#k1"}]}),
        "http://example.org/keys.json": json.dumps(
            {"keys": [JWK | {"kid": "http://example.org/keys.json#k1"}]}
        ),
    }
)


@pytest.mark.parametrize(
    ("header", "issuer", "allow_http", "kid", "source"),
    [
        ({"kid": f"{DID}#k1"}, DID, False, f"{DID}#k1", f"{SITE}/.well-known/did.json"),
        ({"kid": "#k1"}, DID, False, f"{DID}#k1", f"{SITE}/.well-known/did.json"),
        ({"kid": "k1"}, DID, False, f"{DID}#k1", f"{SITE}/.well-known/did.json"),
        ({}, DID, False, f"{DID}#k1", f"{SITE}/.well-known/did.json"),
        ({"kid": "k1"}, SITE, False, "k1", f"{SITE}/.well-known/jwks.json"),
        ({"jwk": JWK}, SITE, False, "k1", f"{SITE}/.well-known/jwks.json"),
        ({"kid": f"{SITE}/keys.json#k1"}, SITE, False, f"{SITE}/keys.json#k1",
         f"{SITE}/keys.json"),
        ({"kid": "http://example.org/keys.json#k1"}, "http://example.org", True,
         "http://example.org/keys.json#k1", "http://example.org/keys.json"),
    ],
)  # fmt: skip
def test_published_keys_are_found(header, issuer, allow_http, kid, source):
    for _ in range(2):
        found = resolve_key(header | {"alg": "ES256"}, issuer, FETCHER, allow_http=allow_http)
        assert (found.kid, found.source) == (kid, source)
        assert public_jwk(found.key) == JWK


@pytest.mark.parametrize(
    ("header", "issuer", "error", "message"),
    [
        ({"alg": "ES256", "kid": 5}, DID, KeyRejected, "kid is not a plain identifier"),
        ({"alg": "ES256", "kid": ""}, DID, KeyRejected, "kid is not a plain identifier"),
        ({"alg": "ES256", "kid": "a b"}, DID, KeyRejected, "kid is not a plain identifier"),
        ({"kid": "a b"}, DID, KeyRejected, "kid is not a plain identifier"),
        ({"kid": "k1"}, DID, KeyRejected, "no algorithm"),
        ({"alg": 7, "kid": "k1"}, DID, KeyRejected, "no algorithm"),
        ({"alg": "ES256", "kid": "did:web:evil.example#k1"}, DID, KeyRejected,
         "kid names did:web:evil.example, not the issuer did:web:example.org"),
        ({"alg": "ES256", "kid": DID}, DID, KeyRejected,
         "a DID kid must name a verification method (#fragment)"),
        ({"alg": "ES256", "kid": "https://evil.example/keys.json"}, SITE, KeyRejected,
         "kid 'https://evil.example/keys.json' is not on the issuer's origin"),
        ({"alg": "ES256", "kid": f"{SITE}/keys.json#k1"}, DID, KeyRejected,
         "kid 'https://example.org/keys.json#k1' is not on the issuer's origin"),
        ({"alg": "ES256", "kid": "http://example.org/keys.json#k1"}, "http://example.org",
         FetchRefused, "kid 'http://example.org/keys.json#k1' is not an https URL"),
        ({"alg": "ES256", "kid": "k1"}, "urn:example:issuer", KeyRejected,
         "no way to find the keys of issuer 'urn:example:issuer'"),
        ({"alg": "ES256", "kid": "k1"}, "did:key:z6Mk", KeyRejected,
         "only did:web identifiers are resolved, not ['did', 'key']"),
        ({"alg": "ES256", "kid": "k2"}, DID, KeyRejected,
         "did:web:example.org does not publish key did:web:example.org#k2 for assertions"),
        ({"alg": "ES256", "kid": "k2"}, SITE, KeyRejected,
         "https://example.org/.well-known/jwks.json does not publish exactly one matching key"),
        ({"alg": "RS256", "kid": "k1"}, DID, KeyRejected, "a EC/P-256 key cannot verify RS256"),
    ],
)  # fmt: skip
def test_keys_are_refused_with_a_reason(header, issuer, error, message):
    for _ in range(2):
        with pytest.raises(error, match=f"^{re.escape(message)}$"):
            resolve_key(header, issuer, FETCHER)


@pytest.mark.parametrize("keys", [None, 5, "k1", {"kid": "k1"}])
def test_a_jwks_whose_keys_member_is_not_an_array_publishes_no_key(keys):
    """``{"keys": null}`` once escaped as a TypeError (a 500 from the verify API)."""
    fetcher = MappingFetcher({f"{SITE}/.well-known/jwks.json": json.dumps({"keys": keys})})
    message = f"{SITE}/.well-known/jwks.json does not publish exactly one matching key"
    with pytest.raises(KeyRejected, match=f"^{re.escape(message)}$"):
        resolve_key({"alg": "ES256", "kid": "k1"}, SITE, fetcher)
