"""Hostile material fetched while verifying (a DID document, the answer behind a verify link)
nested thousands deep: a failed or unreadable check, never a RecursionError out of the verifier
(a 500 from the API: any credential may name an issuer whose host says anything)."""

from __future__ import annotations

from tests.verifier.test_advisories import status_of, world
from verifier.fetch import MappingFetcher
from verifier.keys import did_web_url
from verifier.result import CheckStatus, State
from verifier.verify import Verifier

__all__ = ["world"]  # the fixture (an issued credential and a verifier), imported

DEEP = b"[" * 5_000 + b"]" * 5_000


def test_a_did_document_nested_thousands_deep_fails_the_key_check(world):
    issuer = world.payload["issuer"]
    did = issuer["id"] if isinstance(issuer, dict) else issuer
    result = world.with_fetcher({did_web_url(did): DEEP}).verify(world.record.jwt)
    assert status_of(result, "issuer key") is CheckStatus.FAIL
    assert "nested too deeply" in result.check("issuer key").detail
    assert result.state is State.NOT_VERIFIED


def test_a_verify_link_answering_json_nested_thousands_deep_is_unreadable():
    fetcher = MappingFetcher({"https://issuer.example/api/v1/credentials/abc": DEEP})
    result = Verifier(fetcher).verify("https://issuer.example/v/abc")
    assert result.state is State.UNREADABLE
    assert "did not answer with a credential" in result.checks[0].detail
