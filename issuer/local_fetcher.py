"""The verifier inside the issuer's app reads the issuer's own public material directly.

Same bytes as the public routes serve (DID document, JWKS, status lists, credentials), without
HTTP and without a round trip through Flask; any other URL goes to the network fetcher.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from issuer.errors import IssuerError
from issuer.publication import did_document, jwks
from verifier.fetch import Fetcher, FetchError

if TYPE_CHECKING:
    from issuer.service import Issuer

_STATUS = re.compile(r"^/status/([A-Za-z0-9]{1,32})$")
_CREDENTIAL = re.compile(r"^/api/v1/credentials/([A-Za-z0-9:-]{1,100})$")


class IssuerFetcher:
    def __init__(self, issuer: Issuer, fallback: Fetcher) -> None:
        self.issuer = issuer
        self.base = issuer.settings.public_url.rstrip("/")
        self.fallback = fallback

    def get(self, url: str) -> bytes:
        if not url.startswith(self.base + "/"):
            return self.fallback.get(url)
        path = url[len(self.base) :]
        try:
            if path in ("/.well-known/did.json", "/did.json"):
                return json.dumps(did_document(self.issuer.did, self.issuer.keys.ring())).encode()
            if path == "/.well-known/jwks.json":
                return json.dumps(jwks(self.issuer.did, self.issuer.keys.ring())).encode()
            if match := _STATUS.match(path):
                return self.issuer.status_list(match[1]).jwt.encode()
            if match := _CREDENTIAL.match(path):
                return json.dumps({"jwt": self.issuer.credential(match[1]).jwt}).encode()
        except IssuerError as exc:
            raise FetchError(f"{url}: {exc}") from None
        raise FetchError(f"{url} is not part of this issuer's public material")
