"""The JSON API's behaviour, and its OpenAPI description: every JSON answer a test gets here is
checked against the schema ``GET /openapi.json`` documents for that route and status."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from werkzeug.security import check_password_hash

from issuer.db.models import ApiToken, User
from tests.web.conftest import (
    CATALOGUE,
    FOUNDATION,
    World,
    add_person,
    api,
    csrf_token,
    full_bundle,
    learner_bundle,
)
from verifier import REGISTERED_CLAIMS, read_compact

SPEC_URI = "urn:vouch:openapi"
DOCUMENTED_PREFIXES = (
    "/api/v1/",
    "/.well-known/",
    "/status/",
    "/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
)
SUBMISSIONS = "/api/v1/submissions"
REVIEWS = "/api/v1/submissions/{id}/reviews"
SIGN_OFF = {"kind": "self-explanation", "verdict": "pass", "minutes": 20}
IMPLEMENTATION = CATALOGUE["implementation-proficiency"]
ARCHITECTURE = CATALOGUE["system-architecture"]


def _rubric_items(milestone: Any, rubric: str, total: int) -> list[str]:
    """Rubric items worth exactly ``total`` points, largest first."""
    points = milestone.rubrics[rubric].points
    chosen: list[str] = []
    for item in sorted(points, key=lambda i: (-points[i], i)):
        if sum(points[i] for i in chosen) + points[item] <= total:
            chosen.append(item)
    assert sum(points[i] for i in chosen) == total
    return chosen


# -- the contract ------------------------------------------------------------------------------


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _schema_errors(spec: dict[str, Any], where: tuple[str, ...], instance: Any) -> list[str]:
    """Errors of ``instance`` against the schema at ``where`` in the spec (refs resolved)."""
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource(SPEC_URI, resource)
    pointer = "/".join(_escape(segment) for segment in where)
    validator = Draft202012Validator({"$ref": f"{SPEC_URI}#/{pointer}"}, registry=registry)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message[:200]}" for e in errors]


def _operation(spec: dict[str, Any], method: str, path_template: str) -> dict[str, Any]:
    operation = spec["paths"].get(path_template, {}).get(method.lower())
    assert operation is not None, f"{method} {path_template} is not documented"
    return operation


def conforms(
    spec: dict[str, Any],
    method: str,
    path_template: str,
    status: int,
    body: Any,
    media: str = "application/json",
) -> None:
    """``body`` is what the spec documents for ``method path_template`` answering ``status``."""
    response = _operation(spec, method, path_template)["responses"].get(str(status))
    assert response is not None, f"{method} {path_template} -> {status} is not documented"
    assert media in response.get("content", {}), (
        f"{method} {path_template} -> {status} documents no {media} body"
    )
    where = ("paths", path_template, method.lower(), "responses", str(status), "content", media)
    errors = _schema_errors(spec, (*where, "schema"), body)
    assert not errors, f"{method} {path_template} -> {status}: " + "; ".join(errors[:5])


def request_errors(spec: dict[str, Any], method: str, path_template: str, body: Any) -> list[str]:
    """What the spec's request-body schema for the route says is wrong with ``body``."""
    request = _operation(spec, method, path_template).get("requestBody")
    assert request is not None, f"{method} {path_template} documents no request body"
    assert "application/json" in request["content"]
    where = ("paths", path_template, method.lower(), "requestBody", "content", "application/json")
    return _schema_errors(spec, (*where, "schema"), body)


