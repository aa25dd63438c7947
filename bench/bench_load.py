"""Load on a real `threadr serve`, each scenario next to a bare aiohttp app measured in the
same run with the same client (this file's `load`), printed as ratios, then every done-when
figure of issue 18 with its bar and PASS/FAIL. One configuration per run (the header says
which): SQLite embedded by default, PostgreSQL and/or Redis when their URLs are given.

    .venv/bin/python bench/bench_load.py [--requests 3000] [--concurrency 32] [--streams 1000]
        [--database-url postgresql://…] [--redis-url redis://…] [--skip-sse] [--skip-workers]
        [--rounds 5] [--worker-rounds 7] [--skip-requests] [--json out.json]

Scenarios (requests/s, p50/p95 latency, ratio to the bare app, CPU seconds from /proc), each
with the bare app right after it, `--rounds` times; the round with the median ratio is shown:
  hello            GET / on a bare aiohttp app
  text miss        POST /api/v1/threads, text, offline generator, a new article each time
  text hit         POST /api/v1/threads, the same article (served from the thread cache)
  usage            GET /api/v1/usage, signed in
  miss 1w / 2w     text miss on `--workers 1` and `--workers 2`, in turn, `--worker-rounds`
                   times, the median ratio (only with --redis-url: without Redis
                   `threadr serve` runs one process whatever --workers says),
                   every worker listening before the first connection, sent by a lean
                   raw-socket client (`lean_load`: the load generator shares the 2 cores
                   with the workers it measures; aiohttp's client CPU would come out of the
                   second worker's share)
SSE streams: `--streams` concurrent `POST /api/v1/threads` (Accept: text/event-stream) held
open by one Threadr process with the LLM generator aimed at a local OpenAI-compatible
stand-in that pauses every completion half-way; RSS per held stream is compared with a
bare aiohttp SSE endpoint holding as many streams. Loopback only, every phase bounded.
CPU per scenario: the load client (this process), the server's process tree, redis-server,
PostgreSQL, and `other` (the rest of the machine: anything else sharing the cores).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_support import (  # noqa: E402
    ARTICLE,
    CpuMeter,
    HeldLLM,
    hold,
    lean_load,
    load,
    rss_kb,
    start_bare,
    start_threadr,
    stop,
    wait_listening,
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


async def measured(meter: CpuMeter, run) -> dict:
    """`run`'s result with the CPU seconds each process group used meanwhile."""
    before = meter.sample()
    result = await run
    result["cpu_s"] = CpuMeter.used(before, meter.sample())
    return result


