"""Sign-up, sign-in, sign-out and the account page (API tokens, public portfolio switch)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from issuer.accounts import authenticate, create_token, create_user, revoke_token
from issuer.db.models import User
from issuer.errors import ConflictError, InvalidRequestError
from issuer.web.auth import account, requires
from issuer.web.public import issuer

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: no open redirect through ``next``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("app_pages.home")


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    errors: dict[str, str] = {}
    form = {"name": "", "email": ""}
    if request.method == "POST":
        form = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
        password = request.form.get("password", "")
        try:
            with issuer().db.write() as db:
                user = create_user(
                    db,
                    email=form["email"],
                    name=form["name"],
                    password=password,
                    now=issuer().clock(),
                )
                user_id = user.id
        except InvalidRequestError as exc:
            errors[(exc.path or "$.form").removeprefix("$.")] = str(exc)
        except ConflictError as exc:
            errors["email"] = str(exc)
        else:
            _sign_in(user_id)
            flash("Welcome to Vouch. Pick a milestone to start.")
            return redirect(url_for("app_pages.dashboard"))
    return render_template("app/signup.html", errors=errors, form=form), (422 if errors else 200)


def _sign_in(user_id: int) -> None:
    session.clear()  # a fresh session on sign-in (no fixation)
    session["user_id"] = user_id


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")
        with issuer().db.read() as db:
            user = authenticate(db, email, request.form.get("password", ""))
            user_id = user.id if user else None
        if user_id is None:
            error = "Email or password is wrong."
        else:
            _sign_in(user_id)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("app/login.html", error=error, email=email), (401 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@requires()
def account_page() -> Any:
    me = account()
    assert me is not None
    new_token = None
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        with issuer().db.write() as db:
            if action == "create-token":
                try:
                    new_token, _ = create_token(
                        db, me.id, request.form.get("name", ""), issuer().clock()
                    )
                except InvalidRequestError as exc:
                    error = str(exc)
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
        if new_token is None and error is None:
            return redirect(url_for("accounts.account_page"))
    return render_template(
        "app/account.html", tokens=issuer().tokens_of(me.id), new_token=new_token, error=error,
        public=me.portfolio_public, portfolio_url=issuer().portfolio_url(me.handle),
    )  # fmt: skip
