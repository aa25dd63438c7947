"""H1 and M1: what a hang-up costs, and who it hurts.

H1: with the LLM generator, clients that hung up after receiving posts but before `done` were
charged nothing while the model call was paid. Now the first post that reaches the person
charges the thread. M1: when the single-flight leader's client left, every follower of the
same article got an error; now the shared work is shielded from the leader's cancellation.
"""

from __future__ import annotations

import asyncio
import dataclasses

from core.errors import FetchFailed
from core.models import Post, Source, Thread
from tests.integration.test_llm_support import llm_settings
from tests.standins.openai_server import OpenAIStandIn, Reply
from tests.web.conftest import ARTICLE
from web.app import create_app

SSE = {"Accept": "text/event-stream"}


async def _read_until(response, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = await asyncio.wait_for(response.content.readany(), 10)
        assert chunk, seen
        seen += chunk
    return seen


async def test_hanging_up_after_llm_posts_arrived_is_charged(aiohttp_client, web_settings):
    from core.bootstrap import build_services

    async with OpenAIStandIn() as llm:
        gate = asyncio.Event()
        llm.default = Reply(chunk_size=8, gate=gate)
        settings = llm_settings(web_settings, llm.base_url, free_daily_quota=5)
        async with build_services(settings) as services:
            client = await aiohttp_client(create_app(settings, services=services))
            streams = []
            for i in range(3):  # three different articles: no cache, no single-flight
                response = await client.post("/api/v1/threads", headers=SSE,
                                             json={"text": f"{ARTICLE} Variant {i}."})
                assert response.status == 200
                await _read_until(response, b"event: post")
                streams.append(response)
            for response in streams:
                response.close()  # hang up before `done`
            gate.set()
            await asyncio.sleep(1.5)  # the server notices the hang-ups (1 s poll)
            usage = await (await client.get("/api/v1/usage")).json()
    assert len(llm.calls) == 3
    assert usage["used"] == 3


class _Gated:
    """Streams nothing until `release` is set, then one post, and the thread."""

    name = "offline"
    cache_key_part = "gated-test"

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.runs = 0
        self.cancelled = False

    async def generate(self, article, options, on_post=None):
        self.runs += 1
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if on_post:
            await on_post(0, "The one post.")
        return Thread(posts=(Post("The one post.", 13),), generator="offline", source=Source())


async def test_hanging_up_before_any_post_costs_nothing(aiohttp_client, web_settings, services):
    gated = _Gated()
    app = create_app(web_settings, services=dataclasses.replace(services, generator=gated))
    client = await aiohttp_client(app)
    response = await client.post("/api/v1/threads", json={"text": ARTICLE}, headers=SSE)
    await asyncio.wait_for(gated.started.wait(), 10)
    response.close()
    for _ in range(100):
        if gated.cancelled:
            break
        await asyncio.sleep(0.05)
    assert gated.cancelled  # nobody else waited: the work stops
    assert (await (await client.get("/api/v1/usage")).json())["used"] == 0


async def test_followers_get_their_thread_when_the_leader_hangs_up(aiohttp_client, web_settings,
                                                                  services):
    gated = _Gated()
    app = create_app(web_settings, services=dataclasses.replace(services, generator=gated))
    client = await aiohttp_client(app)
    leader = await client.post("/api/v1/threads", json={"text": ARTICLE}, headers=SSE)
    await asyncio.wait_for(gated.started.wait(), 10)
    followers = [asyncio.create_task(client.post("/api/v1/threads", json={"text": ARTICLE}))
                 for _ in range(4)]
    await asyncio.sleep(0.3)  # the followers join the computation in progress
    leader.close()
    await asyncio.sleep(1.5)  # the server notices the leader left (1 s poll)
    gated.release.set()
    answers = await asyncio.gather(*followers)
    assert [a.status for a in answers] == [200] * 4
    assert gated.runs == 1 and not gated.cancelled
    bodies = [await a.json() for a in answers]
    assert {b["posts"][0]["text"] for b in bodies} == {"The one post."}


class _SlowFailure:
    name = "offline"
    cache_key_part = "slow-failure"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def generate(self, article, options, on_post=None):
        await asyncio.sleep(self.seconds)
        raise FetchFailed("upstream failed")


async def _failures_until_limited(aiohttp_client, web_settings, services, seconds):
    settings = web_settings.with_(burst_per_minute=4)
    slow = _SlowFailure(seconds)
    app = create_app(settings, services=dataclasses.replace(
        services, generator=slow, settings=settings,
        quotas=type(services.quotas)(services.counters, settings, services.metrics)))
    client = await aiohttp_client(app)
    for attempt in range(1, 6):
        response = await client.post("/api/v1/threads", json={"text": f"{ARTICLE} {attempt}"})
        if response.status == 429:
            return attempt
        assert response.status == 502
    return None


async def test_expensive_failures_count_double_against_the_burst_limit(
        aiohttp_client, web_settings, services):
    assert await _failures_until_limited(aiohttp_client, web_settings, services, 1.1) == 3


async def test_cheap_failures_count_once(aiohttp_client, web_settings, services):
    assert await _failures_until_limited(aiohttp_client, web_settings, services, 0.0) == 5


async def test_a_follower_in_another_process_takes_over_when_the_leader_gives_up(services):
    """M1 across processes (two `Services` sharing one counters backend, as two API processes
    share Redis): the leader's client leaves, nobody waits on it in its process, so its work
    stops and its lock is released; the other process's caller computes the thread itself
    within a second instead of waiting out the 30 s single-flight wait."""
    import time

    from core.models import Caller, ThreadRequest
    from core.usecases.threads import generate_thread

    gated = _Gated()
    from core.counters.thread_cache import SingleFlightThreadCache

    def own_process(side):  # its own single-flight table over the shared backend
        cache = SingleFlightThreadCache(side.counters, side.counters, 60)
        return dataclasses.replace(side, generator=gated, thread_cache=cache)

    leader_side, follower_side = own_process(services), own_process(services)
    request = ThreadRequest(text=ARTICLE)
    leader = asyncio.create_task(generate_thread(leader_side, Caller("web", ip="192.0.2.1"),
                                                 request))
    await asyncio.wait_for(gated.started.wait(), 10)
    follower = asyncio.create_task(generate_thread(follower_side, Caller("web", ip="192.0.2.2"),
                                                   request))
    await asyncio.sleep(0.2)  # the follower is polling for the leader's result
    leader.cancel()
    started = time.monotonic()
    await asyncio.sleep(0.1)
    gated.release.set()
    thread = await asyncio.wait_for(follower, 10)
    assert thread.posts[0].text == "The one post." and gated.runs == 2
    assert time.monotonic() - started < 2.0
