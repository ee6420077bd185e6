"""Finding the issuer's public key from the issuer's own published material.

A key is accepted only when the issuer publishes it: in the issuer's ``did:web`` document
(under ``assertionMethod``) or at a JWK/JWKS URL on the issuer's own origin. A ``jwk`` in the
token's header may select among published keys but is never trusted by itself [RFC 8725 §3.10].
``kid`` is attacker-controlled: it is only ever compared with, or resolved into, URLs derived
from the issuer id, never used as a path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

import strictjson
from verifier.errors import FetchRefused, KeyRejected
from verifier.fetch import Fetcher
from verifier.jwk_util import same_key
from verifier.memo import ByteBudget

PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
KID_SHAPE = re.compile(r"^[\x21-\x7e]{1,512}$")
#: Which key types may be used with which algorithm [RFC 8725 §3.1: one key, one algorithm].
ALG_KEYS = {"ES256": ("EC", "P-256"), "RS256": ("RSA", None), "EdDSA": ("OKP", "Ed25519")}


@dataclass(frozen=True)
class ResolvedKey:
    kid: str
    jwk: dict[str, Any]
    key: Any
    source: str

    @cached_property
    def canonical_jwk(self) -> str:
        """The JWK as canonical JSON: a hashable name for exactly this key material."""
        return json.dumps(self.jwk, sort_keys=True)


@lru_cache(maxsize=256)
def did_web_url(did: str, *, allow_http: bool = False) -> str:
    """Where a ``did:web`` DID's document lives (did:web spec, "Read")."""
    if not did.startswith("did:web:"):
        raise KeyRejected(f"only did:web identifiers are resolved, not {did.split(':')[:2]}")
    segments = did.removeprefix("did:web:").split(":")
    host = unquote(segments[0])
    if not host or "/" in host or "@" in host:
        raise KeyRejected(f"malformed did:web host in {did!r}")
    path = "/".join(unquote(s) for s in segments[1:])
    if any(part in ("", ".", "..") for part in path.split("/")) and path:
        raise KeyRejected(f"malformed did:web path in {did!r}")
    scheme = "http" if allow_http and _is_local(host) else "https"
    return (
        f"{scheme}://{host}/{path}/did.json" if path else f"{scheme}://{host}/.well-known/did.json"
    )


def _is_local(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("localhost", "127.0.0.1", "[::1]")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def key_for(jwk: dict[str, Any], alg: str) -> Any:
    """The key object for a published JWK, if it is fit for ``alg``; else ``KeyRejected``."""
    if PRIVATE_MEMBERS & set(jwk):
        raise KeyRejected("the published key contains private members")
    kty, crv = ALG_KEYS.get(alg, (None, None))
    if kty is None:
        raise KeyRejected(f"algorithm {alg!r} is not allowed")
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        raise KeyRejected(f"a {jwk.get('kty')}/{jwk.get('crv')} key cannot verify {alg}")
    if "alg" in jwk and jwk["alg"] != alg:
        raise KeyRejected(f"the key is published for {jwk['alg']}, the token says {alg}")
    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
    except jwt.PyJWKError as exc:
        raise KeyRejected(f"unusable key: {exc}") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise KeyRejected(f"RSA key of {key.key_size} bits; at least 2048 are required")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise KeyRejected("not a public key")
    return key


def _json(fetcher: Fetcher, url: str) -> Any:
    return _parsed(fetcher.get(url), url)


def _parsed(body: bytes, url: str) -> Any:
    try:
        return strictjson.loads(body)
    except strictjson.TooDeep:  # a hostile document nested thousands deep
        raise KeyRejected(f"{url} is JSON nested too deeply") from None
    except ValueError:
        raise KeyRejected(f"{url} is not JSON") from None


def _did_document(body: bytes, url: str, did: str) -> dict[str, Any]:
    """The DID document fetched from ``url``, refused unless it is JSON and is ``did``'s."""
    document = _parsed(body, url)
    if not isinstance(document, dict) or document.get("id") != did:
        raise KeyRejected(f"the DID document at {url} is not for {did}")
    return document


#: DID documents and JWKS sets worked out (each up to the fetch limit, 1 MiB), in bytes.
DOCUMENTS = ByteBudget(8 * 1024 * 1024, max_entries=128)


@DOCUMENTS.memoize(size=lambda args, _: 2 * len(args[0]))  # the body, and the key taken from it
def _key_in_document(body: bytes, url: str, did: str, kid: str | None, alg: str) -> ResolvedKey:
    """The assertion key ``kid`` of a DID document; a pure function of the document's bytes,
    so it is worked out once per document version (a rejection raises and is not cached)."""
    document = _did_document(body, url, did)
    methods = [m for m in document.get("verificationMethod", []) if isinstance(m, dict)]
    assertion = {
        (m if isinstance(m, str) else m.get("id") if isinstance(m, dict) else None)
        for m in document.get("assertionMethod", [])
    }
    assertion = {f"{did}{m}" if isinstance(m, str) and m.startswith("#") else m for m in assertion}
    candidates = []
    for method in methods:
        method_id = method.get("id", "")
        method_id = f"{did}{method_id}" if method_id.startswith("#") else method_id
        if kid is not None and method_id != kid:
            continue
        if method_id not in assertion:
            continue
        if method.get("controller", did) != did:
            continue
        if method.get("type") not in ("JsonWebKey", "JsonWebKey2020") or not isinstance(
            method.get("publicKeyJwk"), dict
        ):
            continue
        candidates.append((method_id, method["publicKeyJwk"]))
    if not candidates:
        wanted = f"key {kid}" if kid else "an assertion key"
        raise KeyRejected(f"{did} does not publish {wanted} for assertions")
    if len(candidates) > 1:
        raise KeyRejected(f"{did} publishes several keys and the token names none")
    method_id, jwk = candidates[0]
    return ResolvedKey(method_id, jwk, key_for(jwk, alg), url)


def _from_jwks(
    fetcher: Fetcher, url: str, kid: str | None, alg: str, header_jwk: Any
) -> ResolvedKey:
    data = _json(fetcher, url)
    found = data.get("keys") if isinstance(data, dict) and "keys" in data else [data]
    # "keys": null (or any other non-array) publishes no key, as an array of non-objects does
    keys = [k for k in found if isinstance(k, dict)] if isinstance(found, list) else []
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid] or (
            [keys[0]] if len(keys) == 1 and "kid" not in keys[0] else []
        )
    elif isinstance(header_jwk, dict):
        keys = [k for k in keys if same_key(k, header_jwk)]
    if len(keys) != 1:
        raise KeyRejected(f"{url} does not publish exactly one matching key")
    jwk = keys[0]
    return ResolvedKey(jwk.get("kid") or kid or url, jwk, key_for(jwk, alg), url)


