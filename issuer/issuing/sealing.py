"""Sealing a credential: signing its payload and checking the token before it is stored."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import orjson
from jwt import PyJWK

from issuer.context import Context
from issuer.credential import CLAIM_NAMES, jws_signing_input, jwt_claims, sign_json
from issuer.errors import IssuanceBugError
from issuer.keystore import KeyInfo
from issuer.publication import did_document, kid
from verifier import CheckStatus, MappingFetcher, Verifier

#: The verifier's checks a new credential must pass. Not the validity window (a re-issue keeps
#: its original's ``validUntil``), the status (its list is not published yet) nor trust (the
#: issuer's own verifier options decide that, not the issuer).
SELF_CHECKS = ("decoding", "header", "algorithm", "issuer key", "signature", "claims", "schema")


class Sealer:
    """Signs credentials and checks each token with the verifier (forked into bulk workers)."""

    def __init__(self, context: Context) -> None:
        self.context = context
        #: key id → a verifier that knows only that key, as published (made once per key).
        self.verifiers: dict[str, Verifier] = {}

    def published_key(self, key: KeyInfo) -> Any:
        """The public key object as published in the JWKS and DID document."""
        return PyJWK(key.public_jwk).key

    def verifier(self, key: KeyInfo) -> Verifier:
        """The public verifier, reading ``key`` from a DID document publishing only it (the
        document the issuer serves, less its other keys): no network, no database."""
        if key.key_id not in self.verifiers:
            did = self.context.did
            document = orjson.dumps(did_document(did, [key]))
            fetcher = MappingFetcher({did_document_url(did): document})
            self.verifiers[key.key_id] = Verifier(fetcher)
        return self.verifiers[key.key_id]

    def seal(self, claims: dict[str, Any], key: KeyInfo) -> str:
        """Sign a credential's JWT claims with ``key`` and check the token, which is
        schema-valid and verifiable with the published key, or it is a bug: never stored."""
        private_key = self.context.keys.unlocked(key.key_id)
        payload = orjson.dumps(claims)
        token = sign_json(payload, private_key, key.alg, kid(self.context.did, key))
        self.self_check(claims, payload, token, key)
        return token

    def self_check(self, claims: dict[str, Any], payload: bytes, token: str, key: KeyInfo) -> None:
        """Check a token just signed as the public verifier does (its :meth:`Verifier.verify`),
        and that it holds exactly the header and ``payload`` (the JSON of ``claims``) meant."""
        credential = {name: v for name, v in claims.items() if name not in CLAIM_NAMES}
        problems = []
        if claims != credential | jwt_claims(credential):
            problems.append("the claims do not mirror the credential")
        signed = jws_signing_input(payload, key.alg, kid(self.context.did, key))
        if token.rpartition(".")[0].encode() != signed:
            problems.append("the token is not the header and payload signed")
        result = self.verifier(key).verify(token)
        checks = {check.check: check for check in result.checks}
        for name in SELF_CHECKS:
            check = checks.get(name)
            if check is None or check.status is not CheckStatus.PASS:
                problems.append(f"{name}: {check.detail if check else 'not checked'}")
        if problems:
            raise IssuanceBugError("credential failed its own checks: " + "; ".join(problems))


def did_document_url(did: str) -> str:
    """Where a verifier reads the document of the issuer's ``did:web`` (did:web, "Read")."""
    host, *path = (unquote(segment) for segment in did.removeprefix("did:web:").split(":"))
    return (
        f"https://{host}/{'/'.join(path)}/did.json"
        if path
        else f"https://{host}/.well-known/did.json"
    )