@pytest.fixture
def spec(world) -> dict[str, Any]:
    response = world.client().get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def call(
    world: World,
    spec: dict[str, Any],
    method: str,
    template: str,
    token: str | None,
    status: int,
    json: Any = None,
    *,
    raw: bytes | None = None,
    id: Any = "",
) -> Any:
    """Call ``template`` (``{id}`` from ``id``) with ``json`` or ``raw`` JSON bytes; expect
    ``status`` and the body the spec documents for it."""
    path = template.replace("{id}", str(id))
    kwargs = {} if raw is None else {"data": raw, "content_type": "application/json"}
    response = api(world.client(), method, path, token, json=json, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json, response.content_type
    body = response.get_json()
    conforms(spec, method, template, status, body)
    return body


def error_at(body: dict[str, Any], path: str | None) -> dict[str, Any]:
    assert set(body) == {"error"}, body
    assert body["error"]["path"] == path, body
    return body["error"]


def test_the_spec_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_the_specs_schemas_are_valid_json_schemas(spec):
    for name, schema in spec["components"]["schemas"].items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{name}: {exc.message}")


def _templates(rule: str) -> list[str]:
    """A Flask rule as OpenAPI path templates (``{}`` for every parameter)."""
    choice = re.search(r"<any\(([^)]*)\):\w+>", rule)
    if choice:
        return [
            template
            for option in choice.group(1).split(",")
            for template in _templates(
                rule[: choice.start()] + option.strip() + rule[choice.end() :]
            )
        ]
    return [re.sub(r"<[^<>]+>", "{}", rule)]


def _app_operations(app: Any) -> set[tuple[str, str]]:
    return {
        (method.lower(), template)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        for template in _templates(rule.rule)
    }


def _spec_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method, re.sub(r"\{[^}]+\}", "{}", path))
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }


def test_every_api_route_is_documented(app, spec):
    served = {
        (method, path)
        for method, path in _app_operations(app)
        if path.startswith(DOCUMENTED_PREFIXES) and path != "/openapi.json"
    }
    assert sorted(served - _spec_operations(spec)) == []


def test_the_spec_documents_itself(spec):
    assert ("get", "/openapi.json") in _spec_operations(spec)


def test_every_documented_operation_exists(app, spec):
    assert sorted(_spec_operations(spec) - _app_operations(app)) == []


SPEC_GAP = "bug: issuer/web/openapi.py "


def _accepted_requests() -> list[Any]:
    """Well-formed requests, as (method, template, body); the API takes each (tests below)."""
    architecture = _rubric_items(ARCHITECTURE, "architecture-review", 80)
    return [
        pytest.param(
            "POST",
            SUBMISSIONS,
            learner_bundle(FOUNDATION),
            id="submission-without-learner",
        ),
        pytest.param(
            "POST",
            SUBMISSIONS,
            learner_bundle(FOUNDATION, {"id": "x", "name": "X", "email": "x@people.example"}),
            id="submission",
        ),
        pytest.param("POST", REVIEWS, SIGN_OFF, id="sign-off"),
        pytest.param(
            "POST", REVIEWS, {"kind": "architecture-review", "items": architecture}, id="rubric"
        ),
        pytest.param("POST", "/api/v1/tokens", {"name": "laptop"}, id="token"),
        pytest.param(
            "POST", "/api/v1/credentials/{id}/revoke", {"reason": "in error"}, id="revoke"
        ),
        pytest.param("POST", "/api/v1/admin/issue", full_bundle(FOUNDATION), id="admin-issue"),
        pytest.param("POST", "/api/v1/verify", {"credential": "eyJ.eyJ.sig"}, id="verify"),
        pytest.param(
            "POST",
            "/api/v1/admin/keys/rotate",
            {"alg": "EdDSA"},
            id="rotate",
        ),
    ]


@pytest.mark.parametrize(("method", "template", "body"), _accepted_requests())
def test_requests_the_api_accepts_match_the_documented_request_schema(spec, method, template, body):
    assert request_errors(spec, method, template, body) == []


@pytest.mark.parametrize("field", ["reviews", "rubrics", "held"])
def test_the_documented_learner_submission_excludes_reviewer_fields(spec, field):
    bundle = full_bundle(FOUNDATION, {"id": "x", "name": "X", "email": "x@people.example"})
    assert (
        request_errors(
            spec,
            "POST",
            SUBMISSIONS,
            learner_bundle(FOUNDATION) | {"learner": bundle["learner"], field: bundle[field]},
        )
        != []
    )


def test_unknown_api_routes_and_methods_answer_the_json_error_shape(world):
    client = world.client()
    for response, status in (
        (client.get("/api/v1/nothing-here"), 404),
        (client.put("/api/v1/submissions", json={}), 405),
        (client.get("/.well-known/nothing-here"), 404),
    ):
        assert response.status_code == status
        error = response.get_json()["error"]
        assert {"code", "message", "path"} <= set(error)


# -- learners submitting ----------------------------------------------------------------------


