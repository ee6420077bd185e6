"""``vouch init``, ``vouch serve``, ``vouch issue``, ``vouch revoke`` and ``vouch keys``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from criteria import EvidenceError
from criteria.validation import MAX_BUNDLE_BYTES
from issuer import build
from issuer.accounts import SCOPES, TOKEN_DAYS
from issuer.cli.output import (
    EXIT_INVALID,
    EXIT_NOT_MET,
    EXIT_OK,
    emit_json,
    fail,
    invalid_bundle,
    read_input,
)
from issuer.config import Settings
from issuer.errors import IssuerError, NotFoundError
from issuer.keystore import ALGORITHMS, DEFAULT_ALGORITHM
from issuer.service import Issuer

#: Exit code for an operational failure (key store, database, configuration).
EXIT_FAILURE = 1
#: ``vouch issue``: the rules are met but an earlier credential was revoked (an admin decides).
EXIT_WITHHELD = 3


@contextmanager
def issuer_errors(as_json: bool = False) -> Iterator[None]:
    """Turn the issuer's expected errors into a message and an exit code, never a traceback."""
    try:
        yield
    except IssuerError as exc:
        fail(str(exc), EXIT_FAILURE, as_json=as_json, error_code=exc.code)


def ready_issuer() -> Issuer:
    settings = Settings.load()
    settings.check()
    issuer = build(settings=settings)
    if not issuer.keys.exists():
        raise IssuerError(f"no key store at {settings.keys_dir}: run `vouch init` first")
    return issuer


def _setup_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@click.command("init")
@click.option("--alg", type=click.Choice(ALGORITHMS), default=DEFAULT_ALGORITHM,
              show_default=True, help="Signing algorithm of a new key store.")  # fmt: skip
def init_command(alg: str) -> None:
    """Create the database, the issuer's keys and certificate, and load the milestone rules.

    Safe to re-run: existing keys are checked (the passphrase must open them), never replaced.
    """
    _setup_logging()
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

    _setup_logging()
    with issuer_errors():
        app = create_app(issuer=ready_issuer())
    app.run(host=host, port=port)


@click.command("issue")
@click.argument("bundle", metavar="BUNDLE.json")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def issue_command(bundle: str, as_json: bool) -> None:
    """Evaluate BUNDLE.json and, if its milestone is met, issue the credential.

    Exit status: 0 issued (or already issued), 1 not met, 2 invalid input, 3 met but
    withheld: an earlier credential for this learner and milestone was revoked, and only an
    admin issues it again (``vouch reissue``).
    """
    _setup_logging()
    data = read_input(bundle, MAX_BUNDLE_BYTES, as_json=as_json)
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
        from issuer.cli.criteria import render_verdict

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


@click.command("revoke")
@click.argument("credential_id", metavar="ID")
@click.option("--reason", required=True, help="Why (recorded, not published).")
@click.option("--by", "actor", default="cli", show_default=True, help="Who revokes.")
def revoke_command(credential_id: str, reason: str, actor: str) -> None:
    """Revoke a credential: flips its status-list bit. Revoking twice is harmless."""
    _setup_logging()
    if not reason.strip():
        raise click.BadParameter("must not be empty", param_hint="--reason")
    with issuer_errors():
        record = ready_issuer().revoke(credential_id, reason.strip(), actor=actor)
    click.echo(f"revoked: {record.id} at {record.revoked_at} by {record.revoked_by}: "
               f"{record.revocation_reason}")  # fmt: skip


@click.group("keys")
def keys_group() -> None:
    """The issuer's signing keys."""


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
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
    _setup_logging()
    with issuer_errors():
        key = ready_issuer().rotate_keys(alg, actor="cli")
    click.echo(f"current key: {key.key_id} ({key.alg})")


COMMANDS: list[Callable[..., Any]] = [
    init_command, serve_command, issue_command, revoke_command, keys_group,
]  # fmt: skip


