"""The LLM generator against the OpenAI-compatible stand-in, through the real openai SDK."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import re

import openai
import pytest

from core.generate.llm import LLMGenerator
from core.generate.resilience import LLMFailure
from core.metrics import Metrics
from core.models import ThreadOptions, Tone
from core.text import weighted_length
from tests.integration.test_llm_support import ARTICLE, RecordingSleep, llm_settings
from tests.standins.openai_server import OpenAIStandIn, Reply

NUMBER = re.compile(r"\s*\d+/\d+$")
LINK = "\nhttps://example.com/trees"


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

    def factory(**changes):
        sleep = changes.pop("sleep", RecordingSleep())
        clock = changes.pop("clock", None)
        kwargs = {"sleep": sleep} | ({"clock": clock} if clock else {})
        generator = LLMGenerator(llm_settings(settings, llm.base_url, **changes), metrics, **kwargs)
        made.append(generator)
        return generator

    yield factory
    for generator in made:
        await generator.close()


def bodies(thread) -> list[str]:
    return [NUMBER.sub("", p.text.replace(LINK, "")) for p in thread.posts]


async def test_a_thread_comes_back_numbered_with_the_link_and_token_usage(make, llm, metrics):
    thread = await make().generate(ARTICLE, ThreadOptions())
    assert thread.generator == "llm" and thread.fallback_reason is None
    n = len(thread.posts)
    assert n == 4
    lines = [p.text.split("\n") for p in thread.posts]
    assert [ls[0].rsplit(" ", 1)[-1] for ls in lines] == [f"{i}/{n}" for i in range(1, 5)]
    assert lines[-1][-1] == "https://example.com/trees"
    assert all(p.weighted_length == weighted_length(p.text) <= 280 for p in thread.posts)
    assert (thread.usage.prompt_tokens, thread.usage.completion_tokens) == (120, 60)
    assert metrics.llm_tokens.labels("prompt")._value.get() == 120
    assert len(llm.calls) == 1


async def test_token_usage_is_estimated_when_the_server_reports_none(make, llm, metrics):
    llm.default = Reply(usage=None)
    thread = await make().generate(ARTICLE, ThreadOptions())
    assert thread.usage.prompt_tokens > 100 and thread.usage.completion_tokens > 20
    assert metrics.llm_tokens.labels("completion")._value.get() == thread.usage.completion_tokens


async def test_the_prompt_carries_options_metadata_and_asks_for_json(make, llm):
    options = ThreadOptions(max_posts=5, language="fr", hashtags=2)
    await make().generate(ARTICLE, options)
    call = llm.calls[0]
    system, user = (m["content"] for m in call["messages"])
    assert "exactly 5 posts" in system and "'fr'" in system and "2 relevant hashtags" in system
    assert "Do NOT number" in system
    assert "Title: Trees cool cities" in user and "Paragraph 11" in user
    assert call["response_format"]["type"] == "json_schema"
    assert call["model"] == "stand-in"


async def test_the_answer_length_is_bounded_by_the_post_count(make, llm):
    await make().generate(ARTICLE, ThreadOptions(max_posts=5))
    await make().generate(ARTICLE, ThreadOptions(max_posts=12))
    assert [c.get("max_tokens") for c in llm.calls] == [1600, 3700]


async def test_streamed_and_whole_calls_carry_the_key_organization_and_project(settings, llm,
                                                                                 metrics):
    """The streamed call is made by our own HTTP/1.1 client (not the SDK's machinery): it
    must still send what the SDK would, from the SDK client's own configuration."""
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="sk-live-123", max_retries=0,
                                organization="org-7", project="proj-9")
    generator = LLMGenerator(llm_settings(settings, llm.base_url), metrics, client=client)

    async def on_post(i, text):
        pass

    await generator.generate(ARTICLE, ThreadOptions(max_posts=4), on_post)
    await generator.generate(ARTICLE, ThreadOptions(max_posts=5))
    await generator.close()
    await client.close()
    assert [c.get("stream", False) for c in llm.calls] == [True, False]
    for headers in llm.headers:
        assert headers["Authorization"] == "Bearer sk-live-123"
        assert (headers["OpenAI-Organization"], headers["OpenAI-Project"]) == ("org-7", "proj-9")
        assert headers["Content-Type"] == "application/json"
    assert llm.headers[0]["Accept"] == "text/event-stream"


