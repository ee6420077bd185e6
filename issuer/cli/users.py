"""``vouch users``: accounts, their roles, API tokens and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from issuer.accounts import SCOPES, TOKEN_DAYS
from issuer.cli.common import issuer_errors, ready_issuer
from issuer.cli.output import emit_json, json_option
from issuer.errors import NotFoundError
from issuer.service import Issuer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from issuer.db.models import User
    from issuer.identity import Links
    from issuer.mail import Mail


@click.group("users")
def users_group() -> None:
    """Accounts: one per person, with roles (learner, reviewer: peer, mentor or expert; admin)."""


_ROLE = click.option(
    "--role",
    type=click.Choice(["learner", "reviewer", "admin"]),
    default="learner",
    show_default=True,
)
_REVIEWER_ROLE = click.option(
    "--reviewer-role",
    type=click.Choice(["peer", "mentor", "expert"]),
    default=None,
    help="Required for reviewers.",
)


def _roles_text(roles: list[str], reviewer_role: str | None) -> str:
    return ", ".join(f"{r} ({reviewer_role})" if r == "reviewer" else r for r in roles)


def _summary(user: User) -> str:
    return f"{user.id}  {user.email}  {_roles_text(user.roles, user.reviewer_role)}"


def _account(db: Session, email: str) -> User:
    """The account of ``email``; none is an error (exit 1)."""
    from issuer.accounts import find_user

    user = find_user(db, email)
    if user is None:
        raise NotFoundError(f"no account {email!r}")
    return user


def _links(service: Issuer) -> Links:
    from issuer.identity import Links
    from issuer.web.auth import secret_key

    secret = secret_key(service.settings.instance_path, service.settings.secret_key)
    return Links(secret, service.settings.public_url)


def _mail(service: Issuer, mails: list[Mail]) -> None:
    """Send after the commit; a mail server that refuses is reported, not fatal (the link is
    printed)."""
    from issuer.mail import MailError, mailer_for

    try:
        mailer_for(service.settings).send(mails)
    except MailError as exc:
        click.echo(f"warning: {exc}; nothing was mailed", err=True)
        return
    where = "mailed" if service.settings.smtp_url else f"written to {service.settings.outbox_path}"
    for mail in mails:
        click.echo(f"{where}: {mail.subject!r} to {mail.to}")


@users_group.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@_ROLE
@_REVIEWER_ROLE
@click.option(
    "--password-file",
    type=click.File("r"),
    default=None,
    help="Read the password from the file's first line ('-': standard input). Without it the "
    "account has no password yet: a link to choose one is mailed and printed.",
)
def users_add(
    email: str, name: str, role: str, reviewer_role: str | None, password_file: Any
) -> None:
    """Create an account, or add ROLE to the existing account of EMAIL (one person, one
    account: a mentor who also learns holds both roles, and never signs off their own work)."""
    from issuer.accounts import create_user, find_user, grant_role
    from issuer.identity import confirm_mail, invite_mail

    password = password_file.readline().rstrip("\r\n") if password_file else None
    with issuer_errors():
        service = ready_issuer()
        links = _links(service)
        mails: list[Mail] = []
        link = None
        with service.db.write() as db:
            now = service.clock()
            user = find_user(db, email)
            if user is not None:
                changed = grant_role(db, user, role, reviewer_role, now)
                verb = "added role to" if changed else "unchanged"
                if password is not None:
                    click.echo("warning: the account exists; its password is unchanged", err=True)
            else:
                user = create_user(
                    db, email=email, name=name, password=password, role=role,
                    reviewer_role=reviewer_role, now=now,
                )  # fmt: skip
                verb = "created"
                if password is None:
                    link = links.url("invite", user, now)
                    mails.append(invite_mail(links, user, now))
                elif role == "learner":
                    mails.append(confirm_mail(links, user, now))
            summary = _summary(user)
    click.echo(f"{verb}: {summary}")
    if link:
        click.echo(f"set-password link (works once, for 7 days): {link}")
    _mail(service, mails)


@users_group.command("grant")
@click.argument("email")
@_ROLE
@_REVIEWER_ROLE
def users_grant(email: str, role: str, reviewer_role: str | None) -> None:
    """Add ROLE to the existing account of EMAIL (``--reviewer-role`` also changes a reviewer's
    standing)."""
    from issuer.accounts import grant_role

    with issuer_errors():
        service = ready_issuer()
        with service.db.write() as db:
            user = _account(db, email)
            changed = grant_role(db, user, role, reviewer_role, service.clock())
            summary = _summary(user)
    click.echo(f"{'granted' if changed else 'unchanged'}: {summary}")


@users_group.command("list")
@json_option()
def users_list(as_json: bool) -> None:
    """Every account (no secrets)."""
    from sqlalchemy import select

    from issuer.db.models import User

    with issuer_errors(as_json):
        service = ready_issuer()
        with service.db.read() as db:
            users = [
                (u.id, u.email, u.name, list(u.roles), u.reviewer_role, u.email_verified_at)
                for u in db.scalars(select(User).order_by(User.id))
            ]
    if as_json:
        keys = ("id", "email", "name", "roles", "reviewer_role")
        emit_json(
            [
                dict(zip(keys, row[:5], strict=True)) | {"email_verified": row[5] is not None}
                for row in users
            ]
        )
        return
    for i, e, n, r, rr, verified in users:
        confirmed = "" if verified else "  (address not confirmed)"
        click.echo(f"{i:>4}  {e:<32} {_roles_text(r, rr)}  {n}{confirmed}")


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="What the token may do (repeatable)  [default: every scope].")  # fmt: skip
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help=f"Lifetime in days  [default: {TOKEN_DAYS}; at most VOUCH_TOKEN_MAX_DAYS].",
)
def users_token(email: str, name: str, scopes: tuple[str, ...], days: int | None) -> None:
    """Create an API token for the account EMAIL; printed once, stored only as a hash."""
    import datetime as dt

    from issuer.accounts import create_token

    with issuer_errors():
        service = ready_issuer()
        now = service.clock()
        with service.db.write() as db:
            user = _account(db, email)
            token, _ = create_token(
                db, user.id, name, now, scopes=frozenset(scopes) if scopes else None,
                expires_at=now + dt.timedelta(days=days) if days else None,
                max_days=service.settings.token_max_days,
            )  # fmt: skip
    click.echo(token)


@users_group.command("sign-out")
@click.argument("email")
def users_sign_out(email: str) -> None:
    """Sign the account EMAIL out everywhere: every browser session ends (tokens stay)."""
    from issuer.sessions import end_sessions

    with issuer_errors():
        service = ready_issuer()
        with service.db.write() as db:
            ended = end_sessions(db, _account(db, email).id)
    click.echo(f"{email}: {ended} session(s) ended")


COMMANDS: list[click.Command] = [users_group]
