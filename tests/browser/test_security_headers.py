"""The Content-Security-Policy in a real browser: pages keep their styles, nothing is blocked."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM, SKIP_REASON, Contexts, Person, issued_credential

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)
pytest.importorskip("playwright.sync_api")


def test_pages_are_styled_and_nothing_is_blocked_by_the_policy(contexts: Contexts):
    live = contexts.live
    credential = issued_credential(live, Person("Cora Csp", "cora@example.org"))
    page = contexts.page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    for path in ("/login", "/verify", f"/v/{credential.removeprefix('urn:uuid:')}"):
        response = page.goto(live.url(path))
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(246, 248, 250)", path  # base.html's stylesheet applied
    page.goto(live.url("/login"))
    page.get_by_label("Email").fill("cora@example.org")
    page.get_by_label("Password").fill(Person("", "").password)
    page.get_by_role("button", name="Sign in").click()
    bar = page.get_by_role("progressbar", name="Overall progress")
    width = bar.evaluate("element => element.getBoundingClientRect().width")
    assert width > 100  # the progress bar is laid out across the page
    assert not [text for text in console if "Content Security Policy" in text], console