async def test_a_streamed_article_with_a_lone_surrogate_or_any_script_reaches_the_model(make,
                                                                                       llm):
    """A JSON request may carry "\\ud800" (a lone surrogate): the streamed call escapes it,
    as the SDK does, instead of failing to encode the body."""
    article = dataclasses.replace(ARTICLE, text=ARTICLE.text + " Grüße, 東京 \ud800 end.")

    async def on_post(i, text):
        pass

    thread = await make().generate(article, ThreadOptions(), on_post)
    assert thread.generator == "llm"
    user = llm.calls[0]["messages"][-1]["content"]
    assert "Grüße, 東京 \ud800 end." in user


async def test_openai_itself_is_sent_max_completion_tokens(settings, llm, metrics):
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="sk-test", max_retries=0)
    config = llm_settings(settings, "")  # no OPENAI_BASE_URL: the official API
    generator = LLMGenerator(config, metrics, client=client)
    await generator.generate(ARTICLE, ThreadOptions(max_posts=5))
    await client.close()
    assert llm.calls[0]["max_completion_tokens"] == 1600 and "max_tokens" not in llm.calls[0]


async def test_an_answer_cut_off_mid_json_keeps_its_complete_posts(make, llm):
    llm.default = Reply(content='{"posts": ["Alpha post.", "Beta post.", "Gamma po')
    thread = await make().generate(ARTICLE, ThreadOptions())
    assert thread.generator == "llm"
    assert bodies(thread) == ["Alpha post.", "Beta post."]


async def test_a_long_article_is_trimmed_to_the_input_budget(make, llm):
    await make(llm_max_input_tokens=600).generate(ARTICLE.__class__(
        text="word " * 20_000, title="Long"), ThreadOptions())
    user = llm.calls[0]["messages"][1]["content"]
    assert 1000 < len(user) < 3000


async def test_the_cache_key_names_the_model_and_the_prompt_version(make):
    assert make().cache_key_part == "llm:stand-in:thread_v1"


async def test_an_over_long_post_is_re_split_never_truncated(make, llm):
    long = " ".join(f"word{i}" for i in range(90))  # ~600 characters
    llm.default = Reply(posts=["Hook post.", long, "Closing post."])
    thread = await make().generate(ARTICLE, ThreadOptions())
    assert len(thread.posts) >= 4
    assert all(p.weighted_length <= 280 for p in thread.posts)
    text = " ".join(bodies(thread))
    assert all(f"word{i}" in text.split() for i in range(90))


async def test_duplicates_empties_and_model_numbering_are_cleaned(make, llm):
    llm.default = Reply(posts=["1/3 First point.", "", "(2/3) Second point.", "  ",
                               "(2/3) Second point.", "Third point. 3/3"])
    thread = await make().generate(ARTICLE, ThreadOptions(max_posts=5))
    texts = [p.text for p in thread.posts]
    assert texts[0] == "First point. 1/3"
    assert texts[1] == "Second point. 2/3"
    assert texts[2] == "Third point. 3/3\nhttps://example.com/trees"
    assert len(texts) == 3


async def test_a_model_that_overshoots_is_packed_down_to_the_requested_count(make, llm):
    llm.default = Reply(posts=[f"Short point number {w}." for w in "abcdefghij"])
    thread = await make().generate(ARTICLE, ThreadOptions(max_posts=4))
    assert len(thread.posts) <= 4
    text = " ".join(p.text for p in thread.posts)
    assert all(f"number {w}." in text for w in "abcdefghij")


async def test_a_re_split_that_overshoots_merges_neighbours_and_keeps_the_hook_alone(make, llm):
    long = " ".join(f"word{i}" for i in range(60))
    llm.default = Reply(posts=["Hook post.", long, "Closing post."])
    thread = await make().generate(ARTICLE, ThreadOptions(max_posts=3))
    assert len(thread.posts) == 3
    assert thread.posts[0].text == "Hook post. 1/3"
    assert bodies(thread)[2].endswith("\n\nClosing post.")


