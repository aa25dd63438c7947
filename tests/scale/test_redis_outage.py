"""Redis (our own, on a free port) killed while `threadr serve` is under load: no 5xx, the
per-process fallback limits apply, and the shared counters are used again within 5 s of
Redis coming back."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest
import redis.asyncio as aioredis

from tests.fixtures.accounts import sign_up
from tests.scale.helpers import article, post_thread, timed, wait_until
from tests.scale.processes import OwnRedis, spawn

FALLBACK_QUOTA = 4
LOAD_CLIENTS = 8


class Load:
    """Clients sending POST /api/v1/threads and GET /api/v1/usage until stopped; every
    status is recorded. Bounded: each client stops after 400 requests."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session, self.base_url = session, base_url
        self.statuses: list[int] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._client(n)) for n in range(LOAD_CLIENTS)]

    async def stop(self) -> list[int]:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        return self.statuses

    async def _client(self, n: int) -> None:
        for i in range(400):
            if self._stop.is_set():
                return
            if i % 2:
                async with self.session.get(f"{self.base_url}/api/v1/usage") as response:
                    self.statuses.append(response.status)
            else:
                status, _, _ = await post_thread(self.session, self.base_url,
                                                 article(10_000 + n * 1000 + i))
                self.statuses.append(status)
            await asyncio.sleep(0.01)


@pytest.fixture
def server(tmp_path, own_redis):
    running = spawn(tmp_path, "redis-outage", REDIS_URL=own_redis.url,
                    REDIS_PREFIX="threadr_fault:", FREE_DAILY_QUOTA="100000",
                    BURST_PER_MINUTE="100000", FALLBACK_DAILY_QUOTA=str(FALLBACK_QUOTA))
    yield running.base_url
    running.stop()


async def _register(session, base_url: str, email: str) -> dict:
    return await sign_up(session, base_url, email, verified=True)  # its own quota


async def _keys_in_redis(own_redis: OwnRedis) -> int:
    client = aioredis.Redis.from_url(own_redis.url)
    try:
        return len([k async for k in client.scan_iter(match="threadr_fault:*")])
    except (OSError, aioredis.ConnectionError):
        return 0
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()


async def test_redis_killed_under_load_degrades_to_fallback_limits_then_recovers(
        server, own_redis):
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        outage_user = await _register(session, server, "outage@example.com")
        load = Load(session, server)
        load.start()
        try:
            await _outage_and_recovery(session, server, own_redis, outage_user)
        finally:
            statuses = await load.stop()
    assert len(statuses) > 50
    assert not [s for s in statuses if s >= 500], sorted(set(statuses))
    assert set(statuses) <= {200, 429}


async def _outage_and_recovery(session, server: str, own_redis: OwnRedis, outage_user) -> None:
    back_user = await _register(session, server, "back@example.com")
    await asyncio.sleep(0.5)  # load is flowing through Redis
    assert await _keys_in_redis(own_redis) > 0
    await asyncio.to_thread(own_redis.stop)

    answers = await asyncio.gather(*(
        post_thread(session, server, article(90_000 + n), outage_user)
        for n in range(FALLBACK_QUOTA + 6)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * FALLBACK_QUOTA + [429] * 6  # the per-process fallback
    assert all(int(h["Retry-After"]) >= 1 for s, _, h in answers if s == 429)
    async with session.get(f"{server}/readyz") as response:  # ready, but degraded
        assert (await response.json())["checks"]["counters"] == "degraded"

    await asyncio.to_thread(own_redis.start)  # an empty Redis on the same port

    async def counted_in_redis() -> bool:
        await post_thread(session, server, article(95_000), back_user)
        return await _keys_in_redis(own_redis) > 0

    elapsed, recovered = await timed(wait_until(counted_in_redis, 5.0))
    assert recovered, f"still on the fallback {elapsed:.1f} s after Redis returned"
    print(f"redis outage: shared counters used again {elapsed:.2f} s after restart")
