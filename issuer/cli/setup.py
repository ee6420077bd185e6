"""``vouch init`` and ``vouch serve``: making an instance and running its web app."""

from __future__ import annotations

import click

from issuer import build
from issuer.cli.common import issuer_errors, ready_issuer, setup_logging
from issuer.config import Settings
from issuer.keystore import ALGORITHMS, DEFAULT_ALGORITHM


@click.command("init")
@click.option("--alg", type=click.Choice(ALGORITHMS), default=DEFAULT_ALGORITHM,
              show_default=True, help="Signing algorithm of a new key store.")  # fmt: skip
def init_command(alg: str) -> None:
    """Create the database, the issuer's keys and certificate, and load the milestone rules.

    Safe to re-run: existing keys are checked (the passphrase must open them), never replaced.
    """
    setup_logging()
    with issuer_errors():
        settings = Settings.load()
        settings.check()
        settings.instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.instance_path.chmod(0o700)  # sessions' key, the SQLite file, certificates
        issuer = build(settings=settings)
        key = issuer.keys.init(settings.issuer_name, alg)
        issuer.db.upgrade()
        issuer.sync()
        click.echo(f"instance:   {settings.instance_path.resolve()}")
        click.echo(f"database:   {issuer.db.engine.url.render_as_string(hide_password=True)}")
        click.echo(
            f"key store:  {settings.keys_dir.resolve()} (signing key {key.key_id}, {key.alg})"
        )
        click.echo(f"issuer:     {issuer.did}")
        click.echo(f"milestones: {len(issuer.catalogue)} rule files loaded")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run the web app (development server; use gunicorn in production)."""
    from issuer.app import create_app

    setup_logging()
    with issuer_errors():
        app = create_app(issuer=ready_issuer())
    app.run(host=host, port=port)


COMMANDS: list[click.Command] = [init_command, serve_command]
