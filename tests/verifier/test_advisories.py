"""The attack corpus: one named test per known way to fool a VC-JWT verifier.

In the spirit of PyJWT's ``tests/test_advisory.py``: every test builds a hostile artefact and
asserts the exact check that stops it, and that the answer is never "verified".
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from criteria import load_catalogue
from issuer.app import create_app
from issuer.keystore import generate_private_key, public_jwk
from issuer.publication import kid
from issuer.verification import verifier_options
from tests.criteria.bundles import meeting_bundle
from verifier import CheckStatus, State, Verifier, WsgiFetcher
from verifier.fetch import FetchError
from verifier.jose import read_compact

CATALOGUE = load_catalogue()
REGISTERED = ("iss", "jti", "sub", "nbf", "exp")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict, payload: dict, signature: bytes = b"") -> str:
    encode = lambda value: b64(json.dumps(value, separators=(",", ":")).encode())  # noqa: E731
    return f"{encode(header)}.{encode(payload)}.{b64(signature)}"


class Overrides:
    """A fetcher that answers some URLs itself (forged or failing) and passes on the rest."""

    def __init__(self, inner, answers):
        self.inner, self.answers = inner, answers

    def get(self, url):
        answer = self.answers.get(url)
        if isinstance(answer, Exception):
            raise answer
        return answer if answer is not None else self.inner.get(url)


@pytest.fixture
def world(issuer):
    """An issued credential, the issuer's app, and a verifier reading it in-process."""
    app = create_app(issuer=issuer)
    record = issuer.issue(meeting_bundle(CATALOGUE["foundation-mastery"])).credential
    header, payload = read_compact(record.jwt)
    fetcher = WsgiFetcher(app, issuer.settings.public_url)

    class World:
        pass

    w = World()
    w.issuer, w.app, w.record, w.header, w.payload, w.fetcher = (
        issuer,
        app,
        record,
        header,
        payload,
        fetcher,
    )
    options = verifier_options(issuer.settings)
    w.verifier = Verifier(fetcher, options)
    w.kid = kid(issuer.did, issuer.keys.current())
    w.sign = lambda payload, header=None: jwt.encode(
        payload,
        issuer.keys.signing_key,
        algorithm="ES256",
        headers=header or {"kid": w.kid, "typ": "JWT"},
    )
    w.with_fetcher = lambda answers: Verifier(Overrides(fetcher, answers), options)
    return w


def status_of(result, check):
    found = result.check(check)
    assert found is not None, [c.check for c in result.checks]
    return found.status


def test_genuine_credential_verifies(world):
    result = world.verifier.verify(world.record.jwt)
    assert result.state is State.VERIFIED, result.errors


def test_alg_none(world):
    token = compact({"alg": "none", "kid": world.kid, "typ": "JWT"}, world.payload)
    result = world.verifier.verify(token)
    assert result.state is State.NOT_VERIFIED
    assert status_of(result, "algorithm") is CheckStatus.FAIL
    assert "'none' is not allowed" in result.check("algorithm").detail


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_signed_with_the_issuers_public_key(world, alg):
    """Key confusion: HMAC keyed with the published public key [RFC 8725 §2.1]."""
    public_pem = world.issuer.keys.signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": alg, "kid": world.kid, "typ": "JWT"}
    unsigned = compact(header, world.payload).rsplit(".", 1)[0]
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    token = f"{unsigned}.{b64(hmac.new(public_pem, unsigned.encode(), digest).digest())}"
    result = world.verifier.verify(token)
    assert result.state is State.NOT_VERIFIED
    assert status_of(result, "algorithm") is CheckStatus.FAIL
    assert status_of(result, "signature") is not CheckStatus.PASS


def test_key_in_jwk_header_not_published_by_the_issuer(world):
    attacker = generate_private_key("ES256")
    header = {"alg": "ES256", "typ": "JWT", "jwk": public_jwk(attacker.public_key())}
    token = jwt.encode(world.payload, attacker, algorithm="ES256", headers=header)
    result = world.verifier.verify(token)
    assert result.state is State.NOT_VERIFIED
    assert status_of(result, "signature") is CheckStatus.FAIL  # checked with the published key


