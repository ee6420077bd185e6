"""Issue 12 §2, identity: confirmed addresses, password links, one account with roles.

Mail goes to a real SMTP server in the test process (aiosmtpd); the tests read each message
and follow its link with the test client, as a person would with a browser.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from issuer import build as real_build
from issuer.cli import common as cli_common
from issuer.cli import main as vouch_main
from issuer.db.models import ApiToken, User
from issuer.mail import SmtpMailer
from tests.issuer.conftest import PASSPHRASE, PUBLIC_URL
from tests.mailserver import mail_server
from tests.web.conftest import (
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

SIGN_OFF = {"kind": "self-explanation", "verdict": "pass", "minutes": 20}


@pytest.fixture
def smtp(world: World) -> Any:
    """The world's app, sending through a real SMTP server: yields the server."""
    with mail_server() as server:
        world.app.extensions["vouch.mailer"] = SmtpMailer(
            server.url(), "Vouch <noreply@vouch.test>"
        )
        yield server


def path_of(url: str) -> str:
    """A mailed link as the test client follows it (the links carry VOUCH_PUBLIC_URL)."""
    assert url.startswith(PUBLIC_URL + "/"), url
    return url.removeprefix(PUBLIC_URL)


def sign_up(client: Any, email: str, name: str = "Katherine Johnson", password: str = "") -> Any:
    return post_form(
        client,
        "/signup",
        {"name": name, "email": email, "password": password or "katherine's long password"},
        token_from="/signup",
    )


def user_row(world: World, email: str) -> User:
    with world.issuer.db.read() as db:
        found = db.scalars(select(User).where(User.email == email)).one()
        db.expunge(found)
        return found


def later(world: World, monkeypatch: Any, **delta: float) -> None:
    """Move the issuer's clock on (links carry the time they were made by it)."""
    now = world.issuer.clock() + dt.timedelta(**delta)
    monkeypatch.setattr(world.issuer, "clock", lambda: now)


# -- 1. addresses are confirmed before any credential binds to them -------------------------------


def test_sign_up_mails_a_link_that_confirms_the_address_once(world, smtp):
    client = world.client()
    response = sign_up(client, "katherine@people.example")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/signup/sent"
    assert "Check your inbox to confirm your address" in client.get("/signup/sent").text
    assert client.get("/dashboard").status_code == 302  # not signed in by signing up

    mail = smtp.only("katherine@people.example")
    assert mail.message["From"] == "Vouch <noreply@vouch.test>"
    assert mail.message["Subject"] == "Confirm your email address for Vouch"
    link = path_of(mail.link("/account/confirm/"))

    # The link alone confirms nothing: it takes the account's password too.
    anonymous = client.get(link)
    assert anonymous.status_code == 302
    assert urlsplit(anonymous.headers["Location"]).path == "/login"
    assert user_row(world, "katherine@people.example").email_verified_at is None

    login(client, "katherine@people.example", "katherine's long password")
    assert "Confirm your email address" in client.get("/dashboard").text
    confirmed = client.get(link)
    assert confirmed.status_code == 302
    assert user_row(world, "katherine@people.example").email_verified_at is not None
    assert "Confirm your email address" not in client.get("/dashboard").text
    again = client.get(link)
    assert again.status_code == 400  # used
    assert "not valid" in Page(again.text).by_id("link-error").text


