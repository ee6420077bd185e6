"""Proving who owns an address: confirmation and password links, and the mail that carries them.

A link's token is signed (itsdangerous, with the app's secret key and a salt per purpose),
carries when it was made (by the issuer's clock, so tests move time instead of waiting) and is
good once:

- **confirm** (48 hours): the account's id and address; it works only while the address is
  unconfirmed, and only for a browser signed in to that account. Knowing the password *and*
  reading the mail is what proves the address is the account owner's: someone who signed up
  with another person's address cannot get it confirmed by that person clicking the link.
- **reset** (2 hours) and **invite** (7 days, for accounts made by ``vouch users add`` without a
  password): the account's id and a digest of its current password hash, so the link dies when
  the password changes, including by its own use. Setting a password through one also confirms
  the address (the link was read there) and revokes the account's API tokens (whoever held the
  account before the reset may have made some).

Every function here works inside the caller's transaction and returns the mail to send once it
has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer.accounts import (
    check_identity,
    check_password,
    create_user,
    find_user,
    hash_password,
    normal_email,
)
from issuer.db.models import ApiToken, User
from issuer.errors import ForbiddenError, InvalidRequestError
from issuer.mail import Mail

#: At most one mail per address in this time at strangers' requests (a taken address at
#: sign-up, "forgot password"): rate limits count per client, this per address.
MAIL_COOLDOWN = dt.timedelta(minutes=2)
#: How long each kind of link works.
LIFETIMES = {
    "confirm": dt.timedelta(hours=48),
    "reset": dt.timedelta(hours=2),
    "invite": dt.timedelta(days=7),
}


class InvalidLinkError(InvalidRequestError):
    """A link that is forged, damaged, expired, used, or for another account: one answer for
    all, so the page is no oracle."""

    code = "invalid_link"
    status = 400

    def __init__(self) -> None:
        super().__init__("this link is not valid: it may have expired or been used already")


class EmailUnverifiedError(ForbiddenError):
    """No credential binds to an address its owner has not confirmed."""

    code = "email_unverified"


@dataclass(frozen=True)
class Links:
    """Makes and reads the signed tokens; ``public_url`` is where the links point."""

    secret_key: str
    public_url: str

    def _serializer(self, purpose: str) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt=f"vouch.identity.{purpose}")

    def token(self, purpose: str, user: User, now: dt.datetime) -> str:
        claims: dict[str, Any] = {"u": user.id, "t": int(now.timestamp())}
        if purpose == "confirm":
            claims["e"] = user.email
        else:
            claims["p"] = _password_state(user)
        return self._serializer(purpose).dumps(claims)

    def url(self, purpose: str, user: User, now: dt.datetime) -> str:
        path = "/account/confirm/" if purpose == "confirm" else "/password/reset/"
        return self.public_url + path + self.token(purpose, user, now)

    def read(
        self, session: Session, token: str, purposes: tuple[str, ...], now: dt.datetime
    ) -> User:
        """The account a live token of one of ``purposes`` names, or InvalidLinkError."""
        if len(token) > 500:
            raise InvalidLinkError
        for purpose in purposes:
            try:
                claims = self._serializer(purpose).loads(token)
            except BadSignature:
                continue
            if not isinstance(claims, dict) or not isinstance(claims.get("t"), int):
                break
            made = dt.datetime.fromtimestamp(claims["t"], dt.UTC)
            if not (made - dt.timedelta(minutes=5) <= now <= made + LIFETIMES[purpose]):
                break
            user = session.get(User, claims.get("u")) if isinstance(claims.get("u"), int) else None
            if user is None:
                break
            if purpose == "confirm":
                if claims.get("e") != user.email or user.email_verified_at is not None:
                    break
            elif claims.get("p") != _password_state(user):
                break
            return user
        raise InvalidLinkError


def _password_state(user: User) -> str:
    """Changes whenever the password does (a reset link is then used up)."""
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:20]


# -- flows ------------------------------------------------------------------------------------


def sign_up(
    session: Session, links: Links, *, email: str, name: str, password: str, now: dt.datetime
) -> list[Mail]:
    """A learner account for a new address, or (taken address) a note to its owner.

    The page answers the same either way ("check your inbox"), so sign-up tells nobody which
    addresses have accounts; the address's owner learns of the attempt, with a link to set a
    new password in case it was them and they forgot. The password is hashed in both cases,
    so both take as long.
    """
    email = normal_email(email)
    check_identity(email, name.strip())
    check_password(password)
    hashed = hash_password(password)
    existing = find_user(session, email)
    if existing is None:
        # A sign-up racing this one for the address raises ConflictError: the caller answers
        # as for a taken address, and the mail to its owner goes out with the other request.
        user = create_user(
            session, email=email, name=name, password=password, password_hash=hashed, now=now
        )
        return [confirm_mail(links, user, now)]
    return [taken_mail(links, existing, now)] if _may_mail(existing, now) else []


def confirm(session: Session, links: Links, token: str, user_id: int, now: dt.datetime) -> User:
    """Mark the address confirmed; the link must be for the signed-in account ``user_id``."""
    user = links.read(session, token, ("confirm",), now)
    if user.id != user_id:
        raise InvalidLinkError
    user.email_verified_at = now
    return user


def request_reset(session: Session, links: Links, email: str, now: dt.datetime) -> list[Mail]:
    """A password link for ``email``'s account, or nothing (the page says the same)."""
    user = find_user(session, email)
    if user is None or not _may_mail(user, now):
        return []
    return [reset_mail(links, user, now)]