def test_embedded_jwk_matching_kid_of_attacker(world):
    attacker = generate_private_key("ES256")
    header = {
        "alg": "ES256",
        "typ": "JWT",
        "kid": "attacker-key",
        "jwk": public_jwk(attacker.public_key()),
    }
    token = jwt.encode(world.payload, attacker, algorithm="ES256", headers=header)
    result = world.verifier.verify(token)
    assert result.state is State.NOT_VERIFIED
    assert status_of(result, "issuer key") is CheckStatus.FAIL


@pytest.mark.parametrize(
    ("bad_kid", "reason"),
    [
        ("https://evil.example/keys/1.json", "not on the issuer's origin"),
        ("did:web:evil.example#key-1", "not the issuer"),
        ("../../keys/signing.pem", "does not publish"),
        ("/etc/passwd", "does not publish"),
        ("did:web:vouch.test", "must name a verification method"),
        ("kid with spaces", "not a plain identifier"),
    ],
)
def test_kid_pointing_elsewhere(world, bad_kid, reason):
    attacker = generate_private_key("ES256")
    token = jwt.encode(
        world.payload, attacker, algorithm="ES256", headers={"kid": bad_kid, "typ": "JWT"}
    )
    result = world.verifier.verify(token)
    assert result.state is State.NOT_VERIFIED
    assert status_of(result, "issuer key") is CheckStatus.FAIL
    assert reason in result.check("issuer key").detail


def test_kid_naming_another_issuers_did_even_with_their_valid_signature(world):
    other_did = "did:web:other-issuer.example"
    payload = world.payload | {
        "iss": other_did,
        "issuer": world.payload["issuer"] | {"id": other_did},
    }
    token = world.sign(payload, {"kid": f"{world.issuer.did}#x", "typ": "JWT"})
    result = world.verifier.verify(token)
    assert status_of(result, "issuer key") is CheckStatus.FAIL
    assert result.state is State.NOT_VERIFIED


def test_tampered_payload(world):
    head, payload, signature = world.record.jwt.split(".")
    changed = json.loads(base64.urlsafe_b64decode(payload + "=="))
    changed["credentialSubject"]["achievement"]["name"] = "Interview Master"
    token = f"{head}.{b64(json.dumps(changed, separators=(',', ':')).encode())}.{signature}"
    result = world.verifier.verify(token)
    assert status_of(result, "signature") is CheckStatus.FAIL
    assert result.state is State.NOT_VERIFIED


def test_resigned_with_a_foreign_key_under_the_issuers_kid(world):
    attacker = generate_private_key("ES256")
    token = jwt.encode(
        world.payload, attacker, algorithm="ES256", headers={"kid": world.kid, "typ": "JWT"}
    )
    result = world.verifier.verify(token)
    assert status_of(result, "issuer key") is CheckStatus.PASS
    assert status_of(result, "signature") is CheckStatus.FAIL


def test_algorithm_not_matching_the_published_key(world):
    rsa = generate_private_key("RS256")
    token = jwt.encode(
        world.payload, rsa, algorithm="RS256", headers={"kid": world.kid, "typ": "JWT"}
    )
    result = world.verifier.verify(token)
    assert status_of(result, "issuer key") is CheckStatus.FAIL
    assert "cannot verify RS256" in result.check("issuer key").detail


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "did:web:someone-else.example"),
        ("sub", "urn:uuid:00000000-0000-0000-0000-000000000000"),
        ("jti", "urn:uuid:11111111-1111-1111-1111-111111111111"),
        ("nbf", 1),
        ("nbf", "2026-01-01T00:00:00Z"),
        ("exp", 4102444800),
    ],
)
def test_claims_that_do_not_mirror_the_credential(world, claim, value):
    token = world.sign(world.payload | {claim: value})
    result = world.verifier.verify(token)
    assert status_of(result, "claims") is CheckStatus.FAIL
    assert claim in result.check("claims").detail
    assert result.state is State.NOT_VERIFIED