def test_submission_without_sign_offs_awaits_review(world, spec):
    body = call(
        world, spec, "POST", SUBMISSIONS, world.ada.token, 201, json=learner_bundle(FOUNDATION)
    )
    assert body["verdict"]["status"] == "awaiting-review"
    assert body["issued"] is False
    assert body["credential"] is None
    waiting = [r for r in body["verdict"]["rules"] if r["status"] != "met"]
    assert [r["id"] for r in waiting] == ["self-explanation"]


def test_submission_is_recorded_as_the_signed_in_learner(world, spec):
    bundle = learner_bundle(FOUNDATION) | {"learner": dict(world.ada.identity)}
    made = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 201, json=bundle)
    mine = call(world, spec, "GET", SUBMISSIONS, world.ada.token, 200)
    assert {s["id"] for s in mine["submissions"]} == {world.submission, made["submission"]}
    shown = call(
        world, spec, "GET", "/api/v1/submissions/{id}", world.ada.token, 200, id=made["submission"]
    )
    assert shown["evidence"]["learner"]["email"] == world.ada.email
    call(
        world,
        spec,
        "GET",
        "/api/v1/submissions/{id}",
        world.grace.token,
        404,
        id=made["submission"],
    )


@pytest.mark.parametrize("field", ["reviews", "rubrics", "held"])
def test_learner_cannot_supply_reviewer_or_issuer_fields(world, spec, field):
    bundle = learner_bundle(FOUNDATION) | {field: full_bundle(FOUNDATION)[field]}
    body = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 422, json=bundle)
    error_at(body, f"$.{field}")
    mine = call(world, spec, "GET", SUBMISSIONS, world.ada.token, 200)["submissions"]
    assert [s["id"] for s in mine] == [world.submission]  # nothing recorded


def test_learner_cannot_submit_as_another_learner(world, spec):
    bundle = learner_bundle(FOUNDATION) | {"learner": dict(world.grace.identity)}
    body = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 403, json=bundle)
    assert body["error"]["code"] == "forbidden"


def test_malformed_json_is_422_with_its_problems(world, spec):
    body = call(
        world,
        spec,
        "POST",
        SUBMISSIONS,
        world.ada.token,
        422,
        raw=b'{"schema": "vouch.evidence/v1",',
    )
    error = error_at(body, "$")
    assert error["problems"]
    assert error["problems"][0]["path"] == "$"


def test_empty_body_is_422_at_the_root(world, spec):
    body = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 422, raw=b"")
    error_at(body, "$")


def test_body_over_two_mebibytes_is_413(world, spec):
    padding = b" " * (2 * 1024 * 1024)
    body = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 413, raw=b"{}" + padding)
    assert body["error"]["code"]


def test_unknown_milestone_is_422_at_milestone(world, spec):
    bundle = learner_bundle(FOUNDATION) | {"milestone": "made-up-milestone"}
    body = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 422, json=bundle)
    error_at(body, "$.milestone")


def test_unknown_checklist_item_is_422_at_its_path(world, spec):
    bundle = learner_bundle(FOUNDATION)
    bundle["checklist"].append("knowledge.made-up")
    body = call(world, spec, "POST", SUBMISSIONS, world.ada.token, 422, json=bundle)
    assert body["error"]["path"] == f"$.checklist[{len(bundle['checklist']) - 1}]"


# -- reviewers signing off --------------------------------------------------------------------


@pytest.mark.parametrize("key", ["mentor", "peer"])
def test_queue_lists_submissions_awaiting_a_sign_off_this_reviewer_can_give(world, spec, key):
    body = call(world, spec, "GET", SUBMISSIONS, world.people[key].token, 200)
    queued = {s["id"]: s for s in body["submissions"]}
    assert set(queued) == {world.submission}  # not Grace's, which is met
    assert set(queued[world.submission]["awaiting"]) == {"self-explanation"}


