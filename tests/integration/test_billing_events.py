"""Every handled Stripe event, through the real SDK against the stand-in, on SQLite and
PostgreSQL: what it grants, extends, revokes or ends — always for the account."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import BillingNotConfigured, NotFound
from core.usecases import accounts, billing
from tests.integration.billing_support import (
    NOW,
    billing_services,
    buy,
    deliver,
    grant_rows,
    new_user,
    payment_of,
    processed_event_count,
)
from tests.standins.stripe_api import DAY, StripeApi

DAYS_30 = timedelta(days=30)


@pytest.fixture
async def api():
    async with StripeApi() as running:
        yield running


@pytest.fixture
async def services(settings, api, store):
    async with billing_services(settings, api, store) as built:
        yield built


@pytest.fixture
async def sub_services(settings, api, store):
    async with billing_services(settings, api, store, stripe_mode="subscription",
                                stripe_price_id="price_monthly") as built:
        yield built


def _period_end(api: StripeApi, sub_id: str) -> datetime:
    end = api.objects[sub_id]["items"]["data"][0]["current_period_end"]
    return datetime.fromtimestamp(end, UTC)


async def test_checkout_session_is_for_the_signed_in_account(services, api):
    user = await new_user(services, "ada@example.com")
    url = await billing.create_checkout(services, user.id, "attempt-1")
    session = api.objects[url.rsplit("/", 1)[1]]
    assert session["client_reference_id"] == user.id
    assert session["metadata"] == {"user_id": user.id}
    assert session["mode"] == "payment"
    assert session["success_url"].startswith("https://threadr.test/billing/success?session_id=")
    assert session["cancel_url"].startswith("https://threadr.test/")
    price = session["line_items_requested"][0]["price_data"]
    assert (price["unit_amount"], price["currency"]) == ("499", "usd")


async def test_a_double_click_makes_one_session(services, api):
    user = await new_user(services, "ada@example.com")
    first = await billing.create_checkout(services, user.id, "attempt-1")
    second = await billing.create_checkout(services, user.id, "attempt-1")
    other = await billing.create_checkout(services, user.id, "attempt-2")
    sessions = [o for o in api.objects.values() if o["object"] == "checkout.session"]
    assert first == second != other and len(sessions) == 2


async def test_subscription_mode_uses_the_price_id(sub_services, api):
    user = await new_user(sub_services, "ada@example.com")
    url = await billing.create_checkout(sub_services, user.id, "attempt-1")
    session = api.objects[url.rsplit("/", 1)[1]]
    assert session["mode"] == "subscription"
    assert session["line_items_requested"] == [{"price": "price_monthly", "quantity": "1"}]


async def test_a_paid_checkout_grants_thirty_days_to_the_account(services, api):
    user = await new_user(services)
    assert await deliver(services, api, await buy(services, api, user)) == "applied"
    assert await services.store.premium_until(user.id, NOW) == NOW + DAYS_30


async def test_a_second_purchase_extends_from_the_current_expiry(services, api):
    user = await new_user(services)
    await deliver(services, api, await buy(services, api, user, "a1"))
    await deliver(services, api, await buy(services, api, user, "a2"))
    assert await services.store.premium_until(user.id, NOW) == NOW + 2 * DAYS_30


async def test_an_unpaid_checkout_waits_for_the_async_payment(services, api):
    user = await new_user(services)
    event = await buy(services, api, user, paid=False)
    assert await deliver(services, api, event) == "ignored"
    assert await services.store.premium_until(user.id, NOW) is None
    settled = api.settle_async(event["data"]["object"]["id"], succeeded=True)
    assert await deliver(services, api, settled) == "applied"
    assert await services.store.premium_until(user.id, NOW) == NOW + DAYS_30


async def test_a_failed_async_payment_grants_nothing(services, api):
    user = await new_user(services)
    event = await buy(services, api, user, paid=False)
    await deliver(services, api, event)
    await deliver(services, api, api.settle_async(event["data"]["object"]["id"], False))
    assert await services.store.premium_until(user.id, NOW) is None
    assert await grant_rows(services.store) == []


@pytest.mark.parametrize("how", ["refund", "dispute"])
async def test_a_refund_or_dispute_revokes_that_purchase(services, api, how):
    user = await new_user(services)
    first = await buy(services, api, user, "a1")
    await deliver(services, api, first)
    await deliver(services, api, await buy(services, api, user, "a2"))
    assert await deliver(services, api, getattr(api, how)(payment_of(first))) == "applied"
    # the other purchase stays: 30 days, after the first (revoked) one's window
    assert await services.store.premium_until(user.id, NOW) == NOW + 2 * DAYS_30
    revoked = {ref: r for _, _, ref, r in await grant_rows(services.store)}
    assert revoked[payment_of(first)] is True and list(revoked.values()).count(False) == 1


@pytest.mark.parametrize("how", ["refund", "dispute"])
async def test_a_revocation_arriving_before_the_purchase_still_ends_revoked(services, api, how):
    user = await new_user(services)
    purchase = await buy(services, api, user)
    revocation = getattr(api, how)(payment_of(purchase))
    assert await deliver(services, api, revocation) == "unchanged"
    await deliver(services, api, purchase)
    assert await services.store.premium_until(user.id, NOW) is None
    assert await grant_rows(services.store) == [(user.id, "stripe_payment",
                                                 payment_of(purchase), True)]


async def test_a_subscription_grants_until_its_period_end(sub_services, api):
    user = await new_user(sub_services, "sub@example.com")
    event = await buy(sub_services, api, user)
    sub_id = event["data"]["object"]["subscription"]
    assert await deliver(sub_services, api, event) == "applied"
    assert await sub_services.store.premium_until(user.id, NOW) == _period_end(api, sub_id)


async def test_invoice_events_keep_the_subscription_in_step(sub_services, api):
    user = await new_user(sub_services, "sub@example.com")
    event = await buy(sub_services, api, user)
    sub_id = event["data"]["object"]["subscription"]
    await deliver(sub_services, api, event)
    later = int(time.time()) + 60 * DAY
    await deliver(sub_services, api, api.invoice(sub_id, paid=True, period_end=later))
    assert await sub_services.store.premium_until(user.id, NOW) == _period_end(api, sub_id)
    # a failed renewal: past_due keeps the paid period; "unpaid" ends premium
    await deliver(sub_services, api, api.invoice(sub_id, paid=False))
    assert await sub_services.store.premium_until(user.id, NOW) == _period_end(api, sub_id)
    await deliver(sub_services, api, api.update_subscription(sub_id, status="unpaid"))
    assert await sub_services.store.premium_until(user.id, NOW) is None


async def test_subscription_updated_and_deleted_follow_stripe(sub_services, api):
    user = await new_user(sub_services, "sub@example.com")
    event = await buy(sub_services, api, user)
    sub_id = event["data"]["object"]["subscription"]
    await deliver(sub_services, api, event)
    renewed = int(time.time()) + 45 * DAY
    await deliver(sub_services, api, api.update_subscription(sub_id, period_end=renewed))
    assert await sub_services.store.premium_until(user.id, NOW) == _period_end(api, sub_id)
    await deliver(sub_services, api, api.delete_subscription(sub_id))
    assert await sub_services.store.premium_until(user.id, NOW) is None


async def test_a_subscription_event_before_its_checkout_still_grants(sub_services, api):
    user = await new_user(sub_services, "sub@example.com")
    checkout = await buy(sub_services, api, user)
    sub_id = checkout["data"]["object"]["subscription"]
    assert await deliver(sub_services, api, api.update_subscription(sub_id)) == "applied"
    assert await deliver(sub_services, api, checkout) == "applied"
    assert await sub_services.store.premium_until(user.id, NOW) == _period_end(api, sub_id)
    assert len(await grant_rows(sub_services.store)) == 1


async def test_unknown_event_types_are_acknowledged_and_recorded(services, api):
    event = api.event("customer.created", {"id": "cus_x", "object": "customer"})
    assert await deliver(services, api, event) == "ignored"
    assert await deliver(services, api, event) == "duplicate"
    assert await processed_event_count(services.store) == 1


async def test_premium_belongs_to_the_account_and_its_linked_identities(services, api):
    user = await new_user(services, "ada@example.com")
    code = await accounts.create_link_code(services, "telegram", "777")
    await accounts.redeem_link_code(services, user.id, code)
    await deliver(services, api, await buy(services, api, user))
    telegram_account = await accounts.identity_user(services, "telegram", "777")
    assert telegram_account == user.id
    usage = await accounts.usage(services, f"user:{telegram_account}", telegram_account)
    assert usage.plan == "premium" and usage.premium_until == NOW + DAYS_30


async def test_the_portal_link_needs_a_subscription(sub_services, api):
    user = await new_user(sub_services, "sub@example.com")
    with pytest.raises(NotFound):
        await billing.portal_url(sub_services, user.id)
    await deliver(sub_services, api, await buy(sub_services, api, user))
    assert (await billing.portal_url(sub_services, user.id)).startswith(api.base_url)


async def test_without_stripe_settings_billing_is_not_configured(settings, store):
    from core.bootstrap import build_services

    async with build_services(settings, store=store) as services:
        user = await new_user(services)
        with pytest.raises(BillingNotConfigured):
            await billing.create_checkout(services, user.id, "a1")
        with pytest.raises(BillingNotConfigured):
            await billing.handle_webhook(services, b"{}", "t=1,v1=00")