def test_missing_nbf_is_accepted_like_the_spec_examples(world):
    payload = {k: v for k, v in world.payload.items() if k != "nbf"}
    result = world.verifier.verify(world.sign(payload))
    assert status_of(result, "claims") is CheckStatus.PASS
    assert "nbf absent" in result.check("claims").detail


def test_expired(world):
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    until = past.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    payload = world.payload | {"validUntil": until, "exp": int(past.timestamp())}
    result = world.verifier.verify(world.sign(payload))
    assert status_of(result, "validity window") is CheckStatus.FAIL
    assert result.expired
    assert result.state is State.NOT_VERIFIED


def test_not_yet_valid(world):
    result = world.verifier.verify(
        world.record.jwt, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    )
    assert status_of(result, "validity window") is CheckStatus.FAIL
    assert "not yet valid" in result.check("validity window").detail


def test_clock_leeway_is_small(world):
    issued = dt.datetime.fromisoformat(world.payload["validFrom"].replace("Z", "+00:00"))
    inside = world.verifier.verify(world.record.jwt, now=issued - dt.timedelta(seconds=30))
    outside = world.verifier.verify(world.record.jwt, now=issued - dt.timedelta(seconds=90))
    assert status_of(inside, "validity window") is CheckStatus.PASS
    assert status_of(outside, "validity window") is CheckStatus.FAIL


def test_revoked(world):
    world.issuer.revoke(world.record.id, "test", actor="test")
    result = world.verifier.verify(world.record.jwt)
    assert status_of(result, "status") is CheckStatus.FAIL
    assert result.revoked
    assert result.state is State.NOT_VERIFIED


def _status_url(world):
    return world.payload["credentialStatus"]["statusListCredential"]


def _status_payload(world):
    return read_compact(world.issuer.status_list(world.record.status_list_id).jwt)[1]


def test_status_list_with_a_forged_signature(world):
    world.issuer.revoke(world.record.id, "test", actor="test")
    forged = _status_payload(world)
    clean = "u" + b64(gzip.compress(bytes(16384), mtime=0))
    forged["credentialSubject"] = forged["credentialSubject"] | {"encodedList": clean}
    attacker = generate_private_key("ES256")
    token = jwt.encode(
        forged, attacker, algorithm="ES256", headers={"kid": world.kid, "typ": "JWT"}
    )
    result = world.with_fetcher({_status_url(world): token.encode()}).verify(world.record.jwt)
    assert status_of(result, "status") is CheckStatus.FAIL
    assert "signature does not hold" in result.check("status").detail


def test_status_list_from_another_issuer(world):
    forged = _status_payload(world) | {
        "issuer": "did:web:evil.example",
        "iss": "did:web:evil.example",
    }
    token = world.sign(forged)
    result = world.with_fetcher({_status_url(world): token.encode()}).verify(world.record.jwt)
    assert status_of(result, "status") is CheckStatus.FAIL
    assert "not the credential's issuer" in result.check("status").detail


