"""Migration 0005 (sessions, token scopes and expiry) up and down with data, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, text

from issuer.db import Database

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_existing_tokens_keep_every_scope_and_get_an_expiry(database_url):
    db = Database(database_url)
    try:
        db.upgrade("0004")
        columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
        role = ("roles", "'[\"admin\"]'") if "roles" in columns else ("role", "'admin'")
        with db.engine.begin() as c:
            c.execute(
                text(
                    f"INSERT INTO users (id, email, name, password_hash, {role[0]}, handle,"
                    f" portfolio_public, created_at) VALUES (1, 'a@x.example', 'A', 'h',"
                    f" {role[1]}, 'a-1', false, :now)"
                ),
                {"now": NOW},
            )
            c.execute(
                text(
                    "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)"
                    " VALUES (1, 'old', :hash, 'vch_x', :now)"
                ),
                {"hash": "0" * 64, "now": NOW},
            )
        db.upgrade("0005")
        with db.engine.connect() as c:
            scopes, expires_at = c.execute(text("SELECT scopes, expires_at FROM api_tokens")).one()
        assert scopes == "read submit review admin"
        assert expires_at is not None
        inspector = inspect(db.engine)
        assert "sessions" in inspector.get_table_names()
        token_columns = {c["name"]: c for c in inspector.get_columns("api_tokens")}
        assert token_columns["expires_at"]["nullable"] is False
        assert token_columns["scopes"]["nullable"] is False

        db.downgrade("0004")
        inspector = inspect(db.engine)
        assert "sessions" not in inspector.get_table_names()
        assert {"scopes", "expires_at"}.isdisjoint(
            c["name"] for c in inspector.get_columns("api_tokens")
        )
        db.upgrade()
        with db.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
    finally:
        db.dispose()


def test_an_account_with_a_token_upgrades_from_0002_to_head(database_url):
    """On SQLite a batch migration rebuilds ``users``; the token's reference to it must not
    stop that (foreign keys are off during migrations and checked after)."""
    db = Database(database_url)
    try:
        db.upgrade("0002")
        with db.engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, handle,"
                    " portfolio_public, created_at) VALUES (1, 'a@x.example', 'A', 'h',"
                    " 'admin', 'a-1', false, :now)"
                ),
                {"now": NOW},
            )
            c.execute(
                text(
                    "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)"
                    " VALUES (1, 'old', :hash, 'vch_x', :now)"
                ),
                {"hash": "0" * 64, "now": NOW},
            )
        db.upgrade()
        with db.engine.connect() as c:
            assert c.execute(text("SELECT scopes FROM api_tokens")).scalar() == (
                "read submit review admin"
            )
            if c.dialect.name == "sqlite":  # back on for the connection's next user
                assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
