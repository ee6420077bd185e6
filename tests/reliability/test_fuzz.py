"""Hostile input: generated garbage at the public and learner endpoints never causes a 500."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import load_catalogue
from issuer.accounts import create_token, create_user
from issuer.app import create_app
from issuer.badges import badge_png, bake_png
from tests.criteria.bundles import meeting_bundle

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
M1 = load_catalogue()["foundation-mastery"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


@pytest.fixture
def world(issuer):
    app = create_app(issuer=issuer)
    with issuer.db.write() as db:
        user = create_user(
            db, email="fuzz@example.org", name="Fuzz", password="longpassword1", now=issuer.clock()
        )
        token, _ = create_token(db, user.id, "fuzz", issuer.clock())
    record = issuer.issue(meeting_bundle(M1)).credential
    return app.test_client(), {"Authorization": f"Bearer {token}"}, record


def no_server_error(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.is_json:
        body = response.get_json()
        assert "error" in body or "verified" in body or "submission" in body


@FUZZ
@given(data=st.binary(max_size=2048) | st.text(max_size=2048).map(str.encode))
def test_verify_raw_bodies(world, data):
    client, _, _ = world
    no_server_error(client.post("/api/v1/verify", data=data, content_type="application/json"))


@FUZZ
@given(value=json_values)
def test_verify_json_credentials(world, value):
    client, _, _ = world
    response = client.post("/api/v1/verify", json={"credential": value})
    no_server_error(response)
    assert response.status_code in (200, 400, 422)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.integers(0, 10**6),
)
def test_verify_damaged_badge_uploads(world, flips, cut):
    client, _, record = world
    png = bytearray(bake_png(badge_png(M1), record.jwt))
    for position, value in flips:
        png[position % len(png)] = value
    damaged = bytes(png[: max(8, cut % (len(png) + 1))])
    response = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(damaged), "badge.png")},
        content_type="multipart/form-data",
    )
    no_server_error(response)


@FUZZ
@given(value=json_values)
def test_submissions_with_generated_json(world, value):
    client, headers, _ = world
    response = client.post(
        "/api/v1/submissions",
        data=json.dumps(value),
        headers=headers,
        content_type="application/json",
    )
    no_server_error(response)
    assert response.status_code in (201, 400, 403, 413, 422)


@FUZZ
@given(
    field=st.sampled_from(
        ["checklist", "quizzes", "exercises", "challenges", "benchmarks", "learner"]
    ),
    value=json_values,
)
def test_submissions_with_one_field_replaced(world, field, value):
    client, headers, _ = world
    bundle = meeting_bundle(M1)
    bundle.pop("reviews", None)
    bundle.pop("held", None)
    bundle[field] = value
    response = client.post("/api/v1/submissions", json=bundle, headers=headers)
    no_server_error(response)


def test_oversized_bodies_are_refused(world):
    client, headers, _ = world
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    assert (
        client.post("/api/v1/verify", data=big, content_type="application/json").status_code == 413
    )
    response = client.post(
        "/api/v1/submissions", data=big, headers=headers, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