def test_sign_off_issues_the_credential_to_the_learner(world, spec):
    body = call(
        world, spec, "POST", REVIEWS, world.mentor.token, 201, json=SIGN_OFF, id=world.submission
    )
    assert body["issued"] is True
    assert body["verdict"]["status"] == "met"
    issued = body["credential"]["id"]
    mine = call(world, spec, "GET", "/api/v1/credentials", world.ada.token, 200)
    assert [c["id"] for c in mine["credentials"]] == [issued]
    theirs = call(world, spec, "GET", "/api/v1/credentials", world.grace.token, 200)
    assert issued not in [c["id"] for c in theirs["credentials"]]
    queue = call(world, spec, "GET", SUBMISSIONS, world.peer.token, 200)
    assert queue["submissions"] == []
    shown = call(
        world, spec, "GET", "/api/v1/submissions/{id}", world.ada.token, 200, id=world.submission
    )
    assert [(r["kind"], r["role"], r["minutes"]) for r in shown["reviews"]] == [
        ("self-explanation", "mentor", 20)
    ]


def test_the_same_sign_off_twice_is_409(world, spec):
    call(world, spec, "POST", REVIEWS, world.mentor.token, 201, json=SIGN_OFF, id=world.submission)
    body = call(
        world, spec, "POST", REVIEWS, world.mentor.token, 409, json=SIGN_OFF, id=world.submission
    )
    assert body["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"kind": "code-review"}, "$.kind"),
        ({"kind": "made-up"}, "$.kind"),
        ({"verdict": "maybe"}, "$.verdict"),
        ({"score": 101}, "$.score"),
        ({"score": True}, "$.score"),
        ({"minutes": -1}, "$.minutes"),
        ({"comment": "x" * 4001}, "$.comment"),
        ({"reviewer": {"id": "someone-else", "role": "expert"}}, "$.reviewer"),
        ({"made_up": 1}, "$.made_up"),
    ],
    ids=[
        "other-milestones-kind",
        "unknown-kind",
        "verdict",
        "score",
        "bool-score",
        "minutes",
        "comment",
        "reviewer",
        "unknown-field",
    ],
)
def test_invalid_sign_off_is_422_at_its_field(world, spec, change, path):
    body = call(
        world,
        spec,
        "POST",
        REVIEWS,
        world.mentor.token,
        422,
        json=SIGN_OFF | change,
        id=world.submission,
    )
    error_at(body, path)
    assert call(world, spec, "GET", SUBMISSIONS, world.mentor.token, 200)["submissions"]


def test_sign_off_that_is_not_an_object_is_422(world, spec):
    body = call(
        world, spec, "POST", REVIEWS, world.mentor.token, 422, json=[SIGN_OFF], id=world.submission
    )
    error_at(body, "$")


def test_sign_off_on_an_unknown_submission_is_404(world, spec):
    call(world, spec, "POST", REVIEWS, world.mentor.token, 404, json=SIGN_OFF, id=999999)


def test_code_review_counts_from_a_peer_but_not_an_expert(world, spec):
    """Implementation proficiency needs a peer's or a mentor's code review."""
    expert = add_person(world.issuer, "expert", "Eve Expert", "reviewer", "expert")
    made = call(
        world,
        spec,
        "POST",
        SUBMISSIONS,
        world.grace.token,
        201,
        json=learner_bundle(IMPLEMENTATION),
    )
    assert made["verdict"]["status"] == "awaiting-review"  # Grace holds foundation mastery
    review = {"kind": "code-review", "verdict": "pass", "score": 90}
    sid = made["submission"]
    queue = call(world, spec, "GET", SUBMISSIONS, expert.token, 200)["submissions"]
    assert sid not in [s["id"] for s in queue]
    queue = call(world, spec, "GET", SUBMISSIONS, world.peer.token, 200)["submissions"]
    assert {"code-review"} == set(next(s for s in queue if s["id"] == sid)["awaiting"])
    body = call(world, spec, "POST", REVIEWS, expert.token, 403, json=review, id=sid)
    assert body["error"]["code"] == "forbidden"
    body = call(world, spec, "POST", REVIEWS, world.peer.token, 201, json=review, id=sid)
    assert body["issued"] is True
    assert body["credential"]["credential"]["credentialSubject"]["achievement"]["name"] == (
        IMPLEMENTATION.badge.name
    )
    # shown as signed, not decoded back: the very credential its JWT carries
    _, payload = read_compact(body["credential"]["jwt"])
    signed = {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}
    assert body["credential"]["credential"] == signed


