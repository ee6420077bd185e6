"""Hostile hosts at the network edge: a host that drips its answer, more fetches than the cap,
and a name that resolves to one address when checked and another when connected (DNS
rebinding). Real local servers in threads; small deadlines given through the fetcher's
parameters; no test measures time."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from verifier.fetch import FetchError, HttpFetcher

#: Seconds between two bytes of a dripping answer; the deadline is a few of them, the whole
#: answer many (what took 4 s a byte held a worker for as long as the host liked).
DRIP = 0.05
DEADLINE = 0.5
DRIPPED_BYTES = 200  # 10 s at DRIP: far beyond the deadline


class Server:
    """A threaded HTTP server on ``host`` (port 0: any free one) answering with ``handler``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port=0):
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class DripsBody(Quiet):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(DRIPPED_BYTES))
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(DRIPPED_BYTES):
                time.sleep(DRIP)
                self.wfile.write(b"x")
                self.wfile.flush()
        except OSError:  # the fetcher gave up and hung up
            pass


class DripsHeaders(Quiet):
    def do_GET(self) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Padding: " + b"p" * DRIPPED_BYTES
        try:
            for byte in head:
                time.sleep(DRIP)
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            self.wfile.write(b"\r\n\r\nok")
        except OSError:
            pass


def local(**options: Any) -> HttpFetcher:
    return HttpFetcher(allow_http=True, allow_private=True, **options)


@pytest.mark.parametrize("handler", [DripsBody, DripsHeaders], ids=["body", "headers"])
def test_a_host_dripping_its_answer_runs_out_of_one_deadline_for_the_whole_fetch(handler):
    """Each byte comes well within the deadline, so a timeout per read never fired."""
    with Server(handler) as server:
        fetcher = local(timeout=DEADLINE)
        with pytest.raises(FetchError, match=f"no complete answer within {DEADLINE:g} s"):
            fetcher.get(f"http://127.0.0.1:{server.port}/list")


def test_a_host_that_never_answers_runs_out_of_the_deadline():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (the backlog), never answers
    try:
        port = listener.getsockname()[1]
        with pytest.raises(FetchError, match="cannot fetch"):
            local(timeout=DEADLINE).get(f"http://127.0.0.1:{port}/list")
    finally:
        listener.close()


class Gate(Quiet):
    """Answers once ``release`` is set; counts the requests waiting."""

    waiting = 0
    arrived = threading.Condition()
    release = threading.Event()

    def do_GET(self) -> None:
        with Gate.arrived:
            Gate.waiting += 1
            Gate.arrived.notify_all()
        Gate.release.wait(30)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def test_fetches_beyond_the_cap_fail_at_once_and_never_queue():
    Gate.waiting, Gate.release = 0, threading.Event()
    fetcher = local(timeout=30, max_concurrent=2)
    with Server(Gate) as server:
        url = f"http://127.0.0.1:{server.port}"
        results: list[bytes] = []
        threads = [
            threading.Thread(target=lambda n=n: results.append(fetcher.get(f"{url}/{n}")))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        with Gate.arrived:
            assert Gate.arrived.wait_for(lambda: Gate.waiting == 2, timeout=30)
        with pytest.raises(FetchError, match=r"too many fetches in progress \(at most 2\)"):
            fetcher.get(f"{url}/third")
        assert Gate.waiting == 2  # the third never reached the host
        Gate.release.set()
        for thread in threads:
            thread.join(30)
        assert results == [b"ok", b"ok"]
        assert fetcher.get(f"{url}/after") == b"ok"  # the slots are free again
