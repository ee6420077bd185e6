"""Verification over HTTP under gunicorn, loaded by wrk from a second process on 127.0.0.1:
requests per second and p50/p99 latency of POST /api/v1/verify and GET /v/<id>, beside a
hello-world route (/healthz) of the same app and server.

    python bench/web_load.py [--seconds S] [--rounds R] [--workers N] [--threads T]

The three routes take turns, R rounds of S/R seconds each, and every figure is the median over
the rounds (a route's share of hello world is the median of its per-round shares): on a
machine shared with other work, load that comes and goes then falls on all three alike.

Needs gunicorn (pip) and wrk (Debian package).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELLO = "hello world (GET /healthz)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(pct: str) -> float:
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=6, help="per route, over all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="per worker (the work is CPU-bound)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="vouch-http-"))
    port = free_port()
    env = {
        **os.environ,
        "VOUCH_INSTANCE_PATH": str(folder / "instance"),
        "VOUCH_KEYS_DIR": str(folder / "keys"),
        "VOUCH_KEY_PASSPHRASE": "bench",
        "VOUCH_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    subprocess.run([str(BIN / "vouch"), "init"], env=env, check=True, capture_output=True)
    issued = subprocess.run(
        [str(BIN / "vouch"), "issue", str(ROOT / "examples/foundation-mastery.json"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    credential = json.loads(issued.stdout)
    body = folder / "verify.lua"
    payload = json.dumps({"credential": credential["jwt"]})
    body.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(payload)}\n"
    )
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # the heartbeat file the sync worker touches between requests: in memory, as
            # gunicorn's documentation advises for production
            *(["--worker-tmp-dir", "/dev/shm"] if Path("/dev/shm").is_dir() else []),
            "issuer.wsgi:app",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        uuid = credential["id"].removeprefix("urn:uuid:")
        wrk(f"{base}/healthz", 1)  # warm every worker
        wrk(f"{base}/v/{uuid}", 1)
        routes = {
            HELLO: (f"{base}/healthz", None),
            "POST /api/v1/verify": (f"{base}/api/v1/verify", body),
            "GET /v/<id>": (f"{base}/v/{uuid}", None),
        }
        seconds = max(1, round(args.seconds / args.rounds))
        rounds = [
            {name: wrk(url, seconds, script) for name, (url, script) in routes.items()}
            for _ in range(args.rounds)
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)
    server_setup = f"gunicorn, {args.workers} workers x {args.threads} threads"
    print(
        f"{server_setup}; wrk -t2 -c16, both on this machine; "
        f"medians of {args.rounds} interleaved rounds of {seconds} s per route"
    )
    for name in routes:

        def median(figure: str, name: str = name) -> float:
            return statistics.median(r[name][figure] for r in rounds)

        share = statistics.median(r[name]["rps"] / r[HELLO]["rps"] for r in rounds)
        errors = sum(r[name]["errors"] for r in rounds)
        print(
            f"{name:<28} {median('rps'):>8,.0f} req/s ({share:.0%} of hello world), "
            f"p50 {median('p50'):.1f} ms, p99 {median('p99'):.1f} ms, non-2xx {errors}"
        )


if __name__ == "__main__":
    main()
