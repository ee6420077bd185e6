"""Shared helpers for CLI output and input."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from criteria import EvidenceError

#: Exit codes shared by ``criteria check`` and ``issue`` (DESIGN.md).
EXIT_OK, EXIT_NOT_MET, EXIT_INVALID = 0, 1, 2


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
        raise  # unreachable: fail() exits


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
