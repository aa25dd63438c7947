"""Receipts, revocation notices and reminders over SMTP to a real server, once per event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.settings import SecretStr
from core.usecases import receipts
from tests.integration.billing_support import NOW, billing_services, buy, deliver, payment_of
from tests.standins.stripe_api import StripeApi


@pytest.fixture
async def api():
    async with StripeApi() as running:
        yield running


@pytest.fixture
async def env(settings, api, store, smtp):
    sink, url = smtp
    clock = {"now": NOW}
    async with billing_services(settings, api, store, clock=lambda: clock["now"],
                                smtp_url=SecretStr(url), mail_backoff_seconds=0.01) as services:
        yield services, sink, clock


async def _account(services, email="payer@example.com"):
    return await services.store.create_user(email, "h")


async def test_a_purchase_mails_one_receipt_even_when_the_event_is_replayed(env, api):
    services, sink, _ = env
    user = await _account(services)
    event = await buy(services, api, user)
    assert await deliver(services, api, event) == "applied"
    assert await deliver(services, api, event) == "duplicate"
    await services.mail.drain()
    [receipt] = sink.to("payer@example.com")
    assert receipt.message["Subject"] == "Your Threadr premium receipt"
    assert "$4.99" in receipt.text and "30 days" in receipt.text
    assert payment_of(event) in receipt.text
    books = await services.records.db.all("SELECT kind, amount_cents, user_id FROM "
                                          "billing_records")
    assert books == [{"kind": "purchase", "amount_cents": 499, "user_id": user.id}]


async def test_a_refund_sends_one_notice_and_books_the_refund(env, api):
    services, sink, _ = env
    user = await _account(services)
    event = await buy(services, api, user)
    await deliver(services, api, event)
    refund = api.refund(payment_of(event))
    assert await deliver(services, api, refund) == "applied"
    await deliver(services, api, refund)
    await services.mail.drain()
    subjects = [m.message["Subject"] for m in sink.to("payer@example.com")]
    assert subjects == ["Your Threadr premium receipt", "Your Threadr premium was withdrawn"]
    assert "refunded" in sink.to("payer@example.com")[1].text
    total = await services.records.db.one("SELECT sum(amount_cents) AS net FROM billing_records")
    assert total["net"] == 0


async def test_a_reminder_goes_out_once_three_days_before_premium_ends(env, api):
    services, sink, clock = env
    user = await _account(services)
    await deliver(services, api, await buy(services, api, user))
    await services.mail.drain()
    clock["now"] = NOW + timedelta(days=26)  # 4 days left: not yet
    assert await receipts.send_due_reminders(services) == 0
    clock["now"] = NOW + timedelta(days=27, hours=1)
    assert await receipts.send_due_reminders(services) == 1
    assert await receipts.send_due_reminders(services) == 0  # once
    await services.mail.drain()
    reminder = sink.to("payer@example.com")[-1]
    assert reminder.message["Subject"].startswith("Your Threadr premium ends on ")
