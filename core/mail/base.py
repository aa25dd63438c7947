"""The mail contract and the message value."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Message:
    to: str
    subject: str
    text: str
    html: str
    kind: str = "mail"  # verify, reset, receipt…: for logs (never the body: it holds tokens)

    def to_email(self, sender: str) -> EmailMessage:
        """A multipart/alternative message (text first, HTML preferred by mail clients)."""
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = self.to
        mail["Subject"] = self.subject
        mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
        mail.set_content(self.text)
        mail.add_alternative(self.html, subtype="html")
        return mail


class Mailer(Protocol):
    """Delivers one message or raises (`OSError`, `aiosmtplib.SMTPException`, …); the
    `MailSender` decides about retries. Implementations: `SmtpMailer`, `OutboxMailer`."""

    async def send(self, message: Message) -> None: ...


def mask_address(address: str) -> str:
    """`a***@example.com`: enough to tell mails apart in logs, not the address itself."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