def test_no_credential_is_issued_to_an_unconfirmed_address(world, smtp):
    """Finding 1: anyone could sign up as someone@bigcorp.example and earn a badge naming
    that address. An unconfirmed learner may look around and fill forms; a submission is
    refused (403 email_unverified, with the way to a new link), by the page and by the API."""
    client = world.client()
    sign_up(client, "someone@bigcorp.example", "Not Someone")
    first_link = path_of(smtp.only().link("/account/confirm/"))
    login(client, "someone@bigcorp.example", "katherine's long password")
    form = client.get("/milestones/foundation-mastery/submit")
    assert form.status_code == 200

    checklist = sorted(FOUNDATION.checklist.points)
    refused = post_form(
        client,
        "/milestones/foundation-mastery/submit",
        {"checklist": checklist},
        token_from="/milestones/foundation-mastery/submit",
    )
    assert refused.status_code == 403
    page = Page(refused.text)
    assert "confirm your email address first" in refused.text
    assert page.by_id("unconfirmed") is not None  # the banner with "Send the link again"
    ticked = [e for e in page.fields() if e.get("name") == "checklist" and "checked" in e.attrs]
    assert len(ticked) == len(checklist)  # the form comes back as it was filled in

    token = post_form(client, "/account", {"action": "create-token", "name": "api"})
    secret = Page(token.text).by_id("new-token").text
    response = api(client, "POST", "/api/v1/submissions", secret, json=learner_bundle(FOUNDATION))
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "email_unverified"
    assert "/api/v1/me/confirmation" in error["message"]
    learner_id = user_row(world, "someone@bigcorp.example").learner_id
    assert learner_id is not None
    assert world.issuer.submissions(learner_id) == []
    assert world.issuer.credentials_of(learner_id) == []

    # A new link through the API; the first one still works too until one is used.
    resent = api(client, "POST", "/api/v1/me/confirmation", secret)
    assert (resent.status_code, resent.get_json()) == (202, {"sent_to": "someone@bigcorp.example"})
    second_link = path_of(smtp.only().link("/account/confirm/"))
    assert client.get(second_link).status_code == 302
    assert client.get(first_link).status_code == 400  # the address is confirmed: used up
    assert api(client, "POST", "/api/v1/me/confirmation", secret).status_code == 409

    issued = api(client, "POST", "/api/v1/submissions", secret, json=learner_bundle(FOUNDATION))
    assert issued.status_code == 201
    assert issued.get_json()["verdict"]["status"] == "awaiting-review"


def test_a_confirmation_link_expires_after_48_hours(world, smtp, monkeypatch):
    client = world.client()
    sign_up(client, "late@people.example")
    link = path_of(smtp.only().link("/account/confirm/"))
    login(client, "late@people.example", "katherine's long password")
    later(world, monkeypatch, hours=48, seconds=1)
    assert client.get(link).status_code == 400
    assert user_row(world, "late@people.example").email_verified_at is None


def test_a_confirmation_link_is_refused_when_tampered_with_or_for_another_account(world, smtp):
    client = world.client()
    sign_up(client, "kate@people.example")
    link = path_of(smtp.only().link("/account/confirm/"))
    ada = signed_in(world, "ada")
    assert ada.get(link).status_code == 400  # Ada's session, Kate's link
    login(client, "kate@people.example", "katherine's long password")
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 400
    assert user_row(world, "kate@people.example").email_verified_at is None


def test_someone_who_signed_up_with_my_address_cannot_keep_it(world, smtp):
    """The owner of the address never confirms an account someone else made with it (the
    link needs that account's password), and a password reset takes it over: the other
    person's password and API tokens stop working."""
    squatter = world.client()
    sign_up(squatter, "victim@people.example", "Squatter", "the squatter's password")
    smtp.only()  # the confirmation link goes to the victim, who cannot use it without signing in
    login(squatter, "victim@people.example", "the squatter's password")
    made = post_form(squatter, "/account", {"action": "create-token", "name": "squat"})
    squat_token = Page(made.text).by_id("new-token").text

    victim = world.client()
    post_form(victim, "/password/forgot", {"email": "victim@people.example"})
    link = path_of(smtp.only("victim@people.example").link("/password/reset/"))
    response = post_form(victim, link, {"password": "the victim's new password"}, token_from=link)
    assert response.status_code == 302
    assert user_row(world, "victim@people.example").email_verified_at is not None  # read there
    with world.issuer.db.read() as db:
        assert all(t.revoked_at for t in db.scalars(select(ApiToken).where(
            ApiToken.name == "squat")))  # fmt: skip
    assert api(world.client(), "GET", "/api/v1/me", squat_token).status_code == 401
    refused = post_form(
        world.client(),
        "/login",
        {"email": "victim@people.example", "password": "the squatter's password"},
    )
    assert refused.status_code == 401
    login(world.client(), "victim@people.example", "the victim's new password")


# -- password reset ---------------------------------------------------------------------------


def test_a_reset_link_sets_a_new_password_once(world, smtp):
    client = world.client()
    asked = post_form(client, "/password/forgot", {"email": world.ada.email.upper()})
    assert asked.status_code == 200
    mail = smtp.only(world.ada.email)
    assert mail.message["Subject"] == "Set a new Vouch password"
    link = path_of(mail.link("/password/reset/"))
    assert client.get(link).status_code == 200
    short = post_form(client, link, {"password": "short"}, token_from=link)
    assert short.status_code == 422
    assert "at least 10" in Page(short.text).field_error("password", "password-error").text
    done = post_form(client, link, {"password": "ada's brand new password"}, token_from=link)
    assert (done.status_code, urlsplit(done.headers["Location"]).path) == (302, "/login")
    login(world.client(), world.ada.email, "ada's brand new password")
    old = post_form(
        world.client(), "/login", {"email": world.ada.email, "password": world.ada.password}
    )
    assert old.status_code == 401
    # Used: the password it was made for is gone.
    assert world.client().get(link).status_code == 400
    again = post_form(
        world.client(), link, {"password": "yet another password"}, token_from="/login"
    )
    assert again.status_code == 400
    login(world.client(), world.ada.email, "ada's brand new password")