UNDECODABLE = "u" + b64(b"not gzip at all")


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        pytest.param(
            {"type": ["VerifiableCredential"]},
            "the status list is not a BitstringStatusListCredential",
            id="not-a-status-list",
        ),
        pytest.param(
            {"type": ["VerifiableCredential"], "subject": {"encodedList": UNDECODABLE}},
            "the status list is not a BitstringStatusListCredential",
            id="not-a-status-list-before-undecodable",
        ),
        pytest.param(
            {"type": 5},  # found by reading the code: a number where the types belong raised
            "the status list is not a BitstringStatusListCredential",
            id="type-not-a-list",
        ),
        pytest.param(
            {"type": "VerifiableCredential StatusList2021CredentialX"},  # no substring match
            "the status list is not a BitstringStatusListCredential",
            id="type-a-string-containing-one",
        ),
        pytest.param(
            {"type": "BitstringStatusListCredential", "subject": {"statusPurpose": "suspension"}},
            "the status list's purpose is ['suspension'], the entry's revocation",
            id="type-a-single-string",
        ),
        pytest.param(
            {"subject": {"statusPurpose": "suspension"}},
            "the status list's purpose is ['suspension'], the entry's revocation",
            id="other-purpose",
        ),
        pytest.param(
            {"validUntil": "2000-01-01T00:00:00Z", "subject": {"encodedList": UNDECODABLE}},
            "the status list expired on 2000-01-01T00:00:00Z",
            id="expired-before-undecodable",
        ),
        pytest.param(
            {"subject": {"encodedList": UNDECODABLE}},
            "the status list cannot be decoded: encodedList is not GZIP data: "
            "Error -3 while decompressing data: incorrect header check",
            id="undecodable",
        ),
        pytest.param(
            {"subject": {"encodedList": "u" + b64(gzip.compress(bytes(16384), mtime=0))[:-8]}},
            "the status list cannot be decoded: encodedList is truncated GZIP data",
            id="truncated",
        ),
    ],
)
def test_status_list_facts_are_checked_in_order(world, change, detail):
    """Each fact of a genuinely signed list fails the status check with its own reason, the
    first in the order type, purpose, expiry, encoding; the same list read again (from the
    cache of list facts) answers the same."""
    changed = _status_payload(world)
    changed |= {name: value for name, value in change.items() if name != "subject"}
    changed["credentialSubject"] = changed["credentialSubject"] | change.get("subject", {})
    verifier = world.with_fetcher({_status_url(world): world.sign(changed).encode()})
    for _ in range(2):
        check = verifier.verify(world.record.jwt).check("status")
        assert (check.status, check.detail) == (CheckStatus.FAIL, detail)


def _credential_with_status(world, entries):
    return world.sign(world.payload | {"credentialStatus": entries})


def test_status_index_outside_the_list(world):
    entry = world.payload["credentialStatus"] | {"statusListIndex": "999999999"}
    result = world.verifier.verify(_credential_with_status(world, entry))
    check = result.check("status")
    assert (check.status, check.detail) == (
        CheckStatus.FAIL,
        "status index 999999999 is outside the list of 131072",
    )


def test_unsupported_status_method_is_unknown(world):
    entry = world.payload["credentialStatus"] | {"type": "SomeOtherStatus"}
    for entries in (entry, [entry]):
        check = world.verifier.verify(_credential_with_status(world, entries)).check("status")
        assert (check.status, check.detail) == (
            CheckStatus.UNKNOWN,
            "status method 'SomeOtherStatus' is not supported",
        )


def test_one_status_entry_alone_or_in_a_list_answers_the_same(world):
    entry = world.payload["credentialStatus"]
    alone = world.verifier.verify(_credential_with_status(world, entry)).check("status")
    listed = world.verifier.verify(_credential_with_status(world, [entry])).check("status")
    assert alone.status is CheckStatus.PASS
    assert listed == alone
    world.issuer.revoke(world.record.id, "test", actor="test")
    alone = world.verifier.verify(_credential_with_status(world, entry)).check("status")
    listed = world.verifier.verify(_credential_with_status(world, [entry])).check("status")
    assert alone.status is CheckStatus.FAIL
    assert listed == alone


def test_an_empty_list_of_status_entries_cannot_be_revoked(world):
    """Found by reading the code: an empty credentialStatus raised IndexError out of verify()."""
    check = world.verifier.verify(_credential_with_status(world, [])).check("status")
    assert (check.status, check.detail) == (
        CheckStatus.SKIP,
        "the credential's credentialStatus is empty: it cannot be revoked",
    )


def test_a_failing_status_entry_outweighs_an_unsupported_one(world):
    entry = world.payload["credentialStatus"]
    world.issuer.revoke(world.record.id, "test", actor="test")
    other = entry | {"type": "SomeOtherStatus"}
    check = world.verifier.verify(_credential_with_status(world, [other, entry])).check("status")
    assert check.status is CheckStatus.FAIL
    assert check.detail.startswith("revoked: entry ")


def test_status_list_unreachable_is_unknown_never_not_revoked(world):
    answers = {_status_url(world): FetchError("connection refused")}
    result = world.with_fetcher(answers).verify(world.record.jwt)
    assert status_of(result, "status") is CheckStatus.UNKNOWN
    assert result.state is State.UNKNOWN
    detail = result.check("status").detail
    assert "could not read the status list at 20" in detail
    assert "not revoked" not in detail


