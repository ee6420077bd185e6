"""Hostile input: generated garbage at the public and learner endpoints never causes a 500.

On SQLite and PostgreSQL (when configured). Besides small garbage, the generated bodies include
hostile ones: nesting far beyond any parser's stack, long strings and arrays, bodies up to and
beyond the request limit (2 MiB)."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from criteria import load_catalogue
from issuer.accounts import create_token, create_user
from issuer.app import create_app
from issuer.badges import badge_png, bake_png
from issuer.credential import sign_json
from issuer.publication import kid
from issuer.verification import knowing
from tests.criteria.bundles import meeting_bundle
from verifier.jose import read_compact

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: Hostile bodies cost more each (up to 3 MiB to send and refuse): fewer of them.
FUZZ_HOSTILE = settings(FUZZ, max_examples=40)
M1 = load_catalogue()["foundation-mastery"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def nested(opener: bytes, depth: int) -> bytes:
    """``opener`` ``depth`` times, then the value and closers that make it valid JSON."""
    closer = bytes(reversed(opener.replace(b'"a":', b"").replace(b"[", b"]").replace(b"{", b"}")))
    inner = b"1" if opener.endswith(b":") else b""
    return opener * depth + inner + closer * depth


#: Bodies no client sends: deep nesting of arrays, objects or both (up to 200,000 levels), long
#: strings and arrays (up to 3 MiB, beyond the 2 MiB request limit), and each as a credential.
hostile_values = st.one_of(
    st.builds(nested, st.sampled_from([b"[", b'{"a":', b'[{"a":']), st.integers(1, 200_000)),
    st.integers(0, 3 * 1024 * 1024).map(lambda n: b'"' + b"a" * n + b'"'),
    st.integers(0, 1_500_000).map(lambda n: b"[" + b"0," * n + b"0]"),
)
hostile_bodies = hostile_values | hostile_values.map(lambda v: b'{"credential":' + v + b"}")


@pytest.fixture
def issuer(make_issuer):
    """The suite's issuer (SQLite, and PostgreSQL when configured), the verify API's rate limit
    out of the way: fuzzing is many requests from one address (tests/web/test_ratelimits.py
    tests the limit)."""
    return make_issuer(ratelimit_verify="1000000 per minute")


@pytest.fixture
def world(issuer):
    # Hundreds of requests a minute from one address: limits are tested in test_ratelimits.
    many = "1000000 per minute"
    issuer.settings = dataclasses.replace(
        issuer.settings, ratelimit_verify=many, ratelimit_tokens=many
    )
    app = create_app(issuer=issuer)
    with issuer.db.write() as db:
        user = create_user(
            db, email="fuzz@example.org", name="Fuzz", password="longpassword1", now=issuer.clock()
        )
        # A confirmed address, so fuzzed submissions reach the criteria engine (an unconfirmed
        # one is refused before it: tests/web/test_identity.py).
        user.email_verified_at = issuer.clock()
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


@FUZZ_HOSTILE
@given(data=hostile_bodies)
def test_verify_hostile_bodies(world, data):
    client, _, _ = world
    response = client.post("/api/v1/verify", data=data, content_type="application/json")
    no_server_error(response)
    assert response.status_code in (200, 400, 413, 422)


@FUZZ_HOSTILE
@given(data=hostile_bodies, path=st.sampled_from(["/api/v1/submissions", "/api/v1/tokens"]))
def test_learner_endpoints_with_hostile_bodies(world, data, path):
    client, headers, _ = world
    response = client.post(path, data=data, headers=headers, content_type="application/json")
    no_server_error(response)
    assert response.status_code in (201, 400, 403, 413, 422, 429)


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


#: Places in a credential a fuzzed value is put, so that a genuinely signed credential reaches
#: every check with it (random JSON alone rarely gets past the signature).
CREDENTIAL_PATHS = [
    ("credentialStatus",), ("credentialStatus", "type"), ("credentialStatus", "statusPurpose"),
    ("credentialStatus", "statusListIndex"), ("credentialStatus", "statusListCredential"),
    ("type",), ("@context",), ("id",), ("issuer",), ("issuer", "id"), ("validFrom",),
    ("validUntil",), ("credentialSubject",), ("credentialSubject", "id"),
    ("credentialSubject", "identifier"), ("credentialSubject", "achievement"), ("evidence",),
    ("credentialSchema",), ("iss",), ("sub",), ("jti",), ("nbf",), ("exp",),
]  # fmt: skip
#: The same for the credential's status list.
STATUS_LIST_PATHS = [
    ("type",), ("@context",), ("issuer",), ("iss",), ("validFrom",), ("validUntil",),
    ("credentialSubject",), ("credentialSubject", "type"), ("credentialSubject", "statusPurpose"),
    ("credentialSubject", "encodedList"),
]  # fmt: skip


def replaced(document, path, value):
    """``document`` with the member at ``path`` set to ``value`` (a missing parent made)."""
    changed = json.loads(json.dumps(document))
    parent = changed
    for name in path[:-1]:
        if not isinstance(parent.get(name), dict):
            parent[name] = {}
        parent = parent[name]
    parent[path[-1]] = value
    return changed


def signed(issuer, payload):
    """``payload`` signed with the issuer's current key: genuine, whatever it says (written by
    the standard library, which takes integers of any size)."""
    key, private_key = issuer.keys.signer()
    return sign_json(json.dumps(payload).encode(), private_key, key.alg, kid(issuer.did, key))


@FUZZ
@given(path=st.sampled_from(CREDENTIAL_PATHS), value=json_values | st.lists(json_values))
def test_verify_genuinely_signed_credentials_saying_anything(world, issuer, path, value):
    """Would have found that an empty credentialStatus list raised out of the verifier."""
    client, _, record = world
    token = signed(issuer, replaced(read_compact(record.jwt)[1], path, value))
    response = client.post("/api/v1/verify", json={"credential": token})
    no_server_error(response)
    assert response.status_code in (200, 422)


@FUZZ
@given(path=st.sampled_from(STATUS_LIST_PATHS), value=json_values | st.lists(json_values))
def test_verify_against_genuinely_signed_status_lists_saying_anything(world, issuer, path, value):
    """Would have found that a status list typed with a number raised out of the verifier."""
    client, _, record = world
    status_url = read_compact(record.jwt)[1]["credentialStatus"]["statusListCredential"]
    status_list = read_compact(issuer.status_list(record.status_list_id).jwt)[1]
    token = signed(issuer, replaced(status_list, path, value))
    verifier = client.application.extensions["vouch.verifier"]
    result = knowing(verifier, {status_url: token.encode()}).verify(record.jwt)
    assert result.check("status") is not None


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
