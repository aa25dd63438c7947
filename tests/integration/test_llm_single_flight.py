"""Through the lead's use case: concurrent identical requests reach the LLM once."""

from __future__ import annotations

import asyncio

from core.bootstrap import build_services
from core.models import Caller, ThreadRequest
from core.usecases.threads import generate_thread
from tests.integration.test_llm_support import ARTICLE, llm_settings
from tests.standins.openai_server import OpenAIStandIn, Reply


async def test_fifty_concurrent_identical_requests_make_one_upstream_call(settings):
    async with OpenAIStandIn() as llm:
        llm.default = Reply(chunk_size=8, chunk_delay=0.002)
        async with build_services(llm_settings(settings, llm.base_url)) as services:
            request = ThreadRequest(text=ARTICLE.text)
            callers = [Caller("api", ip=f"203.0.113.{i}") for i in range(50)]
            threads = await asyncio.gather(
                *(generate_thread(services, caller, request) for caller in callers)
            )
    assert len(llm.calls) == 1
    assert {t.generator for t in threads} == {"llm"}
    assert len({tuple(p.text for p in t.posts) for t in threads}) == 1
    assert sum(not t.cached for t in threads) == 1
