"""``vouch init`` and ``vouch serve``."""

from __future__ import annotations

import click

from criteria import load_catalogue
from issuer.config import Settings


@click.command("init")
def init_command() -> None:
    """Prepare the instance folder and check the milestone rules. Safe to re-run."""
    settings = Settings.load()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    catalogue = load_catalogue()
    click.echo(f"instance: {settings.instance_path.resolve()}")
    click.echo(f"milestones: {len(catalogue)} rule files checked")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Run the web app."""
    from issuer.app import create_app

    create_app().run(host=host, port=port)