async def test_a_model_that_writes_too_much_loses_its_last_points_never_a_cut_post(make, llm):
    points = [f"Point {w}: " + " ".join(f"{w}{i}" for i in range(40)) for w in "abcdef"]
    llm.default = Reply(posts=["Hook post.", *points, "Closing post."])
    thread = await make().generate(ARTICLE, ThreadOptions(max_posts=3))
    assert len(thread.posts) == 3
    texts = bodies(thread)
    assert texts[0].startswith("Hook post.") and texts[-1].endswith("Closing post.")
    joined = "\n\n".join(texts)
    assert [p in joined for p in points] == [True, True, True, False, False, False]


@pytest.mark.parametrize("content", [
    '```json\n{"posts": ["Alpha post.", "Beta post.", "Gamma post."]}\n```',
    '{"posts": ["Alpha post.", "Beta post.", "Gamma post."]}\nThese posts follow the rules.',
])
async def test_fenced_json_and_trailing_prose_are_parsed(make, llm, content):
    llm.default = Reply(content=content)
    thread = await make().generate(ARTICLE, ThreadOptions())
    assert bodies(thread)[:2] == ["Alpha post.", "Beta post."]


def formats(llm) -> list[str]:
    kinds = []
    for call in llm.calls:
        fmt = call.get("response_format") or {"type": "text"}
        kinds.append(fmt["type"] + ("+schema" if "schema" in fmt else ""))
    return kinds


async def test_json_schema_refused_with_500_downgrades_to_a_schema_constrained_json_object(
        settings, metrics):
    async with OpenAIStandIn(refuse={"json_schema": 500}) as llm:  # like llama.cpp's server
        generator = LLMGenerator(llm_settings(settings, llm.base_url), metrics)
        await generator.generate(ARTICLE, ThreadOptions())
        await generator.generate(ARTICLE, ThreadOptions(tone=Tone.CASUAL))
        await generator.close()
    assert formats(llm) == ["json_schema", "json_object+schema", "json_object+schema"]
    assert generator.response_mode == "json_object_schema"


async def test_a_server_refusing_schemas_is_asked_for_plain_json_object(settings, metrics):
    async with OpenAIStandIn(refuse={"json_schema": 400, "json_object_schema": 422}) as llm:
        generator = LLMGenerator(llm_settings(settings, llm.base_url), metrics)
        await generator.generate(ARTICLE, ThreadOptions())
        await generator.generate(ARTICLE, ThreadOptions(tone=Tone.CASUAL))
        await generator.close()
    assert formats(llm) == ["json_schema", "json_object+schema", "json_object", "json_object"]


async def test_a_500_for_plain_json_object_is_an_outage_not_a_refusal(settings, metrics):
    async with OpenAIStandIn(refuse={"json_schema": 500, "json_object_schema": 500,
                                     "json_object": 500}) as llm:
        generator = LLMGenerator(llm_settings(settings, llm.base_url, llm_max_retries=0),
                                 metrics)
        with pytest.raises(LLMFailure) as failure:
            await generator.generate(ARTICLE, ThreadOptions())
        await generator.close()
    assert failure.value.reason == "llm_unavailable"
    assert "text" not in formats(llm)


async def test_a_429_is_retried_after_its_retry_after_within_the_budget(make, llm):
    sleep = RecordingSleep()
    llm.script(Reply(status=429, headers={"Retry-After": "2"}))
    thread = await make(sleep=sleep).generate(ARTICLE, ThreadOptions())
    assert thread.generator == "llm"
    assert sleep.waits == [2.0] and len(llm.calls) == 2


async def test_500s_are_retried_with_backoff_then_given_up(make, llm):
    sleep = RecordingSleep()
    llm.default = Reply(status=503)
    with pytest.raises(LLMFailure) as failure:
        await make(sleep=sleep, llm_max_retries=2).generate(ARTICLE, ThreadOptions())
    assert failure.value.reason == "llm_unavailable"
    assert sleep.waits == [0.5, 1.0] and len(llm.calls) == 3


async def test_a_429_asking_for_longer_than_the_budget_fails_over_at_once(make, llm):
    llm.default = Reply(status=429, headers={"Retry-After": "60"})
    with pytest.raises(LLMFailure) as failure:
        await make().generate(ARTICLE, ThreadOptions())
    assert failure.value.reason == "llm_rate_limited" and len(llm.calls) == 1


