"""Fetching public material (DID documents, JWKS, status lists) through one injected fetcher.

:class:`HttpFetcher` is the network edge: timeouts, a size limit, HTTPS only unless told
otherwise, no requests to private or loopback addresses (checked for every redirect too) and a
cache that honours ``Cache-Control`` and revalidates with ``ETag``. :class:`WsgiFetcher` serves a
WSGI app's own URLs in-process (the verifier inside the issuer's app) and passes the rest on.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

from verifier.errors import FetchError, FetchRefused

MAX_BYTES = 1024 * 1024
#: One deadline for a whole fetch: connecting, TLS, headers and body, redirects included.
TIMEOUT_S = 5.0
#: Fetches running at once in one fetcher; one more fails at once ("unknown"), never queues.
MAX_CONCURRENT = 8
MAX_REDIRECTS = 3
CACHE_ENTRIES = 256
#: Bodies kept for reuse, in bytes (256 at the size limit would be 256 MiB): the oldest go first.
CACHE_BYTES = 16 * 1024 * 1024
USER_AGENT = "vouch-verifier/0.1"


class Fetcher(Protocol):
    def get(self, url: str) -> bytes:
        """The body at ``url``; raises ``FetchError`` or ``FetchRefused``."""
        ...


@dataclass
class _Entry:
    body: bytes
    etag: str | None
    expires: dt.datetime


def _port(url: str) -> int:
    parts = urlsplit(url)
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # out of range or not a number
        raise FetchRefused(f"malformed port in {url!r}") from None


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


Resolve = Callable[[str, int], list[str]]


def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses, as the system resolver gives them."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


class _Deadline:
    """One deadline for a whole fetch: every blocking step gets only the time that is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket's incoming bytes, each read given only the time left: a host that drips a byte
    at a time still runs out of time (a timeout per read never would)."""

    def __init__(self, owner: _DeadlineSocket) -> None:
        self.owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.owner.sock.settimeout(self.owner.deadline.left())
        return self.owner.sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            super().close()
            self.owner.release()


class _DeadlineSocket:
    """What ``http.client`` needs of a socket, every operation within the deadline. As with a
    socket's own ``makefile``, the socket stays open until its reader is closed too (the
    connection closes its end as soon as the response has it)."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self.sock = sock
        self.deadline = deadline
        self.users = 1  # this object, and each reader made
        self.closed = False

    def sendall(self, data: bytes) -> None:
        self.sock.settimeout(self.deadline.left())
        self.sock.sendall(data)

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        self.users += 1
        return io.BufferedReader(_DeadlineReader(self))

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.sock.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.release()


