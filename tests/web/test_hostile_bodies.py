"""Hostile JSON request bodies: nested far beyond any genuine request, answered with a 4xx that
names the limit, never a 500 (a RecursionError once escaped from the JSON parser)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import World, api
from tests.web.test_api import call, spec
from verifier.app import create_app
from verifier.fetch import MappingFetcher
from verifier.web import MAX_BODY_DEPTH

__all__ = ["spec"]  # the fixture, imported for call()'s contract checks


def nested(depth: int, wrap: str | None = None) -> bytes:
    """An array ``depth`` levels deep, alone or as the value of member ``wrap``."""
    body = b"[" * depth + b"]" * depth
    return body if wrap is None else b'{"' + wrap.encode() + b'":' + body + b"}"


LIMIT_NAMED = f"JSON nested deeper than {MAX_BODY_DEPTH} levels (the limit)"
#: What the evidence reader (criteria.validation.decode) says when the parser's stack runs out.
EVIDENCE_TOO_DEEP = "not valid JSON: nested too deeply"

#: (method, path template, who, the member the deep value is put in, the answer to a body the
#: parser cannot read at all); beyond the limit but readable, every one answers LIMIT_NAMED.
ENDPOINTS = [
    ("POST", "/api/v1/verify", None, "credential", LIMIT_NAMED),
    ("POST", "/api/v1/verify", None, None, LIMIT_NAMED),
    ("POST", "/api/v1/submissions", "ada", "checklist", EVIDENCE_TOO_DEEP),
    ("POST", "/api/v1/submissions/{id}/reviews", "mentor", "items", EVIDENCE_TOO_DEEP),
    ("POST", "/api/v1/tokens", "ada", "name", EVIDENCE_TOO_DEEP),
    ("POST", "/api/v1/admin/issue", "admin", "learner", EVIDENCE_TOO_DEEP),
    ("POST", "/api/v1/credentials/{id}/revoke", "admin", "reason", LIMIT_NAMED),
    ("POST", "/api/v1/admin/keys/rotate", "admin", "alg", LIMIT_NAMED),
]


def _target(world: World, template: str) -> Any:
    return world.submission if "submissions/{id}" in template else world.credential_uuid


@pytest.mark.parametrize("depth", [5_000, 100_000])
@pytest.mark.parametrize(("method", "template", "who", "wrap", "answer"), ENDPOINTS)
def test_json_nested_thousands_deep_is_unreadable_not_a_server_error(
    world, spec, method, template, who, wrap, answer, depth
):
    token = world.people[who].token if who else None
    body = call(
        world, spec, method, template, token, 422, raw=nested(depth, wrap),
        id=_target(world, template),
    )  # fmt: skip
    assert answer in body["error"]["message"], body


@pytest.mark.parametrize(("method", "template", "who", "wrap", "answer"), ENDPOINTS)
def test_json_just_beyond_the_nesting_limit_is_refused_with_the_limit_named(
    world, spec, method, template, who, wrap, answer
):
    """Deep enough to pass the parser, too deep for the limit: refused the same way."""
    token = world.people[who].token if who else None
    depth = MAX_BODY_DEPTH if wrap else MAX_BODY_DEPTH + 1  # the body's object is a level
    body = call(
        world, spec, method, template, token, 422, raw=nested(depth, wrap),
        id=_target(world, template),
    )  # fmt: skip
    assert body["error"] == {"code": "unreadable_input", "message": LIMIT_NAMED, "path": "$"}


@pytest.mark.parametrize("wrap", [None, "credential"])
def test_json_at_the_nesting_limit_is_read(world, wrap):
    """The limit is not below it: a body exactly MAX_BODY_DEPTH deep reaches the verifier."""
    depth = MAX_BODY_DEPTH - 1 if wrap else MAX_BODY_DEPTH
    response = world.client().post(
        "/api/v1/verify", data=nested(depth, wrap), content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert response.get_json()["error"]["message"] != LIMIT_NAMED


def test_the_standalone_verifier_answers_deep_json_with_a_json_422():
    app = create_app(fetcher=MappingFetcher({}))
    response = app.test_client().post(
        "/api/v1/verify", data=nested(5_000, "credential"), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {"code": "unreadable_input", "message": LIMIT_NAMED, "path": "$"}
    }


def test_deep_json_at_the_verify_page_is_a_422_page(world):
    response = world.client().post("/verify", data=nested(5_000), content_type="application/json")
    assert response.status_code == 422
    assert LIMIT_NAMED in response.get_data(as_text=True)


def test_rotation_is_not_done_by_a_refused_body(world):
    before = world.issuer.keys.current().key_id
    response = api(
        world.client(), "POST", "/api/v1/admin/keys/rotate", world.admin.token,
        data=nested(5_000, "alg"), content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 422
    assert world.issuer.keys.current().key_id == before


def test_a_multipart_field_named_with_a_bare_cr_is_not_a_server_error(world):
    """Werkzeug reads such a field with no name (None), which the NUL check took for text;
    found by schemathesis once the verify API's rate limit no longer hid it."""
    boundary = "vouchboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="\r"\r\n\r\nnull\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    response = world.client().post(
        "/api/v1/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("row_id", [2**31, 10**10 - 1, 10**17])
@pytest.mark.parametrize(
    ("method", "template", "who"),
    [("GET", "/api/v1/submissions/{id}", "admin"), ("DELETE", "/api/v1/tokens/{id}", "ada")],
)
def test_a_row_id_beyond_any_row_is_not_found(world, spec, method, template, who, row_id):
    """PostgreSQL's integer is 32-bit: 2**31 in a query was a DataError there (a 500; found by
    schemathesis on PostgreSQL)."""
    body = call(world, spec, method, template, world.people[who].token, 404, id=row_id)
    assert body["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"credential": "a", "credential": "b"}', "duplicate member 'credential'"),
        (b'{"credential": {"n": NaN}}', "NaN is not a JSON number"),
        (b'{"credential": [1e999]}', "1e999 is not a finite number"),
    ],
)
def test_a_body_that_is_not_strict_json_is_unreadable(body, message):
    """Request bodies are read strictly (strictjson), as tokens and bundles are: a duplicate
    member or a non-finite number is refused, never read one way here and another elsewhere."""
    app = create_app(fetcher=MappingFetcher({}))
    response = app.test_client().post("/api/v1/verify", data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {"code": "unreadable_input", "message": message, "path": "$"}
    }
