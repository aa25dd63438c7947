"""The mailers against a real SMTP server (aiosmtpd on 127.0.0.1) and the outbox default."""

from __future__ import annotations

import logging
import ssl
import stat
from email import message_from_bytes, policy

import pytest
import trustme

from core.bootstrap import build_mail_sender
from core.mail import MailSender, Message
from core.mail.outbox import OutboxMailer
from core.mail.render import render
from core.mail.smtp import SmtpMailer, SmtpTarget
from tests.mail.smtp_sink import PASSWORD, USER, SmtpSink, start

SENDER = "Threadr <no-reply@threadr.test>"
SECRET_LINK = "https://threadr.test/verify?token=do-not-log-me"


def _message(to: str = "ada@example.com") -> Message:
    return render("verify", to, "en", email=to, link=SECRET_LINK, hours=24)


@pytest.fixture(scope="module")
def tls():
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


@pytest.fixture
def sink():
    return SmtpSink()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def text(self) -> str:
        return " ".join(f"{r.getMessage()} {vars(r)}" for r in self.records)


@pytest.fixture
def mail_log():
    """What the mail logger writes (attached to it directly: other tests may configure
    logging so that records do not propagate to pytest's capture)."""
    logger, handler = logging.getLogger("threadr.mail"), _Records()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_smtp_upgrades_with_starttls_and_authenticates(sink, tls):
    controller = start(sink, starttls=tls[0], auth=True)
    try:
        url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{controller.port}"
        await SmtpMailer(url, SENDER, tls_context=tls[1]).send(_message())
    finally:
        controller.stop()
    [mail] = sink.received
    assert mail.tls and mail.login == USER  # credentials only went over TLS
    assert mail.recipients == ["ada@example.com"] and mail.sender == "no-reply@threadr.test"
    assert mail.message["Subject"] == "Confirm your email address for Threadr"
    assert SECRET_LINK in mail.text and SECRET_LINK in mail.part("html")


async def test_smtps_speaks_tls_from_the_first_byte(sink, tls):
    controller = start(sink, implicit=tls[0], auth=True)
    try:
        url = f"smtps://{USER}:{PASSWORD}@127.0.0.1:{controller.port}"
        await SmtpMailer(url, SENDER, tls_context=tls[1]).send(_message())
    finally:
        controller.stop()
    assert [m.tls for m in sink.received] == [True]


async def test_wrong_smtp_credentials_fail_the_send(sink, tls):
    controller = start(sink, starttls=tls[0], auth=True)
    try:
        url = f"smtp://{USER}:wrong@127.0.0.1:{controller.port}"
        with pytest.raises(Exception) as failure:
            await SmtpMailer(url, SENDER, tls_context=tls[1]).send(_message())
    finally:
        controller.stop()
    assert sink.received == [] and "wrong" not in str(failure.value)


async def test_a_refused_mail_is_retried_with_backoff_and_delivered_once(sink, mail_log):
    controller = start(sink)
    sink.refuse_next = 2
    sender = MailSender(SmtpMailer(f"smtp://127.0.0.1:{controller.port}", SENDER), 4, 0.01)
    try:
        sender.submit(_message())
        await sender.drain()
    finally:
        controller.stop()
    assert len(sink.received) == 1 and sender.failed == 0
    tries = [r for r in mail_log.records if r.getMessage() == "mail delivery failed"]
    assert [r.attempt for r in tries] == [1, 2]
    assert "do-not-log-me" not in mail_log.text and "ada@example.com" not in mail_log.text


async def test_sending_gives_up_after_the_bounded_attempts(sink, caplog):
    controller = start(sink)
    sink.refuse_next = 10
    sender = MailSender(SmtpMailer(f"smtp://127.0.0.1:{controller.port}", SENDER), 3, 0.01)
    try:
        sender.submit(_message())
        await sender.drain()
    finally:
        controller.stop()
    assert sink.received == [] and sender.failed == 1 and sink.refuse_next == 7


async def test_submit_returns_before_a_slow_server_answers():
    class Slow:
        sent = 0

        async def send(self, message):
            import asyncio

            await asyncio.sleep(0.5)
            Slow.sent += 1

    import time

    sender = MailSender(Slow(), 1, 0)
    started = time.perf_counter()
    sender.submit(_message())
    assert time.perf_counter() - started < 0.05 and Slow.sent == 0
    await sender.drain()
    assert Slow.sent == 1


def test_smtp_urls_are_parsed_with_defaults_and_escapes():
    plain = SmtpTarget.parse("smtp://us%40er:p%3Ass@mail.example:2525")
    assert (plain.host, plain.port, plain.implicit_tls) == ("mail.example", 2525, False)
    assert (plain.username, plain.password) == ("us@er", "p:ss")
    assert SmtpTarget.parse("smtps://mail.example").port == 465
    assert SmtpTarget.parse("smtp://mail.example").port == 587
    with pytest.raises(ValueError):
        SmtpTarget.parse("http://mail.example")


async def test_the_default_writes_eml_files_into_the_outbox(settings, mail_log):
    sender = build_mail_sender(settings)
    assert isinstance(sender.mailer, OutboxMailer)
    sender.submit(_message("bob@example.com"))
    await sender.drain()
    [path] = (settings.data_dir / "outbox").glob("*.eml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in mail_log.text and "do-not-log-me" not in mail_log.text
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["To"] == "bob@example.com" and mail["From"] == "Threadr <no-reply@localhost>"
    assert SECRET_LINK in mail.get_body(("plain",)).get_content()


def test_html_mail_escapes_what_the_person_typed():
    mail = render("verify", "x@example.com", None, email="<script>x</script>@example.com",
                  link=SECRET_LINK, hours=24)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "<script>x</script>@example.com" in mail.text  # text is not HTML


def test_mail_is_in_the_accounts_language_else_english():
    assert render("reset", "x@example.com", "fr-CA", email="x", link="l",
                  minutes=30).subject.startswith("Réinitialisez")
    assert render("receipt", "x@example.com", "fr", amount="$4.99", days=30, until="d",
                  reference="r").subject == "Your Threadr premium receipt"
    assert render("verify", "x@example.com", "xx", email="x", link="l",
                  hours=24).subject.startswith("Confirm")
