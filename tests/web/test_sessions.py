"""Sessions: where a sign-in may send the browser next, and ending sessions on the server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from issuer.web.accounts import safe_next
from tests.web.conftest import csrf_token

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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "query",
    [
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
