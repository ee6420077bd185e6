"""Compact JWS reading and signature checks, with the algorithm fixed by the caller (RFC 8725)."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
from jwt.exceptions import InvalidSignatureError, PyJWTError

#: The only algorithms ever accepted; never ``none``, never HMAC [RFC 8725 §3.1, §2.1].
ALLOWED_ALGORITHMS = ("RS256", "ES256", "EdDSA")
MAX_TOKEN_BYTES = 64 * 1024
#: No genuine credential nests deeper than this.
MAX_DEPTH = 32


class TokenError(ValueError):
    """A token that cannot be read (shape, base64url, JSON)."""


class SignatureError(ValueError):
    """A token whose signature does not verify with the given key and algorithm."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TokenError(f"duplicate member {key!r}")
        result[key] = value
    return result


def _segment(part: str, what: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except TokenError:
        raise
    except RecursionError:
        raise TokenError(f"{what} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError(f"{what} is not base64url-encoded JSON: {exc}") from None
    if not isinstance(value, dict):
        raise TokenError(f"{what} is not a JSON object")
    if _too_deep(value):
        raise TokenError(f"{what} is nested deeper than {MAX_DEPTH} levels")
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return False


def read_compact(
    token: str, *, max_bytes: int = MAX_TOKEN_BYTES
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, unverified; ``TokenError`` if unreadable."""
    if len(token) > max_bytes:
        raise TokenError(f"token is longer than {max_bytes} bytes")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise TokenError(f"a compact JWS has 3 segments, this has {len(parts)}")
    return _segment(parts[0], "header"), _segment(parts[1], "payload")


def verify_signature(token: str, key: Any, algorithm: str) -> None:
    """Raise ``SignatureError`` unless ``token`` is signed by ``key`` with ``algorithm``.

    ``algorithm`` comes from the key's published metadata, not from the token's header.
    """
    if algorithm not in ALLOWED_ALGORITHMS:
        raise SignatureError(f"algorithm {algorithm!r} is not allowed")
    try:
        jwt.api_jws.PyJWS().decode_complete(token.strip(), key=key, algorithms=[algorithm])
    except InvalidSignatureError:
        raise SignatureError("signature does not verify") from None
    except PyJWTError as exc:
        raise SignatureError(str(exc)) from None
