"""``vouch reissue``: the one way back after a revocation (revocation is final otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from issuer.cli.output import emit_json
from issuer.cli.service import _setup_logging, issuer_errors, ready_issuer


def _reason(reason: str) -> str:
    if not reason.strip():
        raise click.BadParameter("must not be empty", param_hint="--reason")
    return reason.strip()


@click.command("reissue")
@click.argument("credential_id", metavar="CREDENTIAL_ID")
@click.option("--reason", required=True, help="Why the revoked credential is issued again.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who re-issues.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def reissue_command(credential_id: str, reason: str, actor: str, as_json: bool) -> None:
    """Issue a revoked credential again: a fresh credential for the same achievement, signed
    with the current key, recorded with who, when and why.

    Revocation is final: no sign-off, re-submission or bulk run issues that learner that
    milestone again; only this does. Running it twice answers the same new credential.
    Exit status: 0 re-issued (or already), 1 unknown id, a live credential, or another live
    credential for the milestone.
    """
    _setup_logging()
    reason = _reason(reason)
    with issuer_errors(as_json):
        service = ready_issuer()
        record, created = service.reissue(credential_id, reason, actor=actor)
    if as_json:
        emit_json({"id": record.id, "reissue_of": record.reissue_of, "created": created,
                   "verify_url": service.verify_url(record.id), "jwt": record.jwt})  # fmt: skip
        return
    click.echo(f"{'reissued' if created else 'already reissued'}: {record.id}")
    click.echo(f"replaces: {record.reissue_of}")
    click.echo(f"verify:   {service.verify_url(record.id)}")


COMMANDS: list[Callable[..., Any]] = [reissue_command]
