"""LLM generator latency against the OpenAI-compatible stand-in (loopback only).

    .venv/bin/python bench/bench_llm.py [--runs 10] [--chunk-delay 0.05]

Reports, as medians over `--runs` generations:
- streamed generation with the stand-in sending one chunk per `--chunk-delay` seconds: time
  to the first post vs total time, for the generator called directly and through the web
  app's SSE endpoint (`POST /api/v1/threads`, `Accept: text/event-stream`) when `web/app.py`
  exists;
- Threadr's overhead per generation: generator total minus the total of the same streamed
  call made directly with the `openai` SDK in the same run, with chunk delays and without.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openai  # noqa: E402

from core.generate.llm import LLMGenerator  # noqa: E402
from core.metrics import Metrics  # noqa: E402
from core.models import Article, ThreadOptions  # noqa: E402
from core.settings import SecretStr, Settings  # noqa: E402
from tests.standins.openai_server import OpenAIStandIn, Reply  # noqa: E402

WEB_APP = Path(__file__).resolve().parents[1] / "web" / "app.py"
ARTICLE = Article(
    text="\n\n".join(f"Paragraph {i}: street trees cool cities, measured block by block."
                     for i in range(40)),
    title="Trees cool cities", language="en", url="https://example.com/trees",
)


def settings_for(base_url: str, data_dir: str) -> Settings:
    return Settings(
        env="test", data_dir=Path(data_dir), jwt_secret=SecretStr("b" * 48), log_json=False,
        generator="llm", openai_base_url=base_url, openai_model="stand-in",
        llm_rate_per_minute=100_000, llm_timeout=30.0, burst_per_minute=100_000,
        free_daily_quota=100_000,
    )


async def direct_sdk(base_url: str, messages: list[dict]) -> float:
    client = openai.AsyncOpenAI(base_url=base_url, api_key="x", max_retries=0)
    start = time.perf_counter()
    stream = await client.chat.completions.create(
        model="stand-in", messages=messages, stream=True,
        stream_options={"include_usage": True},
        response_format={"type": "json_object"},
    )
    async for _ in stream:
        pass
    total = time.perf_counter() - start
    await client.close()
    return total


async def via_generator(generator: LLMGenerator, options: ThreadOptions) -> tuple[float, float]:
    start, first = time.perf_counter(), []

    async def on_post(i: int, text: str) -> None:
        if not first:
            first.append(time.perf_counter() - start)

    await generator.generate(ARTICLE, options, on_post)
    return first[0], time.perf_counter() - start


async def via_sse(client, options: ThreadOptions, run: int) -> tuple[float, float]:
    # A different text per run: every request is a cache miss that reaches the stand-in.
    body = {"text": f"{ARTICLE.text}\n\nRun {run}.", "max_posts": options.max_posts}
    start, first = time.perf_counter(), None
    async with client.post("/api/v1/threads", json=body,
                           headers={"Accept": "text/event-stream"}) as resp:
        assert resp.status == 200, await resp.text()
        async for line in resp.content:
            if first is None and line.startswith(b"event: post"):
                first = time.perf_counter() - start
    return first or float("nan"), time.perf_counter() - start


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms"


async def main(runs: int, delay: float) -> None:
    options = ThreadOptions(max_posts=4)
    with tempfile.TemporaryDirectory() as data_dir:
        async with OpenAIStandIn() as llm:
            settings = settings_for(llm.base_url, data_dir)
            generator = LLMGenerator(settings, Metrics())
            for chunk_delay in (delay, 0.0):
                llm.default = Reply(chunk_size=16, chunk_delay=chunk_delay)
                await via_generator(generator, options)  # warm-up, learns the response mode
                messages = llm.calls[-1]["messages"]
                firsts, totals, raws = [], [], []
                for i in range(runs):
                    first, total = await via_generator(generator, options.with_(tone=_tone(i)))
                    firsts.append(first)
                    totals.append(total)
                    raws.append(await direct_sdk(llm.base_url, messages))
                chunks = -(-len(llm.default.text()) // 16)
                print(f"stand-in: {chunks} chunks, {chunk_delay * 1000:.0f} ms per chunk, "
                      f"{runs} runs (medians)")
                print(f"  generator: first post {ms(firsts)}   total {ms(totals)}")
                print(f"  openai SDK alone, total           {ms(raws)}")
                overhead = [t - r for t, r in zip(totals, raws, strict=True)]
                print(f"  Threadr overhead per generation   {ms(overhead)}")
            await generator.close()
            llm.default = Reply(chunk_size=16, chunk_delay=delay)
            await bench_web(settings, runs, options)


async def bench_web(settings: Settings, runs: int, options: ThreadOptions) -> None:
    if not WEB_APP.exists():  # noqa: ASYNC240 - one stat, before any timing
        print("web SSE: web/app.py not present, skipped")
        return
    from aiohttp.test_utils import TestClient, TestServer

    from web.app import create_app

    try:
        async with TestClient(TestServer(create_app(settings))) as client:
            firsts, totals = [], []
            for i in range(runs):
                first, total = await via_sse(client, options, i)
                firsts.append(first)
                totals.append(total)
    except Exception as exc:  # the web door is another helper's, still being built
        print(f"web SSE: failed ({type(exc).__name__}: {exc})")
        return
    print(f"  web SSE:   first post {ms(firsts)}   total {ms(totals)} (cache misses only)")


def _tone(i: int) -> str:
    return ("neutral", "casual", "professional", "punchy", "educational")[i % 5]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--chunk-delay", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.chunk_delay))
