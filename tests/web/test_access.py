"""Who may do what: every route of the app, tried as five people, against one matrix.

The columns are an anonymous visitor, the learner Ada, another learner (Grace), a reviewer (a
mentor) and an admin. API routes are called with each person's bearer token; pages with a
session signed in through the login page. A route the matrix does not list fails
``test_the_matrix_lists_every_route``: a new route needs its row here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from issuer.accounts import create_token
from issuer.db.models import User
from tests.web.conftest import (
    FOUNDATION,
    World,
    api,
    csrf_token,
    full_bundle,
    learner_bundle,
    post_form,
    signed_in,
)

ROLES = ("anon", "ada", "grace", "mentor", "admin")
ALL_200 = (200, 200, 200, 200, 200)
SIGNED_IN_200 = (401, 200, 200, 200, 200)
SIGNED_IN_PAGE = (302, 200, 200, 200, 200)
LEARNER_PAGE = (302, 200, 200, 403, 403)
SIGNED_IN_PAGE_302 = (302, 302, 302, 302, 302)
ADMIN_API = (401, 403, 403, 403, 200)
JSON_PREFIXES = ("/api/", "/.well-known/", "/status/", "/openapi.json")


@dataclass(frozen=True)
class Case:
    method: str
    #: The route as ``app.url_map`` spells it.
    rule: str
    #: A concrete path, formatted with :func:`_values`.
    path: str
    #: The status for anon, ada, grace, mentor and admin.
    expect: tuple[int, int, int, int, int]
    #: JSON for API routes, form fields for pages (the CSRF token is added).
    body: Callable[[World], Any] | None = None

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


def _jwt(world: World) -> str:
    return world.issuer.credential(world.credential).jwt


SIGN_OFF = {"kind": "self-explanation", "verdict": "pass", "minutes": 20}
MATRIX = [
    # -- JSON API (bearer tokens) ---------------------------------------------------------------
    Case("GET", "/api/v1/credentials/<credential_id>", "/api/v1/credentials/{credential}", ALL_200),
    Case(
        "GET",
        "/api/v1/credentials/<credential_id>/certificate.pdf",
        "/api/v1/credentials/{credential}/certificate.pdf",
        ALL_200,
    ),
    Case(
        "GET",
        "/api/v1/credentials/<credential_id>/badge.<any(png, svg):image_format>",
        "/api/v1/credentials/{credential}/badge.png",
        ALL_200,
    ),
    Case(
        "GET",
        "/api/v1/credentials/<credential_id>/badge.<any(png, svg):image_format>",
        "/api/v1/credentials/{credential}/badge.svg",
        ALL_200,
    ),
    Case(
        "POST",
        "/api/v1/credentials/<credential_id>/revoke",
        "/api/v1/credentials/{credential}/revoke",
        ADMIN_API,
        lambda w: {"reason": "access matrix"},
    ),
    Case("POST", "/api/v1/verify", "/api/v1/verify", ALL_200, lambda w: {"credential": _jwt(w)}),
    Case(
        "POST",
        "/api/v1/submissions",
        "/api/v1/submissions",
        (401, 201, 201, 403, 403),
        lambda w: learner_bundle(FOUNDATION),
    ),
    Case("GET", "/api/v1/submissions", "/api/v1/submissions", SIGNED_IN_200),
    Case(
        "GET",
        "/api/v1/submissions/<dbid:submission_id>",
        "/api/v1/submissions/{submission}",
        (401, 200, 404, 200, 200),
    ),
    Case(
        "POST",
        "/api/v1/submissions/<dbid:submission_id>/reviews",
        "/api/v1/submissions/{submission}/reviews",
        (401, 403, 403, 201, 403),
        lambda w: SIGN_OFF,
    ),
    Case("GET", "/api/v1/me", "/api/v1/me", SIGNED_IN_200),
    Case("GET", "/api/v1/credentials", "/api/v1/credentials", (401, 200, 200, 403, 403)),
    Case("GET", "/api/v1/tokens", "/api/v1/tokens", SIGNED_IN_200),
    Case(
        "POST",
        "/api/v1/tokens",
        "/api/v1/tokens",
        (401, 201, 201, 201, 201),
        lambda w: {"name": "matrix"},
    ),
    Case(
        "DELETE",
        "/api/v1/tokens/<dbid:token_id>",
        "/api/v1/tokens/{spare_token}",  # one of Ada's tokens
        (401, 200, 404, 404, 404),
    ),
    Case(
        "POST",
        "/api/v1/admin/issue",
        "/api/v1/admin/issue",
        (401, 403, 403, 403, 201),
        lambda w: full_bundle(
            FOUNDATION,
            {"id": "matrix-learner", "name": "Mat Rix", "email": "matrix@people.example"},
        ),
    ),
    Case(
        "POST",
        "/api/v1/admin/credentials/<credential_id>/reissue",
        "/api/v1/admin/credentials/{credential}/reissue",
        (401, 403, 403, 403, 201),  # the admin revoked it above
        lambda w: {"reason": "access matrix"},
    ),
    Case("GET", "/api/v1/admin/log", "/api/v1/admin/log", ADMIN_API),
    Case(
        "POST",
        "/api/v1/admin/keys/<key_id>/withdraw",
        "/api/v1/admin/keys/no-such-key/withdraw",  # the world's key stays (other rows use it)
        (401, 403, 403, 403, 404),
        lambda w: {"reason": "access matrix"},
    ),
    Case(
        "POST",
        "/api/v1/admin/keys/rotate",
        "/api/v1/admin/keys/rotate",
        ADMIN_API,
        lambda w: {"alg": "ES256"},
    ),
    # -- public material -----------------------------------------------------------------------
    Case("GET", "/healthz", "/healthz", ALL_200),
    Case("GET", "/readyz", "/readyz", ALL_200),
    # A bearer token only (VOUCH_METRICS_TOKEN or an admin's, admin scope): a session is not one.
    Case("GET", "/metrics", "/metrics", (401, 401, 401, 401, 401)),
    Case("GET", "/openapi.json", "/openapi.json", ALL_200),
    Case("GET", "/.well-known/jwks.json", "/.well-known/jwks.json", ALL_200),
    Case("GET", "/.well-known/did.json", "/.well-known/did.json", ALL_200),
    Case("GET", "/did.json", "/did.json", ALL_200),
    Case("GET", "/status/<list_id>", "/status/{status_list}", ALL_200),
    Case(
        "GET",
        "/achievements/<milestone_id>/image.<any(png, svg):image_format>",
        "/achievements/foundation-mastery/image.png",
        ALL_200,
    ),
    Case(
        "GET",
        "/achievements/<milestone_id>/image.<any(png, svg):image_format>",
        "/achievements/foundation-mastery/image.svg",
        ALL_200,
    ),
    Case("GET", "/v/<credential_id>", "/v/{credential}", ALL_200),
    Case("GET", "/verify", "/verify", ALL_200),
    Case("POST", "/verify", "/verify", ALL_200, lambda w: {"credential": _jwt(w)}),
    Case("GET", "/u/<handle>", "/u/{handle}", ALL_200),  # Grace's portfolio, switched on
    # Flask's static route: the app ships no static folder, so nothing is served from it.
    Case("GET", "/static/<path:filename>", "/static/app.css", (404, 404, 404, 404, 404)),
    # -- accounts ------------------------------------------------------------------------------
    Case("GET", "/signup", "/signup", ALL_200),
    Case(
        "POST",
        "/signup",
        "/signup",
        (422, 422, 422, 422, 422),
        lambda w: {"name": "Short Password", "email": "short@people.example", "password": "short"},
    ),
    Case("GET", "/signup/sent", "/signup/sent", ALL_200),
    # Every account in the world has confirmed its address: nothing to send (409).
    Case("POST", "/api/v1/me/confirmation", "/api/v1/me/confirmation", (401, 409, 409, 409, 409)),
    Case(
        "GET",
        "/account/confirm/<token>",
        "/account/confirm/not-a-real-token",
        (302, 400, 400, 400, 400),
    ),
    Case("POST", "/account/confirm", "/account/confirm", SIGNED_IN_PAGE_302, lambda w: {}),
    Case("GET", "/password/forgot", "/password/forgot", ALL_200),
    Case(
        "POST",
        "/password/forgot",
        "/password/forgot",
        ALL_200,
        lambda w: {"email": "nobody@people.example"},
    ),
    Case(
        "GET",
        "/password/reset/<token>",
        "/password/reset/not-a-real-token",
        (400, 400, 400, 400, 400),
    ),
    Case(
        "POST",
        "/password/reset/<token>",
        "/password/reset/not-a-real-token",
        (400, 400, 400, 400, 400),
        lambda w: {"password": "a new long password"},
    ),
    # Development (the world's setting) without VOUCH_SMTP_URL; production has no outbox.
    Case("GET", "/dev/outbox", "/dev/outbox", ALL_200),
    Case("GET", "/login", "/login", ALL_200),
    Case(
        "POST",
        "/login",
        "/login",
        (401, 401, 401, 401, 401),
        lambda w: {"email": w.ada.email, "password": "not the password"},
    ),
    Case("POST", "/logout", "/logout", (302, 302, 302, 302, 302), lambda w: {}),
    Case("GET", "/account", "/account", SIGNED_IN_PAGE),
    Case(
        "POST",
        "/account",
        "/account",
        SIGNED_IN_PAGE,
        lambda w: {"action": "create-token", "name": "matrix"},
    ),
    # -- pages ---------------------------------------------------------------------------------
    Case("GET", "/", "/", (200, 302, 302, 302, 302)),
    Case("GET", "/dashboard", "/dashboard", LEARNER_PAGE),
    Case(
        "GET",
        "/milestones/<milestone_id>/submit",
        "/milestones/foundation-mastery/submit",
        LEARNER_PAGE,
    ),
    Case(
        "POST",
        "/milestones/<milestone_id>/submit",
        "/milestones/foundation-mastery/submit",
        (302, 302, 302, 403, 403),
        lambda w: {},
    ),
    Case(
        "GET",
        "/submissions/<dbid:submission_id>",
        "/submissions/{submission}",
        (302, 200, 404, 200, 200),
    ),
    Case("GET", "/credentials", "/credentials", LEARNER_PAGE),
    Case("GET", "/review", "/review", (302, 403, 403, 200, 403)),
    Case(
        "GET",
        "/review/<dbid:submission_id>",
        "/review/{submission}",
        (302, 403, 403, 200, 403),
    ),
    Case(
        "POST",
        "/review/<dbid:submission_id>",
        "/review/{page_submission}",
        (302, 403, 403, 302, 403),
        lambda w: {"kind": "self-explanation", "verdict": "pass", "minutes": "20"},
    ),
    Case("GET", "/admin", "/admin", (302, 403, 403, 403, 200)),
    Case(
        "POST",
        "/admin",
        "/admin",
        (302, 403, 403, 403, 302),
        lambda w: {"action": "revoke", "credential_id": w.credential, "reason": "access matrix"},
    ),
    # Last: it gives the mentor and the admin the learner role for the rest of the run.
    Case("POST", "/account/learner", "/account/learner", SIGNED_IN_PAGE_302, lambda w: {}),
]


def app_routes(app: Any) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_matrix_lists_every_route(app):
    listed = {(case.method, case.rule) for case in MATRIX}
    routes = app_routes(app)
    assert sorted(routes - listed) == [], "routes missing from the access matrix"
    assert sorted(listed - routes) == [], "matrix rows for routes that no longer exist"


def _clone(client: Any, app: Any) -> Any:
    """A new client with the same session cookie (signing out of it leaves the original)."""
    twin = app.test_client()
    cookie = client.get_cookie("session")
    if cookie is not None:
        twin.set_cookie("session", cookie.value)
    return twin


def _values(world: World) -> dict[str, Any]:
    """What the matrix's paths are formatted with; makes the extra records they need."""
    service = world.issuer
    page_submission = service.issue(learner_bundle(FOUNDATION, world.ada.identity))
    with service.db.write() as db:
        _, spare = create_token(db, world.ada.user_id, "spare", service.clock())
        spare_id = spare.id
        db.get(User, world.grace.user_id).portfolio_public = True
    return {
        "credential": world.credential_uuid,
        "submission": world.submission,
        "page_submission": page_submission.submission_id,
        "spare_token": spare_id,
        "status_list": service.credential(world.credential).status_list_id,
        "handle": world.grace.handle,
    }


