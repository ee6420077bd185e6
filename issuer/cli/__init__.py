"""The ``vouch`` command line: one module a command group, assembled here."""

from __future__ import annotations

import click

from issuer.cli import artefacts, criteria, issuing, keys, setup, users, verify


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vouch")
def main() -> None:
    """Vouch: verifiable Open Badges 3.0 credentials for system-design milestones."""


for module in (criteria, setup, issuing, keys, artefacts, verify, users):
    for command in module.COMMANDS:
        main.add_command(command)
