"""Verification throughput (library, no HTTP) against raw ``cryptography`` verification of the
same signature, and PyJWT's own decode of the same token.

    python bench/verification.py [--count N]
"""

from __future__ import annotations

import argparse

import jwt
from common import best_of, learner_bundles, throwaway_issuer
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

        figures = {
            "raw": best_of(3, raw, count),
            "pyjwt": best_of(3, pyjwt, count),
            "ours": best_of(3, ours, count),
        }
        try:  # openbadgeslib (PyPI): signature, expiry and structure; no status list by default
            from openbadgeslib.ob3.verifier import OB3Verifier
        except ImportError:
            return figures
        theirs = OB3Verifier(key)
        theirs.verify(token)

        def openbadgeslib() -> None:
            for _ in range(count):
                theirs.verify(token)

        return figures | {"openbadgeslib": best_of(3, openbadgeslib, count)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
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


if __name__ == "__main__":
    main()
