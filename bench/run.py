"""Run every benchmark and write the figures to bench/README.md (and print them).

python bench/run.py [--quick] [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True,
        text=True,
        cwd=HERE,
        check=False,
    )
    output = done.stdout.strip()
    if done.returncode != 0:
        output += f"\n(failed with exit {done.returncode}: {done.stderr.strip()[-500:]})"
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--postgres", action="store_true", help="issuance on PostgreSQL too")
    args = parser.parse_args()
    quick = args.quick
    sections = {
        "Criteria engine": run("criteria.py", "--count", "20000" if quick else "100000"),
        "Issuance": run(
            "issuance.py",
            "--count",
            "3000" if quick else "100000",
            "--singles",
            "100" if quick else "500",
            *(["--postgres"] if args.postgres else []),
        ),
        "Verification (library)": run(
            "verification.py",
            *("--count", "200" if quick else "1000"),
            *("--distinct", "1000" if quick else "10000"),
        ),
        "Certificates": run("certificates.py", "--count", "8" if quick else "30"),
        "Verification over HTTP": run("web_load.py", "--seconds", "3" if quick else "8"),
        "Scale": run("scale.py", "--total", "200000" if quick else "1000000"),
    }
    lines = [
        "# Benchmarks",
        "",
        "Each figure stands beside the limit it is measured against, from the same run (these",
        "machines are noisy). Scripts: `criteria.py` (criteria engine), `issuance.py` (end-to-end",
        "issuance vs one raw ES256 sign + verify per credential), `verification.py` (the library",
        "vs raw signature verification, PyJWT and openbadgeslib; the memory of a verifier-only",
        "process), `certificates.py` (signed PDFs, prepared vs",
        "naive, and where the time goes), `web_load.py` (gunicorn + wrk vs a hello-world route),",
        "`scale.py` (lookups and status checks with up to 1,000,000 credentials).",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}, {'quick' if quick else 'full'} run. "
        "Reproduce with `make bench` (or `python bench/run.py [--postgres]`).",
        "",
    ]
    for title, output in sections.items():
        lines += [f"## {title}", "", "```", output, "```", ""]
    text = "\n".join(lines)
    (HERE / "README.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
