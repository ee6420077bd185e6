"""What the verifier keeps in memory is bounded by bytes: 64 hostile status lists of 16 MiB each
once grew two workers from ~100 to ~620 MiB (the caches counted lists, 256 of them, not bytes).
"""

from __future__ import annotations

import gzip
import threading
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.verifier.test_advisories import _status_payload, _status_url, b64, status_of, world
from verifier import bitstring, status
from verifier.fetch import HttpFetcher
from verifier.memo import ByteBudget
from verifier.result import CheckStatus

__all__ = ["world"]  # the fixture (an issued credential and a verifier), imported

MIB = 1024 * 1024


def encoded_list(entries: int, set_bit: int | None = None) -> str:
    bits = bytearray(entries // 8)
    if set_bit is not None:
        bits[set_bit // 8] |= 0x80 >> (set_bit % 8)
    return "u" + b64(gzip.compress(bytes(bits), compresslevel=1, mtime=0))


def signed_list(world, encoded: str, serial: int = 0) -> bytes:
    payload = _status_payload(world)
    payload["credentialSubject"] = payload["credentialSubject"] | {"encodedList": encoded}
    payload["id"] = f"{payload.get('id')}#{serial}"  # a distinct token each time
    return world.sign(payload).encode()


def test_the_largest_status_list_accepted_is_read(world):
    token = signed_list(world, encoded_list(bitstring.MAX_ENTRIES))
    result = world.with_fetcher({_status_url(world): token}).verify(world.record.jwt)
    assert status_of(result, "status") is CheckStatus.PASS, result.check("status")


def test_a_status_list_beyond_the_largest_size_fails_with_the_limit_named(world):
    token = signed_list(world, encoded_list(bitstring.MAX_ENTRIES + 8))
    result = world.with_fetcher({_status_url(world): token}).verify(world.record.jwt)
    assert status_of(result, "status") is CheckStatus.FAIL
    detail = result.check("status").detail
    assert f"expands beyond {bitstring.MAX_DECODED_BYTES} bytes" in detail
    assert f"{bitstring.MAX_ENTRIES} entries, the limit" in detail


def test_status_lists_kept_in_memory_are_bounded_by_bytes(world):
    """64 distinct lists of the largest size (2 MiB decoded each, 128 MiB in all): what the
    process holds afterwards stays within the cache's budget."""
    status.CACHE.clear()
    tokens = [
        signed_list(world, encoded_list(bitstring.MAX_ENTRIES, set_bit=n), n) for n in range(64)
    ]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for token in tokens:
            result = world.with_fetcher({_status_url(world): token}).verify(world.record.jwt)
            assert status_of(result, "status") is CheckStatus.PASS
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert status.CACHE.bytes <= status.CACHE_BYTES
    assert held < status.CACHE_BYTES + 4 * MIB, f"{held / MIB:.0f} MiB held"
    status.CACHE.clear()


def test_a_byte_budget_forgets_the_oldest_beyond_its_budget():
    budget = ByteBudget(10)
    calls = []

    @budget.memoize(size=lambda args, result: len(result))
    def expand(n: int) -> bytes:
        calls.append(n)
        return bytes(n)

    for n in (4, 4, 3, 5):
        expand(n)
    assert calls == [4, 3, 5]  # the second 4 was remembered
    assert budget.bytes == 8  # 4 was forgotten to make room for 5
    expand(4)
    assert calls == [4, 3, 5, 4]
    expand(11)  # larger than the whole budget: computed, never kept
    assert budget.bytes <= 10
    assert len(budget) == 2


def test_a_byte_budget_caches_no_failure():
    budget = ByteBudget(100)
    calls = []

    @budget.memoize(size=lambda args, result: 1)
    def fails(n: int) -> None:
        calls.append(n)
        raise ValueError(n)

    for _ in range(2):
        with pytest.raises(ValueError, match="1"):
            fails(1)
    assert calls == [1, 1]


class Large(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = bytes(512 * 1024)
        self.send_response(200)
        self.send_header("Cache-Control", "max-age=600")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def large_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Large)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_fetch_cache_is_bounded_by_bytes(large_server):
    fetcher = HttpFetcher(allow_http=True, allow_private=True, cache_bytes=4 * MIB)
    for n in range(40):  # 20 MiB of cacheable bodies
        assert len(fetcher.get(f"{large_server}/list/{n}")) == 512 * 1024
    assert fetcher.cached_bytes <= 4 * MIB
    assert fetcher.cached_bytes == 8 * 512 * 1024  # the newest 8 are kept