@click.command("verify")
@click.argument("artefact")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--email", default=None, help="Also check the credential was awarded to this email.")
def verify_command(artefact: str, as_json: bool, email: str | None) -> None:
    """Verify ARTEFACT: a JWT (string or file), credential JSON, PDF, baked PNG/SVG or verify URL.

    Exit status: 0 verified (every check passed and the issuer is trusted), 1 not verified,
    2 unreadable, 3 unknown (key or status list could not be fetched), 4 genuine but from an
    issuer this deployment does not trust (VOUCH_TRUSTED_ISSUERS, VOUCH_TRUST_LISTS).
    """
    from pathlib import Path

    from issuer.verification import network_fetcher, verifier_options
    from verifier import State, Verifier
    from verifier.artefacts import MAX_ARTEFACT_BYTES

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


COMMANDS.append(verify_command)


@click.command("certificate")
@click.argument("credential_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the PDF.")  # fmt: skip
def certificate_command(credential_id: str, output: str) -> None:
    """Write the signed PDF certificate of credential ID."""
    _setup_logging()
    with issuer_errors():
        issuer = ready_issuer()
        pdf = issuer.certificate_pdf(issuer.credential(credential_id))
    _write(output, pdf)
    click.echo(f"wrote {output} ({len(pdf)} bytes)")


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
    _setup_logging()
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
                    _write(str(folder / f"{data.credential_id.removeprefix('urn:uuid:')}.pdf"), pdf)
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
    _setup_logging()
    with issuer_errors():
        issuer = ready_issuer()
        data = issuer.baked_badge(issuer.credential(credential_id), suffix)
    _write(output, data)
    click.echo(f"wrote {output} ({len(data)} bytes)")


