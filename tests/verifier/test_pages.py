"""The verifier's web face: the page behind the QR code, the verify API and form, the
stand-alone verifier app, and verification over real HTTP (HttpFetcher and ``vouch verify``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import threading
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from markupsafe import escape
from werkzeug.serving import make_server

from criteria import Catalogue, load_catalogue
from issuer.app import create_app
from issuer.cli import main
from issuer.service import Issuer
from issuer.verification import verifier_options
from tests.criteria.bundles import LEARNER, meeting_bundle
from tests.verifier.test_artefacts import baked_png
from verifier import (
    CheckResult,
    CheckStatus,
    HttpFetcher,
    State,
    TrustList,
    Verifier,
    VerifyOptions,
)
from verifier import app as standalone
from verifier.fetch import FetchError, WsgiFetcher
from verifier.jose import read_compact
from verifier.result import VerificationResult
from verifier.web import page_context

CATALOGUE = load_catalogue()
MILESTONE = "foundation-mastery"
PUBLIC_URL = "https://vouch.test"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


# -- helpers --------------------------------------------------------------------------------------


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <details>."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.details_depth = 0
        self.details_text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.details_depth += tag == "details"

    def handle_endtag(self, tag):
        self.details_depth -= tag == "details"

    def handle_data(self, data):
        if self.details_depth:
            self.details_text.append(data)

    def meta(self, prop: str) -> str | None:
        metas = (a for t, a in self.tags if t == "meta" and a.get("property") == prop)
        return next((a.get("content") for a in metas), None)


def headline(html: str) -> str:
    match = re.search(r'<section class="state [^"]*"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    assert match, html
    return match.group(1).strip()


def text_of(response) -> str:
    return response.get_data(as_text=True)


def comparable(checks: list[dict]) -> list[tuple[str, str, str | None]]:
    """Check name and status; the detail only when it carries no timestamp."""
    return [
        (c["check"], c["status"], None if TIMESTAMP.search(c["detail"]) else c["detail"])
        for c in checks
    ]


class NoStatusLists:
    """The issuer's fetcher, except that its status lists cannot be fetched."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def get(self, url: str) -> bytes:
        if "/status/" in url:
            raise FetchError(f"{url} is unreachable (test)")
        return self.inner.get(url)


def issue(issuer: Issuer):
    record = issuer.issue(meeting_bundle(CATALOGUE[MILESTONE])).credential
    assert record is not None
    return record


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def world(issuer):
    app = create_app(issuer=issuer)
    record = issue(issuer)
    _, payload = read_compact(record.jwt)
    return SimpleNamespace(
        issuer=issuer,
        app=app,
        client=app.test_client(),
        record=record,
        uuid=record.id.removeprefix("urn:uuid:"),
        payload=payload,
        achievement=payload["credentialSubject"]["achievement"],
    )


# -- GET /v/<id> ----------------------------------------------------------------------------------


def test_page_of_a_fresh_credential_shows_verified(world):
    response = world.client.get(f"/v/{world.uuid}")
    assert response.status_code == 200
    html = text_of(response)
    assert headline(html) == "Verified"


def test_page_shows_learner_badge_issuer_and_criteria(world):
    html = text_of(world.client.get(f"/v/{world.uuid}"))
    assert LEARNER["name"] in html
    assert str(escape(world.achievement["name"])) in html
    assert str(escape(world.issuer.settings.issuer_name)) in html
    assert world.payload["issuer"]["name"] == world.issuer.settings.issuer_name
    narrative = world.achievement["criteria"]["narrative"]
    assert narrative
    assert str(escape(narrative)) in html


def test_page_lists_every_check_inside_details(world):
    html = text_of(world.client.get(f"/v/{world.uuid}"))
    result = world.app.extensions["vouch.verifier"].verify(world.record.jwt)
    names = [c.check for c in result.checks]
    assert {"signature", "issuer key", "status", "validity window"} <= set(names)
    inside = "".join(Tags(html).details_text)
    for name in names:
        assert name in inside, name