def test_a_new_password_ends_the_sessions_made_with_the_old_one(world, smtp):
    """Whoever was signed in with the old password (the reason for a reset, often) is out."""
    before = signed_in(world, "ada")
    assert before.get("/account").status_code == 200
    post_form(world.client(), "/password/forgot", {"email": world.ada.email})
    link = path_of(smtp.only().link("/password/reset/"))
    client = world.client()
    reset = post_form(client, link, {"password": "ada's brand new password"}, token_from=link)
    assert reset.status_code == 302
    after = before.get("/account")
    assert after.status_code == 302
    assert urlsplit(after.headers["Location"]).path == "/login"


def test_a_reset_link_expires_after_2_hours(world, smtp, monkeypatch):
    client = world.client()
    post_form(client, "/password/forgot", {"email": world.ada.email})
    link = path_of(smtp.only().link("/password/reset/"))
    later(world, monkeypatch, hours=2, seconds=1)
    assert client.get(link).status_code == 400
    response = post_form(client, link, {"password": "too late a password"}, token_from="/login")
    assert response.status_code == 400
    login(world.client(), world.ada)  # unchanged


def test_a_reset_link_dies_when_the_password_changes_otherwise(world, smtp, monkeypatch):
    client = world.client()
    post_form(client, "/password/forgot", {"email": world.ada.email})
    later(world, monkeypatch, minutes=2)
    post_form(client, "/password/forgot", {"email": world.ada.email})
    first, second = (path_of(m.link("/password/reset/")) for m in list(smtp.inbox))
    assert (
        post_form(
            client, second, {"password": "second link's password"}, token_from=second
        ).status_code
        == 302
    )
    assert client.get(first).status_code == 400


def test_strangers_requests_mail_an_address_at_most_once_every_two_minutes(
    world, smtp, monkeypatch
):
    """Rate limits count requests per client; an address someone wants to flood is also
    protected by itself: the page answers the same, the mail is not sent again."""
    for _ in range(3):
        asked = post_form(world.client(), "/password/forgot", {"email": world.ada.email})
        assert asked.status_code == 200
        assert sign_up(world.client(), world.ada.email, "Flood").status_code == 302
    assert [m.message["Subject"] for m in smtp.inbox] == ["Set a new Vouch password"]
    later(world, monkeypatch, minutes=2)
    sign_up(world.client(), world.ada.email, "Flood")
    assert len(smtp.inbox) == 2
    assert smtp.inbox[1].message["Subject"].startswith("Someone tried to sign up")


def test_forgot_password_answers_the_same_for_an_unknown_address(world, smtp):
    known = post_form(world.client(), "/password/forgot", {"email": world.ada.email})
    unknown = post_form(world.client(), "/password/forgot", {"email": "nobody@people.example"})
    assert known.status_code == unknown.status_code == 200
    assert (
        Page(known.text).by_id("forgot-sent").text == Page(unknown.text).by_id("forgot-sent").text
    )
    assert [m.recipients for m in smtp.inbox] == [[world.ada.email]]


# -- 3. sign-up does not tell who has an account ----------------------------------------------


def _answer(response: Any) -> tuple[int, str, str]:
    location = response.headers.get("Location", "")
    return response.status_code, location, response.text


def test_sign_up_with_a_taken_address_answers_the_same_and_tells_the_owner(world, smtp):
    """Finding 3: sign-up said "an account with this email exists". Now a taken address gets
    the answer a new one gets, and its owner a note with a link to set a new password."""
    new = sign_up(world.client(), "fresh@people.example", "Fresh Person")
    taken = sign_up(world.client(), world.ada.email.upper(), "Another Ada")
    assert _answer(taken) == _answer(new)
    assert (
        world.client().get(new.headers["Location"]).text
        == world.client().get(taken.headers["Location"]).text
    )

    note = smtp.only(world.ada.email)
    assert note.message["Subject"] == "Someone tried to sign up to Vouch with your address"
    assert "Nothing was changed" in note.body
    smtp.only("fresh@people.example")
    # Nothing changed for Ada: her password still works, the stranger's does not.
    login(world.client(), world.ada)
    refused = post_form(
        world.client(),
        "/login",
        {"email": world.ada.email, "password": "katherine's long password"},
    )
    assert refused.status_code == 401
    # The note's link sets a new password, should it have been Ada who forgot she had one.
    link = path_of(note.link("/password/reset/"))
    done = post_form(world.client(), link, {"password": "ada remembers now"}, token_from=link)
    assert done.status_code == 302
    login(world.client(), world.ada.email, "ada remembers now")


