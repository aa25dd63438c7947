"""Hostile upstreams under a real `threadr serve`: an LLM that never answers falls back to the
offline generator within LLM_TIMEOUT; an article site that drips (slow-loris) or never ends
is cut off by the fetcher's limits. Failures cost nothing and save nothing."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.fixtures.accounts import sign_up
from tests.scale.helpers import ThreadedStandIn, article, post_thread, timed
from tests.scale.processes import spawn
from tests.standins.article_server import ArticleServer
from tests.standins.openai_server import OpenAIStandIn, Reply
from tests.web.sse import parse_sse

LLM_TIMEOUT, FETCH_TIMEOUT = 1.0, 1.5
BOUND = 5.0  # no request may take longer than this


@pytest.fixture(scope="module")
def upstreams():
    llm = ThreadedStandIn(OpenAIStandIn())
    llm.standin.default = Reply(hang=True)
    site = ThreadedStandIn(ArticleServer(drip_seconds=0.2))
    yield llm, site
    site.close()
    llm.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, upstreams):
    llm, site = upstreams
    running = spawn(
        tmp_path_factory.mktemp("upstreams"), "upstreams", THREADR_GENERATOR="llm",
        OPENAI_BASE_URL=llm.standin.base_url, OPENAI_API_KEY="sk-standin",
        LLM_TIMEOUT=str(LLM_TIMEOUT), LLM_MAX_RETRIES="0", FETCH_TOTAL_TIMEOUT=str(FETCH_TIMEOUT),
        FETCH_ALLOW_LOOPBACK="true", FETCH_ALLOWED_PORTS=str(site.standin.port),
        FETCH_MAX_BYTES="300000", FREE_DAILY_QUOTA="1000", BURST_PER_MINUTE="100000")
    yield running.base_url
    running.stop()


async def _used(session, base_url: str, headers: dict) -> int:
    async with session.get(f"{base_url}/api/v1/usage", headers=headers) as response:
        return (await response.json())["used"]


async def _account(session, base_url: str, email: str) -> dict:
    return await sign_up(session, base_url, email, verified=True)  # its own quota


async def test_a_hanging_llm_falls_back_to_offline_within_the_timeout(server, upstreams):
    async with aiohttp.ClientSession() as session:
        seconds, (status, body, _) = await timed(post_thread(session, server, article(1)))
    print(f"llm hanging: {status} {body.get('generator')} in {seconds:.2f}s "
          f"(LLM_TIMEOUT={LLM_TIMEOUT})")
    assert status == 200 and body["generator"] == "offline" and body["fallback_reason"]
    assert LLM_TIMEOUT <= seconds < BOUND
    assert upstreams[0].standin.calls  # the LLM really was asked


async def test_a_hanging_llm_stream_still_ends_with_an_offline_thread(server):
    async with aiohttp.ClientSession() as session:
        async def stream():
            async with session.post(f"{server}/api/v1/threads", json={"text": article(2)},
                                    headers={"Accept": "text/event-stream"}) as response:
                return response.status, await response.text()

        seconds, (status, text) = await timed(stream())
    events, _ = parse_sse(text)
    assert status == 200 and events[-1].event == "done" and seconds < BOUND
    assert events[-1].json()["generator"] == "offline"


@pytest.mark.parametrize("path", ["/slow", "/endless", "/gzip-bomb"])
async def test_a_hostile_article_site_is_cut_off_by_the_fetcher_limits(server, upstreams, path):
    _, site = upstreams
    async with aiohttp.ClientSession() as session:
        user = await _account(session, server, f"fetch{path.strip('/')}@example.com")
        seconds, (status, body, _) = await timed(session_post_url(
            session, server, site.standin.url(path), user))
        print(f"article site {path}: {status} {body['error']['code']} in {seconds:.2f}s")
        assert status in (422, 502) and seconds < BOUND
        assert body["error"]["code"] in ("fetch_failed", "page_too_large")
        assert await _used(session, server, user) == 0  # a failure costs nothing
        async with session.get(f"{server}/api/v1/threads", headers=user) as response:
            assert (await response.json())["threads"] == []  # and saves nothing
    finished = site.standin.finished[path]
    assert await asyncio.to_thread(site.run, asyncio.wait_for(finished.wait(), 10)) is True


async def session_post_url(session, base_url: str, url: str, headers: dict):
    async with session.post(f"{base_url}/api/v1/threads", json={"url": url},
                            headers=headers) as response:
        return response.status, await response.json(), dict(response.headers)
