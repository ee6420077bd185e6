"""Web-app hardening: NUL characters refused, database errors logged without their values."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import bindparam, insert, literal_column, select
from sqlalchemy.exc import DBAPIError

from issuer.app import create_app
from issuer.db.models import Learner, User
from issuer.web.public import SVG_CSP
from tests.web.conftest import api, csrf_token, signed_in

# -- NUL characters (PostgreSQL refuses them in text: a 500 that logged the parameters) --------


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/u/%00", {}),
        ("GET", "/u/ada%00x", {}),
        ("GET", "/v/%00", {}),
        ("GET", "/api/v1/credentials/%00", {}),
        ("GET", "/login?next=/%00", {}),
        ("GET", "/login?x%00=1", {}),
    ],
    ids=["portfolio", "portfolio-mid", "verify-page", "api-credential", "query-value", "query-key"],
)
def test_a_nul_in_the_path_or_query_is_400(world, method, path, kwargs):
    response = world.client().open(path, method=method, **kwargs)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Eve\x00", "email": "eve@people.example", "password": "long enough 1"},
        {"name": "Eve", "email": "eve\x00@people.example", "password": "long enough 1"},
        {"name": "Eve", "email": "eve@people.example", "password": "long enough 1", "\x00": "x"},
    ],
    ids=["name", "email", "key"],
)
def test_a_nul_in_a_form_field_is_400(world, fields):
    client = world.client()
    response = client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"), **fields})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_in_the_login_email_is_400(world):
    client = world.client()
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": "ada\x00@x.example", "password": "p"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/tokens", b'{"name": "lap\\u0000top"}'),
        ("/api/v1/tokens", b'{"na\\u0000me": "laptop"}'),
        ("/api/v1/tokens", b'{"name": ["x", {"y": "\\\\\\u0000"}]}'),
        ("/api/v1/credentials/{id}/revoke", b'{"reason": "in error\\u0000"}'),
        ("/api/v1/submissions", b'{"milestone": "\\u0000"}'),
    ],
    ids=["token-name", "key", "nested-after-escaped-backslash", "revoke-reason", "bundle"],
)
def test_a_nul_in_a_json_string_is_400(world, path, body):
    token = world.admin.token if "revoke" in path else world.ada.token
    response = api(
        world.client(),
        "POST",
        path.format(id=world.credential_uuid),
        token,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]["message"]


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(world):
    response = api(
        world.client(),
        "POST",
        "/api/v1/tokens",
        world.ada.token,
        data=b'{"name": "C:\\\\u0000 folder"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "C:\\u0000 folder"


def test_an_uploaded_file_may_hold_nul_bytes(world):
    response = world.client().post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "badge.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code != 400 or "NUL" not in response.get_data(as_text=True)


# -- database errors never log their parameters ------------------------------------------------

SECRET = "leak-me-7c1e@people.example"


def test_a_database_error_logs_no_parameter_value(world, caplog):
    def boom():
        with world.issuer.db.write() as db:  # a second learner with Ada's id: a unique key
            db.execute(
                insert(Learner).values(
                    external_id=world.ada.identity["id"], subject_id=SECRET, name=SECRET,
                    email=SECRET, created_at=world.issuer.clock(),
                )
            )  # fmt: skip

    world.app.add_url_rule("/boom", "boom", boom)
    caplog.set_level(logging.DEBUG)
    response = world.client().get("/boom")
    assert response.status_code == 500
    assert caplog.records, "the error is logged"
    assert SECRET not in caplog.text
    assert world.ada.identity["id"] not in caplog.text  # PostgreSQL's DETAIL quotes the key
    assert SECRET not in response.get_data(as_text=True)


def test_a_failing_statement_holds_no_parameter_value_in_its_message(world):
    with pytest.raises(DBAPIError) as raised, world.issuer.db.read() as db:
        db.execute(select(User.id).where(User.email == SECRET, literal_column("no_such") == 1))
    assert SECRET not in str(raised.value)
    statement = select(User.id).where(
        User.email == bindparam("email"), literal_column("no_such") == 1
    )
    with pytest.raises(DBAPIError) as raised:
        world.issuer.db.row(statement, {"email": SECRET})
    assert SECRET not in str(raised.value)


def test_pages_still_work_after_the_checks(world):
    client = signed_in(world, "ada")
    assert client.get("/account").status_code == 200


# -- security headers ------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)
PAGES = [
    (None, "/"),
    (None, "/login"),
    (None, "/signup"),
    (None, "/verify"),
    (None, "/v/{credential}"),
    (None, "/v/00000000-0000-0000-0000-000000000000"),
    (None, "/no-such-page"),
    ("ada", "/dashboard"),
    ("ada", "/account"),
    ("grace", "/credentials"),
    ("mentor", "/review"),
    ("admin", "/admin"),
]


def _policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize(("key", "path"), PAGES)
def test_every_page_has_a_strict_content_security_policy(world, key, path):
    response = signed_in(world, key).get(path.format(credential=world.credential_uuid))
    assert response.mimetype == "text/html"
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # development
    body = response.get_data(as_text=True)
    for block in STYLE_BLOCK.findall(body):  # every inline stylesheet is allowed by its hash
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["style-src"]
    assert " style=" not in body
    assert all("application/ld+json" in tag for tag in re.findall(r"<script[^>]*>", body))


@pytest.mark.parametrize(
    ("path", "policy"),
    [
        ("/v/{credential}", "no-referrer"),
        ("/verify", "no-referrer"),
        ("/u/somebody", "no-referrer"),
        ("/login", "strict-origin-when-cross-origin"),
        ("/", "strict-origin-when-cross-origin"),
    ],
)
def test_pages_naming_a_credential_send_no_referrer(world, path, policy):
    response = world.client().get(path.format(credential=world.credential_uuid))
    assert response.headers["Referrer-Policy"] == policy


def test_an_svg_badge_keeps_its_own_policy(world):
    response = world.client().get(f"/api/v1/credentials/{world.credential_uuid}/badge.svg")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == SVG_CSP
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_in_production(make_issuer):
    service = make_issuer(
        env="production", secret_key="s" * 40, ratelimit_storage_url="redis://127.0.0.1:6379"
    )
    response = create_app(issuer=service).test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if p.parent.name != "certificate"  # rendered to PDF, never served
    ),
)
def test_no_served_template_has_inline_script_or_style_attributes(template):
    text = (TEMPLATES / template).read_text()
    assert not re.search(r"\sstyle=", text), "a style attribute: the CSP blocks it"
    for tag in re.findall(r"<script[^>]*>", text):
        assert 'type="application/ld+json"' in tag, f"inline script {tag}: the CSP blocks it"
    for block in STYLE_BLOCK.findall(text):
        assert "{{" not in block, "a stylesheet must be fixed text"
        assert "{%" not in block, "a stylesheet must be fixed text"


@pytest.mark.parametrize("mimetype", ["application/pdf", "image/png", "application/octet-stream"])
def test_a_binary_body_may_hold_nul_bytes(world, mimetype):
    response = world.client().post(
        "/api/v1/verify", data=b"%PDF-1.7\x00\x00\x01", headers={"Content-Type": mimetype}
    )
    assert "NUL" not in response.get_data(as_text=True)
