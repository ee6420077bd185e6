"""Scale: credential lookup and the status-list check with up to 1,000,000 credentials issued.

Rows are written straight into the issuer's tables (the signing path is measured by
issuance.py); lookups go through the issuer's own code, status checks through the verifier's.

    python bench/scale.py [--total N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
import uuid

from common import throwaway_issuer
from rss import peak_rss_mib
from sqlalchemy import insert

from issuer.db.models import Credential, Learner, StatusList
from issuer.status import LIST_SIZE
from verifier import bitstring


def fill(issuer, start: int, stop: int) -> list[str]:
    """Credentials ``start``..``stop`` (one learner each, 131,072 per list); returns their ids."""
    now = dt.datetime.now(dt.UTC)
    ids = []
    with issuer.db.write() as session:
        for list_number in range(start // LIST_SIZE, (stop - 1) // LIST_SIZE + 1):
            list_id = f"scale{list_number:04d}"
            if session.get(StatusList, list_id) is None:
                session.add(
                    StatusList(
                        id=list_id,
                        purpose="revocation",
                        size=LIST_SIZE,
                        full=False,
                        jwt="",
                        etag="",
                        created_at=now,
                        updated_at=now,
                    )
                )
        session.flush()
        learners, credentials = [], []
        for n in range(start, stop):
            learners.append(
                {
                    "id": n + 1,
                    "external_id": f"scale-{n}",
                    "subject_id": f"urn:uuid:{uuid.uuid4()}",
                    "name": "x",
                    "email": f"s{n}@x.example",
                    "created_at": now,
                }
            )
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            ids.append(credential_id)
            credentials.append(
                {
                    "id": credential_id,
                    "learner_id": n + 1,
                    "milestone_id": "foundation-mastery",
                    "jwt": "x",
                    "key_id": "k",
                    "status_list_id": f"scale{n // LIST_SIZE:04d}",
                    "status_index": n % LIST_SIZE,
                    "issued_at": now,
                    "revoked_at": now if n % 97 == 0 else None,
                }
            )
        session.execute(insert(Learner), learners)
        session.execute(insert(Credential), credentials)
    return ids


def lookups_per_second(issuer, ids: list[str], samples: int = 2000, rounds: int = 3) -> float:
    """The best of ``rounds`` rounds of ``samples`` lookups of ids drawn at random."""
    best = 0.0
    for seed in range(rounds):
        chosen = random.Random(seed).sample(ids, min(samples, len(ids)))
        start = time.perf_counter()
        for credential_id in chosen:
            issuer.credential(credential_id)
        best = max(best, len(chosen) / (time.perf_counter() - start))
    return best


def status_checks_per_second(samples: int = 20000) -> float:
    """Decoding a full list once, then reading bits: what the verifier does per credential."""
    bits = bitstring.with_bits_set(LIST_SIZE, range(0, LIST_SIZE, 97))
    encoded = bitstring.encode(bits)
    decoded = bitstring.decode(encoded)
    rng = random.Random(2)
    start = time.perf_counter()
    for _ in range(samples):
        bitstring.bit(decoded, rng.randrange(LIST_SIZE))
    return samples / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=1_000_000)
    args = parser.parse_args()
    marks = [m for m in (1_000, 100_000, args.total) if m <= args.total]
    with throwaway_issuer() as issuer:
        ids: list[str] = []
        done = 0
        for mark in marks:
            start = time.perf_counter()
            while done < mark:
                step = min(100_000, mark - done)
                ids += fill(issuer, done, done + step)
                done += step
            filled = time.perf_counter() - start
            print(
                f"{mark:>9,} credentials (filled in {filled:5.1f} s): "
                f"lookup by id {lookups_per_second(issuer, ids):,.0f}/s"
            )
    print(f"status-list bit reads: {status_checks_per_second():,.0f}/s (independent of the count)")
    print(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
