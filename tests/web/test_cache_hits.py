"""The lean cache hit (issue 18): a cached thread costs no quota unit and no store call for an
anonymous caller, is served even when today's quota is used up, and is still a usage record
(cached) and a cache hit in the metrics."""

from __future__ import annotations

import dataclasses
import json

import pytest

from core.bootstrap import build_services
from tests.fixtures.spies import CallLog
from tests.web.conftest import ARTICLE, mark_verified, register
from web.app import create_app

OTHER = ARTICLE.replace("Cities", "Towns")


@pytest.fixture
async def one_a_day(web_settings):
    settings = web_settings.with_(free_daily_quota=1)
    async with build_services(settings) as services:
        spy = CallLog(services.store)
        yield settings, dataclasses.replace(services, store=spy), spy


async def _used(client, headers=None) -> int:
    return (await (await client.get("/api/v1/usage", headers=headers or {})).json())["used"]


async def _post(client, body: bytes, headers=None):
    return await client.post("/api/v1/threads", data=body,
                             headers={"Content-Type": "application/json", **(headers or {})})


async def test_an_anonymous_hit_makes_no_store_call_and_takes_no_quota_unit(
        aiohttp_client, one_a_day):
    settings, services, spy = one_a_day
    client = await aiohttp_client(create_app(settings, services=services))
    body = json.dumps({"text": ARTICLE}).encode()
    first = await _post(client, body)
    assert first.status == 200 and not (await first.json())["cached"]
    assert await _used(client) == 1  # the quota of one is used up
    hits_before = services.metrics.cache_hits.value
    spy.calls.clear()
    again = await _post(client, body)  # the same bytes: answered without parsing
    assert again.status == 200, await again.text()
    thread = await again.json()
    assert thread["cached"] and thread["id"] is None
    assert spy.calls == []
    assert await _used(client) == 1
    assert services.metrics.cache_hits.value == hits_before + 1
    refused = await _post(client, json.dumps({"text": OTHER}).encode())
    assert refused.status == 429  # a new thread still needs a unit


async def test_a_hit_in_other_bytes_is_served_when_the_quota_is_used_up(
        aiohttp_client, one_a_day):
    settings, services, spy = one_a_day
    client = await aiohttp_client(create_app(settings, services=services))
    assert (await _post(client, json.dumps({"text": ARTICLE}).encode())).status == 200
    spaced = json.dumps({"text": ARTICLE}, indent=2).encode()  # parsed: the usual path
    again = await _post(client, spaced)
    assert again.status == 200, await again.text()
    assert (await again.json())["cached"]
    streamed = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    assert streamed.status == 200 and b"event: done" in await streamed.read()
    assert await _used(client) == 1


async def test_every_hit_is_a_cached_usage_record(aiohttp_client, one_a_day):
    settings, services, _ = one_a_day
    client = await aiohttp_client(create_app(settings, services=services))
    body = json.dumps({"text": ARTICLE}).encode()
    for _ in range(3):
        assert (await _post(client, body)).status == 200
    await services.usage.flush()
    rows = await services.records.db.all("SELECT cached FROM usage_records ORDER BY at")
    assert [bool(r["cached"]) for r in rows] == [False, True, True]


async def test_a_signed_in_hit_is_saved_to_history_without_a_quota_unit(
        aiohttp_client, one_a_day):
    settings, services, spy = one_a_day
    client = await aiohttp_client(create_app(settings, services=services))
    ada = await register(client)
    await mark_verified(services, "ada@example.com")
    body = json.dumps({"text": ARTICLE}).encode()
    assert (await _post(client, body)).status == 200  # anonymous: cached now
    spy.calls.clear()
    mine = await _post(client, body, ada)
    assert mine.status == 200, await mine.text()
    thread = await mine.json()
    assert thread["cached"] and thread["id"]
    assert "save_thread" in spy.calls
    listed = await (await client.get("/api/v1/threads", headers=ada)).json()
    assert [t["id"] for t in listed["threads"]] == [thread["id"]]
    assert await _used(client, ada) == 0


async def test_a_known_body_still_checks_the_plan_post_limit(aiohttp_client, one_a_day):
    from core.usecases.admin import grant_premium

    settings, services, _ = one_a_day
    client = await aiohttp_client(create_app(settings, services=services))
    ada = await register(client)
    user = await services.store.get_user_by_email("ada@example.com")
    await grant_premium(services, None, user.id, 30)
    body = json.dumps({"text": ARTICLE, "max_posts": 20}).encode()  # premium's cap, not free's
    assert (await _post(client, body, ada)).status == 200
    assert (await _post(client, body, ada)).status == 200  # known now, and still premium
    assert (await _post(client, body)).status == 422  # known, but over the free plan's cap