def _is_error_json(response: Any) -> bool:
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - {"error", "result"}:
        return False
    error = body.get("error")
    return (
        isinstance(error, dict)
        and {"code", "message", "path"} <= set(error)
        and isinstance(error["code"], str)
        and isinstance(error["message"], str)
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(world, monkeypatch, role):
    # Rendering certificates is slow and tested elsewhere: who may fetch one is what counts.
    monkeypatch.setattr(world.issuer, "certificate_pdf", lambda credential_id: b"%PDF-1.7 stub")
    values = _values(world)
    column = ROLES.index(role)
    session = signed_in(world, None if role == "anon" else role)
    token = csrf_token(session)
    bearer = None if role == "anon" else world.people[role].token
    wrong = []
    for case in MATRIX:
        path, expected = case.path.format(**values), case.expect[column]
        body = case.body(world) if case.body else None
        if case.is_api:
            response = api(world.client(), case.method, path, bearer, json=body)
        else:
            client, form_token = _clone(session, world.app), token
            if case.rule == "/logout":  # signing out ends the session on the server: its own
                client = signed_in(world, None if role == "anon" else role)
                form_token = csrf_token(client)
            data = None if body is None else {"csrf_token": form_token, **body}
            response = client.open(path, method=case.method, data=data)
        problem = _problem(response, expected, path, role)
        if problem:
            wrong.append(f"{case.method} {path} as {role}: {problem}")
    assert not wrong, "\n".join(wrong)


def _problem(response: Any, expected: int, path: str, role: str) -> str | None:
    """What is wrong with an answer: its status, its error shape, where it redirects."""
    if response.status_code != expected:
        return f"expected {expected}, got {response.status_code}"
    if expected >= 400 and path.startswith(JSON_PREFIXES) and not _is_error_json(response):
        return f"not the JSON error shape: {response.data[:200]!r}"
    location = response.headers.get("Location", "")
    if expected == 302 and role == "anon" and urlsplit(location).path != "/login":
        return f"redirected to {location}, not the login page"
    return None


def test_an_unknown_or_revoked_token_is_refused_wherever_signing_in_is_needed(world):
    with world.issuer.db.write() as db:
        token, record = create_token(db, world.ada.user_id, "soon revoked", world.issuer.clock())
        token_id = record.id
    client = world.client()
    assert api(client, "DELETE", f"/api/v1/tokens/{token_id}", token).status_code == 200
    values = {
        "credential": world.credential_uuid,
        "submission": world.submission,
        "spare_token": world.ada.token_id,
    }
    needs_token = [case for case in MATRIX if case.is_api and case.expect[0] == 401]
    assert needs_token
    for case in needs_token:
        path = case.path.format(**values)
        body = case.body(world) if case.body else None
        for bad in ("vch_" + "x" * 43, token, "not-even-a-vouch-token"):
            response = api(client, case.method, path, bad, json=body)
            expected = 403 if path.endswith("/revoke") and not bad.startswith("vch_") else 401
            assert response.status_code == expected, (case.method, path, bad)
            assert _is_error_json(response)


def test_a_session_cookie_does_not_sign_in_to_the_api(world):
    """The API takes bearer tokens only, so a forged cross-site request carries no power."""
    ada = signed_in(world, "ada")
    assert ada.get("/dashboard").status_code == 200
    assert api(ada, "GET", "/api/v1/me", None).status_code == 401
    response = api(ada, "POST", "/api/v1/submissions", None, json=learner_bundle(FOUNDATION))
    assert response.status_code == 401
    assert _is_error_json(response)


# -- public routes show nothing private --------------------------------------------------------


def _jwt_payloads(text: str) -> list[str]:
    """The decoded payloads of every compact JWS in ``text``."""
    found = []
    for word in text.replace('"', " ").split():
        parts = word.split(".")
        if len(parts) == 3 and all(parts) and parts[0].startswith("eyJ"):
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            found.append(base64.urlsafe_b64decode(padded).decode())
    return found


def test_public_routes_show_no_email_and_no_evidence(world):
    client = world.client()
    ada = signed_in(world, "ada")
    assert post_form(ada, "/account", {"action": "portfolio", "public": "on"}).status_code == 302
    # Ada earns a credential through a reviewer, so both kinds of credential are looked at.
    signed = api(
        client,
        "POST",
        f"/api/v1/submissions/{world.submission}/reviews",
        world.mentor.token,
        json=SIGN_OFF,
    )
    assert signed.status_code == 201
    ada_credential = signed.get_json()["credential"]["id"].removeprefix("urn:uuid:")
    status_list = world.issuer.credential(world.credential).status_list_id
    paths = [
        f"/api/v1/credentials/{world.credential_uuid}",
        f"/api/v1/credentials/{ada_credential}",
        f"/v/{world.credential_uuid}",
        f"/v/{ada_credential}",
        f"/u/{world.ada.handle}",
        f"/status/{status_list}",
        "/.well-known/jwks.json",
        "/.well-known/did.json",
        "/did.json",
        f"/api/v1/credentials/{ada_credential}/badge.svg",
    ]
    bundle = full_bundle(FOUNDATION)
    private = [person.email for person in world.people.values()]
    private += ["people.example", *bundle["checklist"], bundle["exercises"][0]["artifact_sha256"]]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        texts = [text, *_jwt_payloads(text)]
        if response.is_json:
            texts.append(json.dumps(response.get_json()))
        leaks = sorted({secret for secret in private for t in texts if secret in t})
        assert leaks == [], f"{path} shows {leaks}"


def test_portfolio_is_not_found_until_the_learner_switches_it_on(world):
    client = world.client()
    path = f"/u/{world.grace.handle}"
    assert client.get(path).status_code == 404
    grace = signed_in(world, "grace")
    response = post_form(grace, "/account", {"action": "portfolio", "public": "on"})
    assert response.status_code == 302
    page = client.get(path)
    assert page.status_code == 200
    assert "Foundation Master" in page.get_data(as_text=True)
    assert "Grace Hopper" in page.get_data(as_text=True)
    response = post_form(grace, "/account", {"action": "portfolio"})  # unticked
    assert response.status_code == 302
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("key", ["mentor", "admin"])
def test_accounts_without_a_learner_record_have_no_portfolio(world, key):
    person = world.people[key]
    with world.issuer.db.write() as db:
        db.get(User, person.user_id).portfolio_public = True
    assert world.client().get(f"/u/{person.handle}").status_code == 404
