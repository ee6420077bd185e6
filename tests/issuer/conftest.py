"""Issuer fixtures: a key store, a database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from criteria import load_catalogue
from issuer.config import Settings
from issuer.db import Database
from issuer.keystore import KeyStore
from issuer.service import Issuer

POSTGRES_URL = os.environ.get("VOUCH_TEST_POSTGRES_URL")
PASSPHRASE = "correct horse battery staple"
PUBLIC_URL = "https://vouch.test"


def _backends() -> list:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason="VOUCH_TEST_POSTGRES_URL is not set (CI sets it)"
            ),
        ),
    ]


@pytest.fixture(params=_backends())
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vouch.sqlite3'}"
        return
    schema = f"vouch_test_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def make_issuer(tmp_path, database_url) -> Iterator[Callable[..., Issuer]]:
    """Build issuers sharing one database and key store (a "restart" is a new issuer)."""
    built: list[Issuer] = []

    def make(alg: str = "ES256", **overrides) -> Issuer:
        defaults = {
            "instance_path": tmp_path / "instance",
            "database_url": database_url,
            "keys_dir": tmp_path / "keys",
            "public_url": PUBLIC_URL,
            "issuer_name": "Vouch Test Issuer",
            "key_passphrase": PASSPHRASE,
            "admin_token": "admin-secret-token",
        }
        settings = Settings(**(defaults | overrides))
        keys = KeyStore(settings.keys_dir, settings.key_passphrase)
        keys.init(settings.issuer_name, alg)
        issuer = Issuer(settings, Database(database_url), keys, load_catalogue())
        issuer.db.upgrade()
        issuer.sync()
        built.append(issuer)
        return issuer

    yield make
    for issuer in built:
        issuer.db.dispose()


@pytest.fixture
def issuer(make_issuer) -> Issuer:
    return make_issuer()


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def initialised_vouch(root: Path, passphrase: str) -> Callable[..., Any]:
    """The real CLI on a fresh instance under ``root`` (``vouch init`` done), as a function
    of its arguments; the environment names only this instance."""
    from issuer.cli import main

    env = {
        "VOUCH_INSTANCE_PATH": str(root / "instance"),
        "VOUCH_KEYS_DIR": str(root / "keys"),
        "VOUCH_KEY_PASSPHRASE": passphrase,
        "VOUCH_PUBLIC_URL": PUBLIC_URL,
        "VOUCH_ENV": None,
        "VOUCH_DATABASE_URL": None,
        "VOUCH_ISSUER_NAME": None,
        "VOUCH_ADMIN_TOKEN": None,
    }
    runner = CliRunner()

    def vouch(*args):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    assert vouch("init").exit_code == 0
    return vouch


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """``vouch init`` and one ``vouch issue`` in a fresh instance, through the real CLI."""
    root = tmp_path_factory.mktemp("cli")
    vouch = initialised_vouch(root, "cli-passphrase-7f3a9c2e")
    issued = vouch("issue", str(EXAMPLES / "foundation-mastery.json"))
    assert issued.exit_code == 0, issued.output
    credential_id = re.search(r"issued: (urn:uuid:[0-9a-f-]{36})", issued.output).group(1)
    token = re.search(r"^jwt: +(\S+)$", issued.output, re.M).group(1)
    return SimpleNamespace(vouch=vouch, root=root, credential_id=credential_id, jwt=token)
