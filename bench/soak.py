"""Soak: `--clients` concurrent clients against one `threadr serve` for `--minutes`, a mix
of thread requests (new articles and cache hits), usage and history reads. Reports the error
rate (5xx and connection failures), p95 latency per minute, and RSS drift (first minute's
RSS vs the last). Exits non-zero when errors or drift pass the given limits.

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 100]
        [--database-url …] [--redis-url …] [--max-error-rate 0.001] [--max-drift-mb 50]
    scripts/soak            # the same, with the defaults

Loopback only; bounded by `--minutes` (plus start-up and a 30 s drain).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_support import ARTICLE, percentile, rss_kb, start_threadr, stop  # noqa: E402


class Window:
    """What one minute of the soak saw."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: dict[int, int] = {}

    def add(self, status: int, seconds: float) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 0 or status >= 500:
            self.errors += 1


async def client(n: int, session, base: str, until: float, windows: list[Window],
                 started: float) -> None:
    rng = random.Random(n)
    account = {"email": f"soak{n}@example.com", "password": "correct horse 1"}
    async with session.post(f"{base}/api/v1/auth/register", json=account):
        pass  # the same answer for any address: then sign in
    async with session.post(f"{base}/api/v1/auth/login", json=account) as response:
        headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
    i = 0
    while time.monotonic() < until:
        i += 1
        roll = rng.random()
        if roll < 0.4:
            request = ("POST", "/api/v1/threads", {"text": f"{ARTICLE} Client {n}, run {i}."})
        elif roll < 0.7:
            request = ("POST", "/api/v1/threads", {"text": ARTICLE})
        elif roll < 0.85:
            request = ("GET", "/api/v1/usage", None)
        else:
            request = ("GET", "/api/v1/threads?limit=5", None)
        method, path, body = request
        began = time.monotonic()
        try:
            async with session.request(method, base + path, json=body,
                                       headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        minute = min(int((began - started) // 60), len(windows) - 1)
        windows[minute].add(status, time.monotonic() - began)


async def soak(args, data_dir: str) -> dict:
    process, base = start_threadr(data_dir, database_url=args.database_url,
                                  redis_url=args.redis_url)
    windows = [Window() for _ in range(max(1, int(args.minutes * 60 // 60 + 1)))]
    rss: list[tuple[float, int]] = []
    started = time.monotonic()
    until = started + args.minutes * 60
    connector = aiohttp.TCPConnector(limit=args.clients)
    try:
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=30)) as session:
            sampler = asyncio.create_task(_sample(process.pid, rss, started, until))
            await asyncio.gather(*(client(n, session, base, until, windows, started)
                                   for n in range(args.clients)))
            await sampler
    finally:
        stop(process)
    return summarise(windows, rss)


async def _sample(pid: int, rss: list, started: float, until: float) -> None:
    while time.monotonic() < until:
        rss.append((time.monotonic() - started, rss_kb(pid)))
        await asyncio.sleep(5)


def summarise(windows: list[Window], rss: list[tuple[float, int]]) -> dict:
    windows = [w for w in windows if w.latencies]
    total = sum(len(w.latencies) for w in windows)
    errors = sum(w.errors for w in windows)
    everything = sorted(x for w in windows for x in w.latencies)
    first = [kb for t, kb in rss if t < 60] or [rss[0][1]]
    last = [kb for t, kb in rss if t >= rss[-1][0] - 60] or [rss[-1][1]]
    statuses: dict[int, int] = {}
    for w in windows:
        for status, count in w.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "requests": total, "errors": errors, "error_rate": errors / max(total, 1),
        "p95_ms": round(percentile(everything, 0.95) * 1000, 1),
        "p95_ms_per_minute": [round(percentile(sorted(w.latencies), 0.95) * 1000, 1)
                              for w in windows],
        "rss_first_minute_mb": round(max(first) / 1024, 1),
        "rss_last_minute_mb": round(max(last) / 1024, 1),
        "rss_drift_mb": round((max(last) - max(first)) / 1024, 1), "statuses": statuses,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--max-error-rate", type=float, default=0.001)
    parser.add_argument("--max-drift-mb", type=float, default=50.0)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        result = asyncio.run(soak(args, data_dir))
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    ok = result["error_rate"] <= args.max_error_rate and \
        result["rss_drift_mb"] <= args.max_drift_mb
    print("soak:", "OK" if ok else "FAILED", f"({args.minutes} min, {args.clients} clients)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
