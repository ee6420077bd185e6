"""Rate limits (Flask-Limiter): per client address on the routes worth abusing, and a
per-account backoff on failed sign-ins.

Counters live in ``VOUCH_RATELIMIT_STORAGE_URL``: ``memory://`` counts in one process (the
development server), ``redis://`` is shared by every worker, which production needs (several
gunicorn workers with ``memory://`` would each allow the full limit; the app refuses to start).
Limits are ``limits`` strings (``"10 per minute; 100 per hour"``), one setting per group.

A refused request is 429 with ``Retry-After``: JSON for the API, a page for forms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse_many
from werkzeug.wrappers import Response

from issuer.config import Settings
from issuer.errors import ConfigurationError
from issuer.web.errors import error_response, wants_json

#: The per-address limit of each route (``endpoint: (setting, methods)``). Only what changes
#: state or costs real work is limited; reading pages is not.
ROUTE_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "accounts.login": ("ratelimit_login", ("POST",)),
    "accounts.signup": ("ratelimit_signup", ("POST",)),
    "identity.forgot_password": ("ratelimit_password_reset", ("POST",)),
    "identity.set_password": ("ratelimit_password_reset", ("POST",)),
    "identity.resend_confirmation": ("ratelimit_password_reset", ("POST",)),
    "api.resend_confirmation": ("ratelimit_password_reset", ("POST",)),
    "api.new_token": ("ratelimit_tokens", ("POST",)),
    "accounts.account_page": ("ratelimit_tokens", ("POST",)),
    "verifier.verify_api": ("ratelimit_verify", ("POST",)),
    "verifier.verify_page": ("ratelimit_verify", ("POST",)),
}
#: The device cookie: proof that this browser signed in to an account before.
DEVICE_COOKIE = "vouch_device"
DEVICE_DAYS = 365


def check_limits(settings: Settings) -> None:
    """Every limit setting must parse; production needs a shared store."""
    for name in (*{setting for setting, _ in ROUTE_LIMITS.values()}, "login_failures"):
        value = getattr(settings, name)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigurationError(
                f"VOUCH_{name.upper()}: not a rate limit ({value!r}; e.g. '10 per minute')"
            ) from None
    if settings.production and settings.ratelimit_storage_url.startswith("memory://"):
        raise ConfigurationError(
            "production needs VOUCH_RATELIMIT_STORAGE_URL (a shared store such as "
            "redis://host:6379): memory:// counts per worker process, so every worker would "
            "allow the full limit"
        )


def _too_many(exc: RateLimitExceeded) -> Any:
    """429, with the Retry-After Flask-Limiter adds to the response."""
    message = "too many requests: wait a little and try again"
    if not wants_json():
        page = render_template("app/error.html", status=429, message=message.capitalize() + ".")
        return page, 429
    return error_response(429, "too_many_requests", message)


@dataclass
class LoginBackoff:
    """Failed sign-ins counted per account (its email), whatever address they come from.

    After ``limits`` are used up the account's sign-in waits until the window passes (a 429
    naming the time), even with the right password: guessing gets nowhere, rotating addresses
    does not help. It is not a lock-out tool: the wait ends by itself, and a browser that has
    signed in to the account before carries a signed device cookie that skips the backoff
    (OWASP's "device cookie"), so the owner still gets in while someone guesses.
    """

    limiter: Limiter
    items: list[RateLimitItem]
    serializer: URLSafeSerializer

    @staticmethod
    def _key(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    def _known_device(self, email: str) -> bool:
        cookie = request.cookies.get(DEVICE_COOKIE)
        if not cookie:
            return False
        try:
            return bool(self.serializer.loads(cookie) == self._key(email))
        except BadSignature:
            return False

    def wait(self, email: str) -> int:
        """Seconds this account must wait before a sign-in is tried (0: go ahead)."""
        if self._known_device(email):
            return 0
        key, strategy = self._key(email), self.limiter.limiter
        waits = [
            strategy.get_window_stats(item, "login-failures", key).reset_time - time.time()
            for item in self.items
            if not strategy.test(item, "login-failures", key)
        ]
        return max(1, math.ceil(max(waits))) if waits else 0

    def failed(self, email: str) -> None:
        if not self._known_device(email):
            for item in self.items:
                self.limiter.limiter.hit(item, "login-failures", self._key(email))

    def remember(self, response: Response, email: str, *, secure: bool) -> None:
        """After a successful sign-in: this browser knows the account from now on."""
        response.set_cookie(
            DEVICE_COOKIE, self.serializer.dumps(self._key(email)),
            max_age=int(dt.timedelta(days=DEVICE_DAYS).total_seconds()), httponly=True,
            samesite="Lax", secure=secure,
        )  # fmt: skip


def backoff() -> LoginBackoff:
    found: LoginBackoff = current_app.extensions["vouch.login_backoff"]
    return found


def init_app(app: Flask, settings: Settings) -> Limiter:
    """The limiter, with each route's limit attached by endpoint (blueprints stay unaware)."""
    check_limits(settings)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.ratelimit_storage_url,
        strategy="moving-window",
        headers_enabled=True,
        key_prefix="vouch",
    )
    for endpoint, (setting, methods) in ROUTE_LIMITS.items():
        view: Callable[..., Any] | None = app.view_functions.get(endpoint)
        if view is not None:  # the wrapper checks the limit (Flask-Limiter's decorator)
            limit = limiter.limit(getattr(settings, setting), methods=list(methods))
            app.view_functions[endpoint] = limit(view)
    app.register_error_handler(RateLimitExceeded, _too_many)
    app.extensions["vouch.login_backoff"] = LoginBackoff(
        limiter,
        parse_many(settings.login_failures),
        URLSafeSerializer(app.config["SECRET_KEY"], salt="vouch.device"),
    )
    return limiter