def _write(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        fail(
            f"cannot write {path}: {exc.strerror}",
            EXIT_FAILURE,
            as_json=False,
            error_code="io_error",
        )


COMMANDS += [certificate_command, certificates_command, badge_command]


@click.group("users")
def users_group() -> None:
    """Accounts: one per person, with roles (learner, reviewer: peer, mentor or expert; admin)."""


_ROLE = click.option(
    "--role",
    type=click.Choice(["learner", "reviewer", "admin"]),
    default="learner",
    show_default=True,
)
_REVIEWER_ROLE = click.option(
    "--reviewer-role",
    type=click.Choice(["peer", "mentor", "expert"]),
    default=None,
    help="Required for reviewers.",
)


def _roles_text(roles: list[str], reviewer_role: str | None) -> str:
    return ", ".join(f"{r} ({reviewer_role})" if r == "reviewer" else r for r in roles)


def _links(service: Issuer) -> Any:
    from issuer.identity import Links
    from issuer.web.auth import secret_key

    secret = secret_key(service.settings.instance_path, service.settings.secret_key)
    return Links(secret, service.settings.public_url)


def _mail(service: Issuer, mails: list[Any]) -> None:
    """Send after the commit; a mail server that refuses is reported, not fatal (the link is
    printed)."""
    from issuer.mail import MailError, mailer_for

    try:
        mailer_for(service.settings).send(mails)
    except MailError as exc:
        click.echo(f"warning: {exc}; nothing was mailed", err=True)
        return
    where = "mailed" if service.settings.smtp_url else f"written to {service.settings.outbox_path}"
    for mail in mails:
        click.echo(f"{where}: {mail.subject!r} to {mail.to}")


@users_group.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@_ROLE
@_REVIEWER_ROLE
@click.option(
    "--password-file",
    type=click.File("r"),
    default=None,
    help="Read the password from the file's first line ('-': standard input). Without it the "
    "account has no password yet: a link to choose one is mailed and printed.",
)
def users_add(
    email: str, name: str, role: str, reviewer_role: str | None, password_file: Any
) -> None:
    """Create an account, or add ROLE to the existing account of EMAIL (one person, one
    account: a mentor who also learns holds both roles, and never signs off their own work)."""
    from issuer.accounts import create_user, find_user, grant_role
    from issuer.identity import confirm_mail, invite_mail

    password = password_file.readline().rstrip("\r\n") if password_file else None
    with issuer_errors():
        service = ready_issuer()
        links = _links(service)
        mails = []
        link = None
        with service.db.write() as db:
            now = service.clock()
            user = find_user(db, email)
            if user is not None:
                changed = grant_role(db, user, role, reviewer_role, now)
                verb = "added role to" if changed else "unchanged"
                if password is not None:
                    click.echo("warning: the account exists; its password is unchanged", err=True)
            else:
                user = create_user(
                    db, email=email, name=name, password=password, role=role,
                    reviewer_role=reviewer_role, now=now,
                )  # fmt: skip
                verb = "created"
                if password is None:
                    link = links.url("invite", user, now)
                    mails.append(invite_mail(links, user, now))
                elif role == "learner":
                    mails.append(confirm_mail(links, user, now))
            summary = f"{user.id}  {user.email}  {_roles_text(user.roles, user.reviewer_role)}"
    click.echo(f"{verb}: {summary}")
    if link:
        click.echo(f"set-password link (works once, for 7 days): {link}")
    _mail(service, mails)


@users_group.command("grant")
@click.argument("email")
@_ROLE
@_REVIEWER_ROLE
def users_grant(email: str, role: str, reviewer_role: str | None) -> None:
    """Add ROLE to the existing account of EMAIL (``--reviewer-role`` also changes a reviewer's
    standing)."""
    from issuer.accounts import find_user, grant_role

    with issuer_errors():
        service = ready_issuer()
        with service.db.write() as db:
            user = find_user(db, email)
            if user is None:
                raise NotFoundError(f"no account {email!r}")
            changed = grant_role(db, user, role, reviewer_role, service.clock())
            summary = f"{user.id}  {user.email}  {_roles_text(user.roles, user.reviewer_role)}"
    click.echo(f"{'granted' if changed else 'unchanged'}: {summary}")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def users_list(as_json: bool) -> None:
    """Every account (no secrets)."""
    from sqlalchemy import select

    from issuer.db.models import User

    with issuer_errors(as_json):
        service = ready_issuer()
        with service.db.read() as db:
            users = [
                (u.id, u.email, u.name, list(u.roles), u.reviewer_role, u.email_verified_at)
                for u in db.scalars(select(User).order_by(User.id))
            ]
    if as_json:
        keys = ("id", "email", "name", "roles", "reviewer_role")
        emit_json(
            [
                dict(zip(keys, row[:5], strict=True)) | {"email_verified": row[5] is not None}
                for row in users
            ]
        )
        return
    for i, e, n, r, rr, verified in users:
        confirmed = "" if verified else "  (address not confirmed)"
        click.echo(f"{i:>4}  {e:<32} {_roles_text(r, rr)}  {n}{confirmed}")


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES),
              help="What the token may do (repeatable)  [default: every scope].")  # fmt: skip
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help=f"Lifetime in days  [default: {TOKEN_DAYS}; at most VOUCH_TOKEN_MAX_DAYS].",
)
def users_token(email: str, name: str, scopes: tuple[str, ...], days: int | None) -> None:
    """Create an API token for the account EMAIL; printed once, stored only as a hash."""
    import datetime as dt

    from sqlalchemy import select

    from issuer.accounts import create_token
    from issuer.db.models import User

    with issuer_errors():
        service = ready_issuer()
        now = service.clock()
        with service.db.write() as db:
            user = db.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
            if user is None:
                raise NotFoundError(f"no account {email!r}")
            token, _ = create_token(
                db, user.id, name, now, scopes=frozenset(scopes) if scopes else None,
                expires_at=now + dt.timedelta(days=days) if days else None,
                max_days=service.settings.token_max_days,
            )  # fmt: skip
    click.echo(token)


@users_group.command("sign-out")
@click.argument("email")
def users_sign_out(email: str) -> None:
    """Sign the account EMAIL out everywhere: every browser session ends (tokens stay)."""
    from sqlalchemy import select

    from issuer.db.models import User
    from issuer.sessions import end_sessions

    with issuer_errors():
        service = ready_issuer()
        with service.db.write() as db:
            user = db.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
            if user is None:
                raise NotFoundError(f"no account {email!r}")
            ended = end_sessions(db, user.id)
    click.echo(f"{email}: {ended} session(s) ended")


COMMANDS.append(users_group)


@click.command("issue-bulk")
@click.argument("jsonl", metavar="FILE.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
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

    _setup_logging()
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


COMMANDS.append(issue_bulk_command)
