"""Real-browser journeys: a learner earns a badge, an employer checks it on a phone, an admin
revokes it; plus accessibility and no-JavaScript smoke checks.

Chromium is Debian's (``/usr/bin/chromium``); the app is served for real on 127.0.0.1.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import (
    CHROMIUM,
    PHONE,
    SKIP_REASON,
    Contexts,
    Live,
    Person,
    issued_credential,
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

MILESTONE = "foundation-mastery"


# -- helpers ------------------------------------------------------------------------------------


def sign_in(page: Any, live: Live, person: Person) -> None:
    page.goto(live.url("/login"))
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_up(page: Any, live: Live, person: Person) -> None:
    page.goto(live.url("/signup"))
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live.url("/signup/sent"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    # No mail server in development: the message waits in the outbox page. Its link asks for
    # the password first, then confirms the address.
    page.goto(live.url("/dev/outbox"))
    mail = page.locator("article", has_text=f"To {person.email}").filter(
        has_text="Confirm your email address"
    )
    mail.get_by_role("link", name=re.compile(r"account.confirm")).click()
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live.url("/dashboard"))
    expect(page.get_by_role("status").filter(has_text="email address is confirmed")).to_be_visible()


def fill_evidence(page: Any, live: Live, *, wrong: tuple[str, ...] = ()) -> None:
    """Tick every checklist item, answer the quiz (wrongly for ``wrong``), grade exercises."""
    m = live.issuer.catalogue[MILESTONE]
    boxes = page.locator('input[name="checklist"]')
    expect(boxes).to_have_count(len(m.checklist.points))
    for box in boxes.all():
        box.check()
    for quiz in m.quizzes.values():
        for number, q in enumerate(quiz.questions, start=1):
            key = q.answer
            if q.id in wrong:
                key = next(k for k in q.options if k != q.answer)
            group = page.get_by_role("group", name=f"{number}. {q.prompt}")
            group.get_by_role("radio", name=f"{key}) {q.options[key]}").check()
    for exercise in m.exercises:
        page.locator(f'select[name="exercise:{exercise}:status"]').select_option("complete")
        page.locator(f'select[name="exercise:{exercise}:quality"]').select_option("good")


def submit_evidence(page: Any, live: Live, *, wrong: tuple[str, ...] = ()) -> int:
    """From the dashboard: open the milestone's form, fill it in, submit; the submission id."""
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="Submit evidence for Foundation Mastery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit evidence: Foundation Mastery")
    fill_evidence(page, live, wrong=wrong)
    page.get_by_role("button", name="Submit evidence").click()
    expect(page).to_have_url(re.compile(r"/submissions/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def unnamed_fields(page: Any) -> tuple[int, list[str]]:
    """How many form fields are visible, and those without an accessible name."""
    return page.locator("input:not([type=hidden]), select, textarea").evaluate_all(
        """fields => {
            const visible = fields.filter(el => el.checkVisibility());
            const unnamed = visible.filter(
                el => !(el.labels.length > 0 || el.getAttribute('aria-label')));
            return [visible.length, unnamed.map(el => el.outerHTML)];
        }"""
    )


def tab_to(page: Any, target: Any, limit: int = 60) -> int:
    """Press Tab until ``target`` has keyboard focus; how many presses it took."""
    target.wait_for()
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return presses
    pytest.fail(f"{page.url}: Tab never reached {target} in {limit} presses")


def check_accessible(page: Any, target: Any, *, fields: bool = True) -> None:
    """Every visible field named, an <h1>, and ``target`` reachable with the keyboard."""
    assert page.locator("h1").count() >= 1, f"{page.url} has no <h1>"
    visible, unnamed = unnamed_fields(page)
    assert unnamed == [], f"{page.url}: fields without an accessible name: {unnamed}"
    if fields:
        assert visible > 0, f"{page.url}: expected visible form fields"
    tab_to(page, target)


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the screen (it scrolls sideways if > 0)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def no_foreign_requests(contexts: Contexts) -> None:
    assert contexts.requests, "no requests were recorded"
    assert contexts.foreign_requests() == []


# -- journeys -----------------------------------------------------------------------------------


def test_learner_earns_a_badge_and_downloads_the_certificate(live, contexts, screenshot):
    learner = Person("Ada Lovelace", "ada.journey@example.org")
    page = contexts.page()
    sign_up(page, live, learner)

    expect(page.get_by_role("status")).to_contain_text("Welcome to Vouch")
    milestones = page.locator("section.card")
    expect(milestones).to_have_count(6)
    for m, section in zip(live.issuer.catalogue, milestones.all(), strict=True):
        expect(section.get_by_role("heading", level=2)).to_have_text(f"{m.number}. {m.title}")
        expect(section.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    expect(page.get_by_role("progressbar", name="Overall progress")).to_be_visible()
    screenshot(page, "dashboard")

    # One wrong quiz answer: not met, and the reason says which.
    submit_evidence(page, live, wrong=("caching-strategy",))
    expect(page.locator("#submission-status")).to_have_text("Not met")
    quiz = page.locator("ul.checks li", has_text="2 of 3 correct")
    expect(quiz).to_be_visible()
    expect(quiz).to_contain_text("not met")
    expect(quiz).to_contain_text("Caching Strategy")
    screenshot(page, "verdict-not-met")

    # All right: only the reviewer's self-explanation sign-off is missing.
    submission_id = submit_evidence(page, live)
    expect(page.locator("#submission-status")).to_have_text("Awaiting review")
    expect(page.locator("ul.checks li", has_text="3 of 3 correct")).to_be_visible()
    expect(page.get_by_role("link", name="Download the certificate (PDF)")).to_have_count(0)

    # The mentor signs off in a browser of their own.
    reviewer = contexts.page()
    sign_in(reviewer, live, live.reviewer)
    reviewer.get_by_role("link", name="Review queue").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Waiting for your sign-off")
    reviewer.get_by_role("link", name=f"Review submission {submission_id}").click()
    form = reviewer.locator("form", has=reviewer.get_by_role("button", name="Record sign-off"))
    expect(form).to_have_count(1)
    form.get_by_role("radio", name="Pass").check()
    form.get_by_label("Minutes (optional)").fill("20")
    form.get_by_label("Comment").fill("Clear explanations of caching and CAP.")
    screenshot(reviewer, "review-form")
    form.get_by_role("button", name="Record sign-off").click()
    expect(reviewer.get_by_role("status")).to_contain_text(
        "Sign-off recorded; the submission is now issued."
    )

    # Back to the learner: the submission is met and the credential is there.
    page.reload()
    expect(page.locator("#submission-status")).to_have_text("Met")
    expect(page.get_by_role("link", name="Download the certificate (PDF)")).to_be_visible()
    page.get_by_role("link", name="Credentials").click()
    card = page.locator("section.card", has_text="Foundation Master: Foundation Mastery")
    expect(card).to_be_visible()
    verify_link = card.get_by_label("Verify link")
    expect(verify_link).to_have_value(
        re.compile("^" + re.escape(live.url("/v/")) + r"[0-9a-f-]{36}$")
    )
    page.wait_for_load_state("load")  # the badge image, before the screenshot
    badge = card.get_by_role("img", name="Foundation Master badge")
    assert badge.evaluate("img => img.complete && img.naturalWidth > 0"), "badge did not load"
    screenshot(page, "credentials")

    href = card.get_by_role("link", name="Certificate (PDF)").get_attribute("href")
    assert href is not None
    assert href.startswith(live.url("/api/v1/credentials/"))
    response = page.context.request.get(href)
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 10 * 1024
    no_foreign_requests(contexts)


def test_employer_verifies_on_a_phone_then_sees_the_revocation(live, contexts, screenshot):
    learner = Person("Grace Hopper", "grace.phone@example.org")
    credential_id = issued_credential(live, learner)
    phone = contexts.page(**PHONE)
    verify_url = live.issuer.verify_url(credential_id)
    phone.goto(verify_url)

    state = phone.get_by_role("status")
    expect(state).to_contain_text("Verified")
    expect(state).to_be_in_viewport(ratio=1)  # the answer is on the first screen
    expect(phone.get_by_text(learner.name, exact=True)).to_be_visible()
    expect(phone.get_by_role("heading", level=1, name="Foundation Master")).to_be_visible()
    assert overflow(phone) <= 0, "the page is wider than the phone"
    checks = phone.locator("ul.checks li")
    expect(checks.first).to_be_hidden()
    phone.get_by_text("Show details: every check").tap()
    expect(checks.first).to_be_visible()
    expect(checks.filter(has_text="signature")).to_contain_text("✓ pass")
    expect(checks.filter(has_text="status")).to_contain_text("✓ pass")
    screenshot(phone, "verify-phone-verified")

    admin = contexts.page()
    sign_in(admin, live, live.admin)
    admin.get_by_role("link", name="Admin").click()
    admin.get_by_label("Credential id").fill(credential_id)
    admin.get_by_label("Reason (recorded, not published)").fill("issued in error")
    admin.get_by_role("button", name="Revoke", exact=True).click()
    expect(admin.get_by_role("status")).to_contain_text(f"Revoked {credential_id}.")

    phone.reload()
    expect(state).to_contain_text("Revoked")
    expect(state).not_to_contain_text("Verified")
    phone.goto(verify_url)  # scanned again: a reload keeps the scroll position
    expect(state).to_contain_text("Revoked")
    expect(state).to_be_in_viewport(ratio=1)
    expect(phone.locator("ul.checks li").filter(has_text="status")).to_contain_text("✗ fail")
    screenshot(phone, "verify-phone-revoked")
    no_foreign_requests(contexts)


def test_accessibility_smoke(live, contexts):
    verify_url = live.issuer.verify_url(
        issued_credential(live, Person("Katherine Johnson", "katherine.a11y@example.org"))
    )
    page = contexts.page()

    page.goto(live.url("/signup"))
    check_accessible(page, page.get_by_role("button", name="Create account"))
    page.goto(live.url("/login"))
    check_accessible(page, page.get_by_role("button", name="Sign in"))

    sign_up(page, live, Person("Dorothy Vaughan", "dorothy.a11y@example.org"))
    page.goto(live.url("/dashboard"))
    check_accessible(
        page, page.get_by_role("link", name="Submit evidence for Foundation Mastery"), fields=False
    )
    page.goto(live.url(f"/milestones/{MILESTONE}/submit"))
    check_accessible(page, page.get_by_role("button", name="Submit evidence"))
    page.goto(verify_url)
    check_accessible(page, page.get_by_role("button", name="Verify", exact=True))

    no_foreign_requests(contexts)


def test_verify_page_works_without_javascript(live, contexts, screenshot):
    learner = Person("Mary Jackson", "mary.nojs@example.org")
    credential_id = issued_credential(live, learner)
    page = contexts.page(java_script_enabled=False, **PHONE)
    page.goto(live.issuer.verify_url(credential_id))

    expect(page.get_by_role("status")).to_contain_text("Verified")
    expect(page.get_by_text(learner.name, exact=True)).to_be_visible()
    details = page.locator("details", has_text="Show details")
    checks = details.locator("ul.checks li")
    expect(details).not_to_have_attribute("open", re.compile(".*"))
    expect(checks.first).to_be_hidden()
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    expect(checks.filter(has_text="signature")).to_contain_text("✓ pass")
    screenshot(page, "verify-phone-no-js")
    no_foreign_requests(contexts)


def test_verify_details_fit_a_phone_screen(live, contexts):
    credential_id = issued_credential(live, Person("Annie Easley", "annie.fit@example.org"))
    phone = contexts.page(**PHONE)
    phone.goto(live.issuer.verify_url(credential_id))
    phone.get_by_text("Show details: every check").tap()
    expect(phone.locator("ul.checks li", has_text="issuer key")).to_be_visible()
    assert overflow(phone) <= 0, f"the page is {overflow(phone)}px wider than the phone"


def test_signed_out_visitor_is_sent_to_sign_in_and_back(live, contexts):
    page = contexts.page()
    response = page.goto(live.url("/review"))
    assert response is not None
    assert response.status == 200, f"GET /review signed out answered {response.status}"
    landed = urlsplit(page.url)
    assert (landed.path, parse_qs(landed.query)) == ("/login", {"next": ["/review"]})
    page.get_by_label("Email").fill(live.reviewer.email)
    page.get_by_label("Password").fill(live.reviewer.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live.url("/review"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for your sign-off")
