"""The fallback policy against a real Redis that dies and comes back.

Each test runs its own `redis-server` on a free port (no persistence), so killing it
disturbs nobody else.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis

from core.counters.base import CountersUnavailable
from core.counters.factory import open_counters
from core.counters.fallback import FallbackCounters
from core.counters.memory import MemoryCounters
from core.counters.redis import RedisCounters
from core.metrics import Metrics
from core.quotas import Quotas
from core.settings import Settings

LOGGER = "test.counters.fallback"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A throw-away redis-server we can kill and restart on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        try:
            for _ in range(100):  # up to ~5 s
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    time.sleep(0.05)
            raise RuntimeError("redis-server did not start")
        finally:
            client.close()

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5)


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required for the fallback tests")
    server = OwnRedis()
    server.start()
    yield server
    server.kill()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def settings(**changes) -> Settings:
    return Settings(fallback_daily_quota=2, **changes)


def wrap(primary, metrics=None, **kwargs) -> FallbackCounters:
    return FallbackCounters(primary, settings(), metrics or Metrics(),
                            logging.getLogger(LOGGER), **kwargs)


def dead_redis() -> RedisCounters:
    return RedisCounters(f"redis://127.0.0.1:{free_port()}/0", "t:")


async def test_a_dead_redis_is_bounded_by_the_fallback_quota_without_raising():
    counters = wrap(dead_redis())
    results = [await counters.reserve("quota:ip:1", 5, 60) for _ in range(5)]
    assert [ok for ok, _ in results] == [True, True, False, False, False]
    assert counters.degraded
    await counters.close()


async def test_a_limit_below_the_fallback_quota_still_applies():
    counters = wrap(dead_redis())
    results = [await counters.reserve("k", 1, 60) for _ in range(3)]
    assert [ok for ok, _ in results] == [True, False, False]
    await counters.close()


async def test_burst_limits_keep_their_own_limit_under_the_fallback():
    counters = wrap(dead_redis())
    results = [await counters.hit("burst:login:ip", 3, 60) for _ in range(4)]
    assert [ok for ok, _ in results] == [True, True, True, False]
    await counters.close()


async def test_read_counts_per_process_and_misses_the_cache_while_the_primary_is_down():
    counters = wrap(dead_redis())
    await counters.reserve("quota:x", 5, 60)
    assert await counters.cache_swap("plan:x", None, b"-", 60) is False  # stores nothing
    assert await counters.read(["quota:x"], ["plan:x"]) == ([1], [None])
    await counters.close()


async def test_cache_misses_and_locks_become_per_process():
    counters = wrap(dead_redis())
    await counters.cache_set("c", b"v", 60)
    assert await counters.cache_get("c") is None
    token = await counters.acquire_lock("l", 10)
    assert token and await counters.acquire_lock("l", 10) is None
    await counters.release_lock("l", token)
    assert await counters.acquire_lock("l", 10)
    await counters.close()


async def test_the_outage_is_logged_once_and_each_fallback_check_counted(caplog):
    metrics = Metrics()
    counters = wrap(dead_redis(), metrics=metrics, retry_interval=0.0)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(4):
            await counters.reserve("k", 9, 60)
        await counters.hit("b", 9, 60)
    assert len([r for r in caplog.records if r.name == LOGGER]) == 1
    assert metrics.registry.get_sample_value("threadr_counters_fallback_total") == 5
    await counters.close()


async def test_ping_reports_the_dead_primary_for_readiness():
    counters = wrap(dead_redis())
    with pytest.raises(CountersUnavailable):
        await counters.ping()
    await counters.close()


async def test_a_dead_redis_fails_fast():
    primary = dead_redis()
    started = time.monotonic()
    with pytest.raises(CountersUnavailable):
        await primary.reserve("k", 1, 60)
    assert time.monotonic() - started < 2.0
    await primary.close()


async def test_redis_stopped_mid_test_then_restarted_is_probed_at_most_every_second(own_redis):
    clock = FakeClock()
    patient = RedisCounters(own_redis.url, "t:", socket_timeout=10, connect_timeout=10)
    counters = wrap(patient, clock=clock)
    quotas = Quotas(counters, settings(free_daily_quota=5), Metrics())
    await quotas.reserve("ip:9", premium=False)
    own_redis.kill()
    outcomes = await asyncio.gather(
        *[quotas.reserve("ip:9", premium=False) for _ in range(10)], return_exceptions=True
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 2  # the fallback limit
    assert all(type(o).__name__ in ("Reservation", "QuotaExceeded") for o in outcomes)
    own_redis.start()
    await counters.get_count("x")
    assert counters.degraded  # no probe before the retry interval has passed
    clock.now += 1.0
    await counters.get_count("x")
    assert not counters.degraded
    await counters.close()


async def test_a_ping_that_succeeds_ends_the_fallback_at_once(own_redis):
    """Readiness saying "ok" means quotas are shared again: no window in which /readyz says
    Redis is back while requests are still counted per process (two hosts would each give
    a full quota)."""
    clock = FakeClock()
    patient = RedisCounters(own_redis.url, "t:", socket_timeout=10, connect_timeout=10)
    counters = wrap(patient, clock=clock)
    own_redis.kill()
    assert await counters.reserve("k", 10, 60) == (True, 1)  # the fallback's count
    assert counters.degraded
    own_redis.start()
    await counters.ping()  # before the retry interval has passed
    assert not counters.degraded
    assert await counters.reserve("shared", 10, 60) == (True, 1)
    with own_redis.client() as client:
        assert client.get("t:shared") == b"1"
    await counters.close()


async def test_service_returns_to_redis_within_five_seconds_of_it_coming_back(own_redis):
    counters = await open_counters(settings(redis_url=own_redis.url, redis_prefix="t:"),
                                   Metrics())
    assert await counters.reserve("k", 10, 60) == (True, 1)
    own_redis.kill()
    assert await counters.reserve("k", 10, 60) == (True, 1)  # the fallback's own count
    assert counters.degraded
    own_redis.start()
    restarted = time.monotonic()
    while counters.degraded and time.monotonic() - restarted < 5.0:
        await counters.reserve("after", 10, 60)
        await asyncio.sleep(0.05)
    assert not counters.degraded
    assert await counters.reserve("back", 10, 60) == (True, 1)
    with own_redis.client() as client:
        assert client.get("t:back") == b"1"
    await counters.close()


async def test_the_memory_primary_never_degrades():
    counters = wrap(MemoryCounters())
    assert await counters.reserve("k", 10, 60) == (True, 1)
    assert not counters.degraded
    await counters.close()


async def test_a_redis_that_stops_answering_fails_what_is_in_flight_then_serves_again(own_redis):
    """Every command shares one connection: a Redis that holds its replies (here paused by
    `CLIENT PAUSE`) fails the commands waiting on it within about the socket timeout, not
    never, and the next command, on a new connection, is answered once it answers again."""
    counters = RedisCounters(own_redis.url, "t:", socket_timeout=0.5, connect_timeout=0.5)
    assert await counters.reserve("k", 10, 60) == (True, 1)
    with own_redis.client() as client:
        client.execute_command("CLIENT", "PAUSE", "2000", "ALL")
    started = time.monotonic()
    outcomes = await asyncio.gather(*[counters.reserve("k", 10, 60) for _ in range(5)],
                                    return_exceptions=True)
    assert all(isinstance(o, CountersUnavailable) for o in outcomes), outcomes
    assert time.monotonic() - started < 1.8  # the timeout (0.5 s), not the pause (2 s)
    await asyncio.sleep(2.1 - (time.monotonic() - started))  # the pause is over
    ok, count = await counters.reserve("k", 10, 60)
    # the paused commands were written, so Redis may have run them once it woke up
    assert ok and 2 <= count <= 7
    assert await counters.get_count("k") == count
    await counters.close()
