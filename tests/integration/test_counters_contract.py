"""One contract for every `Counters` backend: in-process memory and real Redis (127.0.0.1:6379).

Redis tests use the shared `redis_url` / `redis_prefix` fixtures (random prefix, keys deleted).
"""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from core.counters.base import FORGOTTEN
from core.counters.memory import MemoryCounters
from core.counters.redis import RedisCounters


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def raw_redis(redis_url):
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


# Exactness, not speed, is tested here: generous timeouts keep a busy machine from turning a
# slow reply into a failure (the fast-fail defaults are tested in test_counters_fallback.py).
PATIENT = {"socket_timeout": 10.0, "connect_timeout": 10.0}


@pytest.fixture(params=["memory", "redis"])
async def counters(request):
    if request.param == "memory":
        backend = MemoryCounters()
    else:  # shared fixtures: real Redis, a random key prefix deleted after the test
        url, prefix = (request.getfixturevalue(n) for n in ("redis_url", "redis_prefix"))
        backend = RedisCounters(url, prefix, **PATIENT)
    yield backend
    await backend.close()


async def test_reserve_counts_up_to_the_limit_then_refuses(counters):
    results = [await counters.reserve("q", 3, 60) for _ in range(5)]
    assert results == [(True, 1), (True, 2), (True, 3), (False, 3), (False, 3)]
    assert await counters.get_count("q") == 3


async def test_reserve_several_units_at_once_stops_at_the_limit(counters):
    """What a lost day counter is rebuilt with (one call, however many units were charged)."""
    assert await counters.reserve("u", 5, 60, units=3) == (True, 3)
    assert await counters.reserve("u", 5, 60, units=3) == (True, 5)  # two fit, two taken
    assert await counters.reserve("u", 5, 60, units=3) == (False, 5)
    assert await counters.get_count("u") == 5


async def test_a_hundred_parallel_reservations_at_quota_three_give_exactly_three(counters):
    results = await asyncio.gather(*[counters.reserve("race", 3, 60) for _ in range(100)])
    assert sum(ok for ok, _ in results) == 3
    assert await counters.get_count("race") == 3


async def test_release_gives_a_unit_back_and_never_goes_below_zero(counters):
    await counters.reserve("r", 2, 60)
    await counters.reserve("r", 2, 60)
    assert (await counters.reserve("r", 2, 60))[0] is False
    await counters.release("r")
    assert await counters.get_count("r") == 1
    assert await counters.reserve("r", 2, 60) == (True, 2)
    for _ in range(5):
        await counters.release("r")
    assert await counters.get_count("r") == 0
    await counters.release("never-reserved")
    assert await counters.get_count("never-reserved") == 0


async def test_keys_are_independent(counters):
    await counters.reserve("a", 1, 60)
    assert await counters.reserve("b", 1, 60) == (True, 1)


async def test_hit_allows_the_limit_per_window_then_says_how_long_to_wait(counters):
    allowed = [await counters.hit("burst", 3, 60) for _ in range(3)]
    assert all(ok for ok, _ in allowed)
    ok, retry_after = await counters.hit("burst", 3, 60)
    assert ok is False and 0 < retry_after <= 60


async def test_parallel_hits_allow_exactly_the_limit(counters):
    results = await asyncio.gather(*[counters.hit("flood", 10, 60) for _ in range(100)])
    assert sum(ok for ok, _ in results) == 10


async def test_cache_round_trip_and_miss(counters):
    assert await counters.cache_get("thread:x") is None
    await counters.cache_set("thread:x", b"\x00payload\xff", 60)
    assert await counters.cache_get("thread:x") == b"\x00payload\xff"
    await counters.cache_set("thread:x", b"new", 60)
    assert await counters.cache_get("thread:x") == b"new"


