"""Property-based API testing from /openapi.json (schemathesis): no server errors anywhere."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from issuer.accounts import create_token, create_user  # noqa: E402
from issuer.app import create_app  # noqa: E402

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


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
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        check()
    assert failures == []
    assert len(calls) >= 20, sorted(calls)  # every operation was exercised
    assert sum(calls.values()) >= 100
