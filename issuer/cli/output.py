"""Terminal input and output shared by the commands: JSON, errors, exit codes, files."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from criteria import MAX_BUNDLE_BYTES, EvidenceError

#: Exit codes shared by ``criteria check`` and ``issue`` (DESIGN.md); ``issue`` adds one:
#: the rules are met but an earlier credential was revoked (an admin decides).
EXIT_OK, EXIT_NOT_MET, EXIT_INVALID, EXIT_WITHHELD = 0, 1, 2, 3
#: Exit code for an operational failure (key store, database, configuration, files).
EXIT_FAILURE = 1

F = TypeVar("F", bound=Callable[..., Any])


def json_option(help: str = "Print JSON.") -> Callable[[F], F]:
    """The ``--json`` flag (parameter ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def read_input(path: str, max_bytes: int, *, as_json: bool) -> bytes:
    """Read a file (or ``-`` for standard input), at most ``max_bytes`` + 1 bytes.

    Reading one byte past the limit lets the parser report the size instead of a truncation.
    """
    try:
        if path == "-":
            return sys.stdin.buffer.read(max_bytes + 1)
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}", EXIT_INVALID, as_json=as_json,
             error_code="unreadable_input", path=path)  # fmt: skip


def read_bundle(path: str, *, as_json: bool) -> bytes:
    """An evidence bundle (a file, or ``-`` for standard input), read up to a bundle's limit."""
    return read_input(path, MAX_BUNDLE_BYTES, as_json=as_json)


def write_output(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``; a file that cannot be written is an operational failure."""
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}", EXIT_FAILURE, as_json=False,
             error_code="io_error")  # fmt: skip


def fail(message: str, code: int, *, as_json: bool, error_code: str, **extra: Any) -> NoReturn:
    """Report an error on stderr (or as the JSON error shape on stdout) and exit."""
    if as_json:
        emit_json({"error": {"code": error_code, "message": message, **extra}})
    else:
        click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def invalid_bundle(exc: EvidenceError, *, as_json: bool) -> NoReturn:
    """Report every problem of an invalid bundle (exit 2)."""
    problems = [p.to_dict() for p in exc.problems]
    if as_json:
        fail(str(exc), EXIT_INVALID, as_json=True, error_code=exc.code,
             path=problems[0]["path"], problems=problems)  # fmt: skip
    click.echo("error: invalid evidence bundle", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(EXIT_INVALID)
