"""Who is asking: session login for pages (with CSRF), bearer tokens for the JSON API."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, session, url_for

from issuer.accounts import Account, user_for_token
from issuer.db.models import User
from issuer.web.public import issuer

F = TypeVar("F", bound=Callable[..., Any])


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
    """Bearer token for the API, session cookie for pages; never both."""
    g.account = None
    service = issuer()
    if is_api():
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            with service.db.write() as db:
                user = user_for_token(db, header[7:].strip(), service.clock())
                g.account = Account.of(user) if user else None
        return
    user_id = session.get("user_id")
    if isinstance(user_id, int):
        with service.db.read() as db:
            user = db.get(User, user_id)
            g.account = Account.of(user) if user else None


def account() -> Account | None:
    return g.get("account")


def init_app(app: Flask) -> None:
    app.before_request(_load_account)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"account": account()}


def requires(*roles: str) -> Callable[[F], F]:
    """Only signed-in users with one of ``roles`` (any role when none are named).

    Pages send anonymous visitors to the login page; the API answers 401. A signed-in user
    without the role gets 403.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            current = account()
            if current is None:
                if is_api():
                    abort(401, "a valid bearer token is required")
                return redirect(url_for("accounts.login", next=request.path))
            if roles and current.role not in roles:
                abort(403, f"this needs the {' or '.join(roles)} role")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
