"""In Chromium: an employer checks a genuine credential from an issuer this site does not know.

A second deployment, served for real, calls itself by this site's very issuer name; its
credential's signature is genuine. The employer pastes it into this site's verify page on a
phone and must not be fooled: no green, no "Verified", the real signer named.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    SKIP_REASON,
    Live,
    Person,
    issued_credential,
    served_issuer,
)
from tests.browser.test_journeys import check_accessible, no_foreign_requests, overflow

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def lookalike(tmp_path_factory, live) -> Iterator[Live]:
    """Another deployment under this site's issuer name, with a credential of its own."""
    root = tmp_path_factory.mktemp("lookalike")
    with served_issuer(root, live.issuer.settings.issuer_name) as (base_url, issuer):
        yield Live(base_url, issuer, live.reviewer, live.admin)


def test_employer_is_told_a_lookalike_issuer_is_not_recognised(
    live, lookalike, contexts, screenshot
):
    credential_id = issued_credential(lookalike, Person("Mallory Mimic", "mallory@example.org"))
    token = lookalike.issuer.credential(credential_id).jwt
    for name, options in (("phone", PHONE), ("desktop", {"viewport": DESKTOP})):
        page = contexts.page(**options)
        page.goto(live.url("/verify"))
        page.get_by_label("…or paste a token, credential JSON or verify link").fill(token)
        page.get_by_role("button", name="Verify", exact=True).click()

        state = page.get_by_role("status")
        expect(state).to_contain_text("Issuer not recognised")
        expect(state).not_to_contain_text("Verified")
        expect(state).to_contain_text(lookalike.issuer.did)
        expect(state).to_be_in_viewport(ratio=1)  # the warning is on the first screen
        color = state.evaluate("el => getComputedStyle(el).backgroundColor")
        assert color != "rgb(17, 107, 58)", "an untrusted issuer must never be shown green"
        expect(page.get_by_text("Issuer claims to be")).to_be_visible()
        expect(page.get_by_text("not confirmed by this site")).to_be_visible()
        assert overflow(page) <= 0, f"the {name} page is wider than its screen"
        check_accessible(page, page.get_by_role("button", name="Verify", exact=True))
        screenshot(page, f"verify-{name}-untrusted-issuer")
    # the browser itself never reaches the other deployment: only this site's verifier does
    no_foreign_requests(contexts)


def test_own_credential_is_verified_naming_the_trust_list(live, contexts):
    credential_id = issued_credential(live, Person("Trudy Trusted", "trudy@example.org"))
    page = contexts.page(**PHONE)
    page.goto(live.issuer.verify_url(credential_id))
    state = page.get_by_role("status")
    expect(state).to_contain_text("Verified")
    expect(state).to_contain_text(live.issuer.settings.issuer_name)
    expect(page.get_by_text("on this site's trust list: this issuer")).to_be_visible()
    no_foreign_requests(contexts)
