"""Sessions: where a sign-in may send the browser next, and ending sessions on the server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select

from issuer.accounts import hash_password
from issuer.db.models import SessionRecord, User
from issuer.sessions import SESSION_LIFETIME
from issuer.web.accounts import safe_next
from tests.web.conftest import api, csrf_token, login, post_form, signed_in

# Hostile ``next`` values: each is another site (or no URL at all) once a browser has read it
# (WHATWG URL: C0 controls and spaces stripped at both ends, tabs and newlines removed
# anywhere, backslashes read as slashes).
HOSTILE_NEXT = [
    "//evil.example/x",
    "https://evil.example/x",
    "javascript:alert(1)",
    "evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "\x01/\x1f/evil.example",
    "/\x0b/x",
    "/\x7f",
    "/%0a/x".replace("%0a", "\n"),
    "",
    " ",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=repr)
def test_safe_next_refuses_what_a_browser_reads_as_another_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/admin", "/admin"),
        ("/review?x=1#top", "/review?x=1#top"),
        (" /admin\t", "/admin"),
        ("/ad\tmin", "/admin"),
        ("/a\\b", "/a/b"),
    ],
)
def test_safe_next_keeps_same_site_paths_as_a_browser_reads_them(target, path):
    assert safe_next(target) == path


@pytest.mark.parametrize(
    "query",
    [
        "next=//evil.example/x",
        "next=https://evil.example/x",
        "next=/%5Cevil.example",
        "next=/%09/evil.example",
        "next=/%0a/x",
        "next=/%0d%0a/evil.example",
        "next=%5C%5Cevil.example",
        "next=%20//evil.example",
        "next=/%5C/evil.example",
    ],
)
def test_sign_in_with_a_hostile_next_goes_to_the_home_page(world, query):
    client = world.client()
    response = client.post(
        f"/login?{query}",
        data={
            "csrf_token": csrf_token(client),
            "email": world.ada.email,
            "password": world.ada.password,
        },
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/"


# -- ending sessions on the server -----------------------------------------------------------


def _copy(client, app):
    """Another browser holding a saved copy of ``client``'s session cookie."""
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    return twin


def test_a_saved_cookie_no_longer_opens_the_account_after_sign_out(world):
    ada = signed_in(world, "ada")
    saved = _copy(ada, world.app)
    assert saved.get("/account").status_code == 200
    assert post_form(ada, "/logout", {}, token_from="/account").status_code == 302
    response = saved.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert ada.get("/account").status_code == 302


def test_signing_out_ends_only_this_session(world):
    laptop, phone = signed_in(world, "ada"), signed_in(world, "ada")
    assert post_form(laptop, "/logout", {}, token_from="/account").status_code == 302
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 200


def test_a_changed_password_ends_every_session(world):
    ada = signed_in(world, "ada")
    with world.issuer.db.write() as db:
        db.get(User, world.ada.user_id).password_hash = hash_password("another long password")
    assert ada.get("/account").status_code == 302
    assert login(world.client(), world.ada.email, "another long password")


def test_sign_out_everywhere_from_the_cli_ends_every_session(world, monkeypatch):
    from issuer.cli import main

    laptop, phone = signed_in(world, "ada"), signed_in(world, "ada")
    grace = signed_in(world, "grace")
    monkeypatch.setattr("issuer.cli.users.ready_issuer", lambda: world.issuer)
    result = CliRunner().invoke(main, ["users", "sign-out", world.ada.email])
    assert result.exit_code == 0, result.output
    assert "2 session(s) ended" in result.output
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    assert grace.get("/account").status_code == 200
    # API tokens are not sessions: they stay until revoked
    assert api(world.client(), "GET", "/api/v1/me", world.ada.token).status_code == 200


def test_an_admin_signs_an_account_out_everywhere(world):
    ada = signed_in(world, "ada")
    admin = signed_in(world, "admin")
    response = post_form(
        admin, "/admin", {"action": "sign-out", "email": world.ada.email}, token_from="/admin"
    )
    assert response.status_code == 302
    assert ada.get("/account").status_code == 302
    assert admin.get("/admin").status_code == 200


def test_a_session_expires_on_the_server(world, monkeypatch):
    ada = signed_in(world, "ada")
    later = world.issuer.clock() + SESSION_LIFETIME
    monkeypatch.setattr(world.issuer, "clock", lambda: later)
    assert ada.get("/account").status_code == 302


def test_the_database_holds_only_a_hash_of_the_session_key(world):
    ada = signed_in(world, "ada")
    cookie = ada.get_cookie("session").value
    with world.issuer.db.read() as db:
        rows = db.scalars(select(SessionRecord).where(SessionRecord.user_id == world.ada.user_id))
        hashes = [row.key_hash for row in rows]
    assert len(hashes) == 1
    assert hashes[0] not in cookie


def test_a_page_request_with_a_session_only_reads(world):
    ada = signed_in(world, "ada")
    writes = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(world.issuer.db.engine, "before_cursor_execute", count)
    try:
        assert ada.get("/account").status_code == 200
    finally:
        event.remove(world.issuer.db.engine, "before_cursor_execute", count)
    assert writes == []


def test_signing_out_everywhere_from_the_account_page(world):
    laptop, phone = signed_in(world, "ada"), signed_in(world, "ada")
    response = post_form(
        laptop, "/account", {"action": "sign-out-everywhere"}, token_from="/account"
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302


def test_signing_in_again_ends_the_session_this_browser_had(world):
    ada = signed_in(world, "ada")
    before = _copy(ada, world.app)
    login(ada, world.ada)
    assert ada.get("/account").status_code == 200
    assert before.get("/account").status_code == 302


def test_a_password_set_through_a_mailed_link_ends_every_session(world):
    from issuer.web import identity

    ada = signed_in(world, "ada")
    with world.app.test_request_context(), world.issuer.db.read() as db:
        user = db.get(User, world.ada.user_id)
        path = urlsplit(identity.links().url("reset", user, world.issuer.clock())).path
    client = world.client()
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "password": "a brand new password"}
    )
    assert response.status_code == 302
    assert ada.get("/account").status_code == 302
    assert login(world.client(), world.ada.email, "a brand new password")