def test_issuer_keys_unreachable_is_unknown(world):
    did_url = f"{world.issuer.settings.public_url}/.well-known/did.json"
    result = world.with_fetcher({did_url: FetchError("timed out")}).verify(world.record.jwt)
    assert status_of(result, "issuer key") is CheckStatus.UNKNOWN
    assert status_of(result, "signature") is CheckStatus.UNKNOWN
    assert result.state is State.UNKNOWN


def test_gzip_bomb_as_a_status_list(world):
    bomb = _status_payload(world)
    bomb["credentialSubject"] = bomb["credentialSubject"] | {
        "encodedList": "u" + b64(gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9, mtime=0))
    }
    result = world.with_fetcher({_status_url(world): world.sign(bomb).encode()}).verify(
        world.record.jwt
    )
    assert status_of(result, "status") is CheckStatus.FAIL
    assert "expands beyond" in result.check("status").detail


def test_status_list_too_short_for_herd_privacy(world):
    short = _status_payload(world)
    short["credentialSubject"] = short["credentialSubject"] | {
        "encodedList": "u" + b64(gzip.compress(bytes(1024), mtime=0))
    }
    result = world.with_fetcher({_status_url(world): world.sign(short).encode()}).verify(
        world.record.jwt
    )
    assert status_of(result, "status") is CheckStatus.FAIL
    assert "fewer than 131072" in result.check("status").detail


def test_status_list_with_another_purpose(world):
    other = _status_payload(world)
    other["credentialSubject"] = other["credentialSubject"] | {"statusPurpose": "suspension"}
    result = world.with_fetcher({_status_url(world): world.sign(other).encode()}).verify(
        world.record.jwt
    )
    assert status_of(result, "status") is CheckStatus.FAIL
    assert "purpose" in result.check("status").detail


@pytest.mark.parametrize("member", ["crit", "jku", "x5u", "x5c", "cty"])
def test_header_members_ob_does_not_allow(world, member):
    header = {
        "kid": world.kid,
        "typ": "JWT",
        member: ["b64"] if member == "crit" else "https://evil.example/x",
    }
    result = world.verifier.verify(world.sign(world.payload, header))
    assert status_of(result, "header") is CheckStatus.FAIL
    assert member in result.check("header").detail


def test_unexpected_typ(world):
    result = world.verifier.verify(world.sign(world.payload, {"kid": world.kid, "typ": "at+jwt"}))
    assert status_of(result, "header") is CheckStatus.FAIL


def test_duplicate_members_in_the_payload(world):
    head, _, _ = world.record.jwt.split(".")
    text = json.dumps(world.payload, separators=(",", ":"))
    duplicated = text[:-1] + ',"iss":"did:web:evil.example"}'
    token = f"{head}.{b64(duplicated.encode())}.{b64(b'x' * 64)}"
    result = world.verifier.verify(token)
    assert result.state is State.UNREADABLE
    assert "duplicate member 'iss'" in result.checks[0].detail


def test_legacy_vc_claim_is_unwrapped_and_checked(world):
    credential = {k: v for k, v in world.payload.items() if k not in REGISTERED}
    legacy = {"vc": credential, "iss": world.payload["iss"], "jti": world.payload["jti"],
              "sub": world.payload["sub"]}  # fmt: skip
    result = world.verifier.verify(world.sign(legacy))
    assert result.checks[0].detail.endswith("VC 1.1 (vc claim) credential")
    assert status_of(result, "signature") is CheckStatus.PASS
    # a VC 2.0 credential inside a vc claim has no issuanceDate: the window check says so
    assert status_of(result, "validity window") is CheckStatus.FAIL


def test_oversized_input(world):
    result = world.verifier.verify("a" * (11 * 1024 * 1024))
    assert result.state is State.UNREADABLE
    assert "limit" in result.checks[0].detail


def test_deeply_nested_json(world):
    result = world.verifier.verify("[" * 200_000 + "]" * 200_000)
    assert result.state is State.UNREADABLE


