"""Settings: defaults, then the environment (``VOUCH_*``), then an explicit mapping (tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from issuer.errors import ConfigurationError
from verifier import TrustList, TrustListError


def _whole(environ: Mapping[str, str], name: str, default: int, *, least: int, unit: str) -> int:
    """A whole number from the environment variable ``name``, at least ``least``; anything
    else is a configuration error naming the variable."""
    value = environ.get(name)
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or int(value) < least:
        raise ConfigurationError(f"{name}: a whole number of {unit}, not {value!r}")
    return int(value)


#: Settings that are rate limits, each from ``VOUCH_`` + its name in capitals.
RATE_LIMIT_SETTINGS = (
    "ratelimit_storage_url",
    "ratelimit_login",
    "ratelimit_signup",
    "ratelimit_password_reset",
    "ratelimit_tokens",
    "ratelimit_verify",
    "login_failures",
)


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    instance_path: Path = Path("instance")
    database_url: str | None = None
    keys_dir: Path = Path("keys")
    public_url: str = "http://127.0.0.1:5000"
    issuer_name: str = "Vouch Demo Issuer"
    key_passphrase: str | None = field(default=None, repr=False)
    #: Extra issuers the verifier trusts (``VOUCH_TRUSTED_ISSUERS``: DIDs, base URLs or
    #: domains; ``VOUCH_TRUST_LISTS``: files); this issuer is always trusted.
    trust: TrustList = field(default_factory=TrustList)
    #: Signs session cookies; from VOUCH_SECRET_KEY, else a generated file in the instance folder.
    secret_key: str | None = field(default=None, repr=False)
    #: Bearer token for admin API calls until accounts exist (issue 6); compared in constant time.
    admin_token: str | None = field(default=None, repr=False)
    #: Lets a scraper read ``/metrics`` (``Authorization: Bearer …``; an admin's token with
    #: the admin scope also does); compared in constant time.
    metrics_token: str | None = field(default=None, repr=False)
    #: The longest lifetime an API token may be given, in days.
    token_max_days: int = 365
    #: How many reverse proxies stand in front of the app and set ``X-Forwarded-For`` and
    #: ``X-Forwarded-Proto``: their values are believed only from that many hops (Werkzeug's
    #: ProxyFix). 0, the default, ignores them, so a client cannot choose its own address.
    proxy_hops: int = 0
    #: Where rate-limit counters live: ``memory://`` (one process), ``redis://host:port``
    #: (shared by every worker: production needs one).
    ratelimit_storage_url: str = "memory://"
    #: Requests per client address (``limits`` notation, ``;`` between several).
    ratelimit_login: str = "10 per minute; 100 per hour"
    ratelimit_signup: str = "5 per minute; 20 per hour"
    ratelimit_password_reset: str = "5 per minute; 20 per hour"  # noqa: S105 - not a secret
    ratelimit_tokens: str = "10 per minute; 50 per hour"
    ratelimit_verify: str = "60 per minute"
    #: Failed sign-ins per account (by email, whatever the address) before it waits.
    login_failures: str = "5 per 15 minutes"
    #: Outgoing mail server (``smtp://``, ``smtps://``, ``smtp+plain://``; see issuer/mail.py);
    #: without one, mail is written to the outbox folder in the instance folder (development).
    smtp_url: str | None = field(default=None, repr=False)
    #: The From of every message; default ``Vouch <noreply@`` the public URL's host ``>``.
    mail_from: str | None = None

    @property
    def production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        """Refuse unsafe settings in production (DESIGN.md: ``VOUCH_ENV``)."""
        if self.env not in ("development", "production"):
            raise ConfigurationError(
                f"VOUCH_ENV must be development or production, not {self.env!r}"
            )
        if self.smtp_url is not None:
            from issuer.mail import SmtpUrl

            smtp = SmtpUrl.parse(self.smtp_url)  # a malformed URL fails at start, not at sign-up
            if self.production and smtp.scheme == "smtp+plain" and not smtp.loopback:
                raise ConfigurationError(
                    "production refuses smtp+plain:// to another machine (use smtp:// or smtps://)"
                )
        if not self.production:
            return
        if not self.key_passphrase:
            raise ConfigurationError("production needs VOUCH_KEY_PASSPHRASE (keys are encrypted)")
        if not self.secret_key:
            raise ConfigurationError("production needs VOUCH_SECRET_KEY (signs session cookies)")
        if not self.public_url.startswith("https://"):
            raise ConfigurationError(
                f"production needs an https VOUCH_PUBLIC_URL, not {self.public_url}"
            )
        if not self.smtp_url:
            raise ConfigurationError(
                "production needs VOUCH_SMTP_URL (addresses are confirmed and passwords reset by "
                "mail; the outbox folder is for development)"
            )

    @property
    def outbox_path(self) -> Path:
        """Where mail goes without ``VOUCH_SMTP_URL`` (development)."""
        return self.instance_path / "outbox"

    @property
    def sender(self) -> str:
        """``VOUCH_MAIL_FROM``, or noreply at the public URL's host."""
        if self.mail_from:
            return self.mail_from
        host = urlsplit(self.public_url).hostname or "localhost"
        return f"Vouch <noreply@{host}>"

    @property
    def resolved_database_url(self) -> str:
        """``VOUCH_DATABASE_URL``, or the SQLite file in the instance folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path.resolve() / 'vouch.sqlite3'}"

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        environ = os.environ
        settings = cls(
            env=environ.get("VOUCH_ENV", cls.env),
            instance_path=Path(environ.get("VOUCH_INSTANCE_PATH", cls.instance_path)),
            database_url=environ.get("VOUCH_DATABASE_URL") or None,
            keys_dir=Path(environ.get("VOUCH_KEYS_DIR", cls.keys_dir)),
            public_url=environ.get("VOUCH_PUBLIC_URL", cls.public_url).rstrip("/"),
            issuer_name=environ.get("VOUCH_ISSUER_NAME", cls.issuer_name),
            key_passphrase=environ.get("VOUCH_KEY_PASSPHRASE") or None,
            admin_token=environ.get("VOUCH_ADMIN_TOKEN") or None,
            secret_key=environ.get("VOUCH_SECRET_KEY") or None,
            metrics_token=environ.get("VOUCH_METRICS_TOKEN") or None,
            token_max_days=_whole(
                environ, "VOUCH_TOKEN_MAX_DAYS", cls.token_max_days, least=1, unit="days"
            ),
            proxy_hops=_whole(environ, "VOUCH_PROXY_HOPS", cls.proxy_hops, least=0, unit="proxies"),
            **{
                name: environ.get(f"VOUCH_{name.upper()}", getattr(cls, name))
                for name in RATE_LIMIT_SETTINGS
            },
            smtp_url=environ.get("VOUCH_SMTP_URL") or None,
            mail_from=environ.get("VOUCH_MAIL_FROM") or None,
            trust=trust_from_env(environ),
        )
        return replace(settings, **overrides) if overrides else settings


def trust_from_env(environ: Mapping[str, str]) -> TrustList:
    """``VOUCH_TRUSTED_ISSUERS`` then the files of ``VOUCH_TRUST_LISTS``; a bad entry or file
    is a configuration error naming it."""
    try:
        return TrustList.from_setting(
            environ.get("VOUCH_TRUSTED_ISSUERS", "")
        ) + TrustList.from_files(environ.get("VOUCH_TRUST_LISTS", ""))
    except TrustListError as exc:
        raise ConfigurationError(f"trust list: {exc}") from None
