"""The trust list: which issuer ids each kind of entry covers, and the files it is read from."""

from __future__ import annotations

import json

import pytest

from issuer.config import Settings
from issuer.errors import ConfigurationError
from verifier import TrustList, TrustListError
from verifier.trust import place_of, read_trust_file


@pytest.mark.parametrize(
    ("entry", "issuer", "covered"),
    [
        # A DID: exactly that identifier.
        ("did:web:example.org", "did:web:example.org", True),
        ("did:web:example.org", "did:web:example.org:issuers:7", False),
        ("did:web:example.org", "did:web:example.org.evil.example", False),
        ("did:key:z6MkhaXg", "did:key:z6MkhaXg", True),
        ("did:key:z6MkhaXg", "did:key:z6MkhaXgX", False),
        # A base URL: ids under it, and the did:web ids of the same host and path.
        ("https://example.org", "https://example.org/issuers/7", True),
        ("https://example.org", "did:web:example.org", True),
        ("https://example.org/issuers", "did:web:example.org:issuers:7", True),
        ("https://example.org/issuers", "did:web:example.org:other", False),
        ("https://example.org/issuers", "https://example.org/issuers-evil/1", False),
        ("https://example.org", "https://example.org.evil.example/x", False),
        ("https://example.org", "https://evil.example/example.org", False),
        ("https://example.org:8443", "did:web:example.org%3A8443", True),
        ("https://example.org:8443", "did:web:example.org", False),
        # A domain: that host exactly, not its subdomains nor lookalikes.
        ("example.org", "did:web:example.org", True),
        ("example.org", "did:web:EXAMPLE.org:x", True),
        ("example.org", "https://example.org/x", True),
        ("example.org", "did:web:sub.example.org", False),
        ("example.org", "did:web:evilexample.org", False),
        ("example.org", "did:key:example.org", False),
    ],
)
def test_trust_list_entry_covers_exactly_what_it_names(entry, issuer, covered):
    trust = TrustList.of([entry])
    assert (trust.lookup(issuer) is not None) is covered


@pytest.mark.parametrize(
    "entry",
    ["", "not a domain", "ftp://example.org", "https://", "https://example.org/?q=1",
     "https://example.org/#frag", "did:", "-example.org"],
)  # fmt: skip
def test_trust_list_refuses_entries_it_cannot_read(entry):
    with pytest.raises(TrustListError, match=r"DID|URL|domain|host"):
        TrustList.of([entry])


def test_place_of_a_did_web_with_port_and_path_is_that_of_its_url():
    assert place_of("did:web:example.org%3A8443:a:b") == place_of("https://example.org:8443/a/b")
    assert place_of("did:key:z6Mk") is None


def test_first_entry_covering_an_issuer_names_it():
    trust = TrustList.from_setting("example.org") + TrustList.of(["did:web:example.org"])
    found = trust.lookup("did:web:example.org")
    assert found is not None
    assert found.source == "VOUCH_TRUSTED_ISSUERS"


def test_trust_outcome_says_who_signed_and_what_is_claimed():
    outcome = TrustList().judge("did:web:evil.example:badges", "Vouch Demo Issuer")
    assert not outcome.trusted
    assert outcome.signer == "did:web:evil.example:badges (evil.example)"
    assert outcome.to_dict() == {
        "id": "did:web:evil.example:badges",
        "domain": "evil.example",
        "claimed_name": "Vouch Demo Issuer",
        "trusted": False,
        "listed_as": None,
        "listed_in": None,
    }


DCC_REGISTRY = {
    "meta": {"created": "2022-10-27T17:57:31+00:00", "updated": "2025-03-12T16:20:00+00:00"},
    "registry": {
        "did:web:university.example": {
            "name": "Example University",
            "location": "Cambridge, MA, USA",
            "url": "https://university.example",
        },
        "did:key:z6MkpLDL3RoAoMRTwTgo3rs39ZwssfaPKtGdZw7AGRN7CK4W": {"name": "(Example) Lab"},
    },
}


def test_dcc_issuer_registry_file_is_read_with_its_names(tmp_path):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(DCC_REGISTRY))
    trust = read_trust_file(path)
    found = trust.lookup("did:web:university.example")
    assert found is not None
    assert (found.name, found.source) == ("Example University", str(path))
    assert trust.lookup("did:key:z6MkpLDL3RoAoMRTwTgo3rs39ZwssfaPKtGdZw7AGRN7CK4W") is not None
    assert trust.lookup("did:web:other.example") is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"meta": {}}, 'needs a "registry" object'),
        ({"registry": {"did:web:a.example": "A"}}, "must be an object with a name"),
        ({"registry": {"not an id": {"name": "x"}}}, "is not a DID"),
        ([1, 2], 'needs a "registry" object'),
    ],
)
def test_dcc_registry_file_problems_are_named(tmp_path, document, message):
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(document))
    with pytest.raises(TrustListError, match=message):
        read_trust_file(path)


def test_text_trust_file_has_entries_names_and_comments(tmp_path):
    path = tmp_path / "trusted.txt"
    path.write_text(
        "# partners\n"
        "did:web:partner.example Partner College\n"
        "\n"
        "https://badges.example/issuers   # a base URL, no name\n"
    )
    trust = read_trust_file(path)
    partner = trust.lookup("did:web:partner.example")
    assert partner is not None
    assert partner.name == "Partner College"
    assert trust.lookup("did:web:badges.example:issuers:9") is not None


def test_text_trust_file_problem_names_the_line(tmp_path):
    path = tmp_path / "trusted.txt"
    path.write_text("did:web:ok.example\nhttp//broken\n")
    with pytest.raises(TrustListError, match=rf"{path}:2: 'http//broken'"):
        read_trust_file(path)


def test_settings_read_trust_from_the_environment_and_files(tmp_path, monkeypatch):
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps(DCC_REGISTRY))
    monkeypatch.setenv("VOUCH_TRUSTED_ISSUERS", "partner.example, did:web:other.example")
    monkeypatch.setenv("VOUCH_TRUST_LISTS", str(registry))
    trust = Settings.load().trust
    assert [i.entry for i in trust.issuers] == [
        "partner.example",
        "did:web:other.example",
        "did:web:university.example",
        "did:key:z6MkpLDL3RoAoMRTwTgo3rs39ZwssfaPKtGdZw7AGRN7CK4W",
    ]


def test_settings_refuse_a_missing_trust_file_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("VOUCH_TRUST_LISTS", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigurationError, match=r"trust list: .*missing\.json: cannot read"):
        Settings.load()