async def test_cache_swap_stores_only_over_the_entry_it_expects(counters):
    assert await counters.cache_swap("auth:a", None, b"v1", 60) is True  # absent: stored
    assert await counters.cache_swap("auth:a", None, b"v2", 60) is False  # no longer absent
    assert await counters.cache_swap("auth:a", b"other", b"v2", 60) is False
    assert await counters.cache_get("auth:a") == b"v1"
    assert await counters.cache_swap("auth:a", b"v1", b"\x00v2\xff", 60) is True
    assert await counters.cache_get("auth:a") == b"\x00v2\xff"
    await counters.cache_set("auth:a", FORGOTTEN, 60)  # a change in between
    assert await counters.cache_swap("auth:a", b"\x00v2\xff", b"stale", 60) is False
    assert await counters.cache_get("auth:a") == FORGOTTEN


async def test_read_gives_counts_and_cache_entries_together(counters):
    await counters.reserve("quota:x", 5, 60)
    await counters.reserve("quota:x", 5, 60)
    await counters.cache_set("plan:x", b"-", 60)
    assert await counters.read(["quota:x", "quota:none"], ["plan:x", "plan:none"]) == (
        [2, 0], [b"-", None])
    assert await counters.read([], []) == ([], [])
    await counters.release("quota:x")
    assert await counters.read(["quota:x"], []) == ([1], [])


async def test_a_lock_has_one_holder_and_only_its_token_releases_it(counters):
    token = await counters.acquire_lock("lock:k", 30)
    assert token
    assert await counters.acquire_lock("lock:k", 30) is None
    await counters.release_lock("lock:k", "not-the-token")
    assert await counters.acquire_lock("lock:k", 30) is None
    await counters.release_lock("lock:k", token)
    assert await counters.acquire_lock("lock:k", 30)


async def test_parallel_lock_attempts_have_exactly_one_winner(counters):
    tokens = await asyncio.gather(*[counters.acquire_lock("lock:p", 30) for _ in range(50)])
    assert sum(t is not None for t in tokens) == 1


async def test_ping_answers(counters):
    await counters.ping()


# --- expiry: memory with a fake clock; Redis by the TTLs it set ---

async def test_memory_counters_expire_after_their_ttl():
    clock = FakeClock()
    counters = MemoryCounters(clock=clock)
    await counters.reserve("q", 1, 60)
    clock.now += 59
    assert (await counters.reserve("q", 1, 60))[0] is False
    clock.now += 1
    assert await counters.reserve("q", 1, 60) == (True, 1)


async def test_memory_ttl_counts_from_the_first_reservation_not_the_last():
    clock = FakeClock()
    counters = MemoryCounters(clock=clock)
    await counters.reserve("q", 5, 60)
    clock.now += 50
    await counters.reserve("q", 5, 60)
    clock.now += 10
    assert await counters.get_count("q") == 0


async def test_memory_hit_window_slides():
    clock = FakeClock()
    counters = MemoryCounters(clock=clock)
    await counters.hit("b", 2, 60)
    clock.now += 30
    await counters.hit("b", 2, 60)
    ok, retry_after = await counters.hit("b", 2, 60)
    assert ok is False and retry_after == pytest.approx(30)
    clock.now += 30
    assert (await counters.hit("b", 2, 60))[0] is True


async def test_memory_cache_and_locks_expire():
    clock = FakeClock()
    counters = MemoryCounters(clock=clock)
    await counters.cache_set("c", b"v", 10)
    await counters.acquire_lock("l", 5)
    clock.now += 10
    assert await counters.cache_get("c") is None
    assert await counters.acquire_lock("l", 5)


async def test_memory_keys_and_cache_are_bounded():
    counters = MemoryCounters(max_keys=100, max_cache_entries=10, max_cache_bytes=1000)
    for i in range(1000):
        await counters.reserve(f"k{i}", 5, 60)
        await counters.hit(f"h{i}", 5, 60)
        await counters.cache_set(f"c{i}", b"x" * 50, 60)
    assert len(counters._counts) <= 100 and len(counters._windows) <= 100
    assert len(counters._cache) <= 10 and counters._cache_bytes <= 1000
    assert await counters.get_count("k999") == 1
    assert await counters.cache_get("c999") == b"x" * 50
    assert await counters.cache_get("c0") is None


async def test_memory_cache_drops_least_recently_used_first():
    counters = MemoryCounters(max_cache_entries=2)
    await counters.cache_set("a", b"1", 60)
    await counters.cache_set("b", b"2", 60)
    await counters.cache_get("a")
    await counters.cache_set("c", b"3", 60)
    assert await counters.cache_get("a") == b"1" and await counters.cache_get("b") is None


