"""A client that leaves an SSE stream stops the work behind it."""

from __future__ import annotations

import asyncio
import dataclasses

from core.models import Post, Source, Thread
from tests.web.conftest import ARTICLE
from web.app import create_app


class _SlowGenerator:
    """Streams one post, then waits for ever (until cancelled), like a slow upstream LLM."""

    name = "offline"
    cache_key_part = "slow-test"

    def __init__(self):
        self.first_post_sent = asyncio.Event()
        self.cancelled = asyncio.Event()

    async def generate(self, article, options, on_post=None):
        await on_post(0, "The first post.")
        self.first_post_sent.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return Thread(posts=(Post("never", 5),), generator="offline", source=Source())


async def test_closing_the_stream_cancels_generation(aiohttp_client, web_settings, services):
    slow = _SlowGenerator()
    app = create_app(web_settings, services=dataclasses.replace(services, generator=slow))
    client = await aiohttp_client(app)
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    assert response.status == 200
    await asyncio.wait_for(slow.first_post_sent.wait(), 10)
    response.close()  # the person closed the tab
    await asyncio.wait_for(slow.cancelled.wait(), 10)
    usage = await (await client.get("/api/v1/usage")).json()
    assert usage["used"] == 1  # the first post reached the person: charged (H1)


async def test_a_quiet_stream_sends_heartbeat_comments(aiohttp_client, web_settings, services):
    slow = _SlowGenerator()
    fast_beats = web_settings.with_(sse_heartbeat_seconds=0.05)
    app = create_app(fast_beats, services=dataclasses.replace(
        services, generator=slow, settings=fast_beats))
    client = await aiohttp_client(app)
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    seen = b""
    for _ in range(200):  # bounded: a heartbeat arrives after ~0.05 s
        seen += await asyncio.wait_for(response.content.readany(), 10)
        if b"\n: keep-alive\n\n" in seen:
            break
    assert b"event: post" in seen and b": keep-alive" in seen
    response.close()
    await asyncio.wait_for(slow.cancelled.wait(), 10)


async def test_streams_share_one_timer_that_stops_with_the_last_stream():
    """Heartbeats and client-gone checks: one timer per event loop, not a task per stream."""
    from web import sse

    class _Transport:
        closing = False

        def is_closing(self):
            return self.closing

    class _Request:
        def __init__(self):
            self.transport = _Transport()

    loop = asyncio.get_running_loop()
    requests = [_Request() for _ in range(3)]
    streams = [sse.EventStream(r, heartbeat=0.01) for r in requests]
    release = asyncio.Event()
    async def run(stream):
        with stream:
            return await release.wait()

    runs = [asyncio.create_task(run(s)) for s in streams]
    await asyncio.sleep(0.05)
    watch = sse._watch(loop)
    assert len(watch._streams) == 3 and watch._timer is not None
    requests[0].transport.closing = True  # that client left: only its work is cancelled
    for _ in range(100):  # bounded: the next tick notices
        if runs[0].done():
            break
        await asyncio.sleep(0.01)
    assert isinstance(runs[0].exception(), sse.ClientGone)
    release.set()
    assert await asyncio.gather(*runs[1:]) == [True, True]
    await asyncio.sleep(0.05)
    assert not watch._streams and watch._timer is None
