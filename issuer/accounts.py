"""Accounts: one per person, with roles (learner, reviewer: peer, mentor or expert; admin);
hashed passwords and tokens.

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

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from criteria import REVIEWER_ROLES
from issuer.db.models import ApiToken, Learner, User
from issuer.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError

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
    #: Every role the account holds: one person, one account (``has`` asks for one).
    roles: frozenset[str]
    reviewer_role: str | None
    learner_id: int | None
    handle: str
    portfolio_public: bool
    #: The owner has shown they receive mail at ``email``; credentials bind to it only then.
    email_verified: bool = False

    @property
    def reviewer_id(self) -> str:
        return f"user-{self.id}"

    def has(self, *roles: str) -> bool:
        """True when the account holds any of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.id, user.email, user.name, frozenset(user.roles), user.reviewer_role,
                   user.learner_id, user.handle, user.portfolio_public,
                   user.email_verified_at is not None)  # fmt: skip


def normal_email(email: str) -> str:
    return email.strip().lower()


def check_identity(email: str, name: str) -> None:
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidRequestError("not an email address", "$.email")
    if not name.strip() or len(name) > 200:
        raise InvalidRequestError("a name of 1 to 200 characters", "$.name")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequestError(f"at least {MIN_PASSWORD} characters", "$.password")
    if len(password) > 1024:
        raise InvalidRequestError("at most 1024 characters", "$.password")


