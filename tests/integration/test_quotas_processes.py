"""Two separate OS processes share Redis (quotas) and PostgreSQL (usage records): the quota
for one identity stays exact across them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.store.postgres import PostgresStore

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import asyncio, json, sys
    from datetime import UTC, datetime
    from core.counters.redis import RedisCounters
    from core.errors import QuotaExceeded
    from core.metrics import Metrics
    from core.quotas import Quotas
    from core.settings import Settings
    from core.store.postgres import PostgresStore

    redis_url, prefix, database_url, quota, attempts = sys.argv[1:6]

    async def one(quotas, store):
        try:
            reservation = await quotas.reserve("user:shared", premium=False)
        except QuotaExceeded:
            return False
        await store.record_usage("user:shared", None, "cli", "offline", 0, 0, False,
                                 datetime.now(UTC))
        await reservation.commit()
        return True

    async def main():
        # generous timeouts: this test is about exactness, on a machine that may be busy
        counters = RedisCounters(redis_url, prefix, socket_timeout=10, connect_timeout=10)
        store = await PostgresStore.open(database_url, min_size=1, max_size=10,
                                         connect_timeout=30, acquire_timeout=30)
        quotas = Quotas(counters, Settings(free_daily_quota=int(quota)), Metrics())
        await counters.ping()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        results = await asyncio.gather(*[one(quotas, store) for _ in range(int(attempts))])
        print(json.dumps({"granted": sum(results)}), flush=True)
        await store.close()
        await counters.close()

    asyncio.run(main())
""")


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], cwd=REPO, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


async def test_two_processes_reserving_for_one_identity_grant_exactly_the_quota(
    redis_url, redis_prefix, pg_database_url
):
    quota, attempts = 7, 40
    children = [spawn(redis_url, redis_prefix, pg_database_url, str(quota), str(attempts))
                for _ in range(2)]
    try:
        for child in children:  # both connected before either starts
            assert child.stdout.readline().strip() == "ready", child.stderr.read()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate(timeout=60) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    granted = [json.loads(out.strip().splitlines()[-1])["granted"] for out, _ in outputs]
    assert sum(granted) == quota, outputs
    store = await PostgresStore.open(pg_database_url, min_size=1, max_size=2)
    try:
        since = datetime.now(UTC) - timedelta(hours=1)
        assert await store.count_usage("user:shared", since) == quota
    finally:
        await store.close()
