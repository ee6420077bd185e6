"""Real-browser fixtures: the issuer's app served on 127.0.0.1 and Debian's Chromium.

Never downloads a browser: the tests use ``/usr/bin/chromium`` (CI installs the ``chromium``
package) and are skipped when it is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from criteria import load_catalogue
from issuer.accounts import create_user
from issuer.app import create_app
from issuer.config import Settings
from issuer.db import Database
from issuer.keystore import KeyStore
from issuer.service import Issuer

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 900}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

SKIP_REASON = f"{CHROMIUM} is missing (CI installs Debian's chromium; never `playwright install`)"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    password: str = PASSWORD


@dataclass
class Live:
    """The served app, its issuer and the staff accounts."""

    base_url: str
    issuer: Issuer
    reviewer: Person
    admin: Person

    def url(self, path: str) -> str:
        return self.base_url + path


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log; errors are still logged."""


def _placeholder(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@contextmanager
def served_issuer(root: Path, issuer_name: str) -> Iterator[tuple[str, Issuer]]:
    """An issuer's app served for real on 127.0.0.1: bind first, then build the issuer for
    that port (the port is part of its did:web). Yields the base URL and the issuer."""
    server = make_server("127.0.0.1", 0, _placeholder, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    settings = Settings(
        instance_path=root / "instance",
        database_url=f"sqlite:///{root / 'vouch.sqlite3'}",  # sqlite only in browser tests
        keys_dir=root / "keys",
        public_url=base_url,
        issuer_name=issuer_name,
        key_passphrase="browser tests passphrase",
        admin_token="browser-admin-token",
    )
    keys = KeyStore(settings.keys_dir, settings.key_passphrase)
    keys.init(settings.issuer_name, "ES256")
    issuer = Issuer(settings, Database(settings.database_url), keys, load_catalogue())
    issuer.db.upgrade()
    issuer.sync()
    server.app = create_app(issuer=issuer)
    thread = threading.Thread(target=server.serve_forever, name="vouch-live", daemon=True)
    thread.start()
    try:
        yield base_url, issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        issuer.db.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Live]:
    """The issuer's app served for real, with a reviewer and an admin."""
    root = tmp_path_factory.mktemp("browser")
    with served_issuer(root, "Vouch Browser Test Issuer") as (base_url, issuer):
        reviewer = Person("Rita Reviewer", "rita@example.org")
        admin = Person("Adam Admin", "adam@example.org")
        with issuer.db.write() as db:
            create_user(db, email=reviewer.email, name=reviewer.name, password=reviewer.password,
                        role="reviewer", reviewer_role="mentor", now=issuer.clock())  # fmt: skip
            create_user(db, email=admin.email, name=admin.name, password=admin.password,
                        role="admin", now=issuer.clock())  # fmt: skip
        yield Live(base_url, issuer, reviewer, admin)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Contexts:
    """Browser contexts for one test, each recording every request it makes."""

    browser: Any
    live: Live
    requests: list[str] = field(default_factory=list)
    opened: list[Any] = field(default_factory=list)

    def new(self, **options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        context = self.browser.new_context(**options)
        context.set_default_timeout(10_000)
        context.on("request", lambda request: self.requests.append(request.url))
        self.opened.append(context)
        return context

    def page(self, **options: Any) -> Any:
        return self.new(**options).new_page()

    def foreign_requests(self) -> list[str]:
        """Requests to anything but the served app (data: and about: are local)."""
        own = self.live.base_url + "/"
        return [url for url in self.requests if not url.startswith((own, "data:", "about:"))]


@pytest.fixture
def contexts(browser, live) -> Iterator[Contexts]:
    made = Contexts(browser, live)
    try:
        yield made
    finally:
        for context in made.opened:
            context.close()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def issued_credential(live: Live, person: Person, milestone_id: str = "foundation-mastery") -> str:
    """A learner account holding a live credential, made through the service (not the UI)."""
    service = live.issuer
    m = service.catalogue[milestone_id]
    with service.db.write() as db:
        user = create_user(db, email=person.email, name=person.name, password=person.password,
                           now=service.clock())  # fmt: skip
        learner_id = user.learner_id
    learner = service.learner(learner_id)
    bundle = {
        "schema": "vouch.evidence/v1",
        "milestone": m.id,
        "learner": {"id": learner.external_id, "name": learner.name, "email": learner.email},
        "checklist": list(m.checklist.points),
        "quizzes": {q.id: {x.id: x.answer for x in q.questions} for q in m.quizzes.values()},
        "exercises": [{"id": e, "status": "complete", "quality": "good"} for e in m.exercises],
    }
    outcome = service.issue(bundle, actor="browser-tests")
    outcome = service.add_review(
        outcome.submission_id,
        {"kind": "self-explanation", "verdict": "pass", "minutes": 20},
        reviewer_id="browser-tests-mentor",
        role="mentor",
        actor="browser-tests-mentor",
    )
    assert outcome.credential is not None, outcome.verdict
    return outcome.credential.id
