"""The verifier as this deployment configures it: whom it trusts and what it may fetch."""

from __future__ import annotations

from collections.abc import Mapping

from issuer.config import Settings
from issuer.local_fetcher import IssuerFetcher
from issuer.publication import did_web
from issuer.service import Issuer
from verifier import HttpFetcher, TrustedIssuer, TrustList, Verifier, VerifyOptions


def verifier_options(settings: Settings) -> VerifyOptions:
    """Trust this issuer (its did:web and URL) and the configured others; http in development."""
    name, source = settings.issuer_name, "this issuer"
    this_issuer = TrustList(
        (
            TrustedIssuer(did_web(settings.public_url), name, source),
            TrustedIssuer(settings.public_url, name, source),
        )
    )
    return VerifyOptions(trust=this_issuer + settings.trust, allow_http=not settings.production)


def network_fetcher(settings: Settings) -> HttpFetcher:
    """Fetches over the network; development may also reach http and private addresses."""
    development = not settings.production
    return HttpFetcher(allow_http=development, allow_private=development)


def local_verifier(issuer: Issuer) -> Verifier:
    """The verifier inside the issuer: its own material is read in-process, not over HTTP."""
    settings = issuer.settings
    return Verifier(IssuerFetcher(issuer, network_fetcher(settings)), verifier_options(settings))


def knowing(local: Verifier, known: Mapping[str, bytes]) -> Verifier:
    """``local`` for one verification, with material the caller has just read from the
    database (``known``: URL → bytes) instead of reading it again; ``local`` itself when its
    fetcher is not the issuer's own (a test's or a deployment's replacement)."""
    if not isinstance(local.fetcher, IssuerFetcher):
        return local
    return Verifier(local.fetcher.knowing(known), local.options, pdf_reader=local.pdf_reader)
