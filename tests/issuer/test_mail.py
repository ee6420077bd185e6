"""issuer.mail against a real SMTP server (aiosmtpd): STARTTLS, TLS, AUTH, no downgrade."""

from __future__ import annotations

import ssl

import pytest

from issuer.config import Settings
from issuer.errors import ConfigurationError
from issuer.mail import Mail, MailError, OutboxMailer, SmtpMailer, SmtpUrl, mailer_for, read_outbox
from tests.mailserver import mail_server
from tests.tls import self_signed

MAIL = Mail("ada@people.example", "Hello", "Follow https://vouch.test/x\nThanks.\n")
SENDER = "Vouch <noreply@vouch.test>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (server context, client context)."""
    cert_path, key_path = self_signed(tmp_path_factory.mktemp("tls"), "127.0.0.1")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


def test_smtp_url_requires_starttls_and_logs_in(certificate):
    server_tls, client_tls = certificate
    with mail_server(tls_context=server_tls, credentials=("vouch", "s3cret:/@")) as server:
        url = f"smtp://vouch:s3cret%3A%2F%40@127.0.0.1:{server.port}"  # percent-encoded password
        SmtpMailer(url, SENDER, tls_context=client_tls).send([MAIL])
        received = server.only("ada@people.example")
    assert received.message["From"] == SENDER
    assert received.message["Subject"] == "Hello"
    assert received.links == ["https://vouch.test/x"]
    assert received.message["Message-ID"].endswith("@vouch.test>")


def test_smtp_url_refuses_a_server_without_starttls(certificate):
    """No silent downgrade: ``smtp://`` sends nothing in clear text."""
    _, client_tls = certificate
    with mail_server() as server:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{server.port}", SENDER, tls_context=client_tls)
        with pytest.raises(MailError):
            mailer.send([MAIL])
        assert server.inbox == []


def test_smtp_url_refuses_a_certificate_it_does_not_trust(certificate):
    server_tls, _ = certificate
    with mail_server(tls_context=server_tls) as server:
        with pytest.raises(MailError):
            SmtpMailer(f"smtp://127.0.0.1:{server.port}", SENDER).send([MAIL])
        assert server.inbox == []


def test_an_unreachable_server_is_a_mail_error_that_names_no_password():
    mailer = SmtpMailer("smtp+plain://user:hunter22@127.0.0.1:9", SENDER)
    with pytest.raises(MailError) as raised:
        mailer.send([MAIL])
    assert "hunter22" not in str(raised.value)
    assert "hunter22" not in repr(mailer.url)


def test_several_messages_go_in_one_conversation():
    with mail_server() as server:
        SmtpMailer(server.url(), SENDER).send([MAIL, Mail("b@people.example", "Two", "Body\n")])
        assert [m.recipients for m in server.inbox] == [
            ["ada@people.example"],
            ["b@people.example"],
        ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("smtp", "mail.example", 587, None, None)),
        ("smtps://u:p@mail.example", ("smtps", "mail.example", 465, "u", "p")),
        ("smtp+plain://127.0.0.1:2525", ("smtp+plain", "127.0.0.1", 2525, None, None)),
        ("smtp://a%40b:p%3Aq@mail.example:25", ("smtp", "mail.example", 25, "a@b", "p:q")),
    ],
)
def test_smtp_urls_are_read(url, expected):
    parsed = SmtpUrl.parse(url)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.username, parsed.password) == expected


def test_without_an_smtp_url_mail_is_written_to_the_outbox(tmp_path):
    settings = Settings(instance_path=tmp_path / "instance", public_url="https://vouch.test")
    mailer = mailer_for(settings)
    assert isinstance(mailer, OutboxMailer)
    mailer.send([MAIL])
    [(name, parsed)] = read_outbox(tmp_path / "instance" / "outbox")
    assert name.endswith(".eml")
    assert (parsed["To"], parsed["From"]) == ("ada@people.example", "Vouch <noreply@vouch.test>")
    assert (tmp_path / "instance" / "outbox" / name).stat().st_mode & 0o777 == 0o600


def test_mail_from_is_configurable(tmp_path):
    settings = Settings(instance_path=tmp_path, mail_from="Badges <badges@school.example>")
    assert settings.sender == "Badges <badges@school.example>"


def test_a_malformed_smtp_url_fails_at_start_in_development_too():
    with pytest.raises(ConfigurationError, match="must start with"):
        Settings(smtp_url="mailto:someone@example.org").check()
