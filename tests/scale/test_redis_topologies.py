"""REDIS_URL beyond one server: a Sentinel failover under load (the master killed, a replica
promoted, Threadr reconnecting without a 5xx) and a real three-master Redis Cluster behind
the same counters."""

from __future__ import annotations

import asyncio
import subprocess
import time

import aiohttp
import pytest

from core.counters.redis import RedisCounters
from core.quotas import QuotaPolicy
from tests.scale.helpers import article, post_thread
from tests.scale.processes import spawn
from tests.scale.redis_topologies import ClusterGroup, SentinelGroup


@pytest.fixture
def sentinel_group():
    group = SentinelGroup().start()
    try:
        yield group
    finally:
        group.stop()


@pytest.fixture
def cluster_group():
    group = ClusterGroup().start()
    try:
        yield group
    finally:
        group.stop()


async def _usage(session, base_url) -> int:
    async with session.get(f"{base_url}/api/v1/usage") as response:
        return (await response.json())["used"]


async def test_a_sentinel_failover_costs_no_5xx_and_only_unreplicated_counts(
        tmp_path, sentinel_group):
    server = spawn(tmp_path, "api", REDIS_URL=sentinel_group.url, FREE_DAILY_QUOTA="1000000",
                   BURST_PER_MINUTE="10000")
    statuses: list[int] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            for n in range(20):
                status, _, _ = await post_thread(session, server.base_url, article(n))
                statuses.append(status)
            before = await _usage(session, server.base_url)
            # What the replica holds when the master dies: replication is asynchronous.
            await asyncio.to_thread(
                subprocess.run, ["redis-cli", "-p", str(sentinel_group.master_port), "WAIT", "1",
                                 "2000"], capture_output=True, timeout=10)
            failover = await asyncio.to_thread(sentinel_group.kill_master)
            during_started = time.monotonic()
            n = 100
            while time.monotonic() - during_started < 8:  # bounded: 8 s of requests
                status, _, _ = await post_thread(session, server.base_url, article(n))
                statuses.append(status)
                n += 1
            delivered = sum(s == 200 for s in statuses)
            after = await _usage(session, server.base_url)
    finally:
        server.stop()
    lost = delivered - after
    print(f"sentinel failover: promoted in {failover:.1f} s, {len(statuses)} requests, "
          f"statuses {sorted(set(statuses))}, delivered {delivered}, counted {after} "
          f"(before the kill {before}), lost {lost}")
    assert all(s < 500 for s in statuses), statuses
    assert before == 20
    assert after >= before, "counts replicated before the kill must survive the failover"


async def test_the_counters_work_on_a_redis_cluster_with_identity_hash_tags(cluster_group):
    counters = RedisCounters(cluster_group.url, "threadr_test:", socket_timeout=10.0,
                             connect_timeout=10.0)
    policy = QuotaPolicy(free_daily=3, premium_daily=10)
    try:
        from datetime import UTC, datetime

        keys = [policy.day_key(f"ip:10.0.0.{i}", datetime.now(UTC)) for i in range(30)]
        slots = {await counters._redis.cluster_keyslot(k) for k in keys}  # noqa: SLF001
        assert len(slots) > 1, "identities spread over the cluster's nodes"
        results = await asyncio.gather(*[counters.reserve(keys[0], 3, 60) for _ in range(50)])
        assert sum(ok for ok, _ in results) == 3
        assert await counters.get_count(keys[0]) == 3
        burst = policy.burst_key("10.0.0.1", "generate")
        hits = [await counters.hit(burst, 2, 60) for _ in range(3)]
        assert [ok for ok, _ in hits] == [True, True, False]
        await counters.cache_set("thread:abc", b"cached", 60)
        assert await counters.cache_get("thread:abc") == b"cached"
        token = await counters.acquire_lock("lock:abc", 5)
        assert token and await counters.acquire_lock("lock:abc", 5) is None
        await counters.release_lock("lock:abc", token)
        assert await counters.acquire_lock("lock:abc", 5)
    finally:
        await counters.close()
