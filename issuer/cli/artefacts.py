"""``vouch certificate``, ``vouch certificates`` and ``vouch badge``: a credential's signed PDF
(one, or every live one in bulk) and its baked badge image."""

from __future__ import annotations

import sys

import click

from issuer.cli.common import issuer_errors, ready_issuer, setup_logging
from issuer.cli.output import EXIT_FAILURE, fail, write_output


@click.command("certificate")
@click.argument("credential_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF.")  # fmt: skip
def certificate_command(credential_id: str, output: str) -> None:
    """Write the signed PDF certificate of credential ID."""
    setup_logging()
    with issuer_errors():
        issuer = ready_issuer()
        pdf = issuer.certificate_pdf(issuer.credential(credential_id))
    _save(output, pdf)


@click.command("certificates")
@click.option("-o", "--output", "directory", required=True,
              type=click.Path(file_okay=False, writable=True),
              help="Folder for the PDFs, one ID.pdf each (created if missing).")  # fmt: skip
@click.option("--all", "everything", is_flag=True, help="Every live (unrevoked) credential.")
@click.option("--milestone", "milestones", multiple=True, metavar="M",
              help="The live credentials of milestone M (repeatable).")  # fmt: skip
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: the usable cores].")  # fmt: skip
def certificates_command(
    directory: str, everything: bool, milestones: tuple[str, ...], jobs: int | None
) -> None:
    """Write the signed PDF certificate of every live credential (--all) or of the live
    credentials of some milestones (--milestone M) into a folder, as <uuid>.pdf.

    Certificates are rendered in batches over worker processes and cached, so running it
    again rewrites the same files from the cache. Exit status: 0 written, 1 operational
    failure (key store, database, a file that cannot be written), 2 a bad selection.
    """
    import os
    import time
    from concurrent.futures.process import BrokenProcessPool
    from pathlib import Path

    from sqlalchemy import select

    from issuer.certificates import BATCH
    from issuer.db.models import Credential

    if everything == bool(milestones):
        raise click.UsageError("choose the credentials: --all, or --milestone M (repeatable)")
    setup_logging()
    with issuer_errors():
        service = ready_issuer()
        known = service.catalogue.milestones
        unknown = [m for m in milestones if m not in known]
        if unknown:
            raise click.BadParameter(
                f"no milestone {unknown[0]!r}; the milestones are: " + ", ".join(known),
                param_hint="--milestone",
            )
        query = select(Credential).where(Credential.revoked_at.is_(None))
        if milestones:
            query = query.where(Credential.milestone_id.in_(milestones))
        with service.db.read() as db:
            records = list(db.scalars(query.order_by(Credential.issued_at, Credential.id)))
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(f"cannot create {folder}: {exc.strerror}", EXIT_FAILURE, as_json=False,
                 error_code="io_error")  # fmt: skip
        # Forking workers costs more than it saves for a batch or two.
        processes = jobs or len(os.sched_getaffinity(0))  # the cores this process may use
        processes = 1 if len(records) <= BATCH else min(processes, -(-len(records) // BATCH))
        start = time.perf_counter()
        datas = (service.certificate_data(record) for record in records)
        with click.progressbar(length=len(records), label="certificates", file=sys.stderr) as bar:
            try:
                for data, pdf in service.certificates.certificates_many(datas, processes=processes):
                    name = f"{data.credential_id.removeprefix('urn:uuid:')}.pdf"
                    write_output(str(folder / name), pdf)
                    bar.update(1)
            except BrokenProcessPool:
                fail("a certificate worker process died (out of memory?); the certificates "
                     "written so far are complete and cached", EXIT_FAILURE, as_json=False,
                     error_code="worker_died")  # fmt: skip
    elapsed = time.perf_counter() - start
    count, workers = len(records), "1 process" if processes == 1 else f"{processes} processes"
    click.echo(f"wrote {count} certificate{'' if count == 1 else 's'} to {folder} in "
               f"{elapsed:.1f} s (rendering in up to {workers})")  # fmt: skip


@click.command("badge")
@click.argument("credential_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="FILE.png or FILE.svg: the badge with the credential baked in.")  # fmt: skip
def badge_command(credential_id: str, output: str) -> None:
    """Write the baked badge image of credential ID (PNG or SVG, by the file's extension)."""
    suffix = output.rsplit(".", 1)[-1].lower()
    if suffix not in ("png", "svg"):
        raise click.BadParameter("the file name must end in .png or .svg", param_hint="-o")
    setup_logging()
    with issuer_errors():
        issuer = ready_issuer()
        data = issuer.baked_badge(issuer.credential(credential_id), suffix)
    _save(output, data)


def _save(output: str, data: bytes) -> None:
    write_output(output, data)
    click.echo(f"wrote {output} ({len(data)} bytes)")


COMMANDS: list[click.Command] = [certificate_command, certificates_command, badge_command]