def test_nobody_signs_off_their_own_submission(world, spec):
    """A reviewer account tied to a learner record may not sign off that learner's work."""
    dee = {"id": "dee-the-learner", "name": "Dee Dual", "email": "dee@people.example"}
    pending = world.issuer.issue(learner_bundle(FOUNDATION, dee))
    reviewer = add_person(world.issuer, "dee", "Dee Dual", "reviewer", "mentor")
    with world.issuer.db.write() as db:
        db.get(User, reviewer.user_id).learner_id = world.issuer.submission(
            pending.submission_id
        ).learner_id
    body = call(
        world, spec, "POST", REVIEWS, reviewer.token, 403, json=SIGN_OFF, id=pending.submission_id
    )
    assert "own" in body["error"]["message"]
    # another reviewer may
    call(
        world, spec, "POST", REVIEWS, world.peer.token, 201, json=SIGN_OFF, id=pending.submission_id
    )


@pytest.fixture
def architecture_submission(world, spec) -> int:
    """Ada holds milestones 1 and 2 and submits system architecture (rubric still unscored)."""
    for milestone in (FOUNDATION, IMPLEMENTATION):
        assert world.issuer.issue(full_bundle(milestone, world.ada.identity)).credential
    made = call(
        world, spec, "POST", SUBMISSIONS, world.ada.token, 201, json=learner_bundle(ARCHITECTURE)
    )
    rubric = next(r for r in made["verdict"]["rules"] if r["id"] == "architecture-review")
    assert rubric["status"] == "awaiting-review"
    return made["submission"]


def _rule(outcome: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in outcome["verdict"]["rules"] if r["id"] == rule_id)


def test_rubric_scoring_of_80_points_meets_the_rubric_rule(world, spec, architecture_submission):
    items = _rubric_items(ARCHITECTURE, "architecture-review", 80)
    body = call(
        world,
        spec,
        "POST",
        REVIEWS,
        world.mentor.token,
        201,
        json={"kind": "architecture-review", "items": items},
        id=architecture_submission,
    )
    assert _rule(body, "architecture-review")["status"] == "met"
    assert body["verdict"]["met"] is True
    assert body["issued"] is True


def test_rubric_scoring_of_75_points_does_not(world, spec, architecture_submission):
    items = _rubric_items(ARCHITECTURE, "architecture-review", 75)
    body = call(
        world,
        spec,
        "POST",
        REVIEWS,
        world.mentor.token,
        201,
        json={"kind": "architecture-review", "items": items},
        id=architecture_submission,
    )
    assert _rule(body, "architecture-review")["status"] == "not-met"
    assert body["issued"] is False


def test_the_latest_rubric_scoring_counts(world, spec, architecture_submission):
    for total, status in ((75, "not-met"), (80, "met"), (75, "not-met")):
        items = _rubric_items(ARCHITECTURE, "architecture-review", total)
        body = call(
            world,
            spec,
            "POST",
            REVIEWS,
            world.mentor.token,
            201,
            json={"kind": "architecture-review", "items": items},
            id=architecture_submission,
        )
        assert _rule(body, "architecture-review")["status"] == status


def test_rubric_scoring_with_an_unknown_item_is_422(world, spec, architecture_submission):
    body = call(
        world,
        spec,
        "POST",
        REVIEWS,
        world.mentor.token,
        422,
        json={"kind": "architecture-review", "items": ["made-up.item"]},
        id=architecture_submission,
    )
    error_at(body, "$.items")


# -- tokens ------------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(world, spec):
    made = call(
        world, spec, "POST", "/api/v1/tokens", world.ada.token, 201, json={"name": "laptop"}
    )
    token = made["token"]
    assert token.startswith("vch_")
    assert made["prefix"] == token[: len(made["prefix"])]
    listed = call(world, spec, "GET", "/api/v1/tokens", world.ada.token, 200)
    assert [t["name"] for t in listed["tokens"]] == ["ada's token", "laptop"]
    text = str(listed)
    digest = hashlib.sha256(token.encode()).hexdigest()
    for secret in (token, digest, world.ada.token):
        assert secret not in text
    assert all("token" not in t and "token_hash" not in t for t in listed["tokens"])
    with world.issuer.db.read() as db:
        stored = db.get(ApiToken, made["id"]).token_hash
    assert stored != token
    assert stored == digest
    assert call(world, spec, "GET", "/api/v1/me", token, 200)["email"] == world.ada.email


