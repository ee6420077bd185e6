"""identity

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

One account per person with a set of roles, verified email addresses, password resets.

- ``users.role`` (one role) becomes ``users.roles`` (a JSON list): each existing account keeps
  the one role it had.
- ``users.email_verified_at``: when the owner proved they receive mail at the address.
  Existing accounts are left unverified: nothing ever checked their addresses (that is the
  bug this revision fixes), so marking them verified would certify exactly the addresses that
  may be someone else's. Their learners confirm with one click (a link mailed on request from
  the account page) before their next submission; credentials already issued stay as they are
  (an admin revokes any found to be false).
- ``users.mailed_at``: when mail last went to the address at a stranger's request (sign-up
  with a taken address, "forgot password"), so an address gets at most one such mail every
  two minutes however many clients ask.
- ``users.password_hash`` may be empty: an account made by ``vouch users add`` without a
  password has none until its owner sets one through the mailed link.

Password-reset and confirmation links are signed and carry their own state, so they need no
table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Downgrading keeps one role per account: the most powerful it holds.
_PRECEDENCE = ("admin", "reviewer", "learner")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("roles", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
    users = sa.table(
        "users", sa.column("id", sa.Integer()), sa.column("role", sa.String()),
        sa.column("roles", sa.JSON()),
    )  # fmt: skip
    connection = op.get_bind()
    for user_id, role in connection.execute(sa.select(users.c.id, users.c.role)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(roles=[role]))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("roles", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)
        batch.drop_column("role")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=True))
    users = sa.table(
        "users", sa.column("id", sa.Integer()), sa.column("role", sa.String()),
        sa.column("roles", sa.JSON()), sa.column("password_hash", sa.String()),
    )  # fmt: skip
    connection = op.get_bind()
    for user_id, roles in connection.execute(sa.select(users.c.id, users.c.roles)).all():
        role = next((r for r in _PRECEDENCE if r in (roles or [])), "learner")
        connection.execute(users.update().where(users.c.id == user_id).values(role=role))
    # No empty password hash before this revision: "!" never matches any password.
    connection.execute(
        users.update().where(users.c.password_hash.is_(None)).values(password_hash="!")  # noqa: S106
    )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("role", existing_type=sa.String(length=20), nullable=False)
        batch.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
        batch.drop_column("mailed_at")
        batch.drop_column("email_verified_at")
        batch.drop_column("roles")
