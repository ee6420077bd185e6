"""Who is asking: session login for pages (with CSRF), bearer tokens for the JSON API."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for

from issuer.accounts import Account, TokenGrant, find_token, mark_token_used
from issuer.sessions import session_user
from issuer.web.public import issuer

F = TypeVar("F", bound=Callable[..., Any])
#: The session cookie's entry holding the server-side session's key (see issuer.sessions).
SESSION_KEY = "sid"


def secret_key(instance_path: Path, configured: str | None) -> str:
    """VOUCH_SECRET_KEY, or (development) a random key kept in the instance folder."""
    if configured:
        return configured
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def is_api() -> bool:
    return request.path.startswith("/api/")


def _load_account() -> None:
    """Bearer token for the API, session cookie for pages; never both.

    One read either way (the account comes with its token or session row); a token request
    writes only to record ``last_used_at``, at most once an hour per token.
    """
    g.account = None
    g.token = None
    service = issuer()
    now = service.clock()
    if is_api():
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return
        with service.db.read() as db:
            found = find_token(db, header[7:].strip())
            if found is None:
                return
            user, grant = found
            current = Account.of(user)
        if grant.expired(now):
            stamp = grant.expires_at.isoformat(timespec="seconds")
            g.auth_error = f"this token expired at {stamp}; make a new one on the account page"
            return
        g.account, g.token = current, grant
        if grant.stale(now):
            with service.db.write() as db:
                mark_token_used(db, grant, now)
        return
    key = session.get(SESSION_KEY)
    if key is not None:
        with service.db.read() as db:
            known = session_user(db, key, now)
            g.account = Account.of(known) if known else None


def account() -> Account | None:
    current: Account | None = g.get("account")
    return current


def current_account() -> Account:
    """The signed-in account, for views behind :func:`requires` (which has already turned
    anonymous visitors away); anywhere else, a request without one is answered 401."""
    current = account()
    if current is None:
        abort(401, "sign in first")
    return current


def token_grant() -> TokenGrant | None:
    """The scopes and expiry of the bearer token this request came with (None: no token)."""
    grant: TokenGrant | None = g.get("token")
    return grant


def scoped(scope: str | None) -> Callable[[F], F]:
    """Declare the token scope an API route needs; a token without it gets 403.

    ``None`` declares that any valid token will do (managing one's own tokens: a new token is
    never wider than the one that makes it). Every API route declares one (a test checks).
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            grant = token_grant()
            if scope is not None and grant is not None and scope not in grant.scopes:
                abort(403, f"this token lacks the {scope} scope")
            return view(*args, **kwargs)

        wrapper.token_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def init_app(app: Flask) -> None:
    app.before_request(_load_account)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"account": account()}


def requires(*roles: str) -> Callable[[F], F]:
    """Only signed-in users holding one of ``roles`` (any account when none are named).

    Pages send anonymous visitors to the login page; the API answers 401. A signed-in user
    without the role gets 403.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            current = account()
            if current is None:
                if is_api():
                    abort(401, g.get("auth_error") or "a valid bearer token is required")
                return redirect(url_for("accounts.login", next=request.path))
            if roles and not current.has(*roles):
                abort(403, f"this needs the {' or '.join(roles)} role")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
