"""Sealing a credential: signing its payload and checking the token before it is stored."""

from __future__ import annotations

from typing import Any

import orjson
from jwt import PyJWK

from issuer.context import Context
from issuer.credential import CLAIM_NAMES, jwt_claims, sign_json
from issuer.errors import IssuanceBugError
from issuer.keystore import KeyInfo
from issuer.publication import kid
from verifier import read_compact, schema_errors, verify_signature


class Sealer:
    """Signs credentials and checks each token as a verifier would (forked into bulk workers)."""

    def __init__(self, context: Context) -> None:
        self.context = context
        #: key id → the public key object as published (made once per key).
        self.public_keys: dict[str, Any] = {}

    def published_key(self, key: KeyInfo) -> Any:
        if key.key_id not in self.public_keys:
            self.public_keys[key.key_id] = PyJWK(key.public_jwk).key
        return self.public_keys[key.key_id]

    def seal(self, payload: bytes, key: KeyInfo) -> str:
        """Sign a credential's JWT payload (JSON) with ``key`` and check the token, which is
        schema-valid and verifiable with the published key, or it is a bug: never stored."""
        private_key = self.context.keys.unlocked(key.key_id)
        token = sign_json(payload, private_key, key.alg, kid(self.context.did, key))
        self.self_check(orjson.loads(payload), token, key)
        return token

    def self_check(self, expected: dict[str, Any], token: str, key: KeyInfo) -> None:
        credential = {name: v for name, v in expected.items() if name not in CLAIM_NAMES}
        problems = schema_errors(credential)
        if expected != credential | jwt_claims(credential):
            problems.append("the claims do not mirror the credential")
        try:
            # the key as published in the JWKS and DID document, not the private key's twin
            verify_signature(token, self.published_key(key), key.alg)
            header, payload = read_compact(token)
        except ValueError as exc:
            problems.append(f"signature: {exc}")
        else:
            if set(header) != {"alg", "kid", "typ"}:
                problems.append(f"header members {sorted(header)}")
            if payload != expected:
                problems.append("payload differs from the credential")
        if problems:
            raise IssuanceBugError("credential failed its own checks: " + "; ".join(problems))
