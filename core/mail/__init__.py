"""Transactional mail: a `Mailer` protocol (SMTP, or `.eml` files in an outbox directory),
templates in the account's language, and a background sender with bounded retries."""

from core.mail.base import Mailer, Message
from core.mail.sender import MailSender

__all__ = ["MailSender", "Mailer", "Message"]
