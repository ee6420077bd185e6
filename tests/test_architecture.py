"""The layout is the architecture: criteria ← issuer → verifier, nothing against the arrows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What each package may import, beyond the standard library.
ALLOWED = {
    "criteria": {"criteria", "jsonschema", "jsonschema_rs"},
    "verifier": {"verifier", "criteria"},
}
FORBIDDEN = {
    "criteria": {"issuer", "verifier", "flask", "sqlalchemy", "werkzeug"},
    "verifier": {"issuer", "sqlalchemy"},
}


def imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_against_the_direction(package):
    bad = {(f, m) for f, m in imports(package) if m in FORBIDDEN[package]}
    assert not bad


def test_criteria_is_pure():
    import sys

    third_party = {m for _, m in imports("criteria") if m not in sys.stdlib_module_names} - ALLOWED[
        "criteria"
    ]
    assert not third_party
