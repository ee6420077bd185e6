"""key lifecycle

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Key states (current, retired, withdrawn) and revocation finality: a re-issued credential names
the one it replaces; revoked credentials are indexed by learner and milestone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issuer_keys") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=20), server_default="current", nullable=False)
        )
        batch.add_column(sa.Column("retired_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))
    op.execute("UPDATE issuer_keys SET state = 'retired' WHERE retired_at IS NOT NULL")
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("reissue_of", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_revoked_credential",
        "credentials",
        ["learner_id", "milestone_id"],
        unique=False,
        sqlite_where=sa.text("revoked_at IS NOT NULL"),
        postgresql_where=sa.text("revoked_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_revoked_credential", table_name="credentials")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("reissue_of")
    with op.batch_alter_table("issuer_keys") as batch:
        for column in ("withdrawal_reason", "withdrawn_by", "withdrawn_at", "retired_by", "state"):
            batch.drop_column(column)
