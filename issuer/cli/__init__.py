"""The ``vouch`` command line."""

from __future__ import annotations

import click

from issuer.cli import lifecycle
from issuer.cli.criteria import criteria_group
from issuer.cli.service import COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vouch")
def main() -> None:
    """Vouch: verifiable Open Badges 3.0 credentials for system-design milestones."""


main.add_command(criteria_group)
for command in COMMANDS + lifecycle.COMMANDS:
    main.add_command(command)  # type: ignore[arg-type]