def _check_role(role: str, reviewer_role: str | None) -> None:
    if role not in ROLES:
        raise InvalidRequestError(f"role must be one of {', '.join(ROLES)}", "$.role")
    if (role == "reviewer") != (reviewer_role is not None) or (
        reviewer_role is not None and reviewer_role not in REVIEWER_ROLES
    ):
        raise InvalidRequestError(
            f"reviewers need a reviewer role ({', '.join(REVIEWER_ROLES)}); others none",
            "$.reviewer_role",
        )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normal_email(email))).one_or_none()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    role: str = "learner",
    reviewer_role: str | None = None,
    now: dt.datetime,
    password_hash: str | None = None,
) -> User:
    """A new account with one role (``grant_role`` adds more).

    ``password`` None: no usable password until the owner sets one through a mailed link.
    ``password_hash``: the hash already made from ``password`` (sign-up hashes before it
    looks the address up, so both answers take as long).
    """
    email = normal_email(email)
    name = name.strip()
    check_identity(email, name)
    if password is not None:
        check_password(password)
    _check_role(role, reviewer_role)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError("an account with this email exists")
    handle = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "learner"
    if password is not None and password_hash is None:
        password_hash = hash_password(password)
    user = User(
        email=email, name=name, roles=[role], reviewer_role=reviewer_role,
        password_hash=password_hash if password is not None else None,
        handle=f"{handle}-{secrets.token_hex(3)}", portfolio_public=False, created_at=now,
    )  # fmt: skip
    if role == "learner":
        user.learner_id = _new_learner(session, user, now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError("an account with this email exists") from None
    return user


def _new_learner(session: Session, user: User, now: dt.datetime) -> int:
    learner = Learner(
        external_id=f"account-{uuid.uuid4()}", subject_id=f"urn:uuid:{uuid.uuid4()}",
        name=user.name, email=user.email, created_at=now,
    )  # fmt: skip
    session.add(learner)
    session.flush()
    return learner.id


def grant_role(
    session: Session, user: User, role: str, reviewer_role: str | None, now: dt.datetime
) -> bool:
    """Add ``role`` to ``user`` (a reviewer's standing is set or changed); False when the
    account held it already, as it is. Granting ``learner`` gives the account a learner record,
    so its own submissions are known as its own to the self sign-off guard."""
    _check_role(role, reviewer_role)
    changed = role not in user.roles or (role == "reviewer" and user.reviewer_role != reviewer_role)
    user.roles = sorted({*user.roles, role})
    if role == "reviewer":
        user.reviewer_role = reviewer_role
    if role == "learner" and user.learner_id is None:
        user.learner_id = _new_learner(session, user, now)
    session.flush()
    return changed


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: What a token may be allowed to do. A token is also bound by its account's roles.
SCOPES = ("read", "submit", "review", "admin")
#: A new token's lifetime unless its maker asks for less (or, up to the maximum, more).
TOKEN_DAYS = 90
#: The longest lifetime a token may be given (``VOUCH_TOKEN_MAX_DAYS``).
TOKEN_MAX_DAYS = 365
#: ``last_used_at`` is written at most this often per token: a bearer request only reads.
LAST_USED_EVERY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class TokenGrant:
    """What a presented token allows: its scopes, until when (no secret)."""

    token_id: int
    scopes: frozenset[str]
    expires_at: dt.datetime
    last_used_at: dt.datetime | None

    def expired(self, now: dt.datetime) -> bool:
        return now >= self.expires_at

    def stale(self, now: dt.datetime) -> bool:
        """Its ``last_used_at`` is due to be written again."""
        return self.last_used_at is None or now - self.last_used_at >= LAST_USED_EVERY


def parse_scopes(value: object) -> frozenset[str]:
    """Scopes given as a list of names or one space-separated string; unknown names refused."""
    names = value.split() if isinstance(value, str) else value
    if not isinstance(names, list | tuple | frozenset) or not all(
        isinstance(n, str) for n in names
    ):
        raise InvalidRequestError("scopes: a list of scope names", "$.scopes")
    unknown = sorted(set(names) - set(SCOPES))
    if unknown:
        raise InvalidRequestError(
            f"unknown scope {unknown[0]!r}; scopes are {', '.join(SCOPES)}", "$.scopes"
        )
    if not names:
        raise InvalidRequestError("at least one scope", "$.scopes")
    return frozenset(names)


def create_token(
    session: Session,
    user_id: int,
    name: str,
    now: dt.datetime,
    *,
    scopes: frozenset[str] | None = None,
    expires_at: dt.datetime | None = None,
    max_days: int = TOKEN_MAX_DAYS,
    minted_with: TokenGrant | None = None,
) -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and never stored.

    ``scopes`` default to every scope, ``expires_at`` to :data:`TOKEN_DAYS` from ``now`` (at
    most ``max_days``). A token made with another token (``minted_with``) is never wider than
    it: a subset of its scopes (by default, the same) and no later expiry (by default, the
    earlier of the two); asking for more is 403, so a leaked narrow token cannot be turned into
    a broad or lasting one.
    """
    if not name.strip() or len(name) > 100:
        raise InvalidRequestError("a token name of 1 to 100 characters", "$.name")
    if scopes is None:
        scopes = minted_with.scopes if minted_with else frozenset(SCOPES)
    longest = now + dt.timedelta(days=max_days)
    if expires_at is None:
        expires_at = min(now + dt.timedelta(days=min(TOKEN_DAYS, max_days)), longest)
        if minted_with is not None:
            expires_at = min(expires_at, minted_with.expires_at)
    if expires_at <= now or expires_at > longest:
        raise InvalidRequestError(
            f"expires_at: later than now and at most {max_days} days ahead", "$.expires_at"
        )
    if minted_with is not None:
        wider = sorted(scopes - minted_with.scopes)
        if wider:
            raise ForbiddenError(f"a token cannot make a token with more scopes ({wider[0]})")
        if expires_at > minted_with.expires_at:
            raise ForbiddenError("a token cannot make a token that outlives it")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(
        user_id=user_id, name=name.strip(), token_hash=_digest(token), prefix=token[:10],
        created_at=now, scopes=" ".join(s for s in SCOPES if s in scopes), expires_at=expires_at,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return token, record


def token_scopes(record: ApiToken) -> list[str]:
    return record.scopes.split()


def find_token(session: Session, token: str) -> tuple[User, TokenGrant] | None:
    """The account and grant of a live (unrevoked) ``token``, expired or not, in one SELECT.

    Only reads: a bearer request takes no write lock (SQLite has one writer at a time). The
    caller refuses an expired grant and writes ``last_used_at`` when :meth:`TokenGrant.stale`.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    found = session.execute(
        select(User, ApiToken.id, ApiToken.scopes, ApiToken.expires_at, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if found is None:
        return None
    user, token_id, scopes, expires_at, last_used_at = found
    return user, TokenGrant(token_id, frozenset(scopes.split()), expires_at, last_used_at)


def mark_token_used(session: Session, grant: TokenGrant, now: dt.datetime) -> None:
    """Record that a token was used (at most once per :data:`LAST_USED_EVERY`; racing workers
    write once, as the condition is checked in the UPDATE)."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == grant.token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_EVERY),
        )
        .values(last_used_at=now)
    )


def revoke_token(session: Session, user_id: int, token_id: int, now: dt.datetime) -> ApiToken:
    """Only the token's owner revokes it."""
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user_id:
        raise NotFoundError(f"no token {token_id}")
    if record.revoked_at is None:
        record.revoked_at = now
    return record
