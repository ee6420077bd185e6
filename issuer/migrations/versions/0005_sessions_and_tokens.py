"""sessions and tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

Server-side session revocation, API token scopes and expiry.

- ``sessions``: one row per signed-in browser. The cookie carries a random session key; the
  row holds only its SHA-256, the account, a mark of the password hash at sign-in (a changed
  password ends every session) and when the session ends at the latest. Signing out deletes
  the row; "sign out everywhere" deletes all of an account's rows.
- ``api_tokens.scopes`` (space-separated: read, submit, review, admin) and
  ``api_tokens.expires_at``. Tokens made before this revision keep every scope (what they
  could do before) and expire 90 days after the upgrade, as a new token does by default.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ALL_SCOPES = "read submit review admin"
EXISTING_TOKENS_DAYS = 90


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("password_mark", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"], unique=False)
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(length=64), nullable=False, server_default=ALL_SCOPES)
        )
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=EXISTING_TOKENS_DAYS)
    op.get_bind().execute(tokens.update().values(expires_at=expires))
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("scopes", existing_type=sa.String(length=64), server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_table("sessions")