async def test_a_hanging_server_times_out_within_the_budget(make, llm):
    llm.default = Reply(hang=True)
    with pytest.raises(LLMFailure) as failure:
        await make(llm_timeout=0.3).generate(ARTICLE, ThreadOptions())
    assert failure.value.reason == "llm_timeout"


async def test_a_slow_stream_is_cut_by_the_same_budget(make, llm):
    llm.default = Reply(chunk_size=2, chunk_delay=0.05)
    seen = []

    async def on_post(i, text):
        seen.append(i)

    with pytest.raises(LLMFailure) as failure:
        await make(llm_timeout=0.5).generate(ARTICLE, ThreadOptions(), on_post)
    assert failure.value.reason == "llm_timeout"


async def test_invalid_json_is_reported_as_invalid_output(make, llm):
    llm.default = Reply(content='{"posts": ["unterminated')
    with pytest.raises(LLMFailure) as failure:
        await make().generate(ARTICLE, ThreadOptions())
    assert failure.value.reason == "llm_invalid_output"


async def test_the_outbound_rate_limit_fails_over_when_it_would_outlast_the_budget(make, llm):
    generator = make(llm_rate_per_minute=1, llm_timeout=0.3)
    await generator.generate(ARTICLE, ThreadOptions())
    with pytest.raises(LLMFailure) as failure:
        await generator.generate(ARTICLE, ThreadOptions(tone=Tone.PUNCHY))
    assert failure.value.reason == "llm_rate_limited" and len(llm.calls) == 1


async def test_streamed_posts_arrive_before_the_stream_ends(make, llm):
    gate = asyncio.Event()
    llm.default = Reply(chunk_size=4, gate=gate)
    streamed: list[tuple[int, str, int]] = []

    async def on_post(i, text):
        streamed.append((i, text, llm.streams_finished))
        gate.set()

    thread = await make().generate(ARTICLE, ThreadOptions(max_posts=4), on_post)
    assert streamed[0][0] == 0 and streamed[0][2] == 0  # the stream was still open
    assert [t for _, t, _ in streamed] == [p.text for p in thread.posts]
    assert streamed[0][1].endswith("1/4")
    assert llm.calls[0]["stream"] is True
    assert llm.calls[0]["stream_options"] == {"include_usage": True}
    assert thread.usage.completion_tokens == 60


async def test_streamed_posts_are_numbered_against_the_expected_count(make, llm):
    llm.default = Reply(posts=["One.", "Two."], chunk_size=1)
    streamed = {}

    async def on_post(i, text):
        streamed[i] = text

    thread = await make().generate(ARTICLE, ThreadOptions(max_posts=5), on_post)
    assert streamed == {0: "One. 1/5", 1: "Two. 2/5"}  # provisional: 5 were asked for
    assert [p.text for p in thread.posts][0] == "One. 1/2"  # the Thread is authoritative


async def test_a_stream_cut_halfway_is_an_outage_and_is_retried(make, llm):
    """A transport error mid-stream (read from the transport's byte stream, past the SDK) is
    a StreamError: an unavailable server, retried within the budget, never a crash."""
    llm.script(Reply(cut=True, chunk_size=4))
    streamed = []

    async def on_post(i, text):
        streamed.append(text)

    thread = await make().generate(ARTICLE, ThreadOptions(), on_post)
    assert len(llm.calls) == 2 and thread.generator == "llm"


SDK_PER_CALL = {"<class 'httpx2.Request'>", "<class 'httpx2.Response'>",
                "<class 'httpx2.Headers'>", "<class 'openai.AsyncStream'>",
                "<class 'aiohttp.client_reqrep.ClientRequest'>"}


def sdk_objects() -> int:
    gc.collect()
    return sum(repr(type(o)) in SDK_PER_CALL for o in gc.get_objects())


async def test_a_held_stream_keeps_only_the_connection_not_the_sdk_response(make, llm):
    """While the model is mid-answer, the SDK's response, request and options are gone
    (issue 18: each held stream kept ~20 kB of them, the article's copy in the body too)."""
    gate = asyncio.Event()
    llm.default = Reply(chunk_size=4, gate=gate)
    generator = make()
    before, held = sdk_objects(), []

    async def on_post(i, text):
        if not held:
            held.append(sdk_objects())
            gate.set()

    thread = await generator.generate(ARTICLE, ThreadOptions(max_posts=4), on_post)
    assert held == [before] and len(thread.posts) == 4
