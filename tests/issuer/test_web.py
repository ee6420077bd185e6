"""The issuer's Flask routes: public keys, DID document, status lists, credentials, revocation."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from criteria import load_catalogue
from issuer.app import create_app
from issuer.config import Settings
from issuer.errors import ConfigurationError
from tests.criteria.bundles import LEARNER, meeting_bundle
from verifier import bitstring
from verifier.jose import read_compact, verify_signature

CATALOGUE = load_catalogue()
ADMIN = {"Authorization": "Bearer admin-secret-token"}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def client(issuer):
    return create_app(issuer=issuer).test_client()


@pytest.fixture
def credential(issuer):
    """A foundation-mastery credential, issued before the test starts."""
    outcome = issuer.issue(meeting_bundle(CATALOGUE["foundation-mastery"]))
    assert outcome.credential is not None
    return outcome.credential


def assert_error_shape(response, status):
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert {"code", "message", "path"} <= set(error)
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def status_bits(client, list_id):
    response = client.get(f"/status/{list_id}")
    assert response.status_code == 200
    _, payload = read_compact(response.get_data(as_text=True))
    return bitstring.decode(payload["credentialSubject"]["encodedList"]), response.headers["ETag"]


def differing_bits(before, after):
    return [
        i for i in range(len(before) * 8) if bitstring.bit(before, i) != bitstring.bit(after, i)
    ]


def revoke(client, credential_id, reason="issued in error", headers=ADMIN):
    return client.post(
        f"/api/v1/credentials/{credential_id}/revoke", json={"reason": reason}, headers=headers
    )


# -- /healthz ------------------------------------------------------------------------------


def test_healthz_is_ok(client):
    assert client.get("/healthz").status_code == 200


# -- JWKS and DID document -----------------------------------------------------------------


def test_jwks_publishes_the_current_key_with_did_kid(client, issuer):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.get_json()["keys"]
    assert [k["kid"] for k in keys] == [f"{issuer.did}#{k.key_id}" for k in issuer.keys.ring()]
    assert len(keys) == 1


def test_jwks_after_rotation_publishes_both_keys(client, issuer):
    old = issuer.keys.current()
    new = issuer.keys.rotate(issuer.settings.issuer_name)
    issuer.sync()
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert sorted(k["kid"] for k in keys) == sorted(
        [f"{issuer.did}#{old.key_id}", f"{issuer.did}#{new.key_id}"]
    )


def test_jwks_has_no_private_members(client, issuer):
    issuer.keys.rotate(issuer.settings.issuer_name, "RS256")
    for key in client.get("/.well-known/jwks.json").get_json()["keys"]:
        assert not PRIVATE_MEMBERS & set(key), key


def test_jwks_is_publicly_cacheable(client):
    response = client.get("/.well-known/jwks.json")
    assert "public" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/.well-known/did.json", "/did.json"])
def test_did_document_lists_every_key_as_assertion_method(client, issuer, path):
    issuer.keys.rotate(issuer.settings.issuer_name)
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/did+json"
    document = response.get_json(force=True)
    assert document["id"] == issuer.did
    methods = document["verificationMethod"]
    assert len(methods) == 2
    for method in methods:
        assert method["type"] == "JsonWebKey"
        assert method["controller"] == issuer.did
        assert not PRIVATE_MEMBERS & set(method["publicKeyJwk"])
    assert sorted(document["assertionMethod"]) == sorted(m["id"] for m in methods)
    assert sorted(m["id"] for m in methods) == sorted(
        f"{issuer.did}#{k.key_id}" for k in issuer.keys.ring()
    )


# -- status lists --------------------------------------------------------------------------


def test_status_list_is_a_bitstring_status_list_credential(client, credential):
    response = client.get(f"/status/{credential.status_list_id}")
    assert response.status_code == 200
    _, payload = read_compact(response.get_data(as_text=True))
    assert "BitstringStatusListCredential" in payload["type"]
    assert payload["credentialSubject"]["statusPurpose"] == "revocation"
    bits = bitstring.decode(payload["credentialSubject"]["encodedList"])
    assert len(bits) == 16384
    assert len(bits) * 8 == 131072


def test_status_list_has_etag_and_answers_304_when_unchanged(client, credential):
    url = f"/status/{credential.status_list_id}"
    first = client.get(url)
    etag = first.headers.get("ETag")
    assert etag
    second = client.get(url, headers={"If-None-Match": etag})
    assert second.status_code == 304


@pytest.mark.parametrize("alg", ["ES256", "RS256", "EdDSA"])
def test_status_list_signature_verifies_with_published_key(make_issuer, alg):
    issuer = make_issuer(alg=alg)
    record = issuer.issue(meeting_bundle(CATALOGUE["foundation-mastery"])).credential
    client = create_app(issuer=issuer).test_client()
    token = client.get(f"/status/{record.status_list_id}").get_data(as_text=True)
    header, _ = read_compact(token)
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    jwk = next(k for k in keys if k["kid"] == header["kid"])
    assert jwk["alg"] == alg
    verify_signature(token, jwt.PyJWK(jwk).key, jwk["alg"])


def test_unknown_status_list_is_404_json(client, credential):
    assert_error_shape(client.get("/status/does-not-exist"), 404)


# -- revocation through the API ------------------------------------------------------------


@pytest.mark.parametrize("form", ["uuid", "urn"])
def test_admin_revokes_by_uuid_or_urn(client, credential, form):
    credential_id = credential.id if form == "urn" else credential.id.removeprefix("urn:uuid:")
    response = revoke(client, credential_id)
    assert response.status_code == 200
    body = response.get_json()
    assert body["revoked"] is True
    assert body["id"] == credential.id


def test_revoke_without_authorization_is_401(client, credential):
    response = revoke(client, credential.id, headers={})
    assert_error_shape(response, 401)


def test_revoke_with_wrong_token_is_403(client, credential):
    response = revoke(client, credential.id, headers={"Authorization": "Bearer not-the-token"})
    assert_error_shape(response, 403)


def test_refused_revocation_leaves_credential_live(client, credential):
    revoke(client, credential.id, headers={})
    revoke(client, credential.id, headers={"Authorization": "Bearer not-the-token"})
    assert client.get(f"/api/v1/credentials/{credential.id}").get_json()["revoked"] is False


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}, {"reason": 5}]
)
def test_revoke_without_a_reason_is_400_at_reason(client, credential, body):
    response = client.post(f"/api/v1/credentials/{credential.id}/revoke", json=body, headers=ADMIN)
    error = assert_error_shape(response, 400)
    assert error["path"] == "$.reason"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("not json", "application/json"), ("[1, 2]", "application/json"), ("", "text/plain")],
)
def test_revoke_with_non_json_object_body_is_400(client, credential, data, content_type):
    response = client.post(
        f"/api/v1/credentials/{credential.id}/revoke",
        data=data,
        content_type=content_type,
        headers=ADMIN,
    )
    assert_error_shape(response, 400)


def test_revoke_unknown_credential_is_404(client, credential):
    assert_error_shape(revoke(client, UNKNOWN_UUID), 404)
    assert_error_shape(revoke(client, f"urn:uuid:{UNKNOWN_UUID}"), 404)


def test_revocation_sets_exactly_the_credentials_bit_and_changes_etag(client, credential):
    before, etag_before = status_bits(client, credential.status_list_id)
    assert revoke(client, credential.id).status_code == 200
    after, etag_after = status_bits(client, credential.status_list_id)
    assert differing_bits(before, after) == [credential.status_index]
    assert bitstring.bit(after, credential.status_index) == 1
    assert etag_after != etag_before


def test_revocation_makes_the_old_etag_stale(client, credential):
    url = f"/status/{credential.status_list_id}"
    etag = client.get(url).headers["ETag"]
    revoke(client, credential.id)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_revocation_in_the_same_second_is_not_hidden_by_if_modified_since(issuer, credential):
    now = dt.datetime(2030, 1, 1, 12, 0, 0, 100_000, tzinfo=dt.UTC)
    issuer.clock = lambda: now
    issuer.revoke(credential.id, "publishes the list at 12:00:00.1", actor="test")
    client = create_app(issuer=issuer).test_client()
    url = f"/status/{credential.status_list_id}"
    first = client.get(url)
    # Last-Modified has whole seconds; revalidation must rest on the ETag alone
    assert "Last-Modified" not in first.headers
    last_modified = "Tue, 01 Jan 2030 12:00:00 GMT"
    # a second credential in the same list, revoked half a second later
    bundle = meeting_bundle(CATALOGUE["foundation-mastery"])
    bundle["learner"] = {"id": "learner-2", "name": "Grace Hopper", "email": "grace@example.org"}
    other = issuer.issue(bundle).credential
    assert other.status_list_id == credential.status_list_id
    now = now + dt.timedelta(milliseconds=500)
    issuer.revoke(other.id, "published at 12:00:00.6", actor="test")
    response = client.get(url, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200


def test_revoking_twice_is_200_and_sets_one_bit(client, credential):
    before, _ = status_bits(client, credential.status_list_id)
    first = revoke(client, credential.id, reason="first")
    second = revoke(client, credential.id, reason="second")
    assert first.status_code == 200
    assert second.status_code == 200
    assert second.get_json()["revoked"] is True
    after, _ = status_bits(client, credential.status_list_id)
    assert differing_bits(before, after) == [credential.status_index]


# -- reading a credential -------------------------------------------------------------------


@pytest.mark.parametrize("form", ["uuid", "urn"])
def test_get_credential_by_uuid_or_urn(client, issuer, credential, form):
    credential_id = credential.id if form == "urn" else credential.id.removeprefix("urn:uuid:")
    response = client.get(f"/api/v1/credentials/{credential_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == credential.id
    assert body["jwt"] == credential.jwt
    assert body["verify_url"] == issuer.verify_url(credential.id)
    assert body["revoked"] is False
    assert body["credential"]["id"] == credential.id
    assert not {"iss", "jti", "sub", "nbf"} & set(body["credential"])


def test_get_credential_reports_revocation(client, credential):
    url = f"/api/v1/credentials/{credential.id}"
    assert client.get(url).get_json()["revoked"] is False
    revoke(client, credential.id)
    assert client.get(url).get_json()["revoked"] is True


def test_get_credential_never_shows_the_learners_email(client, credential):
    revoke(client, credential.id)  # also after revocation
    for credential_id in (credential.id, credential.id.removeprefix("urn:uuid:")):
        text = client.get(f"/api/v1/credentials/{credential_id}").get_data(as_text=True)
        assert LEARNER["email"] not in text.lower()


@pytest.mark.parametrize("credential_id", [UNKNOWN_UUID, f"urn:uuid:{UNKNOWN_UUID}", "nonsense"])
def test_get_unknown_credential_is_404_json(client, credential_id):
    assert_error_shape(client.get(f"/api/v1/credentials/{credential_id}"), 404)


# -- production settings -------------------------------------------------------------------


def test_production_refuses_http_public_url():
    with pytest.raises(ConfigurationError):
        Settings(env="production", public_url="http://x", key_passphrase="p").check()


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [("VOUCH_PROXY_HOPS", "one", "proxies"), ("VOUCH_PROXY_HOPS", "-1", "proxies"),
     ("VOUCH_TOKEN_MAX_DAYS", "0", "days"), ("VOUCH_TOKEN_MAX_DAYS", "1.5", "days")],
)  # fmt: skip
def test_whole_number_settings_name_the_variable(monkeypatch, name, value, unit):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"{name}: a whole number of {unit}"):
        Settings.load()


def test_production_refuses_missing_passphrase():
    with pytest.raises(ConfigurationError):
        Settings(env="production", public_url="https://x").check()


def test_production_accepts_https_with_passphrase_secret_key_and_mail_server():
    Settings(
        env="production", public_url="https://x", key_passphrase="p", secret_key="s",
        smtp_url="smtps://vouch:secret@mail.example",
    ).check()  # fmt: skip


def test_production_refuses_without_a_mail_server():
    """Addresses are confirmed and passwords reset by mail: the outbox folder is for
    development, where nobody reads it but the developer."""
    settings = Settings(
        env="production", public_url="https://x", key_passphrase="p", secret_key="s"
    )
    with pytest.raises(ConfigurationError, match="VOUCH_SMTP_URL"):
        settings.check()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("smtp+plain://mail.example", "smtp\\+plain"),
        ("http://mail.example", "must start with"),
        ("smtp://", "no host"),
        ("smtp://mail.example:port", "not a number"),
    ],
)
def test_production_refuses_a_bad_or_cleartext_mail_server(url, problem):
    settings = Settings(
        env="production", public_url="https://x", key_passphrase="p", secret_key="s", smtp_url=url
    )
    with pytest.raises(ConfigurationError, match=problem):
        settings.check()


def test_cleartext_smtp_to_this_machine_is_allowed_in_production():
    Settings(
        env="production", public_url="https://x", key_passphrase="p", secret_key="s",
        smtp_url="smtp+plain://127.0.0.1:25",
    ).check()  # fmt: skip


def test_production_refuses_without_a_session_secret():
    with pytest.raises(ConfigurationError, match="VOUCH_SECRET_KEY"):
        Settings(env="production", public_url="https://x", key_passphrase="p").check()