def test_a_deleted_token_no_longer_signs_in(world, spec):
    made = call(world, spec, "POST", "/api/v1/tokens", world.ada.token, 201, json={"name": "old"})
    body = call(world, spec, "DELETE", "/api/v1/tokens/{id}", made["token"], 200, id=made["id"])
    assert body["revoked_at"] is not None
    call(world, spec, "GET", "/api/v1/me", made["token"], 401)
    call(world, spec, "GET", "/api/v1/me", world.ada.token, 200)


def test_deleting_someone_elses_token_is_404(world, spec):
    call(
        world, spec, "DELETE", "/api/v1/tokens/{id}", world.grace.token, 404, id=world.ada.token_id
    )
    call(world, spec, "GET", "/api/v1/me", world.ada.token, 200)


def test_a_token_needs_a_name(world, spec):
    body = call(world, spec, "POST", "/api/v1/tokens", world.ada.token, 422, json={})
    error_at(body, "$.name")


def test_me_describes_the_calling_account(world, spec):
    body = call(world, spec, "GET", "/api/v1/me", world.peer.token, 200)
    assert (body["email"], body["roles"], body["reviewer_role"], body["email_verified"]) == (
        world.peer.email,
        ["reviewer"],
        "peer",
        True,
    )


# -- administration ----------------------------------------------------------------------------

NEWCOMER = {"id": "newcomer-1", "name": "Nia Newcomer", "email": "nia@people.example"}


def test_admin_issues_by_hand_once(world, spec):
    bundle = full_bundle(FOUNDATION, NEWCOMER)
    body = call(world, spec, "POST", "/api/v1/admin/issue", world.admin.token, 201, json=bundle)
    assert body["issued"] is True
    assert body["created"] is True
    again = call(world, spec, "POST", "/api/v1/admin/issue", world.admin.token, 200, json=bundle)
    assert again["created"] is False
    assert again["credential"]["id"] == body["credential"]["id"]
    log = call(world, spec, "GET", "/api/v1/admin/log", world.admin.token, 200)
    issued = [e for e in log["entries"] if e["event"] == "issued"]
    assert body["credential"]["id"] in [e["credential"] for e in issued]
    assert f"user-{world.admin.user_id}" in [e["actor"] for e in issued]


def test_admin_issue_of_an_invalid_bundle_is_422(world, spec):
    bundle = full_bundle(FOUNDATION, NEWCOMER) | {"checklist": "everything"}
    body = call(world, spec, "POST", "/api/v1/admin/issue", world.admin.token, 422, json=bundle)
    assert body["error"]["path"] == "$.checklist"


@pytest.mark.parametrize("body", [b"[]", b"1", b"true", b"null"])
def test_admin_issue_of_a_body_that_is_not_an_object_is_422(world, spec, body):
    answer = call(world, spec, "POST", "/api/v1/admin/issue", world.admin.token, 422, raw=body)
    error_at(answer, "$")


def test_key_rotation_publishes_both_keys(world, spec):
    body = call(
        world,
        spec,
        "POST",
        "/api/v1/admin/keys/rotate",
        world.admin.token,
        200,
        json={"alg": "EdDSA"},
    )
    assert body["alg"] == "EdDSA"
    jwks = world.client().get("/.well-known/jwks.json")
    conforms(spec, "GET", "/.well-known/jwks.json", 200, jwks.get_json())
    assert len(jwks.get_json()["keys"]) == 2
    log = call(world, spec, "GET", "/api/v1/admin/log", world.admin.token, 200)
    assert log["entries"][0]["event"] == "key-rotated"


def test_key_rotation_refuses_a_symmetric_algorithm(world, spec):
    body = call(
        world,
        spec,
        "POST",
        "/api/v1/admin/keys/rotate",
        world.admin.token,
        422,
        json={"alg": "HS256"},
    )
    error_at(body, "$.alg")
    assert len(world.client().get("/.well-known/jwks.json").get_json()["keys"]) == 1


