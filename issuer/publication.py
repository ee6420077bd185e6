"""The issuer's public material: its did:web identifier, DID document and JWKS."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from issuer.keystore import KeyInfo


def did_web(public_url: str) -> str:
    """``did:web`` for a base URL: host (port as ``%3A``), then path segments joined by ``:``."""
    parts = urlsplit(public_url)
    host = parts.hostname or ""
    if parts.port:
        host += f"%3A{parts.port}"
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def kid(did: str, key: KeyInfo) -> str:
    return f"{did}#{key.key_id}"


def jwks(did: str, keys: list[KeyInfo]) -> dict[str, Any]:
    """Every key ever used, current and retired, so old credentials still verify; never a
    withdrawn key, so nothing it signed (or anyone holding it signs) verifies."""
    return {"keys": [key.public_jwk | {"kid": kid(did, key)} for key in keys if not key.withdrawn]}


def did_document(did: str, keys: list[KeyInfo]) -> dict[str, Any]:
    """The ``did:web`` document: the current and retired keys, never a withdrawn one."""
    methods = [
        {
            "id": kid(did, key),
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": key.public_jwk | {"kid": kid(did, key)},
        }
        for key in keys
        if not key.withdrawn
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
