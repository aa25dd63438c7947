"""The offline generator answers whenever the LLM cannot, and the thread says why."""

from __future__ import annotations

import pytest

from core.errors import EmptyArticle
from core.generate.fallback import FallbackGenerator
from core.generate.llm import LLMGenerator
from core.generate.offline import OfflineGenerator
from core.metrics import Metrics
from core.models import Article, Mode, ThreadOptions
from tests.integration.test_llm_support import ARTICLE, FakeClock, RecordingSleep, llm_settings
from tests.standins.openai_server import OpenAIStandIn, Reply


@pytest.fixture
async def llm():
    async with OpenAIStandIn() as server:
        yield server


@pytest.fixture
def metrics():
    return Metrics()


@pytest.fixture
async def make(settings, llm, metrics):
    made = []

    def factory(clock=None, **changes):
        kwargs = {"sleep": RecordingSleep()} | ({"clock": clock} if clock else {})
        primary = LLMGenerator(llm_settings(settings, llm.base_url, **changes), metrics, **kwargs)
        made.append(FallbackGenerator(primary, OfflineGenerator(), metrics))
        return made[-1]

    yield factory
    for generator in made:
        await generator.close()


async def test_a_working_llm_answers_itself(make):
    thread = await make().generate(ARTICLE, ThreadOptions())
    assert thread.generator == "llm" and thread.fallback_reason is None


@pytest.mark.parametrize(("reply", "changes", "reason"), [
    (Reply(status=500), {}, "llm_unavailable"),
    (Reply(hang=True), {"llm_timeout": 0.3}, "llm_timeout"),
    (Reply(content="Sorry, I can only chat."), {}, "llm_invalid_output"),
    (Reply(status=429, headers={"Retry-After": "120"}), {}, "llm_rate_limited"),
])
@pytest.mark.parametrize("streaming", [False, True])
async def test_an_llm_failure_gives_the_offline_thread_with_its_reason(
        make, llm, reply, changes, reason, streaming):
    llm.default = reply

    async def on_post(i, text):
        pass

    thread = await make(**changes).generate(ARTICLE, ThreadOptions(),
                                            on_post if streaming else None)
    assert thread.generator == "offline" and thread.fallback_reason == reason
    assert thread.posts and all(p.weighted_length <= 280 for p in thread.posts)


async def test_streaming_callers_get_the_offline_posts_after_a_failure(make, llm):
    llm.default = Reply(status=500)
    streamed = {}

    async def on_post(i, text):
        streamed[i] = text

    thread = await make().generate(ARTICLE, ThreadOptions(), on_post)
    assert [streamed[i] for i in range(len(thread.posts))] == [p.text for p in thread.posts]


async def test_the_breaker_opens_then_half_opens_then_closes(make, llm, metrics):
    clock = FakeClock()
    generator = make(clock=clock, llm_breaker_failures=2, llm_breaker_cooldown=30.0,
                     llm_max_retries=0)
    llm.default = Reply(status=500)
    for _ in range(2):
        await generator.generate(ARTICLE, ThreadOptions())
    assert generator.breaker_state == "open"
    assert metrics.llm_breaker_open._value.get() == 1
    calls = len(llm.calls)
    thread = await generator.generate(ARTICLE, ThreadOptions())
    assert thread.fallback_reason == "circuit_open" and len(llm.calls) == calls  # no call out
    clock.now += 30
    assert generator.breaker_state == "half_open"
    llm.default = Reply()
    thread = await generator.generate(ARTICLE, ThreadOptions())
    assert thread.generator == "llm" and generator.breaker_state == "closed"
    assert metrics.llm_breaker_open._value.get() == 0


async def test_an_empty_article_is_still_an_error(make):
    with pytest.raises(EmptyArticle):
        await make().generate(Article(text="   "), ThreadOptions())


async def test_split_mode_is_served_offline_without_asking_the_llm(make, llm):
    thread = await make().generate(ARTICLE, ThreadOptions(mode=Mode.SPLIT))
    assert thread.generator == "offline" and thread.fallback_reason is None
    assert llm.calls == []
