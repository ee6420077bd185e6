"""``vouch verify``: any artefact, checked as a stranger would, with this deployment's trust."""

from __future__ import annotations

import click

from issuer.cli.common import issuer_errors
from issuer.cli.output import emit_json, json_option, read_input
from issuer.config import Settings


@click.command("verify")
@click.argument("artefact")
@json_option("Print the result as JSON.")
@click.option("--email", default=None, help="Also check the credential was awarded to this email.")
def verify_command(artefact: str, as_json: bool, email: str | None) -> None:
    """Verify ARTEFACT: a JWT (string or file), credential JSON, PDF, baked PNG/SVG or verify URL.

    Exit status: 0 verified (every check passed and the issuer is trusted), 1 not verified,
    2 unreadable, 3 unknown (key or status list could not be fetched), 4 genuine but from an
    issuer this deployment does not trust (VOUCH_TRUSTED_ISSUERS, VOUCH_TRUST_LISTS).
    """
    from pathlib import Path

    from issuer.verification import network_fetcher, verifier_options
    from verifier import MAX_ARTEFACT_BYTES, State, Verifier

    with issuer_errors(as_json):
        settings = Settings.load()
    verifier = Verifier(network_fetcher(settings), verifier_options(settings))
    try:
        is_file = artefact == "-" or Path(artefact).is_file()
    except (OSError, ValueError):  # a token is no file name (too long, NUL, …)
        is_file = False
    data = read_input(artefact, MAX_ARTEFACT_BYTES, as_json=as_json) if is_file else artefact
    result = verifier.verify(data, recipient_email=email)
    if as_json:
        emit_json(result.to_dict())
    else:
        headline = result.headline
        click.echo(f"{result.state.value.upper()}: {headline.title}")
        click.echo(f"  {headline.summary}")
        for check in result.checks:
            click.echo(f"  {check.status.value:<7} {check.check}: {check.detail}")
    codes = {State.VERIFIED: 0, State.NOT_VERIFIED: 1, State.UNREADABLE: 2, State.UNKNOWN: 3,
             State.UNTRUSTED: 4}  # fmt: skip
    raise SystemExit(codes[result.state])


COMMANDS: list[click.Command] = [verify_command]
