"""The issuer's in-process fetcher serves exactly what the public routes serve."""

from __future__ import annotations

import json

import pytest

from criteria import load_catalogue
from issuer.app import create_app
from issuer.local_fetcher import IssuerFetcher
from tests.criteria.bundles import meeting_bundle
from verifier.fetch import FetchError, MappingFetcher


@pytest.fixture
def setup(issuer):
    record = issuer.issue(meeting_bundle(load_catalogue()["foundation-mastery"])).credential
    fallback = MappingFetcher({"https://elsewhere.example/x": b"network"})
    return IssuerFetcher(issuer, fallback), create_app(issuer=issuer).test_client(), record, issuer


def test_same_material_as_the_public_routes(setup):
    fetcher, client, record, issuer = setup
    base = issuer.settings.public_url
    for path in ("/.well-known/did.json", "/did.json", "/.well-known/jwks.json"):
        assert json.loads(fetcher.get(base + path)) == client.get(path).get_json()
    status = f"/status/{record.status_list_id}"
    assert fetcher.get(base + status) == client.get(status).get_data()
    uuid = record.id.removeprefix("urn:uuid:")
    assert json.loads(fetcher.get(f"{base}/api/v1/credentials/{uuid}"))["jwt"] == record.jwt


def test_revocation_is_seen_at_once(setup):
    fetcher, client, record, issuer = setup
    url = f"{issuer.settings.public_url}/status/{record.status_list_id}"
    before = fetcher.get(url)
    issuer.revoke(record.id, "test", actor="test")
    assert fetcher.get(url) != before
    assert fetcher.get(url) == client.get(f"/status/{record.status_list_id}").get_data()


def test_unknown_paths_and_ids_are_fetch_errors(setup):
    fetcher, _, _, issuer = setup
    base = issuer.settings.public_url
    for path in ("/status/nope", "/api/v1/credentials/nope", "/admin", "/status/../keys"):
        with pytest.raises(FetchError):
            fetcher.get(base + path)


def test_other_origins_go_to_the_network_fetcher(setup):
    fetcher, _, _, _ = setup
    assert fetcher.get("https://elsewhere.example/x") == b"network"
