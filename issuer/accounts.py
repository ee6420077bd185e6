"""Accounts: learners, reviewers (peer, mentor, expert) and admins; hashed passwords and tokens.

Passwords are hashed with Werkzeug's scrypt; API tokens are random (256 bits) and only their
SHA-256 is stored, so a database leak reveals neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from criteria.vocabulary import REVIEWER_ROLES
from issuer.db.models import ApiToken, Learner, User
from issuer.errors import ConflictError, InvalidRequestError, NotFoundError

ROLES = ("learner", "reviewer", "admin")
MIN_PASSWORD = 10
TOKEN_PREFIX = "vch_"  # noqa: S105 - a public prefix, not a secret
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Compared against when an email is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


@dataclass(frozen=True)
class Account:
    """What a request knows about its user (no secrets)."""

    id: int
    email: str
    name: str
    role: str
    reviewer_role: str | None
    learner_id: int | None
    handle: str
    portfolio_public: bool

    @property
    def reviewer_id(self) -> str:
        return f"user-{self.id}"

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.email, user.name, user.role, user.reviewer_role, user.learner_id,
                   user.handle, user.portfolio_public)  # fmt: skip


def _check(email: str, name: str, password: str, role: str, reviewer_role: str | None) -> None:
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidRequestError("not an email address", "$.email")
    if not name.strip() or len(name) > 200:
        raise InvalidRequestError("a name of 1 to 200 characters", "$.name")
    if len(password) < MIN_PASSWORD:
        raise InvalidRequestError(f"at least {MIN_PASSWORD} characters", "$.password")
    if role not in ROLES:
        raise InvalidRequestError(f"role must be one of {', '.join(ROLES)}", "$.role")
    if (role == "reviewer") != (reviewer_role is not None) or (
        reviewer_role is not None and reviewer_role not in REVIEWER_ROLES
    ):
        raise InvalidRequestError(
            f"reviewers need a reviewer role ({', '.join(REVIEWER_ROLES)}); others none",
            "$.reviewer_role",
        )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "learner",
    reviewer_role: str | None = None,
    now: dt.datetime,
) -> User:
    """A new account; a learner gets a learner record of their own."""
    email = email.strip().lower()
    name = name.strip()
    _check(email, name, password, role, reviewer_role)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError("an account with this email exists")
    handle = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "learner"
    user = User(
        email=email, name=name, role=role, reviewer_role=reviewer_role,
        password_hash=generate_password_hash(password, method="scrypt"),
        handle=f"{handle}-{secrets.token_hex(3)}", portfolio_public=False, created_at=now,
    )  # fmt: skip
    if role == "learner":
        learner = Learner(
            external_id=f"account-{uuid.uuid4()}", subject_id=f"urn:uuid:{uuid.uuid4()}",
            name=name, email=email, created_at=now,
        )  # fmt: skip
        session.add(learner)
        session.flush()
        user.learner_id = learner.id
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError("an account with this email exists") from None
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, user_id: int, name: str, now: dt.datetime
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and never stored."""
    if not name.strip() or len(name) > 100:
        raise InvalidRequestError("a token name of 1 to 100 characters", "$.name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user_id, name=name.strip(), token_hash=_digest(token), prefix=token[:10],
        created_at=now,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return token, record


def user_for_token(session: Session, token: str, now: dt.datetime) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    record = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if record is None:
        return None
    record.last_used_at = now
    return session.get(User, record.user_id)


def revoke_token(session: Session, user_id: int, token_id: int, now: dt.datetime) -> ApiToken:
    """Only the token's owner revokes it."""
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user_id:
        raise NotFoundError(f"no token {token_id}")
    if record.revoked_at is None:
        record.revoked_at = now
    return record
