"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (plain, STARTTLS or implicit TLS,
optional AUTH), recording every message it accepts; it can refuse the next N with 451."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

USER, PASSWORD = "mailer", "s3cret-smtp-pass"
TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool
    login: str | None

    def part(self, subtype: str) -> str:
        return self.message.get_body(preferencelist=(subtype,)).get_content()

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def token(self) -> str:
        return TOKEN.search(self.text).group(1)


class SmtpSink:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refuse_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        auth = getattr(session, "auth_data", None)
        self.received.append(Received(
            envelope.mail_from, list(envelope.rcpt_tos),
            message_from_bytes(envelope.content, policy=policy.default),
            tls=server.transport.get_extra_info("ssl_object") is not None,
            login=auth.login.decode() if auth is not None and auth.login else None))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    async def wait_for(self, count: int, seconds: float = 15.0) -> list[Received]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while len(self.received) < count:
            if loop.time() > deadline:
                raise AssertionError(f"expected {count} mails, got {len(self.received)}")
            await asyncio.sleep(0.02)
        return self.received


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(sink: SmtpSink, *, starttls: ssl.SSLContext | None = None,
          implicit: ssl.SSLContext | None = None, auth: bool = False) -> Controller:
    kwargs = {}
    if starttls is not None:
        kwargs["tls_context"] = starttls
    if implicit is not None:
        kwargs["ssl_context"] = implicit
        kwargs["server_hostname"] = "localhost"
    if auth:
        kwargs.update(authenticator=_authenticate, auth_required=True,
                      auth_require_tls=starttls is not None)  # implicit TLS: always on
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller
