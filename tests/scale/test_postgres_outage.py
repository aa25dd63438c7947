"""PostgreSQL (our own cluster, on a free port) stopped under a running `threadr serve`:
anonymous generation still answers, signed-in work gets a clean 503 with Retry-After fast,
no request hangs, a Stripe webhook gets 503 (never 2xx) and applies exactly once on the retry
after the database is back. Nothing is written half-way."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import asyncpg
import pytest

from tests.fixtures.accounts import sign_up
from tests.scale.helpers import article, post_thread, timed
from tests.scale.processes import spawn
from tests.standins.stripe_api import StripeApi

WEBHOOK = "/api/v1/stripe/webhook"


@pytest.fixture
async def stripe():
    async with StripeApi() as api:
        yield api


@pytest.fixture
async def setup(tmp_path, own_postgres, stripe):
    database_url = await asyncio.to_thread(own_postgres.new_database)
    server = await asyncio.to_thread(
        spawn, tmp_path, "pg-outage", DATABASE_URL=database_url, FREE_DAILY_QUOTA="1000",
        BURST_PER_MINUTE="100000", STRIPE_SECRET_KEY=stripe.secret_key,
        STRIPE_WEBHOOK_SECRET=stripe.webhook_secret, STRIPE_API_BASE=stripe.base_url)
    try:
        yield server.base_url, database_url
    finally:
        await asyncio.to_thread(server.stop)
        if not await asyncio.to_thread(own_postgres.is_up):
            await asyncio.to_thread(own_postgres.start)


async def _rows(database_url: str) -> dict:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        return {
            "threads": await conn.fetchval("SELECT count(*) FROM threads"),
            "grants": await conn.fetchval(
                "SELECT count(*) FROM premium_grants WHERE source <> 'account_lock'"),
            "events": await conn.fetchval("SELECT count(*) FROM processed_events"),
        }
    finally:
        await conn.close()


async def _deliver(session, url: str, payload: bytes, signature: str) -> tuple[int, dict, dict]:
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    async with session.post(url + WEBHOOK, data=payload, headers=headers) as response:
        return response.status, json.loads(await response.text()), dict(response.headers)


async def test_postgres_stopped_answers_fast_and_webhooks_apply_once_after(
        setup, own_postgres, stripe):
    base_url, database_url = setup
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        user = await sign_up(session, base_url, "pg@example.com", verified=True)
        async with session.post(f"{base_url}/api/v1/billing/checkout", json={"attempt": "x"},
                                headers=user) as response:
            session_id = (await response.json())["url"].rsplit("/", 1)[1]
        payload, signature = stripe.signed(stripe.complete_session(session_id))
        before = await _rows(database_url)

        await asyncio.to_thread(own_postgres.stop)
        anonymous = await asyncio.gather(*(
            timed(post_thread(session, base_url, article(n))) for n in range(6)))
        signed_in = await asyncio.gather(*(
            timed(post_thread(session, base_url, article(100 + n), user)) for n in range(6)))
        history = await timed(_get(session, f"{base_url}/api/v1/threads", user))
        hook = await timed(_deliver(session, base_url, payload, signature))
        print("postgres down: anonymous", _summary(anonymous), "signed-in", _summary(signed_in),
              "history", _summary([history]), "webhook", _summary([hook]))

        for seconds, (status, body, headers) in [*anonymous, *signed_in, history, hook]:
            assert seconds < 5, "a request hung while the database was down"
            assert status in (200, 503), (status, body)
            if status == 503:
                assert seconds < 2 and int(headers["Retry-After"]) >= 1
                assert body["error"]["code"] == "storage_unavailable"
        assert [s for _, (s, _, _) in anonymous] == [200] * 6
        assert hook[1][0] == 503  # never 2xx: Stripe will retry

        await asyncio.to_thread(own_postgres.start)
        retried = await _deliver(session, base_url, payload, signature)
        assert retried[0] == 200 and retried[1]["outcome"] == "applied"
        again = await _deliver(session, base_url, payload, signature)
        assert again[0] == 200 and again[1]["outcome"] == "duplicate"
    after = await _rows(database_url)
    assert after["grants"] == before["grants"] + 1 and after["events"] == before["events"] + 1
    saved = sum(1 for _, (s, _, _) in signed_in if s == 200)
    assert after["threads"] == before["threads"] + saved  # no half-written thread


async def _get(session, url: str, headers: dict) -> tuple[int, dict, dict]:
    async with session.get(url, headers=headers) as response:
        return response.status, await response.json(content_type=None), dict(response.headers)


def _summary(answers) -> str:
    statuses = sorted({status for _, (status, _, _) in answers})
    slowest = max(seconds for seconds, _ in answers)
    return f"{statuses} max {slowest:.2f}s"


async def test_a_frozen_postgres_never_holds_a_request_past_five_seconds(setup, own_postgres):
    """SIGSTOPped server: connections hang instead of failing. Anonymous threads still come
    (usage accounting is best effort and bounded); signed-in work gets 503 + Retry-After
    after the pool's connect/acquire timeout (3 s)."""
    base_url, database_url = setup
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        user = await sign_up(session, base_url, "ice@example.com", verified=True)
        pids = await asyncio.to_thread(own_postgres.freeze)
        try:
            anonymous = await asyncio.gather(*(
                timed(post_thread(session, base_url, article(200 + n))) for n in range(4)))
            signed_in = await asyncio.gather(*(
                timed(post_thread(session, base_url, article(300 + n), user)) for n in range(4)))
        finally:
            own_postgres.thaw(pids)
    print("postgres frozen: anonymous", _summary(anonymous), "signed-in", _summary(signed_in))
    assert [s for _, (s, _, _) in anonymous] == [200] * 4
    assert max(seconds for seconds, _ in [*anonymous, *signed_in]) < 5, "a request hung"
    for _, (status, _body, headers) in signed_in:
        assert status == 503 and int(headers["Retry-After"]) >= 1
