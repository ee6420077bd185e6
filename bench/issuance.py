"""Issuance throughput: end to end (criteria → credential → schema check → sign → self-verify →
store) against the limit of the same run, one raw ``cryptography`` signature plus one raw
verification per credential.

    python bench/issuance.py [--count N] [--postgres]
"""

from __future__ import annotations

import argparse
import json

from common import best_of, learner_bundles, rate, throwaway_issuer
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
    """``singles`` issued one at a time, then ``count`` in bulk: the whole run's rate and the
    rates of its first and last tenths (the 1st and the ``count``-th credential)."""
    with throwaway_issuer(backend) as issuer:
        for warm in learner_bundles(20, offset=10**7):
            issuer.issue(warm)
        single_bundles = [json.dumps(b).encode() for b in learner_bundles(singles, offset=10**6)]
        single = rate(lambda: [issuer.issue(b, actor="bench") for b in single_bundles], singles)
        bundles = [json.dumps(b).encode() for b in learner_bundles(count)]
        tenth = max(count // 10, 1)
        first = rate(lambda: issuer.issue_many(bundles[:tenth], actor="bench"), tenth)
        middle = bundles[tenth:-tenth]
        bulk_middle = rate(lambda: issuer.issue_many(middle, actor="bench"), len(middle))
        last = rate(lambda: issuer.issue_many(bundles[-tenth:], actor="bench"), tenth)
        bulk = count / (tenth / first + len(middle) / bulk_middle + tenth / last)  # whole run
    return {"single": single, "first_tenth": first, "bulk": bulk, "last_tenth": last}


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
    for backend, figures in results.items():
        print(
            f"{backend:<10} one at a time {figures['single']:,.0f}/s "
            f"({figures['single'] / limit:.1%} of the limit); in batches of 200, "
            f"{args.count:,} learners: first tenth {figures['first_tenth']:,.0f}/s, "
            f"bulk {figures['bulk']:,.0f}/s ({figures['bulk'] / limit:.1%} of the limit), "
            f"last tenth {figures['last_tenth']:,.0f}/s "
            f"(last/first {figures['last_tenth'] / figures['first_tenth']:.2f})"
        )


if __name__ == "__main__":
    main()
