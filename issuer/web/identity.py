"""Confirming addresses, setting passwords by mailed link, and the development outbox."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape

from issuer.accounts import grant_role
from issuer.db.models import User
from issuer.errors import InvalidRequestError
from issuer.identity import (
    EmailUnverifiedError,
    InvalidLinkError,
    Links,
    confirm,
    confirm_mail,
    request_reset,
    reset_password,
)
from issuer.mail import Mail, Mailer, MailError, OutboxMailer, body_text, read_outbox
from issuer.web.auth import account, current_account, requires
from issuer.web.public import issuer

log = logging.getLogger(__name__)
bp = Blueprint("identity", __name__)


def links() -> Links:
    return Links(current_app.config["SECRET_KEY"], issuer().settings.public_url)


def mailer() -> Mailer:
    found: Mailer = current_app.extensions["vouch.mailer"]
    return found


def deliver(mails: Sequence[Mail]) -> bool:
    """Send ``mails`` (after the transaction that made them committed); False if the server
    refused them (logged; the pages say the same either way, and links can be asked again)."""
    try:
        mailer().send(mails)
    except MailError:
        return False
    return True


def unverified_error() -> EmailUnverifiedError:
    me = account()
    address = me.email if me else "your address"
    return EmailUnverifiedError(
        f"confirm your email address first: follow the link we sent to {address} "
        "(POST /api/v1/me/confirmation or the account page sends a new one)"
    )


def send_confirmation(user_id: int) -> bool:
    """A new confirmation link for the account, unless its address is confirmed already."""
    with issuer().db.read() as db:
        user = db.get(User, user_id)
        if user is None or user.email_verified_at is not None:
            return False
        mails = [confirm_mail(links(), user, issuer().clock())]
    return deliver(mails)


@bp.get("/signup/sent")
def signup_sent() -> Any:
    return render_template("app/check_inbox.html")


@bp.get("/account/confirm/<token>")
@requires()
def confirm_address(token: str) -> Any:
    me = current_account()
    try:
        with issuer().db.write() as db:
            confirm(db, links(), token, me.id, issuer().clock())
    except InvalidLinkError as exc:
        return render_template("app/link_invalid.html", message=str(exc), resend=True), 400
    flash("Your email address is confirmed. Welcome to Vouch: pick a milestone to start.")
    return redirect(url_for("app_pages.home"))


@bp.post("/account/confirm")
@requires()
def resend_confirmation() -> Any:
    me = current_account()
    if me.email_verified:
        flash("Your email address is confirmed already.")
    elif send_confirmation(me.id):
        flash(f"We sent a new link to {me.email}.")
    else:
        flash("The mail server did not take the message; try again in a while.")
    return redirect(url_for("accounts.account_page"))


@bp.post("/account/learner")
@requires()
def become_learner() -> Any:
    """Any account may also learn: the learner role asks for no one's trust."""
    me = current_account()
    with issuer().db.write() as db:
        user = db.get(User, me.id)
        if user is not None:
            grant_role(db, user, "learner", None, issuer().clock())
    flash("You can now submit evidence as a learner.")
    return redirect(url_for("app_pages.dashboard"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> Any:
    if request.method == "POST":
        email = request.form.get("email", "")[:254]
        with issuer().db.write() as db:
            mails = request_reset(db, links(), email, issuer().clock())
        deliver(mails)
        return render_template("app/forgot.html", sent=True)
    return render_template("app/forgot.html", sent=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    error = None
    if request.method == "POST":
        try:
            with issuer().db.write() as db:
                reset_password(
                    db, links(), token, request.form.get("password", ""), issuer().clock()
                )
        except InvalidLinkError as exc:
            return render_template("app/link_invalid.html", message=str(exc), resend=False), 400
        except InvalidRequestError as exc:
            error = str(exc)
        else:
            flash("Your password is set. Sign in with it.")
            return redirect(url_for("accounts.login"))
    else:
        try:
            with issuer().db.read() as db:
                links().read(db, token, ("reset", "invite"), issuer().clock())
        except InvalidLinkError as exc:
            return render_template("app/link_invalid.html", message=str(exc), resend=False), 400
    return render_template("app/reset.html", error=error), (422 if error else 200)


_URL = re.compile(r"https?://[^\s<>\"]+")


def _linked(text: str) -> Markup:
    """Escaped text with its URLs made links (the outbox page)."""
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = escape(match.group(0))
        parts += [str(escape(text[last : match.start()])), f'<a href="{url}">{url}</a>']
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))  # noqa: S704 - every piece escaped above


@bp.get("/dev/outbox")
def outbox() -> Any:
    """Development only: the mail that would have been sent (no mail server needed)."""
    sender = mailer()
    if issuer().settings.production or not isinstance(sender, OutboxMailer):
        abort(404)
    messages = [
        {
            "name": name,
            "to": parsed["To"],
            "subject": parsed["Subject"],
            "date": parsed["Date"],
            "body": _linked(body_text(parsed)),
        }
        for name, parsed in read_outbox(sender.folder)[:50]
    ]
    return render_template("dev/outbox.html", messages=messages, folder=sender.folder)
