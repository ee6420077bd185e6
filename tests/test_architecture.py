"""The layout is the architecture: criteria ← issuer → verifier, nothing against the arrows;
``strictjson`` (standard library only) is the leaf both criteria and the verifier read JSON with."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: What each package may import, beyond the standard library.
ALLOWED = {
    "criteria": {"criteria", "jsonschema", "jsonschema_rs", "strictjson"},
    "strictjson": {"strictjson"},
    "verifier": {"verifier", "criteria"},
}
FORBIDDEN = {
    "strictjson": {"criteria", "issuer", "verifier", "flask", "sqlalchemy", "werkzeug"},
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


def test_strictjson_is_standard_library_only():
    import sys

    assert {m for _, m in imports("strictjson") if m not in sys.stdlib_module_names} <= ALLOWED[
        "strictjson"
    ]


#: How the issuer reaches the other packages: their front doors. ``verifier.web`` is the
#: verifier's Flask face (its blueprint, request class and result page), a door of its own so
#: that ``import verifier`` never loads Flask.
FRONT_DOORS = {"criteria", "verifier", "verifier.web"}
#: Issuer modules that still reach past the front doors. Pending: each is being restructured by
#: another change of issue 13 (the service split into issuer/issuing/ and friends, the CLI split)
#: and switches to the front door when it lands; every name it needs is exported already
#: (``from verifier import read_compact, verify_signature, schema_errors, stamp``,
#: ``from criteria import with_held, MAX_BUNDLE_BYTES``, ``from verifier import
#: MAX_ARTEFACT_BYTES``). Remove an entry once it is switched.
PENDING_FRONT_DOORS: tuple[str, ...] = ()


def _exported(door: str) -> set[str]:
    """The names a front door re-exports (``from x import Y as Y``) or defines."""
    path = ROOT / door.replace(".", "/")
    tree = ast.parse(
        (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()
    )
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _past_the_front_doors(path: Path) -> set[str]:
    """The imports of ``path`` that reach into criteria or verifier other than by a front door:
    a submodule by name, or a submodule a front door does not export."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in FRONT_DOORS:  # ``from verifier import web`` reaches verifier.web
                exported = _exported(node.module)
                modules = [f"{node.module}.{a.name}" for a in node.names if a.name not in exported]
            else:
                modules = [node.module]
        else:
            continue
        found |= {
            m
            for m in modules
            if m.split(".")[0] in ("criteria", "verifier") and m not in FRONT_DOORS
        }
    return found


def test_the_issuer_imports_criteria_and_verifier_only_through_their_front_doors():
    past = {}
    for path in sorted((ROOT / "issuer").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if not name.startswith(PENDING_FRONT_DOORS) and (found := _past_the_front_doors(path)):
            past[name] = sorted(found)
    assert not past, "import these names from criteria / verifier (their __init__ exports them)"


def test_only_the_verifiers_web_face_imports_flask():
    """The verifier is a library first: its checks run without a web framework."""
    web = {f for f, m in imports("verifier") if m in ("flask", "werkzeug")}
    assert web <= {"verifier/web.py", "verifier/app.py"}


def _module_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports by name: at import time, in a function
    or for type checking only (``statuslists`` imported the Issuer only for type checking, and
    was still handed it and called back into it). A submodule's implicit import of its parent
    package does not count."""
    modules = {}
    for path in (ROOT / package).rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # ``from issuer import status`` imports a module
                    named = f"{node.module}.{alias.name}"
                    targets.add(named if named in modules else node.module)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        path.append(module)
        for target in sorted(graph[module]):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    return found


def test_no_import_circle_among_the_issuers_modules():
    """Each feature takes a small context, not the whole Issuer: no module imports one that
    imports it back (issue 13: ``statuslists`` was handed the Issuer and called back into it)."""
    assert _cycles(_module_graph("issuer")) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