def test_page_has_open_graph_tags(world):
    tags = Tags(text_of(world.client.get(f"/v/{world.uuid}")))
    assert tags.meta("og:title").startswith("Verified")
    assert world.achievement["name"] in tags.meta("og:title")
    assert tags.meta("og:description")
    assert tags.meta("og:url") == f"{PUBLIC_URL}/v/{world.uuid}"


def test_page_has_no_executable_script(world):
    # The only <script> allowed is a schema.org JSON-LD data block (not executed, no src).
    tags = Tags(text_of(world.client.get(f"/v/{world.uuid}")))
    scripts = [a for t, a in tags.tags if t == "script"]
    for attrs in scripts:
        assert attrs.get("type") == "application/ld+json", attrs
        assert "src" not in attrs, attrs
    assert [t for t, _ in tags.tags if t in ("iframe", "object", "embed")] == []


def test_page_json_ld_is_data_about_the_credential(world):
    html = text_of(world.client.get(f"/v/{world.uuid}"))
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    for block in blocks:
        data = json.loads(block)
        assert data["@context"] == "https://schema.org"
        assert data["name"] == world.achievement["name"]
        assert LEARNER["email"] not in block


def test_page_loads_nothing_from_other_origins(world):
    # Resources (src, <link href>) come from the issuer itself: no CDN. Anchors may leave the
    # site only for the LinkedIn "add to profile" share link.
    html = text_of(world.client.get(f"/v/{world.uuid}"))
    own = ("/", PUBLIC_URL + "/")
    for tag, attrs in Tags(html).tags:
        for name in ("src", "href", "action", "srcset", "poster"):
            value = attrs.get(name)
            if value is None:
                continue
            assert not value.startswith("//"), (tag, value)
            if tag == "a" and value.startswith("https://www.linkedin.com/"):
                assert "noopener" in (attrs.get("rel") or ""), attrs
                continue
            assert value.startswith(own), (tag, value)


def test_page_never_shows_the_learners_email(world):
    html = text_of(world.client.get(f"/v/{world.uuid}")).lower()
    assert LEARNER["email"].lower() not in html
    assert LEARNER["email"].split("@")[0] + "@" not in html


def test_page_of_a_revoked_credential_shows_revoked(world):
    world.issuer.revoke(world.record.id, "issued in error", actor="test")
    response = world.client.get(f"/v/{world.uuid}")
    assert response.status_code == 200
    html = text_of(response)
    assert headline(html) == "Revoked"
    assert "Verified" not in headline(html)


@pytest.mark.parametrize(
    "credential_id",
    [UNKNOWN_UUID, f"urn:uuid:{UNKNOWN_UUID}", "not-a-uuid", "a" * 500],
    ids=["uuid", "urn", "not-a-uuid", "long"],
)
def test_page_of_an_unknown_credential_is_not_found(world, credential_id):
    response = world.client.get(f"/v/{credential_id}")
    assert response.status_code == 404
    assert headline(text_of(response)) == "Not found"


def test_page_with_a_nul_byte_in_its_address_is_refused(world):
    """A NUL is refused wherever it comes (400, tests/web/test_hardening.py), before any
    lookup: PostgreSQL cannot compare text holding one."""
    response = world.client.get("/v/a%00b")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_page_when_the_status_list_cannot_be_fetched_says_could_not_be_checked(world):
    local = world.app.extensions["vouch.verifier"]
    local.fetcher = NoStatusLists(local.fetcher)
    html = text_of(world.client.get(f"/v/{world.uuid}"))
    assert headline(html) == "Could not be checked"
    assert "not revoked" not in html.lower()
    assert "Verified" not in html


def test_page_of_an_expired_credential_shows_expired(issuer):
    # None of the six milestones sets valid_for_days: give foundation-mastery 30 days and issue
    # 400 days ago, with the same database and keys.
    catalogue = Catalogue(
        dataclasses.replace(m, valid_for_days=30) if m.id == MILESTONE else m for m in CATALOGUE
    )
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    expiring = Issuer(issuer.settings, issuer.db, issuer.keys, catalogue, clock=lambda: past)
    record = issue(expiring)
    assert record.valid_until is not None
    html = text_of(create_app(issuer=expiring).test_client().get(f"/v/{record.id[9:]}"))
    assert headline(html) == "Expired"
    assert "expired on" in html


