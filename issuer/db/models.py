"""The issuer's tables (SQLAlchemy 2.x ORM). Alembic migrations under ``issuer/migrations``."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Learner(Base):
    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The learner's id in evidence bundles (``learner.id``).
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    #: ``credentialSubject.id``: a ``urn:uuid:`` that reveals nothing about the learner.
    subject_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime]

    def bundle_learner(self) -> dict[str, str]:
        """The ``learner`` member of an evidence bundle, as this record holds it."""
        return {"id": self.external_id, "name": self.name, "email": self.email}


class MilestoneRecord(Base):
    """A milestone and the digest of the rule file version in force."""

    __tablename__ = "milestones"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rules_digest: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime]


class Submission(Base):
    """An evidence bundle as submitted, with the verdict it got."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    milestone_id: Mapped[str] = mapped_column(ForeignKey("milestones.id"))
    bundle: Mapped[dict[str, Any]]
    bundle_digest: Mapped[str] = mapped_column(String(80))
    rules_digest: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]


class Review(Base):
    """A reviewer's sign-off on a submission (kind, verdict, score, minutes, comment)."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    reviewer_id: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[str] = mapped_column(String(10))
    score: Mapped[float | None]
    minutes: Mapped[float | None]
    comment: Mapped[str | None] = mapped_column(Text)
    #: For a rubric scoring: the items the reviewer ticked (``kind`` is then the rubric id).
    rubric_items: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]


class User(Base):
    """One person's account, with a set of roles: learner, reviewer (peer, mentor or expert),
    admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: None: no usable password yet (an account made by ``vouch users add`` without one).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Sorted role names, e.g. ``["learner", "reviewer"]``.
    roles: Mapped[list[str]] = mapped_column(JSON)
    #: The reviewer's standing (peer, mentor, expert) while ``reviewer`` is among the roles.
    reviewer_role: Mapped[str | None] = mapped_column(String(20))
    #: When the owner proved they receive mail at ``email`` (a confirm or password link).
    email_verified_at: Mapped[dt.datetime | None]
    #: When a stranger's request (a sign-up with this address, "forgot password") last had
    #: mail sent here: at most one such mail per ``identity.MAIL_COOLDOWN``.
    mailed_at: Mapped[dt.datetime | None]
    #: The learner record this account submits as (once it has the learner role).
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learners.id"), unique=True)
    #: Public portfolio address (``/u/<handle>``), shown only while ``portfolio_public``.
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    portfolio_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters, to tell tokens apart in listings.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    #: What the token may do, space-separated: ``read``, ``submit``, ``review``, ``admin``.
    scopes: Mapped[str] = mapped_column(String(64))
    #: After this the token is refused (401, saying so).
    expires_at: Mapped[dt.datetime]


class SessionRecord(Base):
    """A signed-in browser: the cookie holds a random key, the row only its SHA-256.

    Deleting the row ends the session (sign-out, "sign out everywhere"); a changed password
    ends it too (``password_mark`` no longer matches the account's password hash).
    """

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_mark: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class StatusList(Base):
    """A Bitstring Status List and its latest signed status-list credential."""

    __tablename__ = "status_lists"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    #: No new entries are allocated in a full list.
    full: Mapped[bool] = mapped_column(default=False)
    jwt: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Credential(Base):
    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index", name="uq_status_entry"),
        # At most one live (unrevoked) credential per learner and milestone.
        Index(
            "uq_live_credential",
            "learner_id",
            "milestone_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
        # Revoked credentials by learner and milestone: issuance looks for one (revocation is
        # final: no automatic path issues that achievement again). Holds revoked rows only.
        Index(
            "ix_revoked_credential",
            "learner_id",
            "milestone_id",
            sqlite_where=text("revoked_at IS NOT NULL"),
            postgresql_where=text("revoked_at IS NOT NULL"),
        ),
    )

    #: The credential's ``urn:uuid:`` id (also the JWT's ``jti``).
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    milestone_id: Mapped[str] = mapped_column(ForeignKey("milestones.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    jwt: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    status_list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int]
    issued_at: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: The credential this one replaces: re-issued by an admin after a revocation, or after
    #: the key that signed it was withdrawn.
    reissue_of: Mapped[str | None] = mapped_column(String(64))

    learner: Mapped[Learner] = relationship()


class IssuerKey(Base):
    """The public part of every signing key ever used (private keys stay in the key store)."""

    __tablename__ = "issuer_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(10))
    public_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    retired_at: Mapped[dt.datetime | None]
    #: ``current`` (signs), ``retired`` (still published, never signs again) or ``withdrawn``
    #: (compromised: unpublished, private part destroyed, what it signed no longer verifies).
    state: Mapped[str] = mapped_column(String(20), server_default="current")
    retired_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class IssuanceLog(Base):
    """Append-only record of what the issuer did: issued, revoked, keys rotated."""

    __tablename__ = "issuance_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    event: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]]


@event.listens_for(IssuanceLog, "before_update")
@event.listens_for(IssuanceLog, "before_delete")
def _append_only(*_: Any) -> None:
    raise PermissionError("the issuance log is append-only")
