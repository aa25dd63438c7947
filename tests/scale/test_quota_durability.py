"""M4: quotas remember the day after a Redis restart.

The attack: Redis with no persistence, a 12 s outage and a restart; accounts then got 16–20
threads in 32 s. Here our own redis-server (no persistence: the worst case, every key lost)
is killed and started empty under a running `threadr serve` on PostgreSQL; the day's counters
are rebuilt from the usage records, so nobody gets a fresh quota.
"""

from __future__ import annotations

import asyncio

import aiohttp

from tests.fixtures.accounts import sign_up
from tests.scale.helpers import article, post_thread, wait_until
from tests.scale.processes import spawn

QUOTA = 3


async def test_a_redis_restart_does_not_reset_anyones_day(tmp_path, own_postgres, own_redis):
    database_url = await asyncio.to_thread(own_postgres.new_database)
    server = await asyncio.to_thread(
        spawn, tmp_path, "durable", DATABASE_URL=database_url, REDIS_URL=own_redis.url,
        FREE_DAILY_QUOTA=str(QUOTA), FALLBACK_DAILY_QUOTA=str(QUOTA),
        BURST_PER_MINUTE="100000")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            user = await sign_up(session, server.base_url, "durable@example.com", verified=True)
            callers = {"account": user, "anonymous": {}}
            for offset, (name, headers) in enumerate(callers.items()):  # fresh articles: no
                statuses = [(await post_thread(session, server.base_url,  # free cache hits
                                               article(offset * 10 + n), headers))[0]
                            for n in range(QUOTA + 1)]
                assert statuses == [200] * QUOTA + [429], (name, statuses)

            await asyncio.to_thread(own_redis.stop)  # every key is gone with it
            await asyncio.to_thread(own_redis.start)

            async def redis_in_use() -> bool:
                async with session.get(f"{server.base_url}/readyz") as response:
                    return response.status == 200
            assert await wait_until(redis_in_use, 15)

            after = {}
            for offset, (name, headers) in enumerate(callers.items()):
                after[name] = [(await post_thread(session, server.base_url,
                                                  article(100 + offset * 10 + n), headers))[0]
                               for n in range(QUOTA)]
                async with session.get(f"{server.base_url}/api/v1/usage",
                                       headers=headers) as response:
                    after[name + " usage"] = (await response.json())["used"]
        print("after the Redis restart:", after)
        assert after["account"] == [429] * QUOTA and after["anonymous"] == [429] * QUOTA
        assert after["account usage"] == QUOTA and after["anonymous usage"] == QUOTA
    finally:
        await asyncio.to_thread(server.stop)
