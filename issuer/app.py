"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError

from issuer import build
from issuer.config import Settings
from issuer.mail import mailer_for
from issuer.service import Issuer
from issuer.verification import local_verifier
from issuer.web import (
    accounts,
    api,
    app_pages,
    auth,
    credentials,
    errors,
    hardening,
    identity,
    openapi,
    ops,
    pages,
    public,
    ratelimit,
)
from templates import TEMPLATES_DIR
from verifier import web as verifier_web


class DatabaseId(IntegerConverter):
    """A row id in a URL: at most 10 digits and at most ``MAX_ROW_ID`` (else 404), the largest
    integer primary key on both databases: PostgreSQL's integer is 32-bit, and a larger id in
    a query was a DataError (a 500) there."""

    regex = r"\d{1,10}"

    def to_python(self, value: str) -> int:
        number: int = super().to_python(value)
        if number > MAX_ROW_ID:
            raise ValidationError()
        return number


MAX_ROW_ID = 2**31 - 1


#: Largest request body accepted anywhere (bundles are far smaller).
MAX_CONTENT_LENGTH = 2 * 1024 * 1024


def create_app(
    overrides: Mapping[str, Any] | None = None, *, issuer: Issuer | None = None
) -> Flask:
    """Build the web app: settings from the environment, then ``overrides`` (tests)."""
    if issuer is None:
        settings = Settings.load(overrides)
        settings.check()
        issuer = build(settings=settings)
    app = Flask(
        __name__,
        instance_path=str(issuer.settings.instance_path.resolve()),
        template_folder=str(TEMPLATES_DIR),
    )
    app.request_class = verifier_web.BoundedRequest  # JSON bodies: nesting bounded
    settings = issuer.settings
    if settings.proxy_hops:  # the client's address and scheme, as the proxies saw them
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        SECRET_KEY=auth.secret_key(settings.instance_path, settings.secret_key),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session
    )
    app.url_map.converters["dbid"] = DatabaseId
    app.extensions["vouch"] = issuer
    app.extensions["vouch.verifier"] = local_verifier(issuer)
    app.extensions["vouch.mailer"] = mailer_for(settings)
    csrf = CSRFProtect(app)
    errors.init_app(app)
    hardening.init_app(app, public_url=settings.public_url, production=settings.production)
    auth.init_app(app)
    for blueprint in (public.bp, credentials.bp, api.bp, verifier_web.bp, openapi.bp):
        csrf.exempt(blueprint)  # bearer tokens or no authentication: no cookie to forge
    app.register_blueprint(verifier_web.bp)
    for blueprint in (
        public.bp,
        credentials.bp,
        api.bp,
        openapi.bp,
        pages.bp,
        accounts.bp,
        identity.bp,
        app_pages.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(ops.bp)
    ratelimit.init_app(app, settings)  # after the blueprints: limits attach to their endpoints
    return app
