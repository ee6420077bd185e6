"""Public keys as JWKs, and comparing keys by their public members."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

PUBLIC_MEMBERS = ("kty", "crv", "x", "y", "n", "e")


def public_jwk(key: Any) -> dict[str, Any]:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return OKPAlgorithm.to_jwk(key, as_dict=True)
    raise ValueError(f"unsupported key type {type(key).__name__}")


def same_key(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a.get(m) == b.get(m) for m in PUBLIC_MEMBERS)
