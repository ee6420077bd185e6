"""identity

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

One account per person with a set of roles, verified email addresses, password resets.
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