def test_sign_up_form_errors_still_show_at_their_field(world, smtp):
    response = sign_up(world.client(), "not an address")
    assert response.status_code == 422
    assert Page(response.text).field_error("email", "email-error")
    assert smtp.inbox == []


# -- 2. one person, one account, and nobody signs off their own submission ---------------------


def _cli(world: World, *args: str) -> Any:
    """The real ``vouch`` CLI on the world's database, key store and instance folder."""
    settings = world.issuer.settings
    env = {
        "VOUCH_INSTANCE_PATH": str(settings.instance_path),
        "VOUCH_KEYS_DIR": str(settings.keys_dir),
        "VOUCH_KEY_PASSPHRASE": PASSPHRASE,
        "VOUCH_DATABASE_URL": world.issuer.settings.resolved_database_url,
        "VOUCH_PUBLIC_URL": PUBLIC_URL,
        "VOUCH_ENV": None,
        "VOUCH_SMTP_URL": None,
        "VOUCH_ISSUER_NAME": settings.issuer_name,
    }
    built = []

    def build(*a: Any, **kw: Any) -> Any:
        built.append(real_build(*a, **kw))
        return built[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_common, "build", build)  # to close its connections (PostgreSQL)
        result = CliRunner().invoke(vouch_main, list(args), env=env, catch_exceptions=False)
    for service in built:
        service.db.dispose()
    assert result.exit_code == 0, result.output
    return result


