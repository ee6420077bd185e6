"""Vouch's issuer: keys, credentials, persistence, certificates, the web app and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from criteria import load_catalogue
from issuer.config import Settings
from issuer.db import Database
from issuer.keystore import KeyStore
from issuer.service import Issuer


def build(
    overrides: Mapping[str, Any] | None = None, *, settings: Settings | None = None
) -> Issuer:
    """The issuer service for the given settings (environment, then ``overrides``)."""
    settings = settings or Settings.load(overrides)
    return Issuer(
        settings,
        Database(settings.resolved_database_url),
        KeyStore(settings.keys_dir, settings.key_passphrase, production=settings.production),
        load_catalogue(),
    )
