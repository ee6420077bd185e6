"""Migration 0003 (key lifecycle) up and down with data, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, text

from issuer.db import Database

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_key_states_are_filled_in_and_the_migration_goes_both_ways(database_url):
    db = Database(database_url)
    try:
        db.upgrade("0002")
        with db.engine.begin() as c:
            for key_id, retired in (("old", NOW), ("new", None)):
                c.execute(
                    text(
                        "INSERT INTO issuer_keys (key_id, alg, public_jwk, created_at, retired_at)"
                        " VALUES (:k, 'ES256', '{}', :now, :retired)"
                    ),
                    {"k": key_id, "now": NOW, "retired": retired},
                )
        db.upgrade("0003")
        with db.engine.connect() as c:
            states = dict(c.execute(text("SELECT key_id, state FROM issuer_keys")).all())
        assert states == {"old": "retired", "new": "current"}
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("credentials")}
        assert {"uq_live_credential", "ix_revoked_credential"} <= indexes

        db.downgrade("0002")
        columns = {c["name"] for c in inspect(db.engine).get_columns("issuer_keys")}
        assert "state" not in columns
        assert "withdrawn_at" not in columns
        inspector = inspect(db.engine)
        assert "reissue_of" not in {c["name"] for c in inspector.get_columns("credentials")}
        indexes = {i["name"] for i in inspector.get_indexes("credentials")}
        assert "uq_live_credential" in indexes
        assert "ix_revoked_credential" not in indexes

        db.upgrade()
        with db.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM issuer_keys")).scalar() == 2
    finally:
        db.dispose()