def test_a_mentor_who_also_learns_cannot_sign_off_their_own_submission(world, smtp):
    """Finding 2: reviewer accounts carried no learner id, so a mentor who also signed up as a
    learner could sign off their own submission. Made here through the real paths: the
    sign-up page and its mailed link, then ``vouch users add`` on the same address."""
    client = world.client()
    sign_up(client, "mia@people.example", "Mia Mentor", "mia's long password")
    link = path_of(smtp.only().link("/account/confirm/"))
    login(client, "mia@people.example", "mia's long password")
    assert client.get(link).status_code == 302
    submitted = post_form(
        client,
        "/milestones/foundation-mastery/submit",
        _foundation_form(),
        token_from="/milestones/foundation-mastery/submit",
    )
    assert submitted.status_code == 302
    submission = int(submitted.headers["Location"].rsplit("/", 1)[1])
    assert world.issuer.submission(submission).status == "awaiting-review"

    added = _cli(world, "users", "add", "--role", "reviewer", "--reviewer-role", "mentor",
                 "--email", "MIA@people.example", "--name", "Mia Mentor")  # fmt: skip
    assert "added role to:" in added.output
    assert "learner, reviewer (mentor)" in added.output
    listed = json.loads(_cli(world, "users", "list", "--json").output)
    mia = next(u for u in listed if u["email"] == "mia@people.example")
    assert (mia["roles"], mia["reviewer_role"], mia["email_verified"]) == (
        ["learner", "reviewer"],
        "mentor",
        True,
    )

    account = client.get("/account")
    assert [li.text for li in Page(account.text).elements if li.tag == "li"][:2] == [
        "learner",
        "reviewer (mentor)",
    ]
    # Her review queue leaves out her own submission; Ada's waits there for a mentor.
    queue = client.get("/review").text
    assert f"/review/{submission}" not in queue
    assert f"/review/{world.submission}" in queue
    assert client.get(f"/review/{submission}").status_code == 403
    refused = post_form(
        client,
        f"/review/{submission}",
        {"kind": "self-explanation", "verdict": "pass", "minutes": "20"},
        token_from="/account",
    )
    assert refused.status_code == 403
    made = post_form(client, "/account", {"action": "create-token", "name": "mia"})
    mia_token = Page(made.text).by_id("new-token").text
    response = api(
        client, "POST", f"/api/v1/submissions/{submission}/reviews", mia_token, json=SIGN_OFF
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "nobody signs off their own submission"
    assert world.issuer.reviews_of(submission) == []
    queue_json = api(client, "GET", "/api/v1/submissions?as=reviewer", mia_token).get_json()
    assert submission not in [s["id"] for s in queue_json["submissions"]]
    mine = api(client, "GET", "/api/v1/submissions?as=learner", mia_token).get_json()
    assert [s["id"] for s in mine["submissions"]] == [submission]
    assert api(client, "GET", "/api/v1/submissions?as=admin", mia_token).status_code == 403
    assert api(client, "GET", "/api/v1/submissions?as=boss", mia_token).status_code == 422

    # Another mentor may; the credential is issued to Mia's confirmed address.
    other = api(client, "POST", f"/api/v1/submissions/{submission}/reviews", world.mentor.token,
                json=SIGN_OFF)  # fmt: skip
    assert other.status_code == 201
    assert other.get_json()["issued"] is True
    # And she still signs off others' work: Ada's.
    signed = api(client, "POST", f"/api/v1/submissions/{world.submission}/reviews", mia_token,
                 json=SIGN_OFF)  # fmt: skip
    assert signed.status_code == 201


def _foundation_form() -> dict[str, Any]:
    """The foundation-mastery form filled in to meet every rule a learner can meet."""
    bundle = learner_bundle(FOUNDATION)
    form: dict[str, Any] = {"checklist": bundle["checklist"]}
    for quiz, answers in bundle["quizzes"].items():
        for question, answer in answers.items():
            form[f"quiz:{quiz}:{question}"] = answer
    for exercise in bundle["exercises"]:
        form[f"exercise:{exercise['id']}:status"] = exercise["status"]
        if exercise.get("quality"):
            form[f"exercise:{exercise['id']}:quality"] = exercise["quality"]
    return form


def test_a_reviewer_may_become_a_learner_from_the_account_page(world, smtp):
    mentor = signed_in(world, "mentor")
    assert mentor.get("/dashboard").status_code == 403
    response = post_form(mentor, "/account/learner", {}, token_from="/account")
    assert response.status_code == 302
    assert mentor.get("/dashboard").status_code == 200
    row = user_row(world, world.mentor.email)
    assert (row.roles, row.reviewer_role, row.learner_id is not None) == (
        ["learner", "reviewer"],
        "mentor",
        True,
    )


def test_an_unconfirmed_learners_old_submission_waits_for_the_confirmation(world, smtp):
    """A submission from before addresses were confirmed (migration 0004 leaves existing
    addresses unconfirmed) gets no sign-off that would issue a credential to it."""
    with world.issuer.db.write() as db:
        db.get(User, world.ada.user_id).email_verified_at = None
    response = api(world.client(), "POST", f"/api/v1/submissions/{world.submission}/reviews",
                   world.mentor.token, json=SIGN_OFF)  # fmt: skip
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "email_unverified"
    with world.issuer.db.write() as db:
        db.get(User, world.ada.user_id).email_verified_at = world.issuer.clock()
    response = api(world.client(), "POST", f"/api/v1/submissions/{world.submission}/reviews",
                   world.mentor.token, json=SIGN_OFF)  # fmt: skip
    assert response.status_code == 201


# -- the development outbox ---------------------------------------------------------------------


def test_without_a_mail_server_mail_lands_in_the_outbox_page(world):
    client = world.client()
    sign_up(client, "outbox@people.example")
    files = list((world.issuer.settings.instance_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    page = Page(client.get("/dev/outbox").text)
    links = [u for u in page.urls() if "/account/confirm/" in u]
    assert len(links) == 1
    login(client, "outbox@people.example", "katherine's long password")
    assert client.get(path_of(links[0])).status_code == 302
    assert user_row(world, "outbox@people.example").email_verified_at is not None


def test_the_outbox_page_is_not_there_with_a_mail_server(world, smtp):
    assert world.client().get("/dev/outbox").status_code == 404


def test_the_page_says_so_when_the_mail_server_refuses(world):
    world.app.extensions["vouch.mailer"] = SmtpMailer("smtp+plain://127.0.0.1:9", "x@vouch.test")
    client = world.client()
    response = sign_up(client, "unlucky@people.example")
    assert response.status_code == 302  # the same answer: the account exists, no mail left
    login(client, "unlucky@people.example", "katherine's long password")
    resent = post_form(client, "/account/confirm", {}, token_from="/account")
    assert "did not take the message" in client.get(resent.headers["Location"]).text
    assert csrf_token(client, "/account")
