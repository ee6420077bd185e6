"""Browser sessions kept on the server, so that signing out really ends them.

The signed session cookie carries a random session key (256 bits); the ``sessions`` table
holds its SHA-256, so a database leak gives no live session. Each request reads the account
through its session row, in the one SELECT that read the account before: a session ends the
moment its row is gone (sign-out, "sign out everywhere"), when its account's password changes
(the row keeps a mark of the password hash at sign-in) or at its ``expires_at``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from issuer.db.models import SessionRecord, User

#: A session ends this long after sign-in at the latest, however active.
SESSION_LIFETIME = dt.timedelta(days=14)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_mark(user: User) -> str:
    """A short digest of the account's password hash: changes whenever the password does."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:32]


def start_session(session: Session, user: User, now: dt.datetime) -> str:
    """A new session for ``user``; returns the key for the cookie (never stored). The
    account's sessions that have expired are deleted on the way."""
    session.execute(
        delete(SessionRecord).where(
            SessionRecord.user_id == user.id, SessionRecord.expires_at <= now
        )
    )
    key = secrets.token_urlsafe(32)
    session.add(
        SessionRecord(
            user_id=user.id, key_hash=_digest(key), password_mark=password_mark(user),
            created_at=now, expires_at=now + SESSION_LIFETIME,
        )
    )  # fmt: skip
    session.flush()
    return key


def session_user(session: Session, key: object, now: dt.datetime) -> User | None:
    """The account of a live session ``key`` (from the cookie), in one SELECT; None when the
    session was ended, has expired or its account's password has changed since."""
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    found = session.execute(
        select(User, SessionRecord.password_mark, SessionRecord.expires_at)
        .join(SessionRecord, SessionRecord.user_id == User.id)
        .where(SessionRecord.key_hash == _digest(key))
    ).one_or_none()
    if found is None:
        return None
    user, mark, expires_at = found
    if now >= expires_at or not secrets.compare_digest(mark, password_mark(user)):
        return None
    return user


def end_session(session: Session, key: object) -> None:
    """Sign out this session (nothing when it is already gone)."""
    if isinstance(key, str):
        session.execute(delete(SessionRecord).where(SessionRecord.key_hash == _digest(key)))


def end_sessions(session: Session, user_id: int) -> int:
    """Sign ``user_id`` out everywhere: every browser session ends on its next request.
    Returns how many sessions were ended (API tokens are separate: revoke them on the
    account page)."""
    result = session.execute(delete(SessionRecord).where(SessionRecord.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)
