"""One generation makes at most 1 + LLM_MAX_RETRIES requests to the model server, whatever
it answers; response-format downgrades happen only when the answer says the format is not
supported, count in the same budget and are remembered for the process."""

from __future__ import annotations

import pytest

from core.bootstrap import build_generator
from core.generate.llm import LLMGenerator
from core.generate.resilience import LLMFailure
from core.metrics import Metrics
from core.models import ThreadOptions, Tone
from tests.integration.test_llm_support import ARTICLE, RecordingSleep, llm_settings
from tests.standins.openai_server import OpenAIStandIn, Reply


async def _ignore(index: int, text: str) -> None:
    pass


# Whole answers go through the SDK; streamed ones over our HTTP/1.1 client: both are classified
# alike (status, Retry-After, the error's words).
BOTH_PATHS = pytest.mark.parametrize("on_post", [None, _ignore], ids=["whole", "streamed"])


def formats(llm) -> list[str]:
    kinds = []
    for call in llm.calls:
        fmt = call.get("response_format") or {"type": "text"}
        kinds.append(fmt["type"] + ("+schema" if "schema" in fmt else ""))
    return kinds


@pytest.mark.parametrize("retries", [0, 1, 2, 4])
@BOTH_PATHS
async def test_a_server_answering_500_gets_one_plus_max_retries_requests(settings, retries,
                                                                          on_post):
    async with OpenAIStandIn() as llm:
        llm.default = Reply(status=500)
        generator = LLMGenerator(llm_settings(settings, llm.base_url, llm_max_retries=retries),
                                 Metrics(), sleep=RecordingSleep())
        with pytest.raises(LLMFailure) as failure:
            await generator.generate(ARTICLE, ThreadOptions(), on_post)
        await generator.close()
    assert failure.value.reason == "llm_unavailable"
    assert len(llm.calls) == 1 + retries
    assert set(formats(llm)) == {"json_schema"}, "a plain 500 is an outage, not a refusal"


async def test_the_configured_generator_falls_back_after_the_bounded_calls(settings):
    async with OpenAIStandIn() as llm:
        llm.default = Reply(status=500)
        generator = build_generator(llm_settings(settings, llm.base_url), Metrics())
        try:
            thread = await generator.generate(ARTICLE, ThreadOptions())
        finally:
            await generator.close()
    assert thread.generator == "offline" and thread.fallback_reason == "llm_unavailable"
    assert len(llm.calls) == 3  # 1 + LLM_MAX_RETRIES (2), not 9


@BOTH_PATHS
async def test_a_plain_400_is_not_a_format_refusal_and_is_not_retried(settings, on_post):
    async with OpenAIStandIn() as llm:
        llm.default = Reply(status=400)  # "scripted failure": says nothing about formats
        generator = LLMGenerator(llm_settings(settings, llm.base_url), Metrics(),
                                 sleep=RecordingSleep())
        with pytest.raises(LLMFailure):
            await generator.generate(ARTICLE, ThreadOptions(), on_post)
        await generator.close()
    assert formats(llm) == ["json_schema"]
    assert generator.response_mode == "json_schema"


@BOTH_PATHS
async def test_downgrades_count_in_the_budget_and_are_remembered(settings, on_post):
    refused = {"json_schema": 400, "json_object_schema": 422, "json_object": 400}
    async with OpenAIStandIn(refuse=refused) as llm:
        generator = LLMGenerator(llm_settings(settings, llm.base_url, llm_max_retries=2),
                                 Metrics(), sleep=RecordingSleep())
        with pytest.raises(LLMFailure):  # three refusals spend the whole budget of 3
            await generator.generate(ARTICLE, ThreadOptions(), on_post)
        assert formats(llm) == ["json_schema", "json_object+schema", "json_object"]
        thread = await generator.generate(ARTICLE, ThreadOptions(tone=Tone.CASUAL), on_post)
        await generator.close()
    assert thread.generator == "llm"
    assert formats(llm)[3:] == ["text"], "the next generation starts where the last one ended"
    assert generator.response_mode == "text"


@BOTH_PATHS
async def test_a_500_naming_the_format_is_a_refusal_then_a_500_is_retried_in_the_new_format(
        settings, on_post):
    async with OpenAIStandIn(refuse={"json_schema": 500}) as llm:  # as llama.cpp answers
        # the refused call takes the first scripted reply too; the next two calls get 503
        llm.script(Reply(), Reply(status=503), Reply(status=503))
        generator = LLMGenerator(llm_settings(settings, llm.base_url, llm_max_retries=3),
                                 Metrics(), sleep=RecordingSleep())
        thread = await generator.generate(ARTICLE, ThreadOptions(), on_post)
        await generator.close()
    assert thread.generator == "llm"
    assert formats(llm) == ["json_schema"] + ["json_object+schema"] * 3


@BOTH_PATHS
async def test_a_429_waits_its_retry_after_then_the_retry_answers(settings, on_post):
    async with OpenAIStandIn() as llm:
        llm.script(Reply(status=429, headers={"Retry-After": "1.5"}))
        sleep = RecordingSleep()
        generator = LLMGenerator(llm_settings(settings, llm.base_url), Metrics(), sleep=sleep)
        thread = await generator.generate(ARTICLE, ThreadOptions(), on_post)
        await generator.close()
    assert thread.generator == "llm" and len(llm.calls) == 2
    assert sleep.waits == [1.5]