def test_page_context_of_an_expired_result_says_expired():
    result = VerificationResult(
        (
            CheckResult("signature", CheckStatus.PASS, "ES256 signature verifies"),
            CheckResult("validity window", CheckStatus.FAIL, "expired on 2020-01-01T00:00:00Z"),
            CheckResult("status", CheckStatus.PASS, "not revoked"),
        )
    )
    context = page_context(result)
    assert (context["headline"], context["css_state"]) == ("Expired", "expired")
    assert "expired on 2020-01-01T00:00:00Z" in context["summary"]


# -- POST /api/v1/verify, /verify -----------------------------------------------------------------


def test_api_verifies_a_jwt(world):
    response = world.client.post("/api/v1/verify", json={"credential": world.record.jwt})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["state"] == "verified"
    assert body["errors"] == []


def test_api_does_not_verify_an_unsecured_credential_object(world):
    credential = world.client.get(f"/api/v1/credentials/{world.uuid}").get_json()["credential"]
    response = world.client.post("/api/v1/verify", json={"credential": credential})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is False
    signature = next(c for c in body["checks"] if c["check"] == "signature")
    assert signature["status"] == "fail"
    assert "no proof" in signature["detail"]


def test_api_refuses_garbage_as_unreadable(world):
    response = world.client.post("/api/v1/verify", json={"credential": "garbage"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "unreadable_input"
    assert body["error"]["message"]
    assert body["result"]["state"] == "unreadable"


def test_api_without_a_body_is_a_bad_request(world):
    response = world.client.post("/api/v1/verify")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_request"


def test_api_verifies_an_uploaded_baked_png(world):
    response = world.client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(baked_png(world.record.jwt)), "badge.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    decoding = next(c for c in body["checks"] if c["check"] == "decoding")
    assert "baked PNG" in decoding["detail"]


def test_verify_form_post_shows_verified(world):
    response = world.client.post("/verify", data={"credential": world.record.jwt})
    assert response.status_code == 200
    assert headline(text_of(response)) == "Verified"


def test_verify_form_labels_every_input(world):
    response = world.client.get("/verify")
    assert response.status_code == 200
    tags = Tags(text_of(response)).tags
    controls = ("input", "textarea", "select")
    fields = [a for t, a in tags if t in controls and a.get("type") not in ("hidden", "submit")]
    labelled = {a.get("for") for t, a in tags if t == "label"}
    assert {a.get("name") for a in fields} >= {"file", "credential", "email"}
    for field in fields:
        assert field.get("id") in labelled, field


# -- the stand-alone verifier app -----------------------------------------------------------------


def test_standalone_verifier_app_agrees_with_the_issuers_app(world):
    alone = standalone.create_app(
        verifier_options(world.issuer.settings), fetcher=WsgiFetcher(world.app, PUBLIC_URL)
    ).test_client()
    ours = world.client.post("/api/v1/verify", json={"credential": world.record.jwt})
    theirs = alone.post("/api/v1/verify", json={"credential": world.record.jwt})
    assert ours.status_code == theirs.status_code == 200
    ours, theirs = ours.get_json(), theirs.get_json()
    assert ours["state"] == theirs["state"] == "verified"
    assert comparable(ours["checks"]) == comparable(theirs["checks"])


def test_standalone_verifier_app_agrees_after_revocation(world):
    alone = standalone.create_app(
        verifier_options(world.issuer.settings), fetcher=WsgiFetcher(world.app, PUBLIC_URL)
    ).test_client()
    world.issuer.revoke(world.record.id, "issued in error", actor="test")
    ours = world.client.post("/api/v1/verify", json={"credential": world.record.jwt}).get_json()
    theirs = alone.post("/api/v1/verify", json={"credential": world.record.jwt}).get_json()
    assert ours["state"] == theirs["state"] == "not verified"
    assert comparable(ours["checks"]) == comparable(theirs["checks"])


# -- real HTTP ------------------------------------------------------------------------------------


class LiveServer:
    """The issuer's app on 127.0.0.1 (port chosen by the OS), served from a thread."""

    def __init__(self) -> None:
        self.app = None
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.running = False

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def _run(self) -> None:
        self.ready.set()
        self.server.serve_forever()

    def start(self, app) -> None:
        self.app = app
        self.thread.start()
        assert self.ready.wait(10)
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.thread.join()
            self.running = False
        self.server.server_close()


@pytest.fixture
def live(issuer):
    """An issuer whose public URL is a live local server, and a credential it issued."""
    server = LiveServer()  # bound first: the port is part of the issuer's identity
    try:
        settings = dataclasses.replace(issuer.settings, public_url=server.url)
        local = Issuer(settings, issuer.db, issuer.keys, issuer.catalogue)
        server.start(create_app(issuer=local))
        record = issue(local)
        yield SimpleNamespace(server=server, issuer=local, record=record)
    finally:
        server.stop()


def verify_over_http(token: str, now: dt.datetime | None = None, *, trusting: str | None = None):
    """A stand-alone verifier's answer; ``trusting``: the one issuer on its trust list."""
    # A fresh fetcher each time: HttpFetcher honours the status list's max-age=60, so one
    # fetcher would (correctly) reuse the list it read before a revocation for up to a minute.
    fetcher = HttpFetcher(allow_http=True, allow_private=True)
    trust = TrustList.of([trusting] if trusting else [])
    return Verifier(fetcher, VerifyOptions(trust=trust, allow_http=True)).verify(token, now=now)


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def test_live_issuer_credential_verifies_over_http(live):
    result = verify_over_http(live.record.jwt, trusting=live.issuer.did)
    assert result.state is State.VERIFIED, result.checks
    assert live.server.url in result.check("issuer key").detail
    assert result.check("status").status is CheckStatus.PASS


def test_live_verify_link_is_followed_over_http(live):
    uuid = live.record.id.removeprefix("urn:uuid:")
    result = verify_over_http(f"{live.server.url}/v/{uuid}", trusting=live.server.url)
    assert result.state is State.VERIFIED, result.checks
    assert result.check("verify link").status is CheckStatus.PASS


def test_live_revoked_credential_is_not_verified_over_http(live):
    assert verify_over_http(live.record.jwt, trusting=live.issuer.did).state is State.VERIFIED
    live.issuer.revoke(live.record.id, "issued in error", actor="test")
    result = verify_over_http(live.record.jwt, trusting=live.issuer.did)
    assert result.state is State.NOT_VERIFIED
    assert result.check("status").status is CheckStatus.FAIL
    assert "revoked" in result.check("status").detail
    assert result.revoked


def test_live_server_down_is_unknown_with_the_attempt_time(live):
    live.server.stop()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = verify_over_http(live.record.jwt, now=now)
    assert result.state is State.UNKNOWN
    unknown = [c for c in result.checks if c.status is CheckStatus.UNKNOWN]
    assert {c.check for c in unknown} >= {"issuer key", "status"}
    for check in unknown:
        if check.check != "signature":
            assert stamp(now) in check.detail, check
    assert all(c.status is not CheckStatus.FAIL for c in result.checks)


def run_cli(args: list[str], url: str, trusted: str = ""):
    runner = CliRunner()
    env = {"VOUCH_PUBLIC_URL": url, "VOUCH_ENV": "development", "VOUCH_TRUSTED_ISSUERS": trusted,
           "VOUCH_TRUST_LISTS": ""}  # fmt: skip
    return runner.invoke(main, args, env=env, catch_exceptions=False)


# -- trust: a genuine credential from an issuer this site does not know ---------------------------


def test_lookalike_issuer_is_never_verified_on_this_site(issuer, live):
    # ``live`` is another deployment that calls itself by this issuer's very name, under its
    # own did:web: its signature is genuine, its name is only its claim.
    assert live.issuer.settings.issuer_name == issuer.settings.issuer_name
    client = create_app(issuer=issuer).test_client()

    body = client.post("/api/v1/verify", json={"credential": live.record.jwt}).get_json()
    assert (body["verified"], body["state"]) == (False, "untrusted issuer")
    assert body["headline"] == "Issuer not recognised"
    assert body["issuer"] == {
        "id": live.issuer.did,
        "domain": live.server.url.removeprefix("http://"),
        "claimed_name": issuer.settings.issuer_name,
        "trusted": False,
        "listed_as": None,
        "listed_in": None,
    }
    assert live.issuer.did in body["summary"]
    assert "the name the issuer gives itself" in body["summary"]
    assert all(c["status"] != "fail" for c in body["checks"])  # genuine, current, not revoked

    page = text_of(client.post("/verify", data={"credential": live.record.jwt}))
    assert headline(page) == "Issuer not recognised"
    assert 'class="state untrusted"' in page
    assert ">Verified<" not in page
    assert "Issuer claims to be" in page
    assert live.issuer.did in page

    pdf = live.issuer.certificate_pdf(live.record)
    upload = {"file": (io.BytesIO(pdf), "certificate.pdf")}
    uploaded = client.post("/api/v1/verify", data=upload, content_type="multipart/form-data")
    assert uploaded.get_json()["state"] == "untrusted issuer"
    upload = {"file": (io.BytesIO(pdf), "certificate.pdf")}
    page = text_of(client.post("/verify", data=upload, content_type="multipart/form-data"))
    assert headline(page) == "Issuer not recognised"


def test_issuer_an_admin_trusts_is_verified_with_its_listing(issuer, live):
    trusting = dataclasses.replace(
        issuer.settings, trust=TrustList.from_setting(live.server.url.removeprefix("http://"))
    )
    app = create_app(issuer=Issuer(trusting, issuer.db, issuer.keys, issuer.catalogue))
    body = app.test_client().post("/api/v1/verify", json={"credential": live.record.jwt})
    body = body.get_json()
    assert (body["verified"], body["state"]) == (True, "verified")
    assert body["issuer"]["trusted"] is True
    assert body["issuer"]["listed_in"] == "VOUCH_TRUSTED_ISSUERS"


def test_cli_verify_exit_code_4_for_an_issuer_this_deployment_does_not_trust(live):
    elsewhere = "https://elsewhere.test"
    result = run_cli(["verify", live.record.jwt, "--json"], elsewhere)
    assert result.exit_code == 4, result.output
    body = json.loads(result.stdout)
    assert (body["verified"], body["state"]) == (False, "untrusted issuer")

    text = run_cli(["verify", live.record.jwt], elsewhere)
    assert text.exit_code == 4
    assert text.stdout.startswith("UNTRUSTED ISSUER: Issuer not recognised")
    assert live.issuer.did in text.stdout

    trusted = run_cli(["verify", live.record.jwt], elsewhere, trusted=live.issuer.did)
    assert trusted.exit_code == 0, trusted.output
    assert trusted.stdout.startswith("VERIFIED: Verified")


def test_cli_verify_refuses_an_unreadable_trust_list_by_name(live):
    result = run_cli(["verify", live.record.jwt], "https://elsewhere.test", trusted="not a domain")
    assert result.exit_code == 1
    assert "trust list: 'not a domain' is not a DID" in result.stderr


def test_cli_verify_exit_codes_follow_the_live_issuer(live):
    jwt = live.record.jwt
    verified = run_cli(["verify", jwt, "--json"], live.server.url)
    assert verified.exit_code == 0, verified.output
    body = json.loads(verified.stdout)
    assert body["verified"] is True
    issuer_trusted = next(c for c in body["checks"] if c["check"] == "issuer trusted")
    assert issuer_trusted["status"] == "pass"

    live.issuer.revoke(live.record.id, "issued in error", actor="test")
    revoked = run_cli(["verify", jwt, "--json"], live.server.url)
    assert revoked.exit_code == 1, revoked.output
    assert json.loads(revoked.stdout)["state"] == "not verified"

    garbage = run_cli(["verify", "garbage", "--json"], live.server.url)
    assert garbage.exit_code == 2, garbage.output
    assert json.loads(garbage.stdout)["state"] == "unreadable"

    live.server.stop()
    down = run_cli(["verify", jwt, "--json"], live.server.url)
    assert down.exit_code == 3, down.output
    assert json.loads(down.stdout)["state"] == "unknown"
