"""The web app with people in it: two learners, three reviewers' worth of roles and an admin.

``world`` builds, on the ``issuer`` fixture (SQLite, and PostgreSQL when configured):

- ``ada``, a learner with one foundation-mastery submission that meets every rule except the
  self-explanation sign-off (``world.submission``, awaiting review);
- ``grace``, another learner whose own foundation-mastery submission met every rule, so she
  holds a credential (``world.grace_submission``, ``world.credential``);
- ``mentor`` and ``peer``, reviewers; ``admin``;
- an API token for each (``person.token``), made with ``issuer.accounts`` as an admin would.

Helpers: ``api`` (a JSON API call with a bearer token), ``csrf_token`` and ``login`` (a test
client signed in through the ``/login`` page), ``Page`` (an HTML page's elements, for labels,
error messages and links).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

import issuer.accounts as accounts_module
from criteria import load_catalogue
from issuer.accounts import create_token, create_user
from issuer.app import create_app
from issuer.service import Issuer
from tests.criteria.bundles import meeting_bundle

CATALOGUE = load_catalogue()
FOUNDATION = CATALOGUE["foundation-mastery"]
PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    key: str
    email: str
    name: str
    role: str
    reviewer_role: str | None
    user_id: int
    learner_id: int | None
    handle: str
    token: str
    token_id: int
    #: The learner's identity as an evidence bundle names it (learners only).
    identity: dict[str, str] | None
    password: str = PASSWORD


@dataclass
class World:
    issuer: Issuer
    app: Any
    people: dict[str, Person]
    #: Ada's foundation-mastery submission, awaiting a self-explanation sign-off.
    submission: int
    #: Grace's foundation-mastery submission (met) and the credential it earned.
    grace_submission: int
    credential: str

    @property
    def ada(self) -> Person:
        return self.people["ada"]

    @property
    def grace(self) -> Person:
        return self.people["grace"]

    @property
    def mentor(self) -> Person:
        return self.people["mentor"]

    @property
    def peer(self) -> Person:
        return self.people["peer"]

    @property
    def admin(self) -> Person:
        return self.people["admin"]

    @property
    def credential_uuid(self) -> str:
        return self.credential.removeprefix("urn:uuid:")

    def client(self) -> Any:
        return self.app.test_client()


def add_person(
    service: Issuer,
    key: str,
    name: str,
    role: str = "learner",
    reviewer_role: str | None = None,
    *,
    password: str = PASSWORD,
) -> Person:
    """An account with one API token and a confirmed address, created as ``vouch users add``
    would."""
    with service.db.write() as db:
        user = create_user(
            db,
            email=f"{key}@people.example",
            name=name,
            password=password,
            role=role,
            reviewer_role=reviewer_role,
            now=service.clock(),
        )
        # Each has confirmed their address (as by following the mailed link): credentials
        # bind only to confirmed addresses. tests/web/test_identity.py goes through the links.
        user.email_verified_at = service.clock()
        token, record = create_token(db, user.id, f"{key}'s token", service.clock())
        ids = {"user_id": user.id, "learner_id": user.learner_id, "token_id": record.id}
        email, handle = user.email, user.handle
    identity = None
    if ids["learner_id"] is not None:
        learner = service.learner(ids["learner_id"])
        identity = {"id": learner.external_id, "name": learner.name, "email": learner.email}
    return Person(
        key=key, email=email, name=name, role=role, reviewer_role=reviewer_role, handle=handle,
        token=token, identity=identity, password=password, **ids,
    )  # fmt: skip


def full_bundle(milestone: Any, identity: dict[str, str] | None = None) -> dict[str, Any]:
    """Evidence meeting every rule of ``milestone`` (sign-offs and rubric scores included)."""
    bundle = meeting_bundle(milestone)
    if identity is not None:
        bundle["learner"] = dict(identity)
    return bundle


def learner_bundle(milestone: Any, identity: dict[str, str] | None = None) -> dict[str, Any]:
    """All a learner may submit: full marks, without reviews, rubric scores or held."""
    bundle = full_bundle(milestone, identity)
    for field in ("reviews", "rubrics", "held"):
        bundle.pop(field, None)
    if identity is None:
        bundle.pop("learner")
    return copy.deepcopy(bundle)


def _cheap_scrypt(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
    return generate_password_hash(password, method="scrypt:1024:8:1", salt_length=salt_length)


@pytest.fixture
def world(issuer, monkeypatch) -> World:
    # Accounts made here use scrypt with a small work factor (still Werkzeug's "scrypt:"
    # format): five full-strength hashes per test would dominate the suite's runtime.
    # test_api.py checks the real hashes through the sign-up page.
    monkeypatch.setattr(accounts_module, "generate_password_hash", _cheap_scrypt)
    people = {
        "ada": add_person(issuer, "ada", "Ada Lovelace"),
        "grace": add_person(issuer, "grace", "Grace Hopper"),
        "mentor": add_person(issuer, "mentor", "Margaret Mentor", "reviewer", "mentor"),
        "peer": add_person(issuer, "peer", "Pat Peer", "reviewer", "peer"),
        "admin": add_person(issuer, "admin", "Alan Admin", "admin"),
    }
    pending = issuer.issue(learner_bundle(FOUNDATION, people["ada"].identity))
    assert pending.verdict.status.value == "awaiting-review"
    met = issuer.issue(full_bundle(FOUNDATION, people["grace"].identity))
    assert met.credential is not None
    return World(
        issuer=issuer,
        app=create_app(issuer=issuer),
        people=people,
        submission=pending.submission_id,
        grace_submission=met.submission_id,
        credential=met.credential.id,
    )


@pytest.fixture
def app(world) -> Any:
    return world.app


# -- HTTP helpers ----------------------------------------------------------------------------


def api(client: Any, method: str, path: str, token: str | None, json: Any = None, **kwargs: Any):
    """A JSON API call, with ``Authorization: Bearer <token>`` unless ``token`` is None."""
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if json is not None:
        kwargs["json"] = json
    return client.open(path, method=method.upper(), headers=headers, **kwargs)


def csrf_token(client: Any, path: str = "/login") -> str:
    """The CSRF token of ``client``'s session, read from a form on ``path``."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def login(client: Any, person: Person | str, password: str | None = None) -> Any:
    """Sign ``client`` in through the login page (CSRF token included); returns the client."""
    email = person if isinstance(person, str) else person.email
    password = password or (PASSWORD if isinstance(person, str) else person.password)
    response = client.post(
        "/login", data={"csrf_token": csrf_token(client), "email": email, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def signed_in(world: World, key: str | None) -> Any:
    """A new test client, signed in as ``world.people[key]`` (anonymous when ``key`` is None)."""
    client = world.client()
    return login(client, world.people[key]) if key else client


def post_form(client: Any, path: str, data: dict[str, Any], *, token_from: str = "/login"):
    """POST a page form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **data})


# -- HTML ------------------------------------------------------------------------------------

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    in_label: bool
    text: str = ""

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)


class Page(HTMLParser):
    """The elements of an HTML page in document order, with their text and label nesting."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._labels = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self._labels > 0)
        self.elements.append(element)
        if tag == "label":
            self._labels += 1
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                if tag == "label":
                    self._labels = max(0, self._labels - 1)
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.get("id") == element_id), None)

    def fields(self) -> list[Element]:
        return [e for e in self.elements if e.tag in ("input", "select", "textarea")]

    def unlabelled(self) -> list[Element]:
        """Form fields with no ``<label for=…>``, not hidden and not inside a label."""
        labelled = {e.get("for") for e in self.elements if e.tag == "label" and e.get("for")}
        return [
            e
            for e in self.fields()
            if not (e.tag == "input" and e.get("type") == "hidden")
            and not e.in_label
            and not (e.get("id") and e.get("id") in labelled)
        ]

    def urls(self) -> list[str]:
        return [
            value
            for e in self.elements
            for name in ("src", "href", "action")
            if (value := e.get(name))
        ]

    def field_error(self, field_id: str, error_id: str) -> Element:
        """The error message shown next to a field: after it, before the next field."""
        field = self.by_id(field_id)
        error = self.by_id(error_id)
        assert field is not None, f"no field #{field_id}"
        assert error is not None, f"no error #{error_id}"
        assert field.get("aria-invalid") == "true", field.attrs
        assert error_id in (field.get("aria-describedby") or "").split(), field.attrs
        start, end = self.elements.index(field), self.elements.index(error)
        assert start < end, "the error comes before its field"
        between = [e for e in self.elements[start + 1 : end] if e in self.fields()]
        assert not between, f"fields between #{field_id} and its error: {between}"
        return error