def test_admin_revokes_a_credential(world, spec):
    template = "/api/v1/credentials/{id}"
    body = call(
        world,
        spec,
        "POST",
        template + "/revoke",
        world.admin.token,
        200,
        json={"reason": "issued in error"},
        id=world.credential_uuid,
    )
    assert body["revoked"] is True
    shown = call(world, spec, "GET", template, None, 200, id=world.credential_uuid)
    assert shown["revoked"] is True
    assert "issued in error" not in str(shown)
    call(
        world,
        spec,
        "POST",
        template + "/revoke",
        world.admin.token,
        400,
        json={"reason": " "},
        id=world.credential_uuid,
    )
    call(
        world,
        spec,
        "POST",
        template + "/revoke",
        world.admin.token,
        404,
        json={"reason": "x"},
        id="00000000-0000-4000-8000-000000000000",
    )


# -- public JSON -------------------------------------------------------------------------------


def test_public_credential_json_conforms(world, spec):
    body = call(world, spec, "GET", "/api/v1/credentials/{id}", None, 200, id=world.credential)
    assert body["id"] == world.credential
    call(world, spec, "GET", "/api/v1/credentials/{id}", None, 404, id="not-a-credential")


def test_verify_answers_conform(world, spec):
    jwt = world.issuer.credential(world.credential).jwt
    body = call(world, spec, "POST", "/api/v1/verify", None, 200, json={"credential": jwt})
    assert body["verified"] is True
    call(world, spec, "POST", "/api/v1/verify", None, 422, json={"credential": "not a jwt"})
    call(world, spec, "POST", "/api/v1/verify", None, 400, json={})


def test_verify_answers_hold_what_the_credential_says_exactly(world, spec):
    """The answer's JSON keeps an integer beyond 64 bits (which orjson, writing the answers,
    refuses: the standard library writes those) and text beyond ASCII, as the credential has
    them."""
    from issuer.credential import sign_json
    from issuer.publication import kid

    issuer = world.issuer
    _, payload = read_compact(issuer.credential(world.credential).jwt)
    payload["name"] = "Zoë · 李 ✓"
    key, private_key = issuer.keys.signer()
    for extra in ({}, {"big": 2**70}):
        token = sign_json(
            json.dumps(payload | extra).encode(), private_key, key.alg, kid(issuer.did, key)
        )
        body = call(world, spec, "POST", "/api/v1/verify", None, 200, json={"credential": token})
        assert body["credential"]["name"] == "Zoë · 李 ✓"
        assert body["credential"].get("big") == extra.get("big")


def test_status_list_and_did_document_are_documented(world, spec):
    client = world.client()
    did = client.get("/.well-known/did.json")
    conforms(
        spec,
        "GET",
        "/.well-known/did.json",
        200,
        did.get_json(force=True),
        media="application/did+json",
    )
    missing = client.get("/status/nosuchlist")
    assert missing.status_code == 404
    conforms(spec, "GET", "/status/{id}", 404, missing.get_json())


def test_healthz_answer_is_documented(world, spec):
    response = world.client().get("/healthz")
    assert response.status_code == 200
    conforms(spec, "GET", "/healthz", 200, response.get_json())


# -- passwords ---------------------------------------------------------------------------------


def test_passwords_are_stored_as_scrypt_hashes(issuer):
    """Through the sign-up page, with the real work factor (no fixture lowers it here)."""
    from issuer.app import create_app

    client = create_app(issuer=issuer).test_client()
    password = "my very secret password"
    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf_token(client, "/signup"),
            "name": "Hedy Lamarr",
            "email": "hedy@people.example",
            "password": password,
        },
    )
    assert response.status_code == 302
    with issuer.db.read() as db:
        stored = db.scalars(select(User.password_hash)).all()
    assert len(stored) == 1
    assert stored[0].startswith("scrypt:")
    assert password not in stored[0]
    assert check_password_hash(stored[0], password)


def test_ids_too_large_for_a_database_column_are_not_found(world):
    """Found by schemathesis: 2**63 reached SQLite and raised OverflowError (500)."""
    client = world.client()
    headers = {"Authorization": f"Bearer {world.admin.token}"}
    for path in ("/api/v1/submissions/9223372036854775808", "/api/v1/tokens/99999999999999999999"):
        method = client.delete if "tokens" in path else client.get
        assert method(path, headers=headers).status_code == 404