async def test_redis_keys_carry_the_prefix_and_their_ttls(raw_redis, redis_url, redis_prefix):
    counters = RedisCounters(redis_url, redis_prefix, **PATIENT)
    try:
        await counters.reserve("q", 3, 120)
        await counters.hit("b", 3, 60)
        await counters.cache_set("c", b"v", 30)
        await counters.acquire_lock("l", 5)
        # a hit log is a list under its own name (":log"), not the sorted set of old releases
        ttls = {k: await raw_redis.pttl(redis_prefix + k) for k in ("q", "b:log", "c", "l")}
        assert await raw_redis.type(redis_prefix + "b:log") in ("list", b"list")
    finally:
        await counters.close()
    assert 0 < ttls["q"] <= 120_000
    assert 0 < ttls["b:log"] <= 60_000
    assert 0 < ttls["c"] <= 30_000
    assert 0 < ttls["l"] <= 5_000


async def test_a_redis_hit_log_slides_and_keeps_only_the_window(raw_redis, redis_url,
                                                                 redis_prefix):
    counters = RedisCounters(redis_url, redis_prefix, **PATIENT)
    try:
        assert [ok for ok, _ in [await counters.hit("s", 2, 1) for _ in range(3)]] == [
            True, True, False]
        await asyncio.sleep(1.05)  # the window (1 s) has passed: both times are gone
        assert (await counters.hit("s", 2, 1))[0] is True
        assert await raw_redis.llen(redis_prefix + "s:log") == 1
    finally:
        await counters.close()


async def test_each_backend_provides_every_small_protocol(counters):
    from core.counters.base import Backend, Cache, Counters, Locks, RateLimits, SharedState

    for protocol in (Counters, RateLimits, Cache, Locks, Backend, SharedState):
        assert isinstance(counters, protocol), protocol.__name__


async def test_redis_sends_the_commands_of_one_turn_as_one_pipeline(redis_url, redis_prefix,
                                                                    raw_redis):
    from core.counters.base import CountersUnavailable

    counters = RedisCounters(redis_url, redis_prefix, **PATIENT)
    sent = []
    await counters.cache_get("warm-up")  # the connection is open
    line = counters._batch._line
    write = line.write

    def counting(batch):
        sent.append(len(batch))
        write(batch)

    line.write = counting
    await raw_redis.zadd(f"{redis_prefix}a-set", {"m": 1})  # not a counter: its GET fails
    await counters.cache_set("c", b"v", 60)
    sent.clear()
    results = await asyncio.gather(
        *[counters.reserve("q", 3, 60) for _ in range(20)], counters.get_count("a-set"),
        counters.cache_get("c"), return_exceptions=True)
    assert sent == [22]  # one round trip for the lot
    assert sum(ok for ok, _ in results[:20]) == 3  # each script still atomic: exactly 3
    assert isinstance(results[20], CountersUnavailable)  # its own error, nobody else's
    assert results[21] == b"v"
    await counters.close()


async def test_a_caller_that_leaves_does_not_shift_anyone_elses_reply(redis_url, redis_prefix):
    """Replies come back in order on the shared connection: the reply of a caller that left
    after its command was written is read and dropped, and every other caller still gets
    its own."""
    counters = RedisCounters(redis_url, redis_prefix, **PATIENT)
    for i in range(20):
        await counters.cache_set(f"c{i}", str(i).encode(), 60)
    line = counters._batch._line
    write = line.write

    def write_then_leave(batch):
        write(batch)  # on the wire: each of these replies will come back
        for _, future in batch[::3]:
            future.cancel()

    line.write = write_then_leave
    results = await asyncio.gather(*[counters.cache_get(f"c{i}") for i in range(20)],
                                   return_exceptions=True)
    line.write = write
    for i, result in enumerate(results):
        if i % 3:
            assert result == str(i).encode()
        else:
            assert isinstance(result, asyncio.CancelledError)
    assert await counters.cache_get("c5") == b"5"
    await counters.close()
