"""What the commands that work on the issuer share: a ready issuer, its errors, logging."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from issuer import build
from issuer.cli.output import EXIT_FAILURE, F, fail
from issuer.config import Settings
from issuer.errors import IssuerError
from issuer.service import Issuer


@contextmanager
def issuer_errors(as_json: bool = False) -> Iterator[None]:
    """Turn the issuer's expected errors into a message and an exit code, never a traceback."""
    try:
        yield
    except IssuerError as exc:
        fail(str(exc), EXIT_FAILURE, as_json=as_json, error_code=exc.code)


def ready_issuer() -> Issuer:
    """The issuer of this environment's settings, once ``vouch init`` has made its keys."""
    settings = Settings.load()
    settings.check()
    issuer = build(settings=settings)
    if not issuer.keys.exists():
        raise IssuerError(f"no key store at {settings.keys_dir}: run `vouch init` first")
    return issuer


def setup_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def actor_option(help: str) -> Callable[[F], F]:
    """``--by`` (parameter ``actor``): who does it, recorded; ``cli`` unless told."""
    return click.option("--by", "actor", default="cli", show_default=True, help=help)


def required_reason(reason: str) -> str:
    """``--reason`` without its surrounding blanks; an empty one is a usage error."""
    if not reason.strip():
        raise click.BadParameter("must not be empty", param_hint="--reason")
    return reason.strip()
