"""Property-based API testing from /openapi.json (schemathesis): no server errors anywhere, on
SQLite and PostgreSQL (when configured); then hostile bodies (nested far beyond any parser's
stack, long, beyond the 2 MiB request limit) at every operation that takes a body."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from issuer.accounts import create_token, create_user  # noqa: E402
from issuer.app import create_app  # noqa: E402

MIB = 1024 * 1024
HOSTILE_BODIES = {
    "5,000 nested arrays": b"[" * 5_000 + b"]" * 5_000,
    "100,000 nested objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "a credential nested 5,000 deep": b'{"credential":' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    "an object nested 65 deep": b'{"a":' * 65 + b"1" + b"}" * 65,
    "a 1 MiB string": b'"' + b"a" * MIB + b'"',
    "a 3 MiB array": b"[" + b"0," * (3 * MIB // 2) + b"0]",
}


@pytest.fixture
def issuer(make_issuer):
    """The suite's issuer, rate limits out of the way (tests/web/test_ratelimits.py tests them):
    every operation is called many times from one address."""
    return make_issuer(ratelimit_verify="1000000 per minute", ratelimit_tokens="1000000 per minute")


def test_no_operation_answers_a_server_error(issuer):
    app = create_app(issuer=issuer)
    with issuer.db.write() as db:
        user = create_user(
            db,
            email="api@example.org",
            name="API",
            password="longpassword1",
            role="admin",
            now=issuer.clock(),
        )
        token, _ = create_token(db, user.id, "schemathesis", issuer.clock())
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures = []
    calls: dict[str, int] = {}
    with_body: dict[str, tuple[str, str]] = {}  # operations taking a body: method, a real path
    for operation in schema.get_all_operations():
        op = operation.ok()
        if op.path.endswith(("certificate.pdf", "/rotate")):
            continue  # slow (renders a PDF) or changes the keys of every later test

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def check(case):
            response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
            label = f"{case.method} {case.operation.path}"
            calls[label] = calls.get(label, 0) + 1
            if case.method in ("POST", "PUT", "PATCH"):
                with_body.setdefault(label, (case.method, case.formatted_path))
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        check()
    client = app.test_client()
    for method, path in with_body.values():
        for name, body in HOSTILE_BODIES.items():
            response = client.open(
                path, method=method, data=body, content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            if response.status_code >= 500:
                failures.append(f"{method} {path} with {name}: {response.status_code}")
    assert failures == []
    assert len(with_body) >= 6, sorted(with_body)
    assert len(calls) >= 20, sorted(calls)  # every operation was exercised
    assert sum(calls.values()) >= 100
