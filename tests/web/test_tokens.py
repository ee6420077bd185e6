"""API tokens: scopes, expiry, minting with a token, read-only lookups; /metrics and /readyz."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, event, select

from issuer.accounts import LAST_USED_EVERY, SCOPES, create_token
from issuer.db.models import ApiToken
from tests.web.conftest import api

PUBLIC_API = {
    "credentials.get_credential",
    "credentials.certificate",
    "credentials.badge",
    "verifier.verify_api",
}


def _token(world, person, **options):
    with world.issuer.db.write() as db:
        token, record = create_token(db, person.user_id, "test", world.issuer.clock(), **options)
        return token, record.id


def test_every_api_route_declares_the_scope_it_needs(app):
    undeclared = [
        endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and (endpoint := rule.endpoint) not in PUBLIC_API
        and not hasattr(app.view_functions[endpoint], "token_scope")
    ]
    assert undeclared == []
    declared = {
        getattr(app.view_functions[rule.endpoint], "token_scope", None)
        for rule in app.url_map.iter_rules()
    }
    assert declared - {None} <= set(SCOPES)


@pytest.mark.parametrize(
    ("scopes", "method", "path", "who", "allowed"),
    [
        ({"read"}, "GET", "/api/v1/me", "ada", True),
        ({"submit"}, "GET", "/api/v1/me", "ada", False),
        ({"read"}, "POST", "/api/v1/submissions", "ada", False),
        ({"read"}, "POST", "/api/v1/submissions/{submission}/reviews", "mentor", False),
        ({"read", "review"}, "GET", "/api/v1/submissions", "mentor", True),
        ({"read"}, "GET", "/api/v1/admin/log", "admin", False),
        ({"admin"}, "GET", "/api/v1/admin/log", "admin", True),
        ({"read"}, "POST", "/api/v1/credentials/{credential}/revoke", "admin", False),
    ],
)
def test_a_token_does_only_what_its_scopes_allow(world, scopes, method, path, who, allowed):
    token, _ = _token(world, world.people[who], scopes=frozenset(scopes))
    path = path.format(submission=world.submission, credential=world.credential_uuid)
    body = {"reason": "scope test"} if path.endswith("/revoke") else {}
    response = api(world.client(), method, path, token, json=body)
    if allowed:
        assert response.status_code == 200, response.get_json()
    else:
        assert response.status_code == 403
        assert "scope" in response.get_json()["error"]["message"]


def test_an_expired_token_is_401_saying_so(world, monkeypatch):
    token, _ = _token(world, world.ada)
    later = world.issuer.clock() + dt.timedelta(days=91)
    monkeypatch.setattr(world.issuer, "clock", lambda: later)
    response = api(world.client(), "GET", "/api/v1/me", token)
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]["message"]


def test_a_new_token_expires_in_90_days_and_has_every_scope_unless_asked(world):
    response = api(world.client(), "POST", "/api/v1/tokens", world.ada.token, json={"name": "x"})
    assert response.status_code == 201
    made = response.get_json()
    assert made["scopes"] == list(SCOPES)
    expires = dt.datetime.fromisoformat(made["expires_at"])
    assert expires - world.issuer.clock() <= dt.timedelta(days=90)
    assert expires - world.issuer.clock() > dt.timedelta(days=89)


def test_a_token_lifetime_beyond_the_maximum_is_refused(world):
    too_late = (world.issuer.clock() + dt.timedelta(days=366)).isoformat()
    response = api(
        world.client(),
        "POST",
        "/api/v1/tokens",
        world.ada.token,
        json={"name": "x", "expires_at": too_late},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["path"] == "$.expires_at"


@pytest.mark.parametrize(
    ("asked", "status"),
    [
        ({"scopes": ["read"]}, 201),
        ({"scopes": ["read", "submit"]}, 403),
        ({"scopes": ["admin"]}, 403),
        ({"days": 10}, 201),
        ({"days": 40}, 403),
        ({}, 201),
    ],
)
def test_a_token_never_mints_a_wider_one(world, asked, status):
    narrow, _ = _token(
        world,
        world.ada,
        scopes=frozenset({"read"}),
        expires_at=world.issuer.clock() + dt.timedelta(days=30),
    )
    body = {"name": "minted"}
    if "scopes" in asked:
        body["scopes"] = asked["scopes"]
    if "days" in asked:
        body["expires_at"] = (world.issuer.clock() + dt.timedelta(days=asked["days"])).isoformat()
    response = api(world.client(), "POST", "/api/v1/tokens", narrow, json=body)
    assert response.status_code == status, response.get_json()
    if status == 201:
        made = response.get_json()
        assert set(made["scopes"]) <= {"read"}
        limit = world.issuer.clock() + dt.timedelta(days=30)
        assert dt.datetime.fromisoformat(made["expires_at"]) <= limit


def _writes(world, call):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")):
            statements.append(statement)

    engine = world.issuer.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_a_bearer_request_writes_last_used_at_at_most_once_an_hour(world, monkeypatch):
    token, token_id = _token(world, world.ada)
    client = world.client()
    start = world.issuer.clock()
    monkeypatch.setattr(world.issuer, "clock", lambda: start)
    first = _writes(world, lambda: api(client, "GET", "/api/v1/me", token))
    assert len([s for s in first if s.lstrip().upper().startswith("UPDATE")]) == 1
    again = _writes(world, lambda: api(client, "GET", "/api/v1/me", token))
    assert again == []  # a read-only lookup: no write, no write lock
    monkeypatch.setattr(world.issuer, "clock", lambda: start + LAST_USED_EVERY)
    later = _writes(world, lambda: api(client, "GET", "/api/v1/me", token))
    assert len([s for s in later if s.lstrip().upper().startswith("UPDATE")]) == 1
    with world.issuer.db.read() as db:
        used = db.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))
    assert used == start + LAST_USED_EVERY


# -- /readyz and /metrics ----------------------------------------------------------------------


def test_readyz_says_ready_when_the_database_answers_and_the_key_signs(world):
    response = world.client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "signing": "ok"},
    }


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(world, monkeypatch):
    sqlite = world.issuer.db.engine.dialect.name == "sqlite"
    unreachable = create_engine(
        "sqlite:////nonexistent/folder/vouch.sqlite3"
        if sqlite
        else "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    )
    monkeypatch.setattr(world.issuer.db, "engine", unreachable)
    healthz = world.client().get("/healthz")
    response = world.client().get("/readyz")
    assert healthz.status_code == 200  # liveness does no I/O
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"].startswith("the database does not answer")
    assert body["checks"]["signing"] == "ok"
    unreachable.dispose()


def test_readyz_is_503_naming_the_key_store_when_it_cannot_sign(world, monkeypatch):
    from issuer.errors import KeyStoreError

    def broken():
        raise KeyStoreError("cannot read private key")

    monkeypatch.setattr(world.issuer.keys, "signer", broken)
    response = world.client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "ok",
        "signing": "the key store cannot sign: cannot read private key",
    }


@pytest.mark.parametrize(
    ("who", "scopes", "status"),
    [
        (None, None, 401),
        ("ada", None, 403),
        ("admin", {"read"}, 403),
        ("admin", {"admin"}, 200),
        ("admin", None, 200),
    ],
)
def test_metrics_need_an_admin_token_with_the_admin_scope(world, who, scopes, status):
    token = None
    if who is not None:
        options = {"scopes": frozenset(scopes)} if scopes else {}
        token, _ = _token(world, world.people[who], **options)
    response = api(world.client(), "GET", "/metrics", token)
    assert response.status_code == status
    if status == 200:
        assert "vouch_credentials_issued" in response.get_data(as_text=True)


def test_metrics_take_the_configured_metrics_token(make_issuer):
    from issuer.app import create_app

    client = create_app(issuer=make_issuer(metrics_token="scrape-me-0123456789")).test_client()
    assert client.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer scrape-me-wrong"}
    assert client.get("/metrics", headers=wrong).status_code == 401
    right = {"Authorization": "Bearer scrape-me-0123456789"}
    assert client.get("/metrics", headers=right).status_code == 200


def test_the_account_page_makes_a_token_with_the_scopes_and_lifetime_chosen(world):
    from tests.web.conftest import post_form, signed_in

    ada = signed_in(world, "ada")
    response = post_form(
        ada,
        "/account",
        {"action": "create-token", "name": "ci", "scopes": ["read", "submit"], "days": "7"},
        token_from="/account",
    )
    assert response.status_code == 200
    assert "Copy your new token now" in response.get_data(as_text=True)
    with world.issuer.db.read() as db:
        record = db.scalars(select(ApiToken).where(ApiToken.name == "ci")).one()
        assert record.scopes == "read submit"
        assert record.expires_at - record.created_at == dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days": "7"}, "at least one scope"),
        ({"scopes": ["read"], "days": "366"}, "1 to 365 days"),
        ({"scopes": ["everything"], "days": "7"}, "unknown scope"),
    ],
)
def test_the_account_page_refuses_a_token_without_scopes_or_too_long(world, fields, message):
    from tests.web.conftest import post_form, signed_in

    ada = signed_in(world, "ada")
    response = post_form(
        ada, "/account", {"action": "create-token", "name": "ci", **fields}, token_from="/account"
    )
    assert message in response.get_data(as_text=True)
    with world.issuer.db.read() as db:
        assert db.scalars(select(ApiToken).where(ApiToken.name == "ci")).first() is None


# -- the OpenAPI document says all this --------------------------------------------------------


def test_token_answers_readiness_metrics_and_429_are_documented(world, make_issuer):
    from issuer.app import create_app
    from tests.web.test_api import conforms

    spec = world.client().get("/openapi.json").get_json()
    client = world.client()
    made = api(client, "POST", "/api/v1/tokens", world.ada.token, json={"name": "x"})
    conforms(spec, "POST", "/api/v1/tokens", 201, made.get_json())
    listed = api(client, "GET", "/api/v1/tokens", world.ada.token)
    conforms(spec, "GET", "/api/v1/tokens", 200, listed.get_json())
    narrow, _ = _token(world, world.ada, scopes=frozenset({"read"}))
    wider = api(client, "POST", "/api/v1/tokens", narrow, json={"name": "y", "scopes": ["admin"]})
    conforms(spec, "POST", "/api/v1/tokens", 403, wider.get_json())
    conforms(spec, "GET", "/readyz", 200, client.get("/readyz").get_json())
    conforms(spec, "GET", "/metrics", 401, client.get("/metrics").get_json())
    limited = create_app(issuer=make_issuer(ratelimit_verify="1 per minute")).test_client()
    limited.post("/api/v1/verify", json={"credential": "x"})
    refused = limited.post("/api/v1/verify", json={"credential": "x"})
    assert refused.status_code == 429
    conforms(spec, "POST", "/api/v1/verify", 429, refused.get_json())
    operation = spec["paths"]["/api/v1/submissions"]["post"]
    assert "the submit scope" in operation["description"]
    assert "403" in operation["responses"]
