"""Two `threadr serve` processes side by side sharing one PostgreSQL and one Redis: quotas
are exact, the thread cache is one, and a Stripe event hitting both at once applies once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid

import aiohttp
import asyncpg
import pytest

from tests.fixtures.accounts import sign_up
from tests.scale.helpers import ThreadedStandIn, article, post_thread
from tests.scale.processes import spawn_many, stop_all
from tests.standins.stripe_api import StripeApi

PARALLEL, QUOTA = 40, 3


@pytest.fixture(scope="module")
def stripe():
    running = ThreadedStandIn(StripeApi())
    yield running
    running.close()


@pytest.fixture(scope="module")
def redis_module_prefix(redis_url):
    import redis

    prefix = f"threadr_scale_{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def pair(tmp_path_factory, pg_module_database_url, redis_url, redis_module_prefix, stripe):
    """Servers A and B: the same database, Redis prefix, secrets and Stripe stand-in. Each
    test uses its own identities (anonymous, or its own account), so they share the pair."""
    api = stripe.standin
    started = spawn_many(
        tmp_path_factory.mktemp("scale"), ["a", "b"], DATABASE_URL=pg_module_database_url,
        REDIS_URL=redis_url, REDIS_PREFIX=redis_module_prefix, FREE_DAILY_QUOTA=str(QUOTA),
        BURST_PER_MINUTE="100000", STRIPE_SECRET_KEY=api.secret_key,
        STRIPE_WEBHOOK_SECRET=api.webhook_secret, STRIPE_API_BASE=api.base_url)
    yield [server.base_url for server in started]
    stop_all(started)


async def _register(session, base_url: str, email: str) -> dict:
    return await sign_up(session, base_url, email, verified=True)  # its own quota


async def test_forty_parallel_requests_over_two_processes_get_exactly_the_quota(pair):
    a, b = pair
    async with aiohttp.ClientSession() as session:
        answers = await asyncio.gather(*(
            post_thread(session, (a, b)[n % 2], article(n)) for n in range(PARALLEL)))
        statuses = [status for status, _, _ in answers]
        assert statuses.count(200) == QUOTA, statuses
        assert statuses.count(429) == PARALLEL - QUOTA, statuses
        for status, body, headers in answers:
            if status == 429:
                assert int(headers["Retry-After"]) >= 1
                assert body["error"]["code"] == "quota_exceeded"
        for base_url in (a, b):  # both processes read the same counter
            async with session.get(f"{base_url}/api/v1/usage") as response:
                usage = await response.json()
            assert usage["used"] == QUOTA and usage["remaining"] == 0


async def test_a_thread_made_on_one_process_is_a_cache_hit_on_the_other(pair):
    a, b = pair
    async with aiohttp.ClientSession() as session:
        headers = await _register(session, a, "cache@example.com")
        status, first, _ = await post_thread(session, a, article(1000), headers)
        assert status == 200 and first["cached"] is False
        status, second, _ = await post_thread(session, b, article(1000), headers)
        assert status == 200 and second["cached"] is True
        assert [p["text"] for p in second["posts"]] == [p["text"] for p in first["posts"]]


async def _grants(database_url: str) -> list[tuple]:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        rows = await conn.fetch("SELECT user_id, source_ref FROM premium_grants "
                                "WHERE source <> 'account_lock'")
        events = await conn.fetchval("SELECT count(*) FROM processed_events")
        return [tuple(r) for r in rows], events
    finally:
        await conn.close()


async def test_one_stripe_event_hitting_both_processes_at_once_applies_once(
        pair, stripe, pg_module_database_url):
    a, b = pair
    async with aiohttp.ClientSession() as session:
        headers = await _register(session, a, "buyer@example.com")
        async with session.post(f"{b}/api/v1/billing/checkout", json={"attempt": "one"},
                                headers=headers) as response:
            assert response.status == 200, await response.text()
            session_id = (await response.json())["url"].rsplit("/", 1)[1]
        event = stripe.call(stripe.standin.complete_session, session_id)
        payload, signature = stripe.standin.signed(event)
        deliveries = await asyncio.gather(*(
            _deliver(session, f"{url}/api/v1/stripe/webhook", payload, signature)
            for url in (a, b) * 5))
        assert [status for status, _ in deliveries] == [200] * 10, deliveries
        outcomes = sorted(_outcome(body) for _, body in deliveries)
        assert outcomes == ["applied"] + ["duplicate"] * 9
        grants, processed = await _grants(pg_module_database_url)
        assert len(grants) == 1 and processed == 1
        async with session.get(f"{a}/api/v1/usage", headers=headers) as response:
            usage = await response.json()
        until = dt.datetime.fromisoformat(usage["premium_until"].replace("Z", "+00:00"))
        assert usage["plan"] == "premium"
        assert dt.timedelta(days=29) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(days=30)


async def _deliver(session, url: str, payload: bytes, signature: str) -> tuple[int, str]:
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    async with session.post(url, data=payload, headers=headers) as response:
        return response.status, await response.text()


def _outcome(body: str) -> str:
    return json.loads(body)["outcome"]
