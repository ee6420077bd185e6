"""Rate limits: per client address on sign-in, sign-up, password mail, token creation and
verification; a per-account backoff on failed sign-ins that rotating addresses does not escape
and that does not lock the owner out."""

from __future__ import annotations

import pytest

from issuer.app import create_app
from issuer.errors import ConfigurationError
from issuer.web.ratelimit import DEVICE_COOKIE
from tests.web.conftest import PASSWORD, add_person, api, csrf_token

# Limits are per address and per app: each test builds its own app with small limits.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _app(make_issuer, **limits):
    """An app with these limits, and its issuer (for accounts)."""
    service = make_issuer(**limits)
    return service, create_app(issuer=service)


def _form(client, path, fields, address="192.0.2.1", token_from="/login"):
    token = csrf_token(client, token_from)
    return client.post(
        path, data={"csrf_token": token, **fields}, environ_base={"REMOTE_ADDR": address}
    )


def _refused(response, *, page: bool) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    if page:
        assert response.mimetype == "text/html"
        assert "Too many" in response.get_data(as_text=True)
    else:
        assert response.get_json()["error"]["code"] == "too_many_requests"


def test_sign_in_is_limited_per_address(make_issuer):
    issuer, app = _app(make_issuer, ratelimit_login="3 per minute")
    add_person(issuer, "lim", "Lim It")
    client = app.test_client()
    for _ in range(3):
        fields = {"email": "lim@people.example", "password": "wrong password"}
        assert _form(client, "/login", fields).status_code == 401
    right = {"email": "lim@people.example", "password": PASSWORD}
    _refused(_form(client, "/login", right), page=True)
    assert _form(client, "/login", right, address="192.0.2.2").status_code == 302


def test_two_hundred_wrong_passwords_are_not_all_401(make_issuer):
    issuer, app = _app(make_issuer)  # the defaults
    add_person(issuer, "many", "Many Tries")
    client = app.test_client()
    statuses = [
        _form(
            client, "/login", {"email": "many@people.example", "password": f"guess {n}"}
        ).status_code
        for n in range(30)
    ]
    assert statuses.count(401) <= 10
    assert 429 in statuses


def test_failed_sign_ins_back_off_per_account_whatever_the_address(make_issuer):
    issuer, app = _app(make_issuer, login_failures="3 per 15 minutes")
    add_person(issuer, "target", "Tar Get")
    add_person(issuer, "other", "Oth Er")
    owner = app.test_client()  # the owner signed in from this browser before the attack
    assert _form(owner, "/login", {"email": "target@people.example", "password": PASSWORD},
                 address="198.51.100.7").status_code == 302  # fmt: skip
    assert owner.get_cookie(DEVICE_COOKIE) is not None
    attacker = app.test_client()
    for n in range(3):
        fields = {"email": "target@people.example", "password": "wrong password"}
        assert _form(attacker, "/login", fields, address=f"203.0.113.{n}").status_code == 401
    right = {"email": "target@people.example", "password": PASSWORD}
    refused = _form(attacker, "/login", right, address="203.0.113.99")
    _refused(refused, page=True)
    assert "Too many failed sign-ins for this account" in refused.get_data(as_text=True)
    # another account is not affected
    other = {"email": "other@people.example", "password": PASSWORD}
    assert _form(app.test_client(), "/login", other, address="203.0.113.99").status_code == 302
    # the owner's browser, known to the account, still gets in: no lock-out
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/account")})
    assert _form(owner, "/login", right, address="198.51.100.7").status_code == 302


def test_a_forged_device_cookie_does_not_skip_the_backoff(make_issuer):
    issuer, app = _app(make_issuer, login_failures="1 per 15 minutes")
    add_person(issuer, "forged", "For Ged")
    client = app.test_client()
    client.set_cookie(DEVICE_COOKIE, "not-a-signed-value")
    fields = {"email": "forged@people.example", "password": "wrong password"}
    assert _form(client, "/login", fields).status_code == 401
    _refused(_form(client, "/login", fields), page=True)


def test_sign_up_is_limited_per_address(make_issuer):
    _issuer, app = _app(make_issuer, ratelimit_signup="2 per minute")
    client = app.test_client()
    for n in range(2):
        fields = {"name": "New", "email": f"new{n}@people.example", "password": "short"}
        assert _form(client, "/signup", fields, token_from="/signup").status_code == 422
    fields = {"name": "New", "email": "new9@people.example", "password": "long enough 123"}
    _refused(_form(client, "/signup", fields, token_from="/signup"), page=True)


