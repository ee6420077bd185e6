"""The network edge: HTTPS only, no private addresses, size limits, redirects checked, caching."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from verifier.fetch import FetchError, FetchRefused, HttpFetcher, MappingFetcher, WsgiFetcher


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}
    not_modified = 0

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/cached":
            if self.headers.get("If-None-Match") == '"v1"':
                Handler.not_modified += 1
                self.send_response(304)
                self.send_header("Cache-Control", "max-age=60")
                self.end_headers()
                return
            self._send(b"list-v1", {"ETag": '"v1"', "Cache-Control": "max-age=60"})
        elif self.path == "/no-store":
            self._send(b"secret", {"Cache-Control": "no-store"})
        elif self.path == "/big":
            self._send(b"x" * 4096, {})
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/internal")
            self.end_headers()
        elif self.path == "/gzip":
            self._send(b"\x1f\x8b", {"Content-Encoding": "gzip"})
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body, headers):
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def __call__(self):
        return self.now


def local(**options):
    return HttpFetcher(allow_http=True, allow_private=True, **options)


def test_https_only_by_default(server):
    with pytest.raises(FetchRefused, match="HTTPS only"):
        HttpFetcher().get(f"{server}/cached")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x"])
def test_other_schemes_are_refused(url):
    with pytest.raises(FetchRefused):
        HttpFetcher(allow_http=True).get(url)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.1", "169.254.169.254", "[::1]"]
)
def test_private_and_loopback_addresses_are_refused(host):
    with pytest.raises(FetchRefused, match="non-public"):
        HttpFetcher().check_url(f"https://{host}/.well-known/did.json")


def test_redirect_to_a_private_address_is_refused(server):
    strict = HttpFetcher(allow_http=True)

    class FirstHopAllowed(HttpFetcher):
        """The test server is on loopback; every other hop gets the strict policy."""

        def check_url(self, url):
            if not url.startswith(server):
                strict.check_url(url)

    before = Handler.hits.get("/redirect", 0)
    with pytest.raises(FetchRefused, match=r"non-public 10\.0\.0\.1"):
        FirstHopAllowed(allow_http=True).get(f"{server}/redirect")
    assert Handler.hits["/redirect"] == before + 1  # the first hop happened, the second did not


def test_size_limit(server):
    with pytest.raises(FetchRefused, match="larger than 1000 bytes"):
        local(max_bytes=1000).get(f"{server}/big")


def test_compressed_bodies_are_refused(server):
    with pytest.raises(FetchRefused, match="gzip"):
        local().get(f"{server}/gzip")


def test_http_errors_and_unreachable_hosts_are_fetch_errors(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        local().get(f"{server}/missing")
    with pytest.raises(FetchError):
        local(timeout=1).get("http://127.0.0.1:9/unreachable")


def test_cache_honours_max_age_then_revalidates_with_etag(server):
    clock = Clock()
    fetcher = local(clock=clock)
    before = Handler.hits.get("/cached", 0)
    assert fetcher.get(f"{server}/cached") == b"list-v1"
    assert fetcher.get(f"{server}/cached") == b"list-v1"
    assert Handler.hits["/cached"] == before + 1  # the second came from the cache
    clock.now += dt.timedelta(seconds=61)
    revalidated = Handler.not_modified
    assert fetcher.get(f"{server}/cached") == b"list-v1"
    assert Handler.not_modified == revalidated + 1  # a conditional request answered 304


def test_no_store_is_never_cached(server):
    fetcher = local()
    before = Handler.hits.get("/no-store", 0)
    fetcher.get(f"{server}/no-store")
    fetcher.get(f"{server}/no-store")
    assert Handler.hits["/no-store"] == before + 2


def test_mapping_fetcher():
    fetcher = MappingFetcher({"https://a.example/x": "body"})
    assert fetcher.get("https://a.example/x") == b"body"
    with pytest.raises(FetchError):
        fetcher.get("https://a.example/y")


def test_wsgi_fetcher_serves_its_own_origin_only():
    from flask import Flask

    app = Flask(__name__)
    app.add_url_rule("/doc", "doc", lambda: "local")
    fetcher = WsgiFetcher(app, "https://issuer.example")
    assert fetcher.get("https://issuer.example/doc") == b"local"
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.get("https://issuer.example/none")
    with pytest.raises(FetchRefused, match="not this issuer"):
        fetcher.get("https://elsewhere.example/doc")
    with pytest.raises(FetchRefused):
        fetcher.get("https://issuer.example.evil.org/doc")
