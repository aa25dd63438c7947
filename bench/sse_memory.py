"""What each held SSE stream keeps: tracemalloc inside a real `threadr serve`, diffed between
0 and N streams held by the LLM stand-in (`HeldLLM`), grouped by traceback.

    .venv/bin/python bench/sse_memory.py [--streams 100] [--frames 12] [--top 25]
    .venv/bin/python bench/sse_memory.py --sdk-floor --streams 1000
    .venv/bin/python bench/sse_memory.py --generator-floor --streams 1000

`--sdk-floor`: no server at all; this process holds `--streams` streamed completions against
the stand-in in a child process and prints the RSS growth per held stream, with the `openai`
SDK's own stream (`create(stream=True)`, the client as Threadr configures it).
`--generator-floor`: the same through Threadr's LLM generator (`LLMGenerator.generate`, whose
streamed calls go over its own HTTP/1.1 client, `core/generate/upstream.py`):
the floor that Threadr's server pays on top of its own request handling. One per run: a
process reuses memory freed by a first measurement, and RSS would hide a second one.

The server runs with a `sitecustomize` (from a temporary directory on its PYTHONPATH) that
starts tracemalloc on SIGUSR2 (after a first stream warmed it up) and dumps a snapshot
on SIGUSR1; nothing in the product is changed for
it. Prints bytes per stream for the largest groups, then the total of the diff and the RSS
growth per stream (RSS is inflated by tracemalloc's own bookkeeping; bench_load.py measures
RSS without it). Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import sys
import tempfile
import tracemalloc
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_support import ARTICLE, REPO, HeldLLM, rss_kb, start_threadr, stop  # noqa: E402

SITE = """
import gc, os, signal, tracemalloc
def _start(signum, frame):
    tracemalloc.start(int(os.environ.get("SSE_MEMORY_FRAMES", "12")))
def _dump(signum, frame):
    gc.collect()
    target = os.environ["SSE_MEMORY_DUMP"]
    tracemalloc.take_snapshot().dump(target + ".tmp")
    os.replace(target + ".tmp", target)
signal.signal(signal.SIGUSR1, _dump)
signal.signal(signal.SIGUSR2, _start)
"""


def _load(path: str) -> tracemalloc.Snapshot | None:
    return tracemalloc.Snapshot.load(path) if os.path.exists(path) else None


async def _snapshot(pid: int, path: str) -> tracemalloc.Snapshot:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    os.kill(pid, signal.SIGUSR1)
    for _ in range(600):  # bounded: 60 s
        snapshot = _load(path)
        if snapshot is not None:
            return snapshot
        await asyncio.sleep(0.1)
    raise SystemExit("the server did not dump a snapshot")


async def _held(llm: HeldLLM, count: int, seconds: float) -> None:
    for _ in range(int(seconds * 10)):  # bounded
        if llm.held >= count:
            return
        await asyncio.sleep(0.1)


async def run(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = f"{tmp}/site"
        _write(f"{site}/sitecustomize.py", SITE)
        dump = f"{tmp}/snapshot"
        env = {"PYTHONPATH": f"{site}{os.pathsep}{REPO}", "SSE_MEMORY_DUMP": dump, "SSE_MEMORY_FRAMES": str(args.frames)}
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with HeldLLM() as llm, aiohttp.ClientSession(connector=connector) as session:
            os.environ.update(env)  # start_threadr passes the environment on
            server, base = start_threadr(f"{tmp}/data", llm_base_url=llm.base_url)
            try:
                await _warm(session, base, llm)
                await asyncio.sleep(3.0)  # the extractor's warm-up thread is done
                os.kill(server.pid, signal.SIGUSR2)
                await asyncio.sleep(0.5)
                before, rss_before = await _snapshot(server.pid, dump), rss_kb(server.pid)
                tasks = [asyncio.create_task(_stream(session, base, i))
                         for i in range(args.streams)]
                await _held(llm, args.streams, 120)
                await asyncio.sleep(1.0)
                after, rss_after = await _snapshot(server.pid, dump), rss_kb(server.pid)
                await llm.release_all()
                await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                stop(server)
    report(before, after, args, (rss_after - rss_before) / args.streams)


async def _stream(session, base: str, i: int) -> bytes:
    async with session.post(f"{base}/api/v1/threads", json={"text": f"{ARTICLE} Stream {i}."},
                            headers={"Accept": "text/event-stream"}) as response:
        return await response.read()


async def _warm(session, base: str, llm: HeldLLM) -> None:
    """One stream start to end first, so lazy imports and caches are not counted."""
    task = asyncio.create_task(_stream(session, base, -1))
    await _held(llm, 1, 60)
    await llm.release_all()
    await task
    llm._released = asyncio.Event()  # hold the next ones again


def _write(path: str, text: str) -> None:
    Path(path).parent.mkdir(parents=True)
    Path(path).write_text(text)


def report(before, after, args, rss_per_stream: float) -> None:
    diff = after.compare_to(before, "traceback")
    total = sum(d.size_diff for d in diff)
    print(f"{args.streams} held streams: tracemalloc +{total / args.streams / 1024:.1f} kB/stream"
          f", RSS +{rss_per_stream:.1f} kB/stream (with tracemalloc overhead)")
    by_file: dict[str, int] = {}
    for stat in diff:  # inclusive: a group counts once for every file on its traceback
        for name in {frame.filename for frame in stat.traceback}:
            by_file[name] = by_file.get(name, 0) + stat.size_diff
    own: dict[str, int] = {}
    for stat in diff:  # exclusive: the file that allocated
        name = f"{stat.traceback[-1].filename}:{stat.traceback[-1].lineno}"
        own[name] = own.get(name, 0) + stat.size_diff
    print("exclusive B/stream by the allocating file (its line):")
    for name, size in sorted(own.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{size / args.streams:8.0f}  {name}")
    print("inclusive B/stream by file on the traceback:")
    for name, size in sorted(by_file.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{size / args.streams:8.0f}  {name}")
    for stat in diff[:args.top]:
        if stat.size_diff <= 0:
            continue
        print(f"\n{stat.size_diff / args.streams:8.0f} B/stream  {stat.count_diff / args.streams:6.1f}"
              f" blocks/stream")
        for line in stat.traceback.format(limit=args.frames, most_recent_first=True)[::2]:
            print("   ", line.strip())


STANDIN = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from bench.load_support import HeldLLM
async def main():
    async with HeldLLM() as llm:
        print(llm.base_url, flush=True)
        await asyncio.sleep(300)
asyncio.run(main())
"""