def _may_mail(user: User, now: dt.datetime) -> bool:
    """Whether a stranger's request may mail ``user`` now (and note that it did)."""
    if user.mailed_at is not None and now - user.mailed_at < MAIL_COOLDOWN:
        return False
    user.mailed_at = now
    return True


def reset_password(
    session: Session, links: Links, token: str, password: str, now: dt.datetime
) -> User:
    """Set a new password through a reset or invite link (used up by this)."""
    user = links.read(session, token, ("reset", "invite"), now)
    check_password(password)
    user.password_hash = hash_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link was read at the address
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return user


def learner_confirmed(session: Session, learner_id: int) -> bool:
    """False only when an account owns the learner record and has not confirmed its address
    (learners named in an admin's bundles have no account: the admin vouches for them)."""
    verified = session.execute(
        select(User.email_verified_at).where(User.learner_id == learner_id)
    ).one_or_none()
    return verified is None or verified[0] is not None


# -- the messages -----------------------------------------------------------------------------


def confirm_mail(links: Links, user: User, now: dt.datetime) -> Mail:
    hours = int(LIFETIMES["confirm"].total_seconds() // 3600)
    return Mail(
        user.email,
        "Confirm your email address for Vouch",
        f"Hello {user.name},\n\n"
        "Someone (we hope you) created a Vouch account with this address. To confirm it is\n"
        "yours, sign in and open this link (it works for "
        f"{hours} hours, once):\n\n"
        f"{links.url('confirm', user, now)}\n\n"
        "Until then you can look around and fill in forms, but no credential is issued to an\n"
        "address that is not confirmed.\n\n"
        "If you did not sign up, ignore this message: the account stays unconfirmed, and you\n"
        "can take it over with a new password at "
        f"{links.public_url}/password/forgot\n",
    )


def taken_mail(links: Links, user: User, now: dt.datetime) -> Mail:
    hours = int(LIFETIMES["reset"].total_seconds() // 3600)
    return Mail(
        user.email,
        "Someone tried to sign up to Vouch with your address",
        f"Hello {user.name},\n\n"
        "Someone just tried to create a Vouch account with this address, which already has\n"
        "one. Nothing was changed.\n\n"
        f"If it was you, sign in at {links.public_url}/login"
        " or, if you forgot your password,\n"
        f"set a new one here (the link works for {hours} hours, once):\n\n"
        f"{links.url('reset', user, now)}\n\n"
        "If it was not you, you need do nothing.\n",
    )


def reset_mail(links: Links, user: User, now: dt.datetime) -> Mail:
    hours = int(LIFETIMES["reset"].total_seconds() // 3600)
    return Mail(
        user.email,
        "Set a new Vouch password",
        f"Hello {user.name},\n\n"
        "Someone (we hope you) asked to set a new password for your Vouch account. Open this\n"
        f"link to choose one (it works for {hours} hours, once):\n\n"
        f"{links.url('reset', user, now)}\n\n"
        "If you did not ask, ignore this message: your password stays as it is.\n",
    )


def invite_mail(links: Links, user: User, now: dt.datetime) -> Mail:
    days = LIFETIMES["invite"].days
    roles = ", ".join(user.roles)
    return Mail(
        user.email,
        "Your Vouch account",
        f"Hello {user.name},\n\n"
        f"An administrator made you a Vouch account ({roles}). Choose your password here\n"
        f"(the link works for {days} days, once):\n\n"
        f"{links.url('invite', user, now)}\n\n"
        f"After that, sign in at {links.public_url}/login\n",
    )