def test_password_mail_is_limited_per_address(make_issuer):
    _issuer, app = _app(make_issuer, ratelimit_password_reset="2 per minute")
    client = app.test_client()
    for _ in range(2):
        fields = {"email": "nobody@people.example"}
        assert (
            _form(client, "/password/forgot", fields, token_from="/password/forgot").status_code
            == 200
        )
    _refused(_form(client, "/password/forgot", {"email": "x@people.example"},
                   token_from="/password/forgot"), page=True)  # fmt: skip


def test_token_creation_is_limited(make_issuer):
    issuer, app = _app(make_issuer, ratelimit_tokens="2 per minute")
    person = add_person(issuer, "tok", "Tok En")
    client = app.test_client()
    for n in range(2):
        response = api(client, "POST", "/api/v1/tokens", person.token, json={"name": f"t{n}"})
        assert response.status_code == 201
    _refused(api(client, "POST", "/api/v1/tokens", person.token, json={"name": "t"}), page=False)


def test_the_verify_api_and_page_are_limited(make_issuer):
    _issuer, app = _app(make_issuer, ratelimit_verify="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/api/v1/verify", json={"credential": "x.y.z"}).status_code == 422
    _refused(client.post("/api/v1/verify", json={"credential": "x.y.z"}), page=False)
    # the page counts separately (its own route), and answers with a page
    for _ in range(2):
        client.post("/verify", data={"credential": "x.y.z"})
    _refused(client.post("/verify", data={"credential": "x.y.z"}), page=True)


def test_reading_pages_is_not_limited(make_issuer):
    _issuer, app = _app(make_issuer, ratelimit_login="1 per minute")
    client = app.test_client()
    assert all(client.get("/login").status_code == 200 for _ in range(5))


def test_production_refuses_counting_in_memory(make_issuer):
    service = make_issuer(env="production", secret_key="s" * 40)
    with pytest.raises(ConfigurationError, match="VOUCH_RATELIMIT_STORAGE_URL"):
        create_app(issuer=service)


def test_a_malformed_limit_is_a_configuration_error(make_issuer):
    with pytest.raises(ConfigurationError, match="VOUCH_RATELIMIT_LOGIN"):
        _app(make_issuer, ratelimit_login="lots")


def test_limits_are_shared_through_redis(make_issuer):
    redis = pytest.importorskip("redis")
    store = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=1)
    try:
        store.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    service = make_issuer(
        ratelimit_storage_url="redis://127.0.0.1:6379/15", ratelimit_verify="2 per minute"
    )
    first, second = create_app(issuer=service), create_app(issuer=service)  # two workers
    assert first.test_client().post("/api/v1/verify", json={"credential": "x"}).status_code == 422
    assert second.test_client().post("/api/v1/verify", json={"credential": "x"}).status_code == 422
    _refused(first.test_client().post("/api/v1/verify", json={"credential": "x"}), page=False)
    assert store.keys("*")
    store.flushdb()
    store.close()
    for app in (first, second):  # the limiters' Redis connections, closed (no ResourceWarning)
        for limiter in app.extensions["limiter"]:
            limiter.storage.storage.connection_pool.disconnect()


def _sign_ins_from(client, forwarded_for: str):
    fields = {"email": "proxy@people.example", "password": "wrong password"}
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"csrf_token": token, **fields},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_behind_a_proxy_each_client_has_its_own_limit(make_issuer):
    issuer, app = _app(make_issuer, ratelimit_login="2 per minute", proxy_hops=1)
    add_person(issuer, "proxy", "Proxy Client")
    client = app.test_client()
    assert [_sign_ins_from(client, "198.51.100.7").status_code for _ in range(2)] == [401, 401]
    _refused(_sign_ins_from(client, "198.51.100.7"), page=True)
    assert _sign_ins_from(client, "198.51.100.8").status_code == 401  # another client


def test_without_proxies_a_client_cannot_choose_its_address(make_issuer):
    issuer, app = _app(make_issuer, ratelimit_login="2 per minute")
    add_person(issuer, "proxy", "Proxy Client")
    client = app.test_client()
    for n in range(2):
        assert _sign_ins_from(client, f"198.51.100.{n}").status_code == 401
    _refused(_sign_ins_from(client, "198.51.100.99"), page=True)
