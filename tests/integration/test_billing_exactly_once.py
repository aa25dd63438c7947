"""Exactly once and order-independent: replays (sequential and concurrent) never grant twice,
and every ordering of a purchase's and a subscription's events ends in the same state."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from core.usecases import billing
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
from tests.standins.stripe_api import StripeApi

USERS, PURCHASES_EACH = 20, 10  # 200 distinct purchase events
CONCURRENT_REPLAYS = 10
EVENTS_AT_ONCE = 20  # x 10 replays: more than the pool (25) and the CPU, less than a stampede


@pytest.fixture
async def api():
    async with StripeApi() as running:
        yield running


@pytest.fixture
async def services(settings, api, store):
    async with billing_services(settings, api, store) as built:
        yield built


async def _two_hundred_purchases(services, api) -> tuple[list, list[dict]]:
    users = [await new_user(services) for _ in range(USERS)]
    events = [await buy(services, api, user, f"attempt-{n}")
              for user in users for n in range(PURCHASES_EACH)]
    return users, events


async def _assert_each_purchase_granted_once(services, users, events) -> None:
    rows = await grant_rows(services.store)
    assert len(rows) == len({ref for _, _, ref, _ in rows}) == len(events) == 200
    for user in users:  # ten purchases back to back: exactly ten times thirty days
        until = await services.store.premium_until(user.id, NOW)
        assert until == NOW + timedelta(days=30 * PURCHASES_EACH)
    assert await processed_event_count(services.store) == 200


async def test_two_hundred_events_replayed_three_times_grant_once_each(services, api):
    users, events = await _two_hundred_purchases(services, api)
    outcomes = [await deliver(services, api, e) for _ in range(3) for e in events]
    assert outcomes.count("applied") == 200 and outcomes.count("duplicate") == 400
    await _assert_each_purchase_granted_once(services, users, events)


async def test_two_hundred_events_replayed_ten_times_concurrently_grant_once_each(
    services, api
):
    users, events = await _two_hundred_purchases(services, api)
    outcomes = []
    for start in range(0, len(events), EVENTS_AT_ONCE):  # 200 requests in flight at a time
        outcomes += await asyncio.gather(*(
            deliver(services, api, e)
            for e in events[start:start + EVENTS_AT_ONCE] for _ in range(CONCURRENT_REPLAYS)))
    assert outcomes.count("applied") == 200
    assert outcomes.count("duplicate") == 200 * (CONCURRENT_REPLAYS - 1)
    await _assert_each_purchase_granted_once(services, users, events)


async def _final_state(settings, store, order: tuple[str, ...]) -> tuple:
    """Run one ordering on a fresh stand-in and account; the account's resulting state."""
    async with StripeApi() as api, billing_services(settings, api, store) as services:
        user = await new_user(services)
        purchase = await buy(services, api, user)
        sub = api.create_subscription("cus_1", {"user_id": user.id})
        made = {"purchase": purchase, "refund": api.refund(payment_of(purchase)),
                "update": api.update_subscription(sub["id"], status="active"),
                "delete": api.delete_subscription(sub["id"])}
        outcomes = [await deliver(services, api, made[name]) for name in order]
        rows = [(src, revoked) for uid, src, _, revoked in await grant_rows(services.store)
                if uid == user.id]
        state = (await services.store.premium_until(user.id, NOW), tuple(sorted(rows)))
        await billing.apply_stripe_event(services, made[order[0]])  # and a late replay:
        assert state[0] == await services.store.premium_until(user.id, NOW)
        return state, outcomes


async def test_all_24_orderings_of_purchase_refund_and_subscription_end_the_same(
    settings, store
):
    names = ("purchase", "refund", "update", "delete")
    states = {}
    for order in itertools.permutations(names):
        states[order], _ = await _final_state(settings, store, order)
    assert len(states) == 24
    assert set(states.values()) == {(None, (("stripe_payment", True),))}
