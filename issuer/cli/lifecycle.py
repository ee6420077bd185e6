"""``vouch reissue`` (the one way back after a revocation, which is final otherwise) and the
withdrawal of a compromised key: ``vouch keys withdraw|credentials|reissue``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from issuer.cli.output import emit_json
from issuer.cli.service import _setup_logging, issuer_errors, keys_group, ready_issuer
from issuer.service import Issuer


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


# -- withdrawing a compromised key (``vouch keys withdraw|credentials|reissue``) --------------


@keys_group.command("withdraw")
@click.argument("kid", metavar="KID")
@click.option("--reason", required=True, help="Why (recorded): e.g. how it was compromised.")
@click.option("--by", "actor", default="cli", show_default=True, help="Who withdraws it.")
@click.option("--reissue", is_flag=True,
              help="Then re-issue what it signed under the current key (as `vouch keys "
                   "reissue KID`).")  # fmt: skip
def keys_withdraw(kid: str, reason: str, actor: str, reissue: bool) -> None:
    """Withdraw the compromised key KID (unlike rotation, which retires a healthy key).

    If KID signs now, a new current key is made first. KID leaves the DID document and the
    JWKS, so every credential it signed, and anything anyone signs with it, fails
    verification; its private key file is destroyed; the status lists it signed are signed
    again with the current key. Safe to repeat. Exit status: 0 withdrawn, 1 unknown key or
    key-store failure.
    """
    _setup_logging()
    reason = _reason(reason)
    with issuer_errors():
        service = ready_issuer()
        summary = service.withdraw_key(kid, reason, actor=actor)
    click.echo(f"withdrawn: {summary['key']} ({summary['reason']})")
    if summary["rotated"]:
        click.echo(f"new current key: {summary['current']}")
    click.echo(f"status lists signed again: {summary['status_lists_resigned']}")
    click.echo(f"credentials it signed: {summary['credentials']}, of which live (no longer "
               f"verifying): {summary['live']}")  # fmt: skip
    if reissue:
        _reissue(service, summary["key"], actor)
    elif summary["live"]:
        click.echo(f"re-issue them under the current key: vouch keys reissue {summary['key']}")


@keys_group.command("credentials")
@click.argument("kid", metavar="KID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def keys_credentials(kid: str, as_json: bool) -> None:
    """Every credential KID signed, revoked ones included (exit 1: unknown key)."""
    with issuer_errors(as_json):
        service = ready_issuer()
        records = service.credentials_signed_by(kid)
    rows = [
        {
            "id": r.id,
            "milestone": r.milestone_id,
            "learner": r.learner_id,
            "issued_at": r.issued_at.isoformat(timespec="seconds"),
            "revoked_at": r.revoked_at.isoformat(timespec="seconds") if r.revoked_at else None,
            "revocation_reason": r.revocation_reason,
        }
        for r in records
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        state = (
            f"revoked {row['revoked_at']}: {row['revocation_reason']}"
            if row["revoked_at"]
            else "live"
        )
        click.echo(f"{row['id']}  {row['milestone']:<28} issued {row['issued_at']}  {state}")
    click.echo(f"{len(rows)} credential{'' if len(rows) == 1 else 's'}")


@keys_group.command("reissue")
@click.argument("kid", metavar="KID")
@click.option("--by", "actor", default="cli", show_default=True, help="Who re-issues.")
def keys_reissue(kid: str, actor: str) -> None:
    """Re-issue under the current key every live credential the withdrawn key KID signed, and
    revoke each old one ("key withdrawn: <reason>").

    One transaction per credential; resumable and idempotent (run it again after an
    interruption). Exit status: 0 done, 1 unknown or not withdrawn key, or a failure.
    """
    _setup_logging()
    with issuer_errors():
        _reissue(ready_issuer(), kid, actor)


def _reissue(service: Issuer, kid: str, actor: str) -> None:
    with issuer_errors():
        key = service.keys.key(kid)
        todo = service.key_counts().get(key.key_id, (0, 0))[1]
        with click.progressbar(length=todo, label="re-issuing", file=sys.stderr) as bar:
            done = service.reissue_key(kid, actor=actor, progress=bar.update)
    click.echo(f"re-issued: {done['reissued']}, already done: {done['skipped']}")
