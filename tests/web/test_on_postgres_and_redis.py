"""The key API behaviours again on the production backends: PostgreSQL and Redis."""

from __future__ import annotations

import pytest

from core.bootstrap import build_services
from tests.web.conftest import ARTICLE, make_thread, register
from tests.web.sse import parse_sse
from web.app import create_app


@pytest.fixture
async def pg_client(aiohttp_client, settings, pg_database_url, redis_url, redis_prefix):
    production_like = settings.with_(database_url=pg_database_url, redis_url=redis_url,
                                     redis_prefix=redis_prefix, free_daily_quota=2,
                                     burst_per_minute=1000)
    async with build_services(production_like) as services:
        yield await aiohttp_client(create_app(production_like, services=services))


async def test_history_and_ownership_hold_on_postgres(pg_client):
    alice = await register(pg_client, "alice@example.com")
    bob = await register(pg_client, "bob@example.com")
    thread = await make_thread(pg_client, alice)
    url = f"/api/v1/threads/{thread['id']}"
    assert (await pg_client.get(url, headers=bob)).status == 404
    assert (await pg_client.delete(url, headers=bob)).status == 404
    edited = await pg_client.patch(url, json={"posts": ["Edited"]}, headers=alice)
    assert (await edited.json())["posts"][0]["text"] == "Edited"
    listed = await (await pg_client.get("/api/v1/threads", headers=alice)).json()
    assert [t["id"] for t in listed["threads"]] == [thread["id"]]


async def test_the_quota_is_kept_in_redis_and_answers_429(pg_client):
    await make_thread(pg_client)
    await make_thread(pg_client, text=ARTICLE + " Second.")
    response = await pg_client.post("/api/v1/threads", json={"text": ARTICLE + " Third."})
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1
    usage = await (await pg_client.get("/api/v1/usage")).json()
    assert usage["used"] == 2 and usage["remaining"] == 0


async def test_streaming_and_readiness_work_on_postgres_and_redis(pg_client):
    response = await pg_client.post("/api/v1/threads", json={"text": ARTICLE},
                                    headers={"Accept": "text/event-stream"})
    events, _ = parse_sse(await response.text())
    assert events[0].event == "meta" and events[-1].event == "done"
    ready = await pg_client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": "ok", "counters": "ok"}


async def test_a_duplicate_email_answers_like_a_new_one_on_postgres(pg_client):
    await register(pg_client)
    again = await pg_client.post("/api/v1/auth/register",
                                 json={"email": "ada@example.com", "password": "correct horse 1"})
    assert again.status == 202  # the same answer as for a new address (no enumeration)
