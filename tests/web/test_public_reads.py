"""The public read path keeps what it may (status-list tokens by ETag, the DID document by key
ring) and never serves a stale answer: two issuers on one database stand for two workers."""

from __future__ import annotations

import json
import re

import pytest

from criteria import load_catalogue
from issuer.app import create_app
from issuer.db import Database
from issuer.errors import NotFoundError
from issuer.local_fetcher import IssuerFetcher
from tests.criteria.bundles import LEARNER, meeting_bundle
from verifier.fetch import MappingFetcher

HEADLINE = re.compile(r'<section class="state [^"]*"[^>]*>\s*<strong>(.*?)</strong>', re.S)


def issue(issuer):
    return issuer.issue(meeting_bundle(load_catalogue()["foundation-mastery"])).credential


def headline(response) -> str:
    return HEADLINE.search(response.get_data(as_text=True)).group(1).strip()


def test_a_kept_status_token_is_re_read_when_another_worker_revokes(make_issuer):
    reader, writer = make_issuer(), make_issuer()
    record = issue(writer)
    before = reader.status_token(record.status_list_id)
    assert reader.status_token(record.status_list_id) is before  # kept: same ETag
    writer.revoke(record.id, "issued in error", actor="test")
    after = reader.status_token(record.status_list_id)
    assert after != before
    assert after == writer.status_list(record.status_list_id).jwt


def test_a_status_token_kept_under_an_old_etag_is_not_served_for_a_new_one(issuer):
    record = issue(issuer)
    list_id = record.status_list_id
    issuer.status_token(list_id)
    current = issuer.status_list(list_id)
    issuer._status_tokens[list_id] = (current.etag, "stale-token")
    assert issuer.status_token(list_id, etag='"another etag"') == current.jwt


def test_unknown_status_lists_and_credentials_are_not_found(issuer):
    for list_id in ("nope", "x" * 40, "../keys"):
        with pytest.raises(NotFoundError):
            issuer.status_token(list_id)
    for credential_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        with pytest.raises(NotFoundError):
            issuer.public_view(credential_id)


def test_public_view_is_the_record_its_learner_and_the_current_status_list(issuer):
    record = issue(issuer)
    view = issuer.public_view(record.id.removeprefix("urn:uuid:"))
    assert view.credential.id == record.id
    assert view.credential.jwt == record.jwt
    assert view.credential.issued_at == record.issued_at
    assert view.learner_name == LEARNER["name"]
    assert view.status_token == issuer.status_list(record.status_list_id).jwt
    assert issuer.sharing(view.credential) == issuer.sharing(record)


def test_the_page_shows_revoked_on_the_next_request_after_another_worker_revokes(make_issuer):
    page, writer = make_issuer(), make_issuer()
    record = issue(writer)
    client = create_app(issuer=page).test_client()
    url = f"/v/{record.id.removeprefix('urn:uuid:')}"
    assert headline(client.get(url)) == "Verified"
    assert headline(client.get(url)) == "Verified"
    writer.revoke(record.id, "issued in error", actor="test")
    assert headline(client.get(url)) == "Revoked"


def test_the_verify_api_sees_a_revocation_by_another_worker_on_the_next_request(make_issuer):
    api, writer = make_issuer(), make_issuer()
    record = issue(writer)
    client = create_app(issuer=api).test_client()
    body = {"credential": record.jwt}
    assert client.post("/api/v1/verify", json=body).get_json()["state"] == "verified"
    writer.revoke(record.id, "issued in error", actor="test")
    answer = client.post("/api/v1/verify", json=body).get_json()
    assert answer["state"] == "not verified"
    assert "revoked" in next(c for c in answer["checks"] if c["check"] == "status")["detail"]


def test_the_did_document_is_rebuilt_when_the_key_ring_changes(make_issuer):
    issuer, rotator = make_issuer(), make_issuer()
    fetcher = IssuerFetcher(issuer, MappingFetcher({}))
    url = f"{issuer.settings.public_url}/.well-known/did.json"
    first = fetcher.get(url)
    assert fetcher.get(url) is first  # kept while the ring is unchanged
    rotated = rotator.rotate_keys("ES256", actor="test")
    document = json.loads(fetcher.get(url))
    assert f"{issuer.did}#{rotated.key_id}" in document["assertionMethod"]
    jwks = json.loads(fetcher.get(f"{issuer.settings.public_url}/.well-known/jwks.json"))
    assert any(k["kid"].endswith(rotated.key_id) for k in jwks["keys"])


def test_the_page_and_the_verify_api_answer_503_when_postgres_is_unreachable(issuer, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL-specific: a server that refuses connections")
    record = issue(issuer)
    client = create_app(issuer=issuer).test_client()
    url = f"/v/{record.id.removeprefix('urn:uuid:')}"
    working = issuer.db
    issuer.db = Database("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1")
    try:
        assert client.get(url).status_code == 503
        answer = client.post("/api/v1/verify", json={"credential": record.jwt})
        assert answer.status_code == 503
        assert answer.get_json()["error"]["code"] == "database_unavailable"
    finally:
        issuer.db = working
    assert headline(client.get(url)) == "Verified"
