"""Outgoing mail: SMTP (``VOUCH_SMTP_URL``), or .eml files in the instance folder's outbox.

Mail is sent after the transaction that warrants it has committed, so a message never
announces something that was rolled back. The outbox is the development default: ``make run``
works with no mail server, and ``/dev/outbox`` shows what would have been sent. Production
without ``VOUCH_SMTP_URL`` is refused at start (``Settings.check``).

``VOUCH_SMTP_URL`` forms:

- ``smtp://user:password@host:587``: STARTTLS, required (the default port is 587);
- ``smtps://user:password@host:465``: TLS from the first byte (the default port is 465);
- ``smtp+plain://host:25``: no TLS at all, for a relay on the same machine (production refuses
  it for any host but a loopback address).

User name and password are percent-decoded; certificates are checked against the system's
trust store.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import ipaddress
import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from issuer.errors import ConfigurationError, IssuerError

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 587, "smtps": 465, "smtp+plain": 25}
#: How long one SMTP conversation may stall before the send fails.
SMTP_TIMEOUT = 20.0


class MailError(IssuerError):
    """A message could not be handed to the mail server."""

    code = "mail_failed"
    status = 503


@dataclass(frozen=True)
class Mail:
    """One plain-text message to one address."""

    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, messages: Sequence[Mail]) -> None: ...


@dataclass(frozen=True)
class SmtpUrl:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        """``VOUCH_SMTP_URL`` read, or a ConfigurationError that says what is wrong."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ConfigurationError(
                f"VOUCH_SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)}"
            )
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError:
            raise ConfigurationError("VOUCH_SMTP_URL has a port that is not a number") from None
        if not parts.hostname:
            raise ConfigurationError("VOUCH_SMTP_URL names no host")
        return cls(
            parts.scheme,
            parts.hostname,
            port,
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
        )

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __repr__(self) -> str:  # never the password
        return f"SmtpUrl({self.scheme}://{self.username or ''}@{self.host}:{self.port})"


def message(mail: Mail, sender: str) -> EmailMessage:
    """``mail`` as an RFC 5322 message from ``sender``."""
    built = EmailMessage(policy=email.policy.SMTP)
    built["From"] = sender
    built["To"] = mail.to
    built["Subject"] = mail.subject
    built["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    built["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    built.set_content(mail.body)
    return built


class SmtpMailer:
    """Sends through an SMTP server, one connection per batch of messages."""

    def __init__(self, url: str, sender: str, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.url = SmtpUrl.parse(url)
        self.sender = sender
        #: Tests pass a context trusting their own certificate; else the system's trust store.
        self.tls_context = tls_context or ssl.create_default_context()

    def send(self, messages: Sequence[Mail]) -> None:
        if not messages:
            return
        url = self.url
        try:
            if url.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    url.host, url.port, timeout=SMTP_TIMEOUT, context=self.tls_context
                )
            else:
                client = smtplib.SMTP(url.host, url.port, timeout=SMTP_TIMEOUT)
            with client:
                if url.scheme == "smtp":
                    client.starttls(context=self.tls_context)  # required: refuses if not offered
                if url.username:
                    client.login(url.username, url.password or "")
                for mail in messages:
                    client.send_message(message(mail, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s not sent: %s", url.host, type(exc).__name__)
            raise MailError(f"the mail server at {url.host} did not take the message") from exc


class OutboxMailer:
    """Writes each message as an ``.eml`` file into ``folder`` (development; no server)."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, messages: Sequence[Mail]) -> None:
        if not messages:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for mail in messages:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(message(mail, self.sender).as_bytes())
            log.info("mail to %s written to %s", mail.to, path)


def read_outbox(folder: Path) -> list[tuple[str, EmailMessage]]:
    """The outbox's messages, newest first, each with its file name."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.eml"), reverse=True):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found.append((path.name, parsed))
    return found


def body_text(parsed: EmailMessage) -> str:
    part = parsed.get_body(("plain",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


class MailSettings(Protocol):
    """What :func:`mailer_for` reads of the issuer's settings (``issuer.config.Settings``,
    which imports this module: a type of its own keeps the two out of an import circle)."""

    @property
    def smtp_url(self) -> str | None: ...

    @property
    def sender(self) -> str: ...

    @property
    def outbox_path(self) -> Path: ...


def mailer_for(settings: MailSettings) -> Mailer:
    """SMTP when ``VOUCH_SMTP_URL`` is set, else the outbox in the instance folder."""
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.sender)
    return OutboxMailer(settings.outbox_path, settings.sender)
