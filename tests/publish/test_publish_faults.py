"""Exactly once through faults, on SQLite and PostgreSQL, with the real client code against
the stand-ins: 429 with a reset header on post 3 and a 500 on post 5; an answer lost after
the network stored post 4; a crash between the network call and our record; two workers on
one database; an expired token (refreshed once) and a revoked one (a clear failure)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.bootstrap import build_services
from core.publish.publisher import run_publication
from core.usecases.publications import get_publication
from tests.publish.flows import SEVEN
from tests.publish.steps import connected, publication, stored_texts
from tests.standins.social_common import Fault

PLATFORMS = ["x", "bluesky", "mastodon"]


@pytest.fixture(params=["sqlite", "postgres"])
def backend_settings(request, pub_settings):
    if request.param == "sqlite":
        return pub_settings
    return pub_settings.with_(database_url=request.getfixturevalue("pg_database_url"))


@pytest.fixture
async def services(backend_settings):
    async with build_services(backend_settings) as built:
        yield built


def rate_limited(platform: str, seconds: int = 1) -> Fault:
    reset = datetime.now(UTC) + timedelta(seconds=seconds)
    header = {"x": {"x-rate-limit-reset": str(int(reset.timestamp()) + 1)},
              "bluesky": {"ratelimit-reset": str(int(reset.timestamp()) + 1)},
              "mastodon": {"X-RateLimit-Reset": reset.isoformat()}}[platform]
    return Fault(429, header, {"errors": [{"code": 88, "message": "Rate limit exceeded"}]})


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_429_with_reset_on_post_3_and_500_on_post_5_publish_each_post_once(
        services, networks, platform):
    user_id, dest = await connected(services, platform, networks)
    pub_id = await publication(services, user_id, dest.id)
    server = networks[platform]
    server.faults.plan = {3: rate_limited(platform), 5: Fault(500)}
    started = time.monotonic()
    assert await run_publication(services, pub_id) == "published"
    assert server.faults.fired == [(3, 429), (5, 500)]
    assert time.monotonic() - started >= 0.9  # the reset time was waited for
    assert stored_texts(platform, server) == SEVEN


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_an_answer_lost_after_the_network_stored_the_post_is_not_sent_twice(
        services, networks, platform):
    user_id, dest = await connected(services, platform, networks)
    pub_id = await publication(services, user_id, dest.id)
    server = networks[platform]
    server.faults.plan = {4: Fault(500, lost=True)}
    assert await run_publication(services, pub_id) == "published"
    assert stored_texts(platform, server) == SEVEN


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_crash_between_the_call_and_the_record_resumes_without_a_duplicate(
        services, networks, platform):
    user_id, dest = await connected(services, platform, networks)
    pub_id = await publication(services, user_id, dest.id)
    record, calls = services.store.record_post, []

    async def dies_on_post_4(pub, idx, *args):
        calls.append(idx)
        if idx == 3 and calls.count(3) == 1:
            raise SystemExit("worker killed")  # what the process saw last
        return await record(pub, idx, *args)

    services.store.record_post = dies_on_post_4
    with pytest.raises(SystemExit):
        await run_publication(services, pub_id)
    assert await run_publication(services, pub_id) is None  # still leased by the dead worker
    await asyncio.sleep(services.settings.publish_lease_seconds)
    assert await run_publication(services, pub_id) == "published"
    assert stored_texts(platform, networks[platform]) == SEVEN
    done = await get_publication(services, user_id, pub_id)
    assert len({s.remote_id for s in done.sent.values()}) == 7


async def test_a_live_worker_slower_than_its_lease_is_not_taken_over_mid_thread(
        backend_settings, services, networks):
    user_id, dest = await connected(services, "x", networks)
    pub_id = await publication(services, user_id, dest.id)
    lease = services.settings.publish_lease_seconds
    mark, posting = services.store.mark_post_sent, asyncio.Event()

    async def slow_post(*args):  # each post takes half a lease: the thread, 3.5 leases
        posting.set()
        await asyncio.sleep(lease / 2)
        return await mark(*args)

    services.store.mark_post_sent = slow_post
    async with build_services(backend_settings) as sweeper:
        first = asyncio.create_task(run_publication(services, pub_id))
        await asyncio.wait_for(posting.wait(), 10)  # the first worker holds it
        takeovers = []
        while not first.done():  # bounded: the first run ends after ~3.5 leases
            takeovers.append(await run_publication(sweeper, pub_id))
            await asyncio.sleep(0.2)
        assert await first == "published"
    assert set(takeovers) == {None}
    assert stored_texts("x", networks["x"]) == SEVEN


async def test_two_workers_on_one_database_publish_each_post_once(
        backend_settings, services, networks):
    user_id, dest = await connected(services, "mastodon", networks)
    pub_ids = [await publication(services, user_id, dest.id, [f"{t} #{n}" for t in SEVEN])
               for n in range(3)]
    async with build_services(backend_settings) as other:
        results = await asyncio.gather(*(run_publication(s, p) for p in pub_ids
                                         for s in (services, other)))
    assert sorted(map(str, results)) == ["None"] * 3 + ["published"] * 3
    texts = stored_texts("mastodon", networks["mastodon"])
    assert sorted(texts) == sorted(f"{t} #{n}" for t in SEVEN for n in range(3))
    for n in range(3):
        assert [t for t in texts if t.endswith(f"#{n}")] == [f"{t} #{n}" for t in SEVEN]


@pytest.mark.parametrize("platform", ["x", "bluesky"])
async def test_an_expired_token_is_refreshed_once(services, networks, platform):
    user_id, dest = await connected(services, platform, networks)
    pub_id = await publication(services, user_id, dest.id)
    networks[platform].tokens.expire()
    assert await run_publication(services, pub_id) == "published"
    assert networks[platform].tokens.refreshes == 1
    assert stored_texts(platform, networks[platform]) == SEVEN


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_revoked_destination_fails_the_publication_clearly(services, networks, platform):
    user_id, dest = await connected(services, platform, networks)
    pub_id = await publication(services, user_id, dest.id)
    networks[platform].tokens.revoke()
    assert await run_publication(services, pub_id) == "failed"
    failed = await get_publication(services, user_id, pub_id)
    assert "connect the account again" in failed.error
    assert stored_texts(platform, networks[platform]) == []
    await services.mail.drain()  # the person is told by mail, once
    assert await run_publication(services, pub_id) is None  # finished: nothing runs again
    mails = [p.read_text() for p in (services.settings.data_dir / "outbox").glob("*.eml")]
    told = [m for m in mails if "Your thread was not published" in m]
    assert len(told) == 1 and "f@example.com" in told[0] and "connect the account again" in told[0]