async def request_scenarios(args, data_dir: str) -> dict:
    results = {}
    bare, bare_url = start_bare()
    threadr, base = start_threadr(data_dir, database_url=args.database_url,
                                  redis_url=args.redis_url)
    meter = CpuMeter({"threadr": threadr.pid, "bare": bare.pid})
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            def go(method, url, body=lambda i: None, headers=None):
                return measured(meter, load(session, method, url, body, args.requests,
                                            args.concurrency, args.seconds, headers))

            async def paired(name, method, url, body=lambda i: None, headers=None):
                """The scenario, then the bare app right after it (both see the same
                machine), `--rounds` times: this machine's speed swings by half from one
                minute to the next, so the round with the median ratio is the figure."""
                rounds = []
                for _ in range(args.rounds):
                    ours = await go(method, url, body, headers)
                    ours["hello"] = await go("GET", f"{bare_url}/")
                    rounds.append((ours["rps"] / max(ours["hello"]["rps"], 0.1), ours))
                rounds.sort(key=lambda r: r[0])
                results[name] = rounds[len(rounds) // 2][1]
                results[name]["rounds"] = [round(ratio, 3) for ratio, _ in rounds]

            await go("GET", f"{bare_url}/")  # warm-up
            results["hello"] = await go("GET", f"{bare_url}/")
            url, run = f"{base}/api/v1/threads", time.time_ns()
            fresh = itertools.count()  # a new article for every request of every round
            await paired("text miss", "POST", url,
                         lambda i: {"text": f"{ARTICLE} Note {run}-{next(fresh)}."})
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
    """Cache-miss req/s of `threadr serve --workers 1` and `--workers 2` (needs Redis: without
    it the server runs one process, so there is nothing to compare), both servers up at once
    and measured in turn, `--worker-rounds` times: this machine's speed drifts by tens of
    percent from minute to minute, so each ratio compares two runs seconds apart, and the
    median ratio is the figure (the round it came from is reported in full)."""
    servers = {}
    try:
        for workers in (1, 2):
            threadr, base = start_threadr(f"{data_dir}/w{workers}", database_url=args.database_url,
                                          redis_url=args.redis_url, THREADR_WORKERS=str(workers))
            servers[workers] = threadr, base
            # every worker listening before any connection is made: /healthz answers when the
            # first is up, and keep-alive connections opened before the second binds all stay
            # on the first (the run before this check compared one worker with one)
            wait_listening(int(base.rsplit(":", 1)[1]), workers, threadr)

        async def miss(workers: int, count: int) -> dict:
            threadr, base = servers[workers]
            run = time.time_ns()  # new connections per run, spread over the workers
            return await measured(CpuMeter({"threadr": threadr.pid}), lean_load(
                base, "/api/v1/threads", lambda i: {"text": f"{ARTICLE} Note {run}-{i}."},
                count, args.concurrency, args.seconds))

        for workers in (1, 2):
            await miss(workers, 200)  # warm-up
        rounds = []
        for _ in range(args.worker_rounds):
            one, two = await miss(1, args.requests), await miss(2, args.requests)
            rounds.append((two["rps"] / max(one["rps"], 0.1), one, two))
    finally:
        for threadr, _ in servers.values():
            stop(threadr)
    rounds.sort(key=lambda r: r[0])
    _, one, two = rounds[len(rounds) // 2]
    return {"miss 1w": one, "miss 2w": two,
            "workers rounds": [round(ratio, 2) for ratio, _, _ in rounds]}


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
            await _settled(threadr)  # the extractor's warm-up thread is done: not a stream's
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


async def _settled(process) -> None:
    """Until the process's RSS holds still (0.5 s apart, within 256 kB; at most 10 s): the
    idle figure is taken after what the server does in the background once it answers."""
    last = rss_kb(process.pid)
    for _ in range(20):
        await asyncio.sleep(0.5)
        now = rss_kb(process.pid)
        if abs(now - last) < 256:
            return
        last = now


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


def configuration(args) -> str:
    store = "PostgreSQL" if args.database_url else "SQLite embedded"
    counters = "Redis" if args.redis_url else "in-process counters"
    requests = ("request scenarios skipped" if args.skip_requests else
                f"{args.requests} requests at {args.concurrency} concurrent per scenario")
    return f"{store} + {counters}; {os.cpu_count()} cores; {requests}"


def _cpu(r: dict, server_group: str = "threadr") -> str:
    c, n = r["cpu_s"], max(r["requests"], 1)
    server = c[server_group]
    return (f"server {server * 1000 / n:.2f} ms/req, client {c['client'] * 1000 / n:.2f} "
            f"ms/req; s: server {server} client {c['client']} redis {c['redis']} "
            f"postgres {c['postgres']} other {c['other']} (machine busy {c['machine']} "
            f"of {r['seconds'] * os.cpu_count():.1f})")


def workers_ceiling(results: dict) -> dict:
    """What 2 workers could give over 1 on this machine with nothing else running, from the
    CPU a miss cost in the --workers 1 run (per request: server S, client C, redis R,
    postgres P; contention inflates the 2-worker run's): one worker is one process, at most
    1/S; two are bound by 2/S and by cores/(S+C+R+P), the client and the servers included.
    R and P also hold what other users of the shared redis/postgres did meanwhile."""
    cores = os.cpu_count() or 1
    r = results["miss 1w"]
    c, n = r["cpu_s"], max(r["requests"], 1)
    server = c["threadr"] / n
    total = (c["threadr"] + c["client"] + c["redis"] + c["postgres"]) / n
    if not server:
        return {"1w_rps": 0, "2w_rps": 0, "ratio": 0.0}
    one, two = 1 / server, min(2 / server, cores / total)
    return {"1w_rps": round(one), "2w_rps": round(two), "ratio": round(two / one, 2),
            "ms_per_miss": {k: round(c[k] * 1000 / n, 3)
                            for k in ("threadr", "client", "redis", "postgres")}}


def other_share(results: dict) -> float:
    """The share of the machine's busy CPU used by processes outside this run."""
    runs = [r for name, r in results.items() if "cpu_s" in r and not name.startswith("sse")]
    busy = sum(r["cpu_s"]["machine"] for r in runs)
    return sum(r["cpu_s"]["other"] for r in runs) / busy if busy else 0.0


def verdicts(results: dict, args) -> list[dict]:
    """Every done-when figure of issue 18 with its bar; `None` where this run did not
    measure it (and why)."""
    rows = []

    def add(name, value, bar, passed, unit="", why=""):
        rows.append({"figure": name, "value": value, "bar": bar, "unit": unit,
                     "pass": None if value is None else passed, "why": why})

    if "hello" in results:
        for name, label in (("text hit", "cache hit req/s ÷ bare"),
                            ("usage", "GET /api/v1/usage req/s ÷ bare")):
            r = results[name]
            ratio = round(r["rps"] / r["hello"]["rps"], 3)
            add(label, ratio, "≥ 0.5", ratio >= 0.5, why=f"(median of rounds {r['rounds']})")
        p95 = results["text miss"]["p95_ms"]
        add("cache miss p95", p95, "< 100", p95 < 100, " ms")
    else:
        for label in ("cache hit req/s ÷ bare", "GET /api/v1/usage req/s ÷ bare",
                      "cache miss p95"):
            add(label, None, "", None, why="not run (--skip-requests)")
    if "sse threadr" in results:
        ours, bare = results["sse threadr"]["kb_per_stream"], results["sse bare"]["kb_per_stream"]
        ratio = round(ours / max(bare, 0.1), 2)
        add("SSE memory per held stream", ours, "≤ 32", ours <= 32, " kB")
        add("SSE per stream ÷ bare", ratio, "≤ 2", ratio <= 2)
    else:
        for label in ("SSE memory per held stream", "SSE per stream ÷ bare"):
            add(label, None, "", None, why="not run (--skip-sse)")
    if "miss 2w" in results:
        ratio = round(results["miss 2w"]["rps"] / results["miss 1w"]["rps"], 2)
        ceiling = workers_ceiling(results)["ratio"]
        add("miss req/s --workers 2 ÷ 1", ratio, "≥ 1.7", ratio >= 1.7,
            why=f"(median of rounds {results['workers rounds']}; this machine's ceiling from "
                f"CPU per request: {ceiling})")
    else:
        why = ("not run (--skip-workers)" if args.redis_url else
               "not measured: without --redis-url `threadr serve` runs one process")
        add("miss req/s --workers 2 ÷ 1", None, "", None, why=why)
    return rows


def report(results: dict, args) -> None:
    print(f"configuration: {configuration(args)}")
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
        print("CPU (from /proc) while each ran:")
        for name in ("hello", "text miss", "text hit", "usage"):
            print(f"  {name:<10} {_cpu(results[name], 'bare' if name == 'hello' else 'threadr')}")
    if "miss 2w" in results:
        for name in ("miss 1w", "miss 2w"):
            r = results[name]
            print(f"text miss, --workers {name[5]}: {r['rps']} req/s p95 {r['p95_ms']} ms "
                  f"{r['statuses']}\n  {_cpu(r)}")
        c = workers_ceiling(results)
        print(f"  ceiling with nothing else running, from CPU per miss: --workers 1 ≤ "
              f"{c['1w_rps']} req/s (one process), --workers 2 ≤ {c['2w_rps']} req/s (all "
              f"cores, shared with the client, redis, postgres): 2 ÷ 1 ≤ {c['ratio']}")
    if "sse bare" in results:
        bare, ours = results["sse bare"], results["sse threadr"]
        for name, r in (("sse bare", bare), ("sse threadr", ours)):
            print(f"{name:<11} streams {r['streams']}  idle {r['idle_rss_mb']} MB  held "
                  f"{r['held_rss_mb']} MB  {r['kb_per_stream']} kB/stream  finished "
                  f"{r['finished']} failed {r['failed']}  ({r['seconds']} s)")
    share = other_share(results)
    if share > 0.1:
        print(f"WARNING: other processes used {share:.0%} of the busy CPU during the measured "
              "runs (`other` above): throughput and latency are lower than this "
              "machine gives; the CPU per request is the steadier figure")
    print(f"done when (issue 18), {configuration(args)}:")
    for v in verdicts(results, args):
        if v["value"] is None:
            print(f"  {v['figure']:<32} {'—':>9}  {v['why']}")
        else:
            shown = f"{v['value']}{v['unit']}"
            print(f"  {v['figure']:<32} {shown:>9}  bar {v['bar']}{v['unit']}  "
                  f"{'PASS' if v['pass'] else 'FAIL'}  {v['why']}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0, help="cap per scenario")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--skip-sse", action="store_true")
    parser.add_argument("--skip-requests", action="store_true",
                        help="skip the request scenarios (hello, miss, hit, usage)")
    parser.add_argument("--skip-workers", action="store_true",
                        help="skip --workers 2 vs 1 (measured only with --redis-url)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="each request scenario and the bare app in turn this many times")
    parser.add_argument("--worker-rounds", type=int, default=7,
                        help="--workers 1 and 2 measured in turn this many times (median)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # thousands of sockets
    results = {}
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        if not args.skip_requests:
            results.update(asyncio.run(request_scenarios(args, one)))
        if args.redis_url and not args.skip_workers:
            results.update(asyncio.run(workers_scenario(args, one)))
        if not args.skip_sse:
            results.update(asyncio.run(sse_scenario(args, two)))
    report(results, args)
    if args.json:
        answer = {"configuration": configuration(args), "results": results,
                  "done_when": verdicts(results, args),
                  "other_cpu_share": round(other_share(results), 3)}
        if "miss 2w" in results:
            answer["workers_ceiling"] = workers_ceiling(results)
        Path(args.json).write_text(json.dumps(answer, indent=2))


if __name__ == "__main__":
    main()
