"""Verification throughput (library, no HTTP) against raw ``cryptography`` verification of the
same signature, and PyJWT's own decode of the same token.

    python bench/verification.py [--count N]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile

import jwt
from common import learner_bundles, take_turns, throwaway_issuer
from rss import peak_rss_mib

from issuer.app import create_app
from issuer.verification import verifier_options
from verifier import State, Verifier
from verifier.fetch import MappingFetcher
from verifier.jose import read_compact


def published_material(issuer, app, token: str) -> MappingFetcher:
    """The issuer's DID document and status list, fetched once, served from memory."""
    client = app.test_client()
    base = issuer.settings.public_url
    _, payload = read_compact(token)
    status_url = payload["credentialStatus"]["statusListCredential"]
    return MappingFetcher(
        {
            f"{base}/.well-known/did.json": client.get("/.well-known/did.json").get_data(),
            status_url: client.get(status_url.removeprefix(base)).get_data(),
        }
    )


#: A process holding only the verifier: verifies every token it is given, then reports its peak
#: resident memory (the issuer, the database and the benchmarks stay in the parent).
LEAN_VERIFIER = """
import base64, json, sys
from verifier import State, Verifier
from verifier.fetch import MappingFetcher
from rss import peak_rss_mib
data = json.load(open(sys.argv[1]))
fetcher = MappingFetcher({u: base64.b64decode(b) for u, b in data["material"].items()})
verifier = Verifier(fetcher)
for _ in range(3):
    assert all(verifier.verify(t).state is State.VERIFIED for t in data["tokens"])
print(f"{peak_rss_mib():.0f}")
"""


def verifier_process_rss(count: int) -> float:
    """Peak RSS (MiB) of a verifier-only process after verifying ``count`` distinct credentials
    three times over."""
    with throwaway_issuer() as issuer:
        outcomes = issuer.issue_many(
            [json.dumps(b).encode() for b in learner_bundles(count)], actor="bench"
        )
        tokens = [o.credential.jwt for o in outcomes]
        app = create_app(issuer=issuer)
        material = published_material(issuer, app, tokens[0]).documents
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(
            {"tokens": tokens,
             "material": {u: base64.b64encode(b).decode() for u, b in material.items()}},
            handle,
        )  # fmt: skip
        handle.flush()
        done = subprocess.run(
            [sys.executable, "-c", LEAN_VERIFIER, handle.name],
            capture_output=True, text=True, check=True,
            env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
        )  # fmt: skip
    return float(done.stdout.strip())


def measure(alg: str, count: int) -> dict[str, float]:
    with throwaway_issuer(alg=alg) as issuer:
        record = issuer.issue(next(learner_bundles(1))).credential
        token = record.jwt
        app = create_app(issuer=issuer)
        verifier = Verifier(
            published_material(issuer, app, token), verifier_options(issuer.settings)
        )
        assert verifier.verify(token).state is State.VERIFIED
        key = jwt.PyJWK(issuer.keys.current().public_jwk).key
        head_and_payload, signature = token.rsplit(".", 1)
        signing_input = head_and_payload.encode()
        algorithm = jwt.get_algorithm_by_name(alg)
        raw_signature = jwt.utils.base64url_decode(signature)

        def raw() -> None:
            for _ in range(count):
                algorithm.verify(signing_input, key, raw_signature)

        def pyjwt() -> None:
            for _ in range(count):
                jwt.decode(token, key, algorithms=[alg], options={"verify_sub": False})

        def ours() -> None:
            for _ in range(count):
                verifier.verify(token)

        works = {"raw": raw, "pyjwt": pyjwt, "ours": ours}
        try:  # openbadgeslib (PyPI): signature, expiry and structure; no status list by default
            from openbadgeslib.ob3.verifier import OB3Verifier
        except ImportError:
            pass
        else:
            theirs = OB3Verifier(key)
            theirs.verify(token)

            def openbadgeslib() -> None:
                for _ in range(count):
                    theirs.verify(token)

            works["openbadgeslib"] = openbadgeslib
        turns = take_turns(5, {name: (work, count) for name, work in works.items()})
        return {name: 1 / wall for name, (wall, _) in turns.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--distinct", type=int, default=10_000, help="for the memory figure")
    args = parser.parse_args()
    for alg in ("ES256", "EdDSA", "RS256"):
        f = measure(alg, args.count)
        print(
            f"{alg:<6} raw verify {f['raw']:,.0f}/s; PyJWT decode {f['pyjwt']:,.0f}/s "
            f"({f['pyjwt'] / f['raw']:.0%}); Vouch verifier, every check incl. status list "
            f"{f['ours']:,.0f}/s ({f['ours'] / f['raw']:.1%})"
        )
        if "openbadgeslib" in f:
            print(
                f"       openbadgeslib OB3Verifier (signature, expiry, structure; no status list) "
                f"{f['openbadgeslib']:,.0f}/s; Vouch is {f['ours'] / f['openbadgeslib']:.1f}x"
            )
    print(f"peak RSS of this process (issuer included, all runs): {peak_rss_mib():.0f} MiB")
    distinct = args.distinct
    print(
        f"verifier-only process, {distinct:,} distinct credentials verified 3 times: "
        f"peak RSS {verifier_process_rss(distinct):.0f} MiB"
    )


if __name__ == "__main__":
    main()
