"""``vouch issue``, ``vouch issue-bulk``, ``vouch revoke`` and ``vouch reissue`` (the one way
back after a revocation, which is final otherwise)."""

from __future__ import annotations

import sys
from typing import Any

import click

from criteria import EvidenceError
from issuer.cli.common import (
    actor_option,
    issuer_errors,
    ready_issuer,
    required_reason,
    setup_logging,
)
from issuer.cli.criteria import render_verdict
from issuer.cli.output import (
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_NOT_MET,
    EXIT_OK,
    EXIT_WITHHELD,
    emit_json,
    fail,
    invalid_bundle,
    json_option,
    read_bundle,
)


@click.command("issue")
@click.argument("bundle", metavar="BUNDLE.json")
@json_option()
def issue_command(bundle: str, as_json: bool) -> None:
    """Evaluate BUNDLE.json and, if its milestone is met, issue the credential.

    Exit status: 0 issued (or already issued), 1 not met, 2 invalid input, 3 met but
    withheld: an earlier credential for this learner and milestone was revoked, and only an
    admin issues it again (``vouch reissue``).
    """
    setup_logging()
    data = read_bundle(bundle, as_json=as_json)
    with issuer_errors(as_json):
        issuer = ready_issuer()
        try:
            outcome = issuer.issue(data, actor="cli")
        except EvidenceError as exc:
            invalid_bundle(exc, as_json=as_json)
    record = outcome.credential
    if as_json:
        result: dict[str, Any] = {
            "issued": record is not None,
            "verdict": outcome.verdict.to_dict(),
        }
        if record is not None:
            result |= {"created": outcome.created, "id": record.id,
                       "verify_url": issuer.verify_url(record.id), "jwt": record.jwt}  # fmt: skip
        if outcome.withheld:
            result["withheld"] = outcome.withheld
        emit_json(result)
    elif record is None:
        click.echo(render_verdict(outcome.verdict))
    else:
        click.echo(f"{'issued' if outcome.created else 'already issued'}: {record.id}")
        click.echo(f"verify:  {issuer.verify_url(record.id)}")
        click.echo(f"jwt:     {record.jwt}")
    if outcome.withheld:
        if not as_json:
            click.echo(f"withheld: {outcome.withheld}")
        raise SystemExit(EXIT_WITHHELD)
    raise SystemExit(EXIT_OK if record is not None else EXIT_NOT_MET)


@click.command("issue-bulk")
@click.argument("jsonl", metavar="FILE.jsonl", type=click.Path(exists=True, dir_okay=False))
@json_option("Print the summary as JSON.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
              help="Worker processes signing credentials, 0 for none  [default: the usable "
                   "cores but one, which judges and stores].")  # fmt: skip
def issue_bulk_command(jsonl: str, as_json: bool, jobs: int | None) -> None:
    """Issue from many bundles, one JSON object per line, with a progress bar.

    Bundles are issued in batches of 200, each one transaction (all of it or none of it).
    Resumable: issuance is idempotent, so running the same file again after an interruption
    issues what is missing, duplicates nothing and records nothing twice.
    """
    import os
    from concurrent.futures.process import BrokenProcessPool

    setup_logging()
    counts = {"issued": 0, "already issued": 0, "not met": 0, "withheld": 0, "invalid": 0}
    problems: list[str] = []
    workers = len(os.sched_getaffinity(0)) - 1 if jobs is None else jobs
    with issuer_errors(as_json):
        service = ready_issuer()
        with open(jsonl, "rb") as handle:
            lines = [(n, line) for n, line in enumerate(handle, 1) if line.strip()]
        numbers = iter(number for number, _ in lines)
        batches = service.issue_batches([line for _, line in lines], actor="bulk", workers=workers)
        with click.progressbar(length=len(lines), label="issuing", file=sys.stderr) as bar:
            try:
                for outcomes in batches:
                    # outcomes first: zip then stops without taking the next batch's first number
                    for outcome, number in zip(outcomes, numbers, strict=False):
                        if isinstance(outcome, EvidenceError):
                            counts["invalid"] += 1
                            problems.append(f"line {number}: {outcome.problems[0]}")
                        elif outcome.withheld:
                            counts["withheld"] += 1
                        elif outcome.credential is None:
                            counts["not met"] += 1
                        else:
                            counts["issued" if outcome.created else "already issued"] += 1
                    bar.update(len(outcomes))
            except BrokenProcessPool:
                fail("a signing worker process died (out of memory?); every batch stored so far "
                     "is complete: run the same file again to resume", EXIT_FAILURE,
                     as_json=as_json, error_code="worker_died")  # fmt: skip
    if as_json:
        emit_json(counts | {"problems": problems})
    else:
        click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))
        for problem in problems[:20]:
            click.echo(f"  {problem}", err=True)
    raise SystemExit(EXIT_INVALID if counts["invalid"] else EXIT_OK)


@click.command("revoke")
@click.argument("credential_id", metavar="ID")
@click.option("--reason", required=True, help="Why (recorded, not published).")
@actor_option("Who revokes.")
def revoke_command(credential_id: str, reason: str, actor: str) -> None:
    """Revoke a credential: flips its status-list bit. Revoking twice is harmless."""
    setup_logging()
    reason = required_reason(reason)
    with issuer_errors():
        record = ready_issuer().revoke(credential_id, reason, actor=actor)
    click.echo(f"revoked: {record.id} at {record.revoked_at} by {record.revoked_by}: "
               f"{record.revocation_reason}")  # fmt: skip


@click.command("reissue")
@click.argument("credential_id", metavar="CREDENTIAL_ID")
@click.option("--reason", required=True, help="Why the revoked credential is issued again.")
@actor_option("Who re-issues.")
@json_option()
def reissue_command(credential_id: str, reason: str, actor: str, as_json: bool) -> None:
    """Issue a revoked credential again: a fresh credential for the same achievement, signed
    with the current key, recorded with who, when and why.

    Revocation is final: no sign-off, re-submission or bulk run issues that learner that
    milestone again; only this does. Running it twice answers the same new credential.
    Exit status: 0 re-issued (or already), 1 unknown id, a live credential, or another live
    credential for the milestone.
    """
    setup_logging()
    reason = required_reason(reason)
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


COMMANDS: list[click.Command] = [
    issue_command, issue_bulk_command, revoke_command, reissue_command,
]  # fmt: skip
