"""Shared set-up for the benchmarks: a throwaway issuer on SQLite or PostgreSQL."""

from __future__ import annotations

import copy
import os
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from criteria import load_catalogue
from issuer import build
from issuer.config import Settings
from issuer.service import Issuer
from tests.criteria.bundles import meeting_bundle

PASSPHRASE = "benchmark passphrase"


@contextmanager
def throwaway_issuer(backend: str = "sqlite", alg: str = "ES256") -> Iterator[Issuer]:
    """A fresh issuer in a temporary folder; PostgreSQL gets a private schema."""
    folder = Path(tempfile.mkdtemp(prefix="vouch-bench-"))
    schema = None
    url = f"sqlite:///{folder / 'vouch.sqlite3'}"
    if backend == "postgresql":
        base = os.environ.get(
            "VOUCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        schema = f"vouch_bench_{secrets.token_hex(4)}"
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    settings = Settings(
        instance_path=folder,
        database_url=url,
        keys_dir=folder / "keys",
        public_url="https://vouch.bench",
        key_passphrase=PASSPHRASE,
    )
    issuer = build(settings=settings)
    issuer.keys.init("Vouch Bench", alg)
    issuer.db.upgrade()
    issuer.sync()
    try:
        yield issuer
    finally:
        issuer.db.dispose()
        if schema:
            with create_engine(base, isolation_level="AUTOCOMMIT").connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def learner_bundles(
    count: int, milestone: str = "foundation-mastery", offset: int = 0
) -> Iterator[dict[str, Any]]:
    """``count`` met bundles, one per learner."""
    template = meeting_bundle(load_catalogue()[milestone])
    for n in range(offset, offset + count):
        bundle = copy.deepcopy(template)
        bundle["learner"] = {
            "id": f"bench-{n}",
            "name": f"Learner {n}",
            "email": f"learner{n}@bench.example",
        }
        yield bundle


def rate(
    work: Callable[[], Any], count: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Operations per second of ``work`` (which performs ``count`` operations), by ``clock``."""
    start = clock()
    work()
    return count / (clock() - start)


def best_of(
    runs: int, work: Callable[[], Any], count: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    return max(rate(work, count, clock) for _ in range(runs))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished (waited-for) children, such as a pool's."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def take_turns(
    runs: int, works: dict[str, tuple[Callable[[], Any], int]]
) -> dict[str, tuple[float, float]]:
    """Per operation, the best wall-clock and the best CPU seconds of ``runs`` runs of each of
    ``works`` (name -> (work, operations)). The works take turns, run after run, so that
    whatever else the machine is doing weighs on all of them alike (the ratios are reported)."""
    walls: dict[str, list[float]] = {name: [] for name in works}
    cpus: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(runs):
        for name, (work, count) in works.items():
            wall, cpu = time.perf_counter(), cpu_seconds()
            work()
            walls[name].append((time.perf_counter() - wall) / count)
            cpus[name].append((cpu_seconds() - cpu) / count)
    return {name: (min(walls[name]), min(cpus[name])) for name in works}