def test_deeply_nested_json_inside_a_token(world):
    text = json.dumps(world.payload)[:-1] + ',"deep":' + "[" * 5000 + "]" * 5000 + "}"
    head = world.record.jwt.split(".")[0]
    result = world.verifier.verify(f"{head}.{b64(text.encode())}.{b64(b'x' * 64)}")
    assert result.state is State.UNREADABLE
    assert "nested" in result.checks[0].detail


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "NaN", "Infinity"])
def test_non_finite_numbers_in_the_payload(world, literal):
    """Found in review: ``"nbf": 1e999`` parsed to infinity and crashed the claims check."""
    head = world.record.jwt.split(".")[0]
    text = json.dumps(world.payload)[:-1] + f', "nbf": {literal}' + "}"
    text = text.replace(f'"nbf": {world.payload["nbf"]}, ', "", 1)
    result = world.verifier.verify(f"{head}.{b64(text.encode())}.{b64(b'x' * 64)}")
    assert result.state is State.UNREADABLE
    assert "number" in result.checks[0].detail


def test_nesting_limit_is_exact():
    """32 levels of objects and arrays decode; 33 do not (the payload object is level 1)."""
    from verifier.jose import MAX_DEPTH, TokenError, read_compact

    def token(levels: int) -> str:
        inner = "[" * (levels - 1) + "]" * (levels - 1)
        payload = b64(f'{{"deep":{inner}}}'.encode()) if levels > 1 else b64(b"{}")
        return f"{b64(b'{}')}.{payload}.{b64(b'x' * 64)}"

    assert read_compact(token(MAX_DEPTH))[1]
    with pytest.raises(TokenError, match="nested deeper than 32"):
        read_compact(token(MAX_DEPTH + 1))


@pytest.mark.parametrize("junk", ["!", "=", " ", "é", "\n"])
def test_segments_must_be_strict_base64url(world, junk):
    """Characters outside the base64url alphabet are refused, never skipped over."""
    from verifier.jose import TokenError, read_compact

    head, payload, signature = world.record.jwt.split(".")
    spoiled = payload[:8] + junk * 4 + payload[8:]  # 4: the length stays a valid one
    with pytest.raises(TokenError, match="not base64url"):
        read_compact(f"{head}.{spoiled}.{signature}")


def test_standard_base64_characters_are_not_base64url(world):
    """``+`` and ``/`` decode to the same bytes as ``-`` and ``_`` in lenient decoders; a JWS
    segment holding them is refused, and so is a signature holding them."""
    from verifier.jose import SignatureError, TokenError, read_compact, verify_signature

    head, payload, signature = world.record.jwt.split(".")
    tilde = b64(b'{"x":"~~~???"}')  # eyJ4Ijoifn5-Pz8_In0: holds both - and _
    assert read_compact(f"{head}.{tilde}.{signature}")[1] == {"x": "~~~???"}
    with pytest.raises(TokenError, match="not base64url"):
        read_compact(f"{head}.{tilde.replace('-', '+')}.{signature}")
    with pytest.raises(TokenError, match="not base64url"):
        read_compact(f"{head}.{tilde.replace('_', '/')}.{signature}")
    current = world.issuer.keys.current()
    key = world.issuer._published_key(current)
    verify_signature(world.record.jwt, key, current.alg)
    standard = base64.b64encode(b"\xfb\xff" * 32).decode().rstrip("=")
    assert "+" in standard
    assert "/" in standard
    with pytest.raises(SignatureError, match="not base64url"):
        verify_signature(f"{head}.{payload}.{standard}", key, current.alg)


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "oth", "k"])
def test_header_jwk_with_private_members_fails_the_header_check(world, member):
    """Every private JWK member (RFC 7518 §6), not only d, p, q and k, fails the header check:
    a token that carries private key material is mishandled, whoever signed it."""
    jwk = public_jwk(world.issuer.keys.signing_key.public_key()) | {member: "AAAA"}
    result = world.verifier.verify(world.sign(world.payload, {"kid": world.kid, "jwk": jwk}))
    assert status_of(result, "header") is CheckStatus.FAIL
    assert "private key material" in result.check("header").detail
