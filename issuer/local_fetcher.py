"""The verifier inside the issuer's app reads the issuer's own public material directly.

Same bytes as the public routes serve (DID document, JWKS, status lists, credentials), without
HTTP and without a round trip through Flask; any other URL goes to the network fetcher.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from issuer.errors import IssuerError
from issuer.keystore import KeyInfo
from issuer.publication import did_document, jwks
from verifier import Fetcher, FetchError

if TYPE_CHECKING:
    from issuer.service import Issuer

_STATUS = re.compile(r"^/status/([A-Za-z0-9]{1,32})$")
_CREDENTIAL = re.compile(r"^/api/v1/credentials/([A-Za-z0-9:-]{1,100})$")


class IssuerFetcher:
    def __init__(
        self, issuer: Issuer, fallback: Fetcher, known: Mapping[str, bytes] | None = None
    ) -> None:
        self.issuer = issuer
        self.base = issuer.settings.public_url.rstrip("/")
        self.fallback = fallback
        self.known = known or {}
        #: document name → (the key ring it was built from, its bytes); see :meth:`_keys_json`.
        self._documents: dict[str, tuple[list[KeyInfo], bytes]] = {}

    def knowing(self, known: Mapping[str, bytes]) -> IssuerFetcher:
        """This fetcher for one verification, answering ``known`` URLs with the bytes given
        (material the caller has just read from the database, e.g. a status list)."""
        twin = IssuerFetcher(self.issuer, self.fallback, known)
        twin._documents = self._documents
        return twin

    def get(self, url: str) -> bytes:
        if url in self.known:
            return self.known[url]
        if not url.startswith(self.base + "/"):
            return self.fallback.get(url)
        path = url[len(self.base) :]
        try:
            if path in ("/.well-known/did.json", "/did.json"):
                return self._keys_json("did", did_document)
            if path == "/.well-known/jwks.json":
                return self._keys_json("jwks", jwks)
            if match := _STATUS.match(path):
                return self.issuer.status_token(match[1]).encode()
            if match := _CREDENTIAL.match(path):
                return json.dumps({"jwt": self.issuer.credential(match[1]).jwt}).encode()
        except IssuerError as exc:
            raise FetchError(f"{url}: {exc}") from None
        raise FetchError(f"{url} is not part of this issuer's public material")

    def _keys_json(self, name: str, build: Callable[[str, list[KeyInfo]], dict[str, Any]]) -> bytes:
        """The DID document or JWKS as bytes, rebuilt only when the key ring changed.

        The key store re-reads its ring when the file changes and hands out the same KeyInfo
        objects until then; the ring kept here holds them, so identity means "unchanged".
        """
        ring = self.issuer.keys.ring()
        kept = self._documents.get(name)
        if (
            kept is not None
            and len(kept[0]) == len(ring)
            and all(a is b for a, b in zip(kept[0], ring, strict=True))
        ):
            return kept[1]
        body = json.dumps(build(self.issuer.did, ring)).encode()
        self._documents[name] = (ring, body)
        return body
