"""The pages people use, driven with Flask's test client: forms, their errors, CSRF, labels."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.conftest import (
    CATALOGUE,
    FOUNDATION,
    Page,
    World,
    api,
    csrf_token,
    learner_bundle,
    login,
    post_form,
    signed_in,
)

# Page flows exercise the web tier, not the database: SQLite is enough here.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

IMPLEMENTATION = CATALOGUE["implementation-proficiency"]
PUBLIC_HOST = "vouch.test"  # tests.issuer.conftest.PUBLIC_URL


def html(response: Any) -> str:
    return response.get_data(as_text=True)


# -- signing up and in ------------------------------------------------------------------------


def test_sign_up_with_a_short_password_shows_the_error_at_the_password(app):
    client = app.test_client()
    response = post_form(
        client,
        "/signup",
        {
            "name": "Katherine Johnson",
            "email": "katherine@people.example",
            "password": "short",
        },
        token_from="/signup",
    )
    assert response.status_code == 422
    page = Page(html(response))
    assert "at least 10 characters" in page.field_error("password", "password-error").text
    assert page.by_id("email").get("value") == "katherine@people.example"
    assert page.by_id("email").get("aria-invalid") is None


def test_sign_up_with_a_taken_email_answers_as_for_a_new_one(world):
    """It said "an account with this email exists" at the field (account enumeration, issue 12
    §3); now a taken address gets the new address's answer and its owner a mail
    (tests/web/test_identity.py reads it)."""
    client = world.client()
    response = post_form(
        client,
        "/signup",
        {
            "name": "Another Ada",
            "email": world.ada.email.upper(),
            "password": "long enough password",
        },
        token_from="/signup",
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/signup/sent"
    assert "exists" not in html(client.get("/signup/sent"))


def test_sign_up_asks_the_new_learner_to_confirm_and_sign_in(app):
    """Signing up used to sign the learner in at once; now the page asks them to confirm their
    address (the same answer whether or not it was taken), and they sign in with the password
    they chose."""
    client = app.test_client()
    response = post_form(
        client,
        "/signup",
        {
            "name": "Katherine Johnson",
            "email": "katherine@people.example",
            "password": "long enough password",
        },
        token_from="/signup",
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/signup/sent"
    assert client.get("/dashboard").status_code == 302
    login(client, "katherine@people.example", "long enough password")
    assert client.get("/dashboard").status_code == 200
    account = Page(html(client.get("/account")))
    assert next(e for e in account.elements if e.tag == "h1").text == "Katherine Johnson"
    assert account.by_id("unconfirmed") is not None


@pytest.mark.parametrize("email", ["ada@people.example", "nobody@people.example"])
def test_sign_in_with_a_wrong_password_or_unknown_email_is_401(world, email):
    response = post_form(world.client(), "/login", {"email": email, "password": "wrong password"})
    assert response.status_code == 401
    error = Page(html(response)).by_id("login-error")
    assert error is not None
    assert error.text.strip() == "Email or password is wrong."


def test_sign_in_returns_to_the_page_that_asked_for_it(world):
    client = world.client()
    response = client.get("/admin")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.path, parse_qs(target.query)) == ("/login", {"next": ["/admin"]})
    response = client.post(
        f"/login?{target.query}",
        data={
            "csrf_token": csrf_token(client),
            "email": world.admin.email,
            "password": world.admin.password,
        },
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin"


# -- CSRF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "path", "fields"),
    [
        (None, "/login", {"email": "ada@people.example", "password": "a long enough password"}),
        (None, "/signup", {"name": "X", "email": "x@people.example", "password": "long enough 1"}),
        ("ada", "/logout", {}),
        ("ada", "/account", {"action": "create-token", "name": "forged"}),
        ("ada", "/milestones/foundation-mastery/submit", {}),
        ("mentor", "/review/{submission}", {"kind": "self-explanation", "verdict": "pass"}),
        ("admin", "/admin", {"action": "revoke", "credential_id": "{credential}", "reason": "x"}),
    ],
    ids=["login", "signup", "logout", "account", "submit", "review", "admin"],
)
def test_a_form_posted_without_its_csrf_token_is_400_and_does_nothing(world, key, path, fields):
    client = signed_in(world, key)
    values = {"submission": world.submission, "credential": world.credential}
    fields = {name: value.format(**values) for name, value in fields.items()}
    before = _state(world)
    response = client.post(path.format(**values), data=fields)
    assert response.status_code == 400
    assert "form expired" in html(response)
    assert _state(world) == before
    if key:  # still signed in
        assert client.get("/account").status_code == 200


def _state(world: World) -> tuple[Any, ...]:
    service = world.issuer
    return (
        len(service.submissions()),
        len(service.reviews_of(world.submission)),
        service.credential(world.credential).revoked_at,
        len(service.tokens_of(world.ada.user_id)),
        len(service.log()),
    )


def test_the_csrf_token_changes_when_signing_in(world):
    client = world.client()
    before = csrf_token(client)
    login(client, world.ada)
    after = csrf_token(client, "/account")
    assert after != before
    stale = client.post("/account", data={"csrf_token": before, "action": "portfolio"})
    assert stale.status_code == 400
    fresh = client.post("/account", data={"csrf_token": after, "action": "portfolio"})
    assert fresh.status_code == 302


def test_revoking_a_token_with_a_malformed_id_is_a_client_error(world):
    ada = signed_in(world, "ada")
    response = post_form(ada, "/account", {"action": "revoke-token", "token_id": "abc"})
    assert response.status_code in (400, 404, 422)


def test_a_learner_revokes_a_token_on_the_account_page(world):
    ada = signed_in(world, "ada")
    page = post_form(ada, "/account", {"action": "create-token", "name": "laptop"})
    assert page.status_code == 200
    token = Page(html(page)).by_id("new-token").text.strip()
    assert api(world.client(), "GET", "/api/v1/me", token).status_code == 200
    listed = world.issuer.tokens_of(world.ada.user_id)
    token_id = next(t.id for t in listed if t.name == "laptop")
    other = post_form(
        ada, "/account", {"action": "revoke-token", "token_id": str(world.grace.token_id)}
    )
    assert other.status_code == 404
    response = post_form(ada, "/account", {"action": "revoke-token", "token_id": str(token_id)})
    assert response.status_code == 302
    assert api(world.client(), "GET", "/api/v1/me", token).status_code == 401
    assert api(world.client(), "GET", "/api/v1/me", world.grace.token).status_code == 200


# -- learners ---------------------------------------------------------------------------------


def _foundation_form(*, wrong_answers: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {"checklist": list(FOUNDATION.checklist.points)}
    for quiz in FOUNDATION.quizzes.values():
        for n, question in enumerate(quiz.questions):
            wrong = next(k for k in question.options if k != question.answer)
            data[f"quiz:{quiz.id}:{question.id}"] = wrong if n < wrong_answers else question.answer
    for exercise in FOUNDATION.exercises:
        data[f"exercise:{exercise}:status"] = "complete"
        data[f"exercise:{exercise}:quality"] = "good"
    return data


def test_a_quiz_with_two_of_three_right_is_explained_on_the_submission_page(world):
    ada = signed_in(world, "ada")
    path = "/milestones/foundation-mastery/submit"
    response = post_form(ada, path, _foundation_form(wrong_answers=1), token_from=path)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"]).path
    assert target.startswith("/submissions/")
    page = ada.get(target)
    assert page.status_code == 200
    assert "quiz: 2 of 3 correct = 67%, needs 80%" in html(page)
    assert Page(html(page)).by_id("submission-status").text == "Not met"


def test_negative_challenge_minutes_show_the_error_at_that_field(world):
    ada = signed_in(world, "ada")
    path = "/milestones/implementation-proficiency/submit"
    challenge = next(iter(IMPLEMENTATION.challenges))
    field = f"challenge:{challenge}:minutes"
    response = post_form(
        ada, path, {field: "-5", f"challenge:{challenge}:passed": "on"}, token_from=path
    )
    assert response.status_code == 422
    page = Page(html(response))
    error = page.field_error(field, f"challenge-{challenge}-minutes-error")
    assert "-5" in error.text or "≥ 0" in error.text
    assert page.by_id(field).get("value") == "-5"
    assert len(world.issuer.submissions(world.ada.learner_id)) == 1  # nothing recorded


def test_dashboard_shows_a_progress_bar_per_milestone_and_what_is_missing(world):
    page = Page(html(signed_in(world, "ada").get("/dashboard")))
    bars = [e for e in page.elements if e.get("role") == "progressbar"]
    assert len(bars) == len(CATALOGUE) + 1 == 7
    labels = {bar.get("aria-label"): bar.get("aria-valuenow") for bar in bars}
    assert labels[f"{FOUNDATION.title} progress"] == "75"
    assert "Overall progress" in labels
    text = " ".join(e.text for e in page.elements if e.tag == "details")
    assert "What is missing" in text
    assert "Self-explanation session sign-off: waiting for" in text


# -- reviewers --------------------------------------------------------------------------------


def test_a_reviewer_signs_off_from_the_queue_and_the_learner_gets_the_credential(world):
    mentor = signed_in(world, "mentor")
    queue = Page(html(mentor.get("/review")))
    links = [e.get("href") for e in queue.elements if e.tag == "a"]
    path = f"/review/{world.submission}"
    assert path in links
    assert f"/review/{world.grace_submission}" not in links
    response = post_form(
        mentor,
        path,
        {"kind": "self-explanation", "verdict": "pass", "minutes": "20"},
        token_from=path,
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/review"
    assert "the submission is now issued" in html(mentor.get("/review"))

    ada = signed_in(world, "ada")
    page = Page(html(ada.get("/credentials")))
    anchors = {e.text.strip(): e.get("href") for e in page.elements if e.tag == "a"}
    pdf = anchors["Certificate (PDF)"]
    assert urlsplit(anchors["Add to LinkedIn"]).netloc == "www.linkedin.com"
    embed = page.by_id("embed-1")
    assert embed.tag == "textarea"
    assert embed.text.startswith('<a href="https://vouch.test/v/')
    assert any(e.tag == "label" and e.get("for") == "embed-1" for e in page.elements)
    certificate = ada.get(urlsplit(pdf).path)  # the one certificate render of this suite
    assert certificate.status_code == 200
    assert certificate.mimetype == "application/pdf"
    assert certificate.data.startswith(b"%PDF")


def test_a_sign_off_without_a_verdict_is_422_on_the_review_page(world):
    mentor = signed_in(world, "mentor")
    path = f"/review/{world.submission}"
    response = post_form(
        mentor, path, {"kind": "self-explanation", "minutes": "20"}, token_from=path
    )
    assert response.status_code == 422
    assert "verdict: pass or fail" in html(response)
    assert world.issuer.reviews_of(world.submission) == []


# -- admins ---------------------------------------------------------------------------------------


def test_revoking_without_a_reason_shows_the_error_at_the_reason(world):
    admin = signed_in(world, "admin")
    response = post_form(
        admin,
        "/admin",
        {"action": "revoke", "credential_id": world.credential, "reason": "  "},
        token_from="/admin",
    )
    assert response.status_code == 422
    assert "reason is required" in Page(html(response)).field_error("reason", "reason-error").text
    assert world.issuer.credential(world.credential).revoked_at is None


def test_revoking_an_unknown_credential_shows_the_error_at_the_id(world):
    admin = signed_in(world, "admin")
    response = post_form(
        admin,
        "/admin",
        {"action": "revoke", "credential_id": "not-an-id", "reason": "typo"},
        token_from="/admin",
    )
    assert response.status_code == 422
    Page(html(response)).field_error("credential_id", "credential-error")


def test_an_admin_revokes_and_the_log_shows_it(world):
    admin = signed_in(world, "admin")
    response = post_form(
        admin,
        "/admin",
        {"action": "revoke", "credential_id": world.credential, "reason": "issued in error"},
        token_from="/admin",
    )
    assert response.status_code == 302
    page = Page(html(admin.get("/admin")))
    rows = [e for e in page.elements if e.tag == "tr"]
    revoked = [row for row in rows if "revoked" in row.text and world.credential in row.text]
    assert len(revoked) == 1
    public = world.client().get(f"/api/v1/credentials/{world.credential_uuid}").get_json()
    assert public["revoked"] is True


# -- every page: labels and hosts -------------------------------------------------------------


def _pages(world: World) -> list[tuple[str | None, str]]:
    """(who, path) for every page people see, with a credential and a rubric form to show."""
    service = world.issuer
    architecture = service.issue(
        learner_bundle(CATALOGUE["system-architecture"], world.ada.identity)
    )
    with service.db.write() as db:
        from issuer.db.models import User

        db.get(User, world.grace.user_id).portfolio_public = True
    return [
        (None, "/"),
        (None, "/signup"),
        (None, "/login"),
        (None, "/verify"),
        (None, f"/v/{world.credential_uuid}"),
        (None, f"/u/{world.grace.handle}"),
        ("ada", "/dashboard"),
        ("ada", "/account"),
        ("ada", f"/submissions/{world.submission}"),
        *[("ada", f"/milestones/{m.id}/submit") for m in CATALOGUE],
        ("grace", "/credentials"),
        ("grace", f"/submissions/{world.grace_submission}"),
        ("mentor", "/review"),
        ("mentor", f"/review/{world.submission}"),
        ("mentor", f"/review/{architecture.submission_id}"),
        ("admin", "/admin"),
    ]


def _fetch_pages(world: World) -> list[tuple[str, Page]]:
    clients = {key: signed_in(world, key) for key in (None, "ada", "grace", "mentor", "admin")}
    pages = []
    for key, path in _pages(world):
        response = clients[key].get(path)
        assert response.status_code == 200, (key, path, response.status_code)
        pages.append((path, Page(html(response))))
    # and the forms as they look when they show errors
    errors = {
        "/signup": (None, {"name": "", "email": "no", "password": "short"}),
        "/milestones/implementation-proficiency/submit": (
            "ada",
            {f"challenge:{next(iter(IMPLEMENTATION.challenges))}:minutes": "-5"},
        ),
        "/admin": ("admin", {"action": "revoke", "credential_id": "x", "reason": ""}),
    }
    for path, (key, fields) in errors.items():
        client = signed_in(world, key)
        response = post_form(client, path, fields, token_from=path)
        assert response.status_code == 422, path
        pages.append((f"{path} (with errors)", Page(html(response))))
    return pages


def test_every_form_field_has_a_label(world):
    pages = _fetch_pages(world)
    assert sum(len(page.fields()) for _, page in pages) > 200  # the parser sees the forms
    unlabelled = {
        path: [f"<{e.tag} name={e.get('name')!r} id={e.get('id')!r}>" for e in page.unlabelled()]
        for path, page in pages
    }
    assert {path: fields for path, fields in unlabelled.items() if fields} == {}


def test_no_page_links_to_another_host_but_linkedin(world):
    ada = signed_in(world, "ada")
    api(
        world.client(),
        "POST",
        f"/api/v1/submissions/{world.submission}/reviews",
        world.mentor.token,
        json={"kind": "self-explanation", "verdict": "pass", "minutes": 20},
    )
    pages = [*_fetch_pages(world), ("/credentials (ada)", Page(html(ada.get("/credentials"))))]
    external: dict[str, list[str]] = {}
    seen = set()
    for path, page in pages:
        for url in page.urls():
            parts = urlsplit(url)
            seen.add(parts.netloc)
            if not parts.netloc and parts.scheme in ("", "http", "https"):
                continue
            if parts.netloc == PUBLIC_HOST and parts.scheme == "https":
                continue
            if parts.netloc == "www.linkedin.com" and parts.path == "/profile/add":
                continue
            external.setdefault(path, []).append(url)
    assert external == {}
    assert {"", PUBLIC_HOST, "www.linkedin.com"} <= seen  # the parser sees the links
