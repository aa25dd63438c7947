"""SMTP delivery through aiosmtplib.

`SMTP_URL`: `smtp://user:pass@host:587` uses STARTTLS when the server offers it;
`smtps://user:pass@host:465` is TLS from the first byte. Credentials are optional.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

from core.mail.base import Message, mask_address

log = logging.getLogger("threadr.mail")


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
        implicit = parts.scheme == "smtps"
        return cls(parts.hostname, parts.port or (465 if implicit else 587), implicit,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


class SmtpMailer:
    def __init__(self, url: str, sender: str, timeout: float = 15.0, tls_context=None) -> None:
        self.target = SmtpTarget.parse(url)
        self.sender = sender
        self.timeout = timeout
        self.tls_context = tls_context  # tests pass one trusting their own CA

    async def send(self, message: Message) -> None:
        t = self.target
        await aiosmtplib.send(
            message.to_email(self.sender), hostname=t.host, port=t.port,
            username=t.username, password=t.password, use_tls=t.implicit_tls,
            start_tls=None if not t.implicit_tls else False,  # None: STARTTLS when offered
            timeout=self.timeout, tls_context=self.tls_context,
        )
        log.info("mail sent", extra={"kind": message.kind, "to": mask_address(message.to),
                                     "smtp_host": t.host})
