"""Sign-up, sign-in, sign-out and the account page (API tokens, public portfolio switch)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from issuer.accounts import TOKEN_DAYS, authenticate, create_token, parse_scopes, revoke_token
from issuer.db.models import User
from issuer.errors import ConflictError, InvalidRequestError
from issuer.identity import sign_up
from issuer.sessions import end_session, end_sessions, start_session
from issuer.web import identity
from issuer.web.auth import SESSION_KEY, current_account, requires
from issuer.web.public import issuer
from issuer.web.ratelimit import backoff

bp = Blueprint("accounts", __name__)


#: What a browser strips from both ends of a URL (C0 controls and space, WHATWG URL §4.4).
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
#: What a browser removes anywhere in a URL (ASCII tab and newline).
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


def safe_next(target: str | None) -> str | None:
    """``target`` as a same-site path, or None: no open redirect through ``next``.

    The check reads ``target`` as a browser would (WHATWG URL parsing): leading and trailing
    C0 controls and spaces stripped, tabs and newlines removed anywhere, a backslash taken as a
    slash. ``/%09/evil.example`` (a tab) is ``//evil.example`` to a browser, another site; a
    check of the raw text would take it for a path. What remains must be a path (one leading
    slash, no scheme, no authority) with no control characters left; the normalised text is
    what the redirect sends, so the browser reads exactly what was checked.
    """
    if not target:
        return None
    path = target.strip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE).replace("\\", "/")
    if not path.startswith("/") or path.startswith("//"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return None
    return path


def _safe_next(target: str | None) -> str:
    return safe_next(target) or url_for("app_pages.home")


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    errors: dict[str, str] = {}
    form = {"name": "", "email": ""}
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
        password = request.form.get("password", "")
        try:
            with issuer().db.write() as db:
                mails = sign_up(
                    db, identity.links(), email=form["email"], name=form["name"],
                    password=password, now=issuer().clock(),
                )  # fmt: skip
        except InvalidRequestError as exc:
            errors[(exc.path or "$.form").removeprefix("$.")] = str(exc)
        except ConflictError:
            pass  # the address was taken this instant: answered as any taken address is
        else:
            identity.deliver(mails)  # committed: a new account's link, or a note to the owner
        if not errors:
            # The same answer whether the address was new or taken (no account enumeration);
            # nobody is signed in until they sign in with the password.
            return redirect(url_for("identity.signup_sent"))
    return render_template("app/signup.html", errors=errors, form=form), (422 if errors else 200)


def _sign_in(user_id: int) -> None:
    """A new server-side session (its key in the cookie, its hash in the database); the
    session this browser had before ends (a copy of the old cookie opens nothing)."""
    service = issuer()
    with service.db.write() as db:
        user = db.get(User, user_id)
        if user is None:
            abort(401, "this account no longer exists")
        end_session(db, session.get(SESSION_KEY))
        key = start_session(db, user, service.clock())
    end_session_cookie()  # a fresh cookie on sign-in (no fixation)
    session[SESSION_KEY] = key


def end_session_cookie() -> None:
    """Forget the session in this browser (the server-side row is the caller's)."""
    session.clear()


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")
        wait = backoff().wait(email)
        if wait:
            minutes = math.ceil(wait / 60)
            error = (
                "Too many failed sign-ins for this account. Try again in "
                f"{minutes} minute{'s' if minutes > 1 else ''}, or set a new password by mail."
            )
            page = render_template("app/login.html", error=error, email=email)
            return page, 429, {"Retry-After": str(wait)}
        with issuer().db.read() as db:
            user = authenticate(db, email, request.form.get("password", ""))
            user_id = user.id if user else None
        if user_id is None:
            backoff().failed(email)
            error = "Email or password is wrong."
        else:
            _sign_in(user_id)
            response = redirect(_safe_next(request.args.get("next")))
            backoff().remember(response, email, secure=issuer().settings.production)
            return response
    return render_template("app/login.html", error=error, email=email), (401 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    """End this session on the server too: a copy of the cookie no longer signs anyone in."""
    key = session.get(SESSION_KEY)
    if key is not None:
        with issuer().db.write() as db:
            end_session(db, key)
    end_session_cookie()
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@requires()
def account_page() -> Any:
    me = current_account()
    new_token = None
    error = None
    now = issuer().clock()
    if request.method == "POST":
        action = request.form.get("action")
        with issuer().db.write() as db:
            if action == "create-token":
                try:
                    new_token, _ = create_token(db, me.id, request.form.get("name", ""), now,
                                                **_token_options(now))  # fmt: skip
                except InvalidRequestError as exc:
                    error = str(exc)
            elif action == "sign-out-everywhere":
                end_sessions(db, me.id)
            elif action == "revoke-token":
                token_id = request.form.get("token_id", "")
                if not token_id.isdigit() or len(token_id) > 18:
                    abort(400, "token_id must be a token's number")
                revoke_token(db, me.id, int(token_id), issuer().clock())
                flash("Token revoked.")
            elif action == "portfolio":
                user = db.get(User, me.id)
                if user is not None:
                    user.portfolio_public = request.form.get("public") == "on"
                    flash(
                        "Portfolio is now " + ("public." if user.portfolio_public else "private.")
                    )
        if action == "sign-out-everywhere":
            end_session_cookie()
            flash("Signed out everywhere.")
            return redirect(url_for("accounts.login"))
        if new_token is None and error is None:
            return redirect(url_for("accounts.account_page"))
    return render_template(
        "app/account.html", tokens=issuer().tokens_of(me.id), new_token=new_token, error=error,
        public=me.portfolio_public, portfolio_url=issuer().portfolio_url(me.handle),
        token_scopes=TOKEN_SCOPES, token_days=TOKEN_DAYS,
        token_max_days=issuer().settings.token_max_days,
    )  # fmt: skip


#: The scopes a token may have, as the account page explains them.
TOKEN_SCOPES = (
    ("read", "read the account, its submissions, credentials and tokens"),
    ("submit", "submit evidence (learners)"),
    ("review", "record sign-offs (reviewers)"),
    ("admin", "issue, revoke, rotate keys, read metrics (admins)"),
)


def _token_options(now: dt.datetime) -> dict[str, Any]:
    """Scopes and expiry from the account page's form (absent fields: the defaults)."""
    form = request.form
    options: dict[str, Any] = {"max_days": issuer().settings.token_max_days}
    if "days" in form:
        days = form["days"].strip()
        if not days.isdigit() or not 1 <= int(days) <= options["max_days"]:
            raise InvalidRequestError(f"a lifetime of 1 to {options['max_days']} days", "$.days")
        options["expires_at"] = now + dt.timedelta(days=int(days))
    if "days" in form or "scopes" in form:
        options["scopes"] = parse_scopes(form.getlist("scopes"))
    return options
