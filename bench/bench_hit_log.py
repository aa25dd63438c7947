"""The burst limit's Redis hit log (`core/counters/redis.py` `_HIT`, a list of times) beside
the sorted-set log it replaced, in one run: Redis' own CPU a hit (INFO cpu) and the bytes a
held hit costs (MEMORY USAGE), for `--hits` hits inside one window on one key (a limit no
hit reaches, as `bench_load.py` configures it).

    .venv/bin/python bench/bench_hit_log.py [--redis-url redis://127.0.0.1:6379/0] [--hits 100000]

Uses keys under `threadr_bench_hitlog:` and deletes them. Loopback only, bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import redis.asyncio as redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.counters.redis import _HIT  # noqa: E402
from core.unique import unique_id  # noqa: E402

# The sorted-set log as the previous release kept it (a unique member for each hit).
SORTED_SET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return {1, 0}
"""


async def _cpu(client) -> float:
    info = await client.info("cpu")
    return info["used_cpu_sys"] + info["used_cpu_user"]


async def measure(client, name: str, script: str, hits: int, member: bool) -> None:
    sha, key = await client.script_load(script), f"threadr_bench_hitlog:{name}"
    await client.delete(key)
    before = await _cpu(client)
    for start in range(0, hits, 500):
        pipe = client.pipeline(transaction=False)
        for _ in range(min(500, hits - start)):
            pipe.evalsha(sha, 1, key, 10**9, 60_000_000, *([unique_id()] if member else []))
        await pipe.execute()
    used = await _cpu(client) - before
    held = await client.memory_usage(key) or 0
    await client.delete(key)
    print(f"{name:10}  Redis CPU {used * 1e6 / hits:5.1f} µs a hit   {held / hits:6.1f} bytes a "
          f"held hit")


async def main(args) -> None:
    client = redis.Redis.from_url(args.redis_url)
    try:
        await measure(client, "sorted set", SORTED_SET, args.hits, member=True)
        await measure(client, "list", _HIT, args.hits, member=False)
    finally:
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--hits", type=int, default=100_000)
    asyncio.run(main(parser.parse_args()))