def floor(streams: int, measure) -> None:
    import subprocess

    standin = subprocess.Popen([sys.executable, "-c", STANDIN, str(REPO)],
                               stdout=subprocess.PIPE, text=True)
    try:
        asyncio.run(measure(standin.stdout.readline().strip(), streams))
    finally:
        standin.kill()
        standin.wait()


async def _sdk_floor(base_url: str, streams: int) -> None:
    import openai

    from core.generate.llm import _SDK_TELEMETRY

    client = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0,
                                timeout=300, http_client=openai.DefaultAioHttpClient(timeout=300),
                                default_headers={name: openai.Omit() for name in _SDK_TELEMETRY})
    messages = [{"role": "system", "content": "Answer in JSON."},
                {"role": "user", "content": ARTICLE}]
    first = asyncio.Semaphore(0)
    hold = asyncio.Event()

    async def one() -> None:
        stream = await client.chat.completions.create(
            model="bench", messages=messages, stream=True,
            stream_options={"include_usage": True})
        try:
            async for _ in stream:
                first.release()
                await hold.wait()
                break
        finally:
            await stream.close()

    await asyncio.gather(one(), _release_after(first, hold))  # warm: imports, pool
    hold.clear()
    before = rss_kb(os.getpid())
    tasks = [asyncio.create_task(one()) for _ in range(streams)]
    for _ in range(streams):
        await asyncio.wait_for(first.acquire(), 60)
    await asyncio.sleep(0.5)
    held = rss_kb(os.getpid())
    hold.set()
    await asyncio.gather(*tasks)
    await client.close()
    print(f"openai SDK's own stream: {streams} held streams, RSS +{(held - before) / streams:.1f} "
          "kB/stream")


async def _generator_floor(base_url: str, streams: int) -> None:
    from core.generate.llm import LLMGenerator
    from core.metrics import Metrics
    from core.models import Article, ThreadOptions
    from core.settings import Settings

    settings = Settings.from_env({}, generator="llm", openai_base_url=base_url,
                                 openai_api_key="sk-bench", llm_timeout=300, llm_max_retries=0,
                                 llm_rate_per_minute=100_000_000)
    generator = LLMGenerator(settings, Metrics())
    first = asyncio.Semaphore(0)

    async def one(i: int) -> None:
        posted = []

        async def on_post(index: int, text: str) -> None:
            if not posted:
                posted.append(index)
                first.release()

        await generator.generate(Article(f"{ARTICLE} Stream {i}."), ThreadOptions(), on_post)

    async def held(count: int) -> list[asyncio.Task]:
        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        for _ in range(count):
            await asyncio.wait_for(first.acquire(), 60)
        return tasks

    await _cancel(await held(1))  # warm: imports, pool (the stand-in holds until cancelled)
    before = rss_kb(os.getpid())
    tasks = await held(streams)
    await asyncio.sleep(0.5)
    after = rss_kb(os.getpid())
    await _cancel(tasks)
    await generator.close()
    print(f"Threadr's LLM generator: {streams} held streams, RSS +{(after - before) / streams:.1f} "
          "kB/stream")


async def _cancel(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _release_after(first: asyncio.Semaphore, hold: asyncio.Event) -> None:
    await asyncio.wait_for(first.acquire(), 60)
    hold.set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sdk-floor", action="store_true")
    parser.add_argument("--generator-floor", action="store_true")
    args = parser.parse_args()
    if args.sdk_floor or args.generator_floor:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        floor(args.streams, _sdk_floor if args.sdk_floor else _generator_floor)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