class _PinnedConnection(http.client.HTTPSConnection):
    """An HTTP(S) connection to vetted addresses only: the request's Host header, the TLS
    server name (SNI) and the certificate's hostname check all stay the URL's host, but the
    socket connects to an address that was checked, never to what a second lookup might
    answer (DNS rebinding)."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: list[str],
        deadline: _Deadline,
        context: ssl.SSLContext | None,
    ) -> None:
        super().__init__(host, port, context=context)
        self.addresses = addresses
        self.deadline = deadline
        self.tls = context is not None

    def connect(self) -> None:
        sock, error = None, None
        for address in self.addresses:  # in the resolver's order, as create_connection does
            try:
                sock = socket.create_connection((address, self.port), self.deadline.left())
                break
            except TimeoutError:
                raise
            except OSError as exc:
                error = exc
        if sock is None:
            raise error or OSError(f"cannot connect to {self.host}")
        if self.tls:
            sock.settimeout(self.deadline.left())
            context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
            sock = context.wrap_socket(sock, server_hostname=self.host)
        self.sock = _DeadlineSocket(sock, self.deadline)


REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class HttpFetcher:
    """The network edge. ``timeout`` is one deadline for a whole fetch (connecting, TLS, the
    headers and body, every redirect); at most ``max_concurrent`` fetches run at once in this
    fetcher (one per process in both apps), and one more fails at once instead of waiting.
    ``resolve`` looks hosts up (the system resolver by default): every address is checked, and
    the connection goes to a checked address."""

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_S,
        max_bytes: int = MAX_BYTES,
        allow_http: bool = False,
        allow_private: bool = False,
        clock: Any = None,
        cache_bytes: int = CACHE_BYTES,
        max_concurrent: int = MAX_CONCURRENT,
        resolve: Resolve = system_resolve,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.cache_bytes = cache_bytes
        self.cached_bytes = 0  # the bodies in the cache, added up
        self.allow_http = allow_http
        self.allow_private = allow_private
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.max_concurrent = max_concurrent
        self.resolve = resolve
        self._ssl_context = ssl_context  # the system's trust store unless given (made once)
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_concurrent)

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def check_url(self, url: str) -> list[str] | None:
        """Refuse what policy forbids; the checked addresses the host may be reached at (None
        when private addresses are allowed: then it is reached wherever it resolves to)."""
        parts = urlsplit(url)
        if parts.scheme != "https" and not (self.allow_http and parts.scheme == "http"):
            raise FetchRefused(f"refusing {parts.scheme or 'schemeless'} URL {url!r}: HTTPS only")
        if not parts.hostname:
            raise FetchRefused(f"no host in {url!r}")
        port = _port(url)
        if self.allow_private:
            return None
        addresses = self._addresses(parts.hostname, port)
        for address in addresses:
            if not self.address_allowed(address):
                raise FetchRefused(f"refusing {parts.hostname}: resolves to non-public {address}")
        return addresses

    def address_allowed(self, address: str) -> bool:
        """Whether ``address`` may be connected to: a global (public) one only."""
        try:
            return ipaddress.ip_address(address).is_global
        except ValueError:  # not an address at all
            return False

    def _addresses(self, host: str, port: int) -> list[str]:
        try:
            addresses = self.resolve(host, port)
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            raise FetchError(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no addresses")
        return addresses

    def get(self, url: str) -> bytes:
        now = self.clock()
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None and entry.expires > now:
                self._cache.move_to_end(url)
                return entry.body
        if not self._slots.acquire(blocking=False):
            raise FetchError(f"too many fetches in progress (at most {self.max_concurrent})")
        try:
            return self._fetch(url, entry, now)
        finally:
            self._slots.release()

    def _fetch(self, url: str, entry: _Entry | None, now: dt.datetime) -> bytes:
        deadline = _Deadline(self.timeout)
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            etag = entry.etag if entry is not None and target == url else None
            try:
                status, headers, body = self._exchange(target, etag, deadline)
            except FetchError:
                raise
            except TimeoutError:  # every socket's timeout is the time left: the deadline
                raise FetchError(
                    f"cannot fetch {url}: no complete answer within {self.timeout:g} s"
                ) from None
            except (OSError, http.client.HTTPException, ValueError) as exc:
                # ssl.SSLError (a certificate refused) is an OSError
                raise FetchError(f"cannot fetch {url}: {exc or type(exc).__name__}") from None
            if status in REDIRECT_STATUSES and headers.get("Location"):
                target = urljoin(target, headers["Location"])
                continue
            if status == 304 and entry is not None:
                self._store(url, entry.body, entry.etag, headers.get("Cache-Control"), now)
                return entry.body
            if status != 200:
                raise FetchError(f"{url} answered HTTP {status}")
            if headers.get("Content-Encoding", "identity") not in ("identity", ""):
                raise FetchRefused(
                    f"{url} sent a {headers['Content-Encoding']} body, which is not accepted"
                )
            self._store(url, body, headers.get("ETag"), headers.get("Cache-Control"), now)
            return body
        raise FetchRefused(f"{url} redirects more than {MAX_REDIRECTS} times")

    def _exchange(
        self, url: str, etag: str | None, deadline: _Deadline
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request to a checked address: its status, headers and (size-limited) body."""
        addresses = self.check_url(url)  # every hop passes the same policy
        parts = urlsplit(url)
        host, port = parts.hostname or "", _port(url)
        if addresses is None:
            addresses = self._addresses(host, port)
        context = self.ssl_context if parts.scheme == "https" else None
        connection = _PinnedConnection(host, port, addresses, deadline, context)
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"}
        if etag:
            headers["If-None-Match"] = etag
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            try:
                body = response.read(self.max_bytes + 1) if response.status == 200 else b""
            finally:
                response.close()
        finally:
            connection.close()
        if len(body) > self.max_bytes:
            raise FetchRefused(f"{url} is larger than {self.max_bytes} bytes")
        return response.status, response.headers, body

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
            data: bytes = response.get_data()
            return data
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
