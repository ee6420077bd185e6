"""Fetching public material (DID documents, JWKS, status lists) through one injected fetcher.

:class:`HttpFetcher` is the network edge: timeouts, a size limit, HTTPS only unless told
otherwise, no requests to private or loopback addresses (checked for every redirect too) and a
cache that honours ``Cache-Control`` and revalidates with ``ETag``. :class:`WsgiFetcher` serves a
WSGI app's own URLs in-process (the verifier inside the issuer's app) and passes the rest on.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import socket
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

MAX_BYTES = 1024 * 1024
TIMEOUT_S = 5.0
MAX_REDIRECTS = 3
CACHE_ENTRIES = 256
#: Bodies kept for reuse, in bytes (256 at the size limit would be 256 MiB): the oldest go first.
CACHE_BYTES = 16 * 1024 * 1024
USER_AGENT = "vouch-verifier/0.1"


class FetchError(Exception):
    """The material could not be fetched (network, timeout, HTTP error): the answer is unknown."""


class FetchRefused(FetchError):
    """Policy forbids this fetch (scheme, private address, size, redirect): a failed check."""


class Fetcher(Protocol):
    def get(self, url: str) -> bytes:
        """The body at ``url``; raises ``FetchError`` or ``FetchRefused``."""
        ...


@dataclass
class _Entry:
    body: bytes
    etag: str | None
    expires: dt.datetime


def _max_age(cache_control: str | None) -> int | None:
    """Seconds the response may be reused, or None when it must not be stored."""
    if not cache_control:
        return 0
    directives = cache_control.lower()
    if "no-store" in directives or "private" in directives:
        return None
    if "no-cache" in directives:
        return 0
    match = re.search(r"max-age=(\d+)", directives)
    return min(int(match.group(1)), 86_400) if match else 0


class _Policy(urllib.request.HTTPRedirectHandler):
    def __init__(self, fetcher: HttpFetcher) -> None:
        self.fetcher = fetcher

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        self.fetcher.check_url(newurl)  # a redirect must pass the same policy
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpFetcher:
    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
        allow_http: bool = False,
        allow_private: bool = False,
        clock: Any = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.cache_bytes = cache_bytes
        self.cached_bytes = 0  # the bodies in the cache, added up
        self.allow_http = allow_http
        self.allow_private = allow_private
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        handler = _Policy(self)
        handler.max_redirections = MAX_REDIRECTS  # type: ignore[attr-defined]
        self._opener = urllib.request.build_opener(handler)

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (self.allow_http and parts.scheme == "http"):
            raise FetchRefused(f"refusing {parts.scheme or 'schemeless'} URL {url!r}: HTTPS only")
        if not parts.hostname:
            raise FetchRefused(f"no host in {url!r}")
        if self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {parts.hostname}: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not address.is_global:
                raise FetchRefused(f"refusing {parts.hostname}: resolves to non-public {address}")

    def get(self, url: str) -> bytes:
        now = self.clock()
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None and entry.expires > now:
                self._cache.move_to_end(url)
                return entry.body
        self.check_url(url)
        # check_url() has allowed only http(s) here
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})  # noqa: S310
        if entry is not None and entry.etag:
            request.add_header("If-None-Match", entry.etag)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(self.max_bytes + 1)
                headers = response.headers
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and entry is not None:
                self._store(url, entry.body, entry.etag, exc.headers.get("Cache-Control"), now)
                return entry.body
            raise FetchError(f"{url} answered HTTP {exc.code}") from None
        except FetchError:
            raise
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"cannot fetch {url}: {reason}") from None
        if len(body) > self.max_bytes:
            raise FetchRefused(f"{url} is larger than {self.max_bytes} bytes")
        if headers.get("Content-Encoding", "identity") not in ("identity", ""):
            raise FetchRefused(
                f"{url} sent a {headers['Content-Encoding']} body, which is not accepted"
            )
        self._store(url, body, headers.get("ETag"), headers.get("Cache-Control"), now)
        return body

    def _store(
        self, url: str, body: bytes, etag: str | None, cache_control: str | None, now: dt.datetime
    ) -> None:
        age = _max_age(cache_control)
        if age is None:
            return
        with self._lock:
            old = self._cache.pop(url, None)
            self.cached_bytes -= len(old.body) if old is not None else 0
            if len(body) > self.cache_bytes:
                return
            self._cache[url] = _Entry(body, etag, now + dt.timedelta(seconds=age))
            self.cached_bytes += len(body)
            while len(self._cache) > CACHE_ENTRIES or self.cached_bytes > self.cache_bytes:
                self.cached_bytes -= len(self._cache.popitem(last=False)[1].body)


class WsgiFetcher:
    """Serves ``base_url``'s paths from a WSGI app in-process; the rest goes to ``fallback``."""

    def __init__(self, app: Any, base_url: str, fallback: Fetcher | None = None) -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.fallback = fallback

    def get(self, url: str) -> bytes:
        if url == self.base_url or url.startswith(self.base_url + "/"):
            path = url[len(self.base_url) :] or "/"
            response = self.app.test_client().get(path)
            if response.status_code != 200:
                raise FetchError(f"{url} answered HTTP {response.status_code}")
            return response.get_data()
        if self.fallback is None:
            raise FetchRefused(f"{url} is not this issuer's material")
        return self.fallback.get(url)


class MappingFetcher:
    """A fixed URL → body mapping (tests, offline verification with known material)."""

    def __init__(self, documents: dict[str, bytes | str]) -> None:
        self.documents = {k: v.encode() if isinstance(v, str) else v for k, v in documents.items()}

    def get(self, url: str) -> bytes:
        try:
            return self.documents[url]
        except KeyError:
            raise FetchError(f"{url} is not available") from None
