"""Faults: database unavailable, key store unreadable, certificate store full."""

from __future__ import annotations

import errno

import pytest
from sqlalchemy import select

from criteria import load_catalogue
from issuer.app import create_app
from issuer.db import Database
from issuer.db.models import Credential
from tests.criteria.bundles import meeting_bundle

M1 = meeting_bundle(load_catalogue()["foundation-mastery"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_database_unavailable_gives_503_and_recovers(issuer, tmp_path):
    record = issuer.issue(M1).credential
    app = create_app(issuer=issuer)
    client = app.test_client()
    working = issuer.db
    issuer.db = Database(f"sqlite:///{tmp_path}/missing-dir/nothing-here.sqlite3")
    try:
        response = client.get(f"/api/v1/credentials/{record.id}")
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "5"
        page = client.get(f"/v/{record.id.removeprefix('urn:uuid:')}")
        assert page.status_code == 503
    finally:
        issuer.db = working
    assert client.get(f"/api/v1/credentials/{record.id}").status_code == 200


def test_postgres_unreachable_gives_503(issuer, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL-specific: a server that refuses connections")
    record = issuer.issue(M1).credential
    client = create_app(issuer=issuer).test_client()
    working = issuer.db
    issuer.db = Database("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1")
    try:
        assert client.get(f"/api/v1/credentials/{record.id}").status_code == 503
    finally:
        issuer.db = working
    assert client.get(f"/api/v1/credentials/{record.id}").status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_key_store_unreadable_refuses_issuance_and_leaves_nothing(issuer):
    keys_dir = issuer.keys.path
    hidden = keys_dir.with_name("keys-away")
    keys_dir.rename(hidden)
    issuer.keys._decrypted.clear()  # as in a freshly started process
    try:
        client = create_app(issuer=issuer).test_client()
        response = client.get("/.well-known/jwks.json")
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "key_store_error"
        from issuer.errors import KeyStoreError

        with pytest.raises(KeyStoreError):
            issuer.issue(M1)
        with issuer.db.read() as session:
            assert session.scalars(select(Credential)).all() == []
    finally:
        hidden.rename(keys_dir)
    assert issuer.issue(M1).credential is not None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_full_certificate_store_still_serves_the_certificate(issuer, monkeypatch):
    record = issuer.issue(M1).credential
    from pathlib import Path

    real_write = Path.write_bytes

    def disk_full(self, data):
        if "certificates" in str(self):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    client = create_app(issuer=issuer).test_client()
    response = client.get(f"/api/v1/credentials/{record.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    cache = issuer.settings.instance_path / "certificates"
    assert not any(cache.glob("*")) if cache.exists() else True  # nothing half-written
    monkeypatch.setattr(Path, "write_bytes", real_write)
    assert client.get(f"/api/v1/credentials/{record.id}/certificate.pdf").status_code == 200
    assert len(list(cache.glob("*.pdf"))) == 1
