"""Load on a real `threadr serve` next to a bare aiohttp hello-world, same tool, same run.

    .venv/bin/python bench/bench_web.py [--requests 2000] [--concurrency 16] [--seconds 30]

Measures requests/s and p50/p95 latency of:
  hello       GET / on a bare aiohttp app (the ceiling of this machine + client),
  healthz     GET /healthz on Threadr (middlewares, metrics, headers),
  text miss   POST /api/v1/threads, text, offline, every article different (cache miss),
  text hit    POST /api/v1/threads, the same article every time (cache hit),
and prints each one's ratio to hello. Everything runs on 127.0.0.1 and is bounded by
both a request count and a time limit per scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
ARTICLE = (
    "Cities are planting trees to cope with heat. Shade from a mature tree can cool a street by "
    "several degrees on a summer afternoon. Researchers measured surface temperatures in forty "
    "neighbourhoods and found the leafiest ones were markedly cooler at night.\n\n"
    "The programmes are not cheap. A city must water young trees for years, and many die before "
    "they give any shade. Planners now pick species that tolerate drought and pollution.\n\n"
    "Residents notice the difference. Surveys show people walk more on shaded streets, and shops "
    "on those streets report more visitors during heat waves. Trees are infrastructure."
) * 3
HELLO = """
from aiohttp import web
async def hello(request):
    return web.Response(text="Hello, world")
app = web.Application()
app.router.add_get("/", hello)
web.run_app(app, host="127.0.0.1", port={port}, print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def start_threadr(data_dir: str, log_path: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "THREADR_DATA_DIR": data_dir, "THREADR_ENV": "test",
           "DATABASE_URL": "", "REDIS_URL": "", "THREADR_GENERATOR": "offline",
           "FREE_DAILY_QUOTA": "100000000", "BURST_PER_MINUTE": "100000000",
           "LOG_LEVEL": "WARNING"}
    threadr = Path(sys.executable).with_name("threadr")
    cmd = ([str(threadr), "serve"] if threadr.exists() else [sys.executable, "-m", "web.server"])
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen([*cmd, "--host", "127.0.0.1", "--port", str(port)], cwd=REPO,
                               env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/healthz", process)
    return process, base


def start_hello() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", HELLO.format(port=port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/", process)
    return process, base


async def load(session, method, url, body_for, total, concurrency, seconds) -> dict:
    """Send up to `total` requests (or until `seconds` pass) with `concurrency` workers."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(total))
    deadline = time.perf_counter() + seconds

    async def worker():
        for i in counter:
            if time.perf_counter() > deadline:
                return
            body = body_for(i)
            started = time.perf_counter()
            async with session.request(method, url, json=body) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)
            statuses[response.status] = statuses.get(response.status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": round(pick(0.50), 2),
            "p95_ms": round(pick(0.95), 2), "statuses": statuses}


async def run(args) -> dict:
    results = {}
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        hello_proc, hello = start_hello()
        with tempfile.TemporaryDirectory() as data_dir:
            threadr_proc, base = start_threadr(data_dir, args.server_log)
            try:
                go = lambda m, u, f: load(session, m, u, f, args.requests,  # noqa: E731
                                          args.concurrency, args.seconds)
                await go("GET", f"{hello}/", lambda i: None)  # warm-up
                results["hello"] = await go("GET", f"{hello}/", lambda i: None)
                results["healthz"] = await go("GET", f"{base}/healthz", lambda i: None)
                url = f"{base}/api/v1/threads"
                results["text miss"] = await go(
                    "POST", url, lambda i: {"text": f"{ARTICLE} Run note {i}-{time.time_ns()}."})
                same = {"text": ARTICLE}
                await go("POST", url, lambda i: same)
                results["text hit"] = await go("POST", url, lambda i: same)
            finally:
                for process in (threadr_proc, hello_proc):
                    process.terminate()
                    process.wait(20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--server-log", help="write the Threadr server's log to this file")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    hello = results["hello"]
    print(f"{'scenario':<11} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'rps/hello':>9}  statuses")
    for name, r in results.items():
        print(f"{name:<11} {r['requests']:>8} {r['rps']:>9} {r['p50_ms']:>8} {r['p95_ms']:>8} "
              f"{r['rps'] / hello['rps']:>9.3f}  {r['statuses']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
