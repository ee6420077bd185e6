"""A real SMTP server in the test process (aiosmtpd), and reading what it received."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LINK = re.compile(r"https?://\S+")


@dataclass
class Received:
    """What the server was given: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert isinstance(part, EmailMessage)
        return part.get_content()

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.body)

    def link(self, containing: str) -> str:
        found = [url for url in self.links if containing in url]
        assert len(found) == 1, (containing, self.links)
        return found[0]


@dataclass
class _Handler:
    inbox: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.inbox.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@dataclass
class MailServer:
    host: str
    port: int
    handler: _Handler
    #: (user, password) the server accepts, when it asks for authentication.
    credentials: tuple[str, str] | None = None

    @property
    def inbox(self) -> list[Received]:
        return self.handler.inbox

    def url(self, scheme: str = "smtp+plain") -> str:
        auth = f"{self.credentials[0]}:{self.credentials[1]}@" if self.credentials else ""
        return f"{scheme}://{auth}{self.host}:{self.port}"

    def only(self, to: str | None = None) -> Received:
        """The one message received (to ``to``), taken out of the inbox."""
        found = [m for m in self.inbox if to is None or m.recipients == [to]]
        assert len(found) == 1, [(m.recipients, m.message["Subject"]) for m in self.inbox]
        self.inbox.remove(found[0])
        return found[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def mail_server(
    *, tls_context: ssl.SSLContext | None = None, credentials: tuple[str, str] | None = None
) -> Iterator[MailServer]:
    """An SMTP server on 127.0.0.1; with ``tls_context`` it requires STARTTLS, with
    ``credentials`` it requires AUTH (after STARTTLS)."""
    handler = _Handler()
    options: dict[str, Any] = {}
    if tls_context is not None:
        options |= {"tls_context": tls_context, "require_starttls": True}
    if credentials is not None:

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: Any, auth: Any):
            ok = (
                isinstance(auth, LoginPassword)
                and (
                    auth.login.decode(),
                    auth.password.decode(),
                )
                == credentials
            )
            return AuthResult(success=ok)

        options |= {"authenticator": authenticate, "auth_required": True}
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield MailServer("127.0.0.1", port, handler, credentials)
    finally:
        controller.stop()
