"""Shared set-up for the billing tests: the Stripe stand-in, services over a real store with
the real `StripeBilling` pointed at it, and small helpers (buy, deliver, count rows)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from core.billing import StripeBilling
from core.bootstrap import build_services
from core.settings import SecretStr
from core.usecases import billing
from tests.standins.stripe_api import StripeApi

NOW = datetime.now(UTC).replace(microsecond=0)


def billing_settings(settings, api: StripeApi, **changes):
    return settings.with_(stripe_secret_key=SecretStr(api.secret_key),
                          stripe_webhook_secret=SecretStr(api.webhook_secret),
                          stripe_api_base=api.base_url, public_url="https://threadr.test",
                          **changes)


@asynccontextmanager
async def billing_services(settings, api: StripeApi, store, clock=lambda: NOW,
                           **changes) -> AsyncIterator:
    """Services over `store` with a real StripeBilling aimed at the stand-in, a fixed clock."""
    configured = billing_settings(settings, api, **changes)
    gateway = StripeBilling(configured)
    try:
        async with build_services(configured, store=store, billing=gateway,
                                  clock=clock) as services:
            yield services
    finally:
        await gateway.close()


async def new_user(services, email: str | None = None):
    return await services.store.create_user(email, None)


async def buy(services, api: StripeApi, user, attempt: str = "a1", paid: bool = True) -> dict:
    """Checkout for `user`, then the stand-in completes it; returns the resulting event."""
    url = await billing.create_checkout(services, user.id, attempt)
    return api.complete_session(url.rsplit("/", 1)[1], paid=paid)


async def deliver(services, api: StripeApi, event: dict) -> str:
    """The webhook path without HTTP: signed body → verification → exactly-once apply."""
    payload, header = api.signed(event)
    return await billing.handle_webhook(services, payload, header)


def payment_of(event: dict) -> str:
    return event["data"]["object"]["payment_intent"]


async def _fetch(store, sql: str) -> list[tuple]:
    if hasattr(store, "_pool"):  # PostgreSQL
        async with store._pool.acquire() as conn:
            return [tuple(r) for r in await conn.fetch(sql)]
    async with store._conn.execute(sql) as cursor:  # SQLite
        return [tuple(r) for r in await cursor.fetchall()]


async def grant_rows(store) -> list[tuple]:
    """(user_id, source, source_ref, revoked) of every real grant (account locks excluded)."""
    rows = await _fetch(store, "SELECT user_id, source, source_ref, revoked_at IS NOT NULL "
                               "FROM premium_grants WHERE source <> 'account_lock' "
                               "ORDER BY source_ref")
    return [(u, s, r, bool(v)) for u, s, r, v in rows]


async def processed_event_count(store) -> int:
    return (await _fetch(store, "SELECT count(*) FROM processed_events"))[0][0]