def resolve_key(
    header: dict[str, Any], issuer_id: str, fetcher: Fetcher, *, allow_http: bool = False
) -> ResolvedKey:
    """The issuer-published key the token's header points at.

    Raises ``KeyRejected`` (the key must not be used) or ``FetchError`` (could not look).
    """
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise KeyRejected("kid is not a plain identifier")
    alg: Any = header.get("alg")  # checked against the allowed algorithms before this call
    where = _where(kid, isinstance(alg, str), issuer_id, allow_http)
    if where.did is not None:
        return _key_in_document(fetcher.get(where.url), where.url, where.did, where.kid, alg)
    return _from_jwks(fetcher, where.url, kid, alg, header.get("jwk"))


class _Where(NamedTuple):
    """Where a key is published: a JWK Set, or the DID document of ``did``."""

    url: str
    did: str | None
    kid: str | None  # in a DID document, the verification method's full id


@lru_cache(maxsize=256)
def _where(kid: str | None, has_alg: bool, issuer_id: str, allow_http: bool) -> _Where:
    """Where ``kid`` of ``issuer_id`` must be looked up: strings only, so worked out once per
    kid and issuer (a credential and its status list usually share both). Raises
    ``KeyRejected`` or ``FetchRefused`` (not cached), in the order the checks are listed."""
    if kid is not None and not KID_SHAPE.match(kid):
        raise KeyRejected("kid is not a plain identifier")
    if not has_alg:
        raise KeyRejected("no algorithm")
    issuer_is_did = issuer_id.startswith("did:")
    if kid and kid.startswith("did:"):
        did = kid.partition("#")[0]
        if did != issuer_id:
            raise KeyRejected(f"kid names {did}, not the issuer {issuer_id}")
        if "#" not in kid:
            raise KeyRejected("a DID kid must name a verification method (#fragment)")
        return _Where(did_web_url(did, allow_http=allow_http), did, kid)
    if kid and re.match(r"^[a-z][a-z0-9+.-]*:", kid):
        if issuer_is_did or origin(kid) != origin(issuer_id):
            raise KeyRejected(f"kid {kid!r} is not on the issuer's origin")
        if not kid.startswith("https://") and not allow_http:
            raise FetchRefused(f"kid {kid!r} is not an https URL")
        return _Where(kid.partition("#")[0], None, kid)
    if issuer_is_did:
        full = f"{issuer_id}#{kid.lstrip('#')}" if kid else None
        return _Where(did_web_url(issuer_id, allow_http=allow_http), issuer_id, full)
    if issuer_id.startswith(("https://", "http://")):
        return _Where(f"{origin(issuer_id)}/.well-known/jwks.json", None, kid)
    raise KeyRejected(f"no way to find the keys of issuer {issuer_id!r}")


def published_keys(
    issuer_id: str, fetcher: Fetcher, *, allow_http: bool = False
) -> list[dict[str, Any]]:
    """Every assertion key the issuer publishes (DID document, or JWKS on its origin)."""
    if issuer_id.startswith("did:"):
        url = did_web_url(issuer_id, allow_http=allow_http)
        document = _did_document(fetcher.get(url), url, issuer_id)
        assertion = {m if isinstance(m, str) else None for m in document.get("assertionMethod", [])}
        return [
            m["publicKeyJwk"]
            for m in document.get("verificationMethod", [])
            if isinstance(m, dict)
            and m.get("id") in assertion
            and isinstance(m.get("publicKeyJwk"), dict)
        ]
    data = _json(fetcher, f"{origin(issuer_id)}/.well-known/jwks.json")
    keys = data.get("keys", []) if isinstance(data, dict) else []
    return [k for k in keys if isinstance(k, dict)]
