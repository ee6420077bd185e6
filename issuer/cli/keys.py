"""``vouch keys``: the signing keys. Rotation retires a healthy key; withdrawal takes a
compromised one out of use, and ``reissue`` signs again what it signed."""

from __future__ import annotations

import sys

import click

from issuer.cli.common import (
    actor_option,
    issuer_errors,
    ready_issuer,
    required_reason,
    setup_logging,
)
from issuer.cli.output import emit_json, json_option
from issuer.keystore import ALGORITHMS
from issuer.service import Issuer


@click.group("keys")
def keys_group() -> None:
    """The issuer's signing keys."""


@keys_group.command("list")
@json_option()
def keys_list(as_json: bool) -> None:
    """Every key: current, retired (still published) or withdrawn (unpublished), with how many
    credentials each signed and how many of those are live."""
    with issuer_errors(as_json):
        issuer = ready_issuer()
        ring = issuer.keys.ring()
        counts = issuer.key_counts()
    if as_json:
        emit_json([{"kid": f"{issuer.did}#{k.key_id}", "alg": k.alg, "created": k.created,
                    "retired": k.retired, "withdrawn": k.withdrawn, "state": k.state,
                    "current": k.current, "credentials": counts.get(k.key_id, (0, 0))[0],
                    "live": counts.get(k.key_id, (0, 0))[1]} for k in ring])  # fmt: skip
        return
    for k in ring:
        state = {"current": "current", "retired": f"retired {k.retired}",
                 "withdrawn": f"WITHDRAWN {k.withdrawn}"}[k.state]  # fmt: skip
        total, live = counts.get(k.key_id, (0, 0))
        click.echo(f"{k.key_id}  {k.alg:<6} created {k.created}  {state}  "
                   f"{total} credentials ({live} live)")  # fmt: skip


@keys_group.command("rotate")
@click.option("--alg", type=click.Choice(ALGORITHMS), default=None,
              help="Algorithm of the new key (default: the current key's).")  # fmt: skip
def keys_rotate(alg: str | None) -> None:
    """Make a new signing key current; old keys stay published so old credentials verify."""
    setup_logging()
    with issuer_errors():
        key = ready_issuer().rotate_keys(alg, actor="cli")
    click.echo(f"current key: {key.key_id} ({key.alg})")


@keys_group.command("withdraw")
@click.argument("kid", metavar="KID")
@click.option("--reason", required=True, help="Why (recorded): e.g. how it was compromised.")
@actor_option("Who withdraws it.")
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
    setup_logging()
    reason = required_reason(reason)
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
@json_option()
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
@actor_option("Who re-issues.")
def keys_reissue(kid: str, actor: str) -> None:
    """Re-issue under the current key every live credential the withdrawn key KID signed, and
    revoke each old one ("key withdrawn: <reason>").

    One transaction per credential; resumable and idempotent (run it again after an
    interruption). Exit status: 0 done, 1 unknown or not withdrawn key, or a failure.
    """
    setup_logging()
    with issuer_errors():
        _reissue(ready_issuer(), kid, actor)


def _reissue(service: Issuer, kid: str, actor: str) -> None:
    with issuer_errors():
        key = service.keys.key(kid)
        todo = service.key_counts().get(key.key_id, (0, 0))[1]
        with click.progressbar(length=todo, label="re-issuing", file=sys.stderr) as bar:
            done = service.reissue_key(kid, actor=actor, progress=bar.update)
    click.echo(f"re-issued: {done['reissued']}, already done: {done['skipped']}")


COMMANDS: list[click.Command] = [keys_group]
