"""Quota reserve+commit latency per counters backend, against a same-run Redis PING round-trip.

Run: .venv/bin/python bench/bench_quota.py [--rounds N] [--redis redis://127.0.0.1:6379/0]
Prints numbers only. Uses a random key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis.asyncio as aioredis  # noqa: E402

from core.counters.fallback import FallbackCounters  # noqa: E402
from core.counters.memory import MemoryCounters  # noqa: E402
from core.counters.redis import RedisCounters  # noqa: E402
from core.metrics import Metrics  # noqa: E402
from core.quotas import Quotas  # noqa: E402
from core.settings import Settings  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def reserve_commit(quotas: Quotas, i: int) -> float:
    start = time.perf_counter()
    reservation = await quotas.reserve(f"ip:bench-{i}", premium=False)
    await reservation.commit()
    return (time.perf_counter() - start) * 1e6


async def ping(client) -> float:
    start = time.perf_counter()
    await client.ping()
    return (time.perf_counter() - start) * 1e6


async def interleaved(quotas: dict[str, Quotas], client, rounds: int) -> dict[str, list[float]]:
    """Every round runs each backend and the PING once, so machine load hits all alike."""
    results: dict[str, list[float]] = {name: [] for name in [*quotas, "reference: redis PING"]}
    for i in range(rounds):
        for name, q in quotas.items():
            results[name].append(await reserve_commit(q, i))
        results["reference: redis PING"].append(await ping(client))
    return results


def report(name: str, values: list[float], reference: float) -> None:
    p50, p95 = statistics.median(values), pct(values, 0.95)
    print(f"{name:<28} p50 {p50:9.1f} us  p95 {p95:9.1f} us  p50/PING {p50 / reference:5.2f}x")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    prefix = f"bench:{secrets.token_hex(6)}:"
    settings, metrics = Settings(), Metrics()
    raw = aioredis.Redis.from_url(args.redis)
    redis_counters = RedisCounters(args.redis, prefix)
    backends = {
        "memory": MemoryCounters(),
        "redis": redis_counters,
        "redis via fallback wrapper": FallbackCounters(
            redis_counters, settings, metrics, logging.getLogger("bench")),
    }
    try:
        quotas = {name: Quotas(c, settings, metrics) for name, c in backends.items()}
        await interleaved(quotas, raw, 100)  # warm up (connections, script cache)
        results = await interleaved(quotas, raw, args.rounds)
        ref = statistics.median(results["reference: redis PING"])
        print(f"reserve+commit, {args.rounds} sequential rounds each, interleaved")
        for name, values in results.items():
            report(name, values, ref)
    finally:
        keys = [k async for k in raw.scan_iter(match=prefix + "*", count=1000)]
        for start in range(0, len(keys), 500):
            await raw.delete(*keys[start:start + 500])
        await redis_counters.close()
        await raw.aclose()


if __name__ == "__main__":
    asyncio.run(main())
