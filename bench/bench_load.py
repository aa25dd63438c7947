"""Load on a real `threadr serve`, each scenario next to a bare aiohttp app measured in the
same run with the same client (this file's `load`), printed as ratios.

    .venv/bin/python bench/bench_load.py [--requests 3000] [--concurrency 32] [--streams 1000]
        [--database-url postgresql://…] [--redis-url redis://…] [--json out.json]

Scenarios (requests/s, p50/p95 latency, ratio to the bare app):
  hello            GET / on a bare aiohttp app
  text miss        POST /api/v1/threads, text, offline generator, a new article each time
  text hit         POST /api/v1/threads, the same article (served from the thread cache)
  usage            GET /api/v1/usage, signed in
  miss ×2 workers  (--workers-scaling) text miss on `--workers 2` vs `--workers 1`, same run
SSE streams: `--streams` concurrent `POST /api/v1/threads` (Accept: text/event-stream) held
open by one Threadr process with the LLM generator aimed at a local OpenAI-compatible
stand-in that pauses every completion half-way; RSS per held stream is compared with a
bare aiohttp SSE endpoint holding as many streams. Loopback only, every phase bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_support import (  # noqa: E402
    ARTICLE,
    HeldLLM,
    hold,
    load,
    rss_kb,
    start_bare,
    start_threadr,
    stop,
)


async def _token(session, base: str) -> dict:
    account = {"email": "bench@example.com", "password": "correct horse 1"}
    async with session.post(f"{base}/api/v1/auth/register", json=account):
        pass  # the same answer for any address: then sign in
    async with session.post(f"{base}/api/v1/auth/login", json=account) as response:
        answer = await response.json()
        if "token" not in answer:
            raise SystemExit(f"sign-in failed: {answer}")
        return {"Authorization": f"Bearer {answer['token']}"}


async def request_scenarios(args, data_dir: str) -> dict:
    results = {}
    bare, bare_url = start_bare()
    threadr, base = start_threadr(data_dir, database_url=args.database_url,
                                  redis_url=args.redis_url)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            def go(method, url, body=lambda i: None, headers=None):
                return load(session, method, url, body, args.requests, args.concurrency,
                            args.seconds, headers)

            async def paired(name, method, url, body=lambda i: None, headers=None):
                """The scenario right after the bare app, so both see the same machine."""
                results[name] = await go(method, url, body, headers)
                results[name]["hello"] = await go("GET", f"{bare_url}/")

            await go("GET", f"{bare_url}/")  # warm-up
            results["hello"] = await go("GET", f"{bare_url}/")
            url, run = f"{base}/api/v1/threads", time.time_ns()
            await paired("text miss", "POST", url, lambda i: {"text": f"{ARTICLE} Note {run}-{i}."})
            same = {"text": ARTICLE}
            await go("POST", url, lambda i: same)
            await paired("text hit", "POST", url, lambda i: same)
            auth = await _token(session, base)
            await paired("usage", "GET", f"{base}/api/v1/usage", headers=auth)
    finally:
        stop(threadr)
        stop(bare)
    return results


async def workers_scenario(args, data_dir: str) -> dict:
    """Cache-miss req/s of one `threadr serve` with 1 worker, then with 2 (SQLite embedded
    shares one file: the PostgreSQL + Redis setup is the multi-worker one when given)."""
    results = {}
    for workers in (1, 2):
        threadr, base = start_threadr(f"{data_dir}/w{workers}", database_url=args.database_url,
                                      redis_url=args.redis_url, THREADR_WORKERS=str(workers))
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        try:
            async with aiohttp.ClientSession(connector=connector) as session:
                run = time.time_ns()
                results[f"miss {workers}w"] = await load(
                    session, "POST", f"{base}/api/v1/threads",
                    lambda i, run=run: {"text": f"{ARTICLE} Note {run}-{i}."},
                    args.requests, args.concurrency, args.seconds)
        finally:
            stop(threadr)
    return results


async def sse_scenario(args, data_dir: str) -> dict:
    """RSS per held stream: Threadr (LLM stand-in paused) vs a bare aiohttp SSE endpoint."""
    results = {}
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=300)
    async with HeldLLM() as llm, aiohttp.ClientSession(connector=connector,
                                                       timeout=timeout) as session:
        bare, bare_url = start_bare()
        threadr, base = start_threadr(data_dir, llm_base_url=llm.base_url)
        try:
            results["sse bare"] = await _measure(
                session, bare, f"{bare_url}/sse", args.streams,
                ready=_true, release=lambda: _post(session, f"{bare_url}/release"))
            results["sse threadr"] = await _measure(
                session, threadr, f"{base}/api/v1/threads", args.streams,
                ready=lambda: _at_least(llm, args.streams), release=llm.release_all)
        finally:
            stop(threadr)
            stop(bare)
    return results


async def _true() -> bool:
    return True


async def _at_least(llm: HeldLLM, count: int) -> bool:
    return llm.held >= count


async def _post(session, url: str) -> None:
    async with session.post(url) as response:
        await response.read()


async def _measure(session, process, url, count, ready, release) -> dict:
    idle = rss_kb(process.pid)
    held = {}

    async def sample_then_release():
        held["rss_kb"] = rss_kb(process.pid)
        await release()

    began = time.perf_counter()
    outcome = await hold(session, url, count, ready, sample_then_release)
    return {"streams": count, "idle_rss_mb": round(idle / 1024, 1),
            "held_rss_mb": round(held["rss_kb"] / 1024, 1),
            "kb_per_stream": round((held["rss_kb"] - idle) / count, 1),
            "seconds": round(time.perf_counter() - began, 2), **outcome}


def report(results: dict) -> None:
    if "hello" in results:
        print("each scenario is followed by the bare app (`hello`), ratios are to that run")
        print(f"{'scenario':<10} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'hello r/s':>9} {'rps÷hello':>9} {'p95×hello':>9}  statuses")
        for name in ("text miss", "text hit", "usage"):
            r = results[name]
            hello = r["hello"]
            print(f"{name:<10} {r['requests']:>8} {r['rps']:>8} {r['p50_ms']:>7} "
                  f"{r['p95_ms']:>7} {hello['rps']:>9} {r['rps'] / hello['rps']:>9.3f} "
                  f"{r['p95_ms'] / hello['p95_ms']:>9.1f}  {r['statuses']}")
    if "miss 2w" in results:
        one, two = results["miss 1w"], results["miss 2w"]
        print(f"text miss, --workers 1: {one['rps']} req/s p95 {one['p95_ms']} ms; "
              f"--workers 2: {two['rps']} req/s p95 {two['p95_ms']} ms; "
              f"2 ÷ 1 = {two['rps'] / one['rps']:.2f}")
    if "sse bare" in results:
        bare, ours = results["sse bare"], results["sse threadr"]
        for name, r in (("sse bare", bare), ("sse threadr", ours)):
            print(f"{name:<11} streams {r['streams']}  idle {r['idle_rss_mb']} MB  held "
                  f"{r['held_rss_mb']} MB  {r['kb_per_stream']} kB/stream  finished "
                  f"{r['finished']} failed {r['failed']}  ({r['seconds']} s)")
        ratio = ours["kb_per_stream"] / max(bare["kb_per_stream"], 0.1)
        print(f"sse memory per stream: threadr ÷ bare = {ratio:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0, help="cap per scenario")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--skip-sse", action="store_true")
    parser.add_argument("--workers-scaling", action="store_true",
                        help="also measure the miss path on --workers 2 vs 1")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets
    results = {}
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        results.update(asyncio.run(request_scenarios(args, one)))
        if args.workers_scaling:
            results.update(asyncio.run(workers_scenario(args, one)))
        if not args.skip_sse:
            results.update(asyncio.run(sse_scenario(args, two)))
    report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
