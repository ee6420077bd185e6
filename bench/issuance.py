"""Issuance throughput: end to end (criteria → credential → schema check → sign → self-verify →
store) against the limit of the same run, one raw ``cryptography`` signature plus one raw
verification per credential (on one core).

Bulk issuance is measured as ``vouch issue-bulk`` runs it, signing in worker processes (the
usable cores but one), over ``--count`` learners, and on a tenth of them signing in the one
process. CPU seconds per credential count the workers too.

    python bench/issuance.py [--count N] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os

from common import best_of, cpu_seconds, learner_bundles, rate, throwaway_issuer

#: As ``vouch issue-bulk`` chooses by default.
WORKERS = len(os.sched_getaffinity(0)) - 1
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def crypto_limit(message_bytes: int, samples: int = 2000) -> float:
    """Credentials per second if signing and verifying were all there is (ES256), for a signing
    input the size of a credential's."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    message = b"x" * message_bytes
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))

    def both() -> None:
        for _ in range(samples):
            key.sign(message, ec.ECDSA(hashes.SHA256()))
            public.verify(signature, message, ec.ECDSA(hashes.SHA256()))

    return best_of(3, both, samples)


def measure(backend: str, count: int, singles: int) -> dict[str, float]:
    """``singles`` issued one at a time; a tenth of ``count`` in bulk in this one process; then
    ``count`` in bulk with workers: the whole run's rate and CPU time per credential, and the
    rates of its first and last tenths (the 1st and the ``count``-th credential)."""
    with throwaway_issuer(backend) as issuer:
        for warm in learner_bundles(20, offset=10**7):
            issuer.issue(warm)
        single_bundles = [json.dumps(b).encode() for b in learner_bundles(singles, offset=10**6)]
        single = rate(lambda: [issuer.issue(b, actor="bench") for b in single_bundles], singles)

        def issue(bundles: list[bytes], workers: int) -> None:
            """As ``vouch issue-bulk`` does: batch by batch, each batch's outcomes let go."""
            issued = 0
            for outcomes in issuer.issue_batches(bundles, actor="bench", workers=workers):
                issued += sum(1 for o in outcomes if getattr(o, "created", False))
            assert issued == len(bundles), f"{issued} of {len(bundles)} issued"

        tenth = max(count // 10, 1)
        inline_bundles = [json.dumps(b).encode() for b in learner_bundles(tenth, offset=10**8)]
        inline = rate(lambda: issue(inline_bundles, 0), tenth)
        bundles = [json.dumps(b).encode() for b in learner_bundles(count)]

        def bulk(part: list[bytes]) -> float:
            return rate(lambda: issue(part, WORKERS), len(part))

        cpu = cpu_seconds()
        first = bulk(bundles[:tenth])
        middle = bulk(bundles[tenth:-tenth])
        last = bulk(bundles[-tenth:])
        cpu = (cpu_seconds() - cpu) / count
        whole = count / (2 * tenth / first + (count - 2 * tenth) / middle)  # whole run
    return {
        "single": single, "inline": inline, "first_tenth": first, "bulk": whole,
        "last_tenth": last, "cpu_us": cpu * 1e6,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="issued in bulk")
    parser.add_argument("--singles", type=int, default=500, help="issued one at a time")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    args = parser.parse_args()
    with throwaway_issuer() as issuer:
        token = issuer.issue(next(learner_bundles(1))).credential.jwt
    signing_input = len(token.rpartition(".")[0])
    backends = ("sqlite", "postgresql") if args.postgres else ("sqlite",)
    limits, results = [crypto_limit(signing_input)], {}
    for backend in backends:  # the limit again after each run: the best of all is used
        results[backend] = measure(backend, args.count, args.singles)
        limits.append(crypto_limit(signing_input))
    limit = max(limits)
    print(
        f"limit: one ES256 sign + one verify of a {signing_input:,}-byte signing input per "
        f"credential = {limit:,.0f} credentials/s (one core; best of {len(limits)} measurements "
        f"taken before and after each run, {min(limits):,.0f}/s at worst)"
    )
    for backend, f in results.items():
        print(
            f"{backend:<10} one at a time {f['single']:,.0f}/s ({f['single'] / limit:.1%} of "
            f"the limit); bulk in batches of 200 signing in this process, {args.count // 10:,} "
            f"learners: {f['inline']:,.0f}/s ({f['inline'] / limit:.1%}); bulk with {WORKERS} "
            f"signing worker{'s' if WORKERS != 1 else ''}, {args.count:,} learners: "
            f"{f['bulk']:,.0f}/s ({f['bulk'] / limit:.1%} of the limit), "
            f"{f['cpu_us']:,.0f} µs CPU per credential (all processes); first tenth "
            f"{f['first_tenth']:,.0f}/s, last tenth {f['last_tenth']:,.0f}/s "
            f"(last/first {f['last_tenth'] / f['first_tenth']:.2f})"
        )


if __name__ == "__main__":
    main()
