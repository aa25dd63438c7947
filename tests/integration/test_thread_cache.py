"""`ThreadCache.get_or_compute` on both backends (in-process memory, real Redis): a hit is
marked cached, concurrent callers compute once (in a process and across processes, here two
caches over two Redis connections), failures reach everyone and cache nothing, and a thread
the policy refuses (a fallback) is served but not cached."""

from __future__ import annotations

import asyncio

import pytest

from core.counters.memory import MemoryCounters
from core.counters.redis import RedisCounters
from core.counters.thread_cache import SingleFlightThreadCache
from core.errors import FetchFailed
from core.models import Post, Thread

PATIENT = {"socket_timeout": 10.0, "connect_timeout": 10.0}


def a_thread(text: str = "One post.", reason: str | None = None) -> Thread:
    return Thread(posts=(Post(text, len(text)),), generator="offline", fallback_reason=reason,
                  id="saved-id")


class Computations:
    """Counts the real computations (instrumentation of the `compute` callable only)."""

    def __init__(self, result: Thread | Exception, delay: float = 0.0) -> None:
        self.calls, self.result, self.delay = 0, result, delay

    async def __call__(self) -> Thread:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.fixture(params=["memory", "redis"])
async def backends(request):
    """Two handles on one backend: the same object in memory, two connections on Redis
    (what two processes see)."""
    if request.param == "memory":
        shared = MemoryCounters()
        yield shared, shared
        return
    url, prefix = (request.getfixturevalue(n) for n in ("redis_url", "redis_prefix"))
    first, second = RedisCounters(url, prefix, **PATIENT), RedisCounters(url, prefix, **PATIENT)
    yield first, second
    await first.close()
    await second.close()


def cache_over(backend, **options) -> SingleFlightThreadCache:
    return SingleFlightThreadCache(backend, backend, 60,
                                   keep=lambda t: not t.fallback_reason, **options)


async def test_a_miss_computes_and_a_hit_is_marked_cached(backends):
    cache = cache_over(backends[0])
    compute = Computations(a_thread())
    fresh = await cache.get_or_compute("k", compute)
    again = await cache.get_or_compute("k", compute)
    assert (fresh.cached, again.cached, compute.calls) == (False, True, 1)
    assert again.id is None and [p.text for p in again.posts] == ["One post."]


async def test_fifty_concurrent_callers_in_one_process_compute_once(backends):
    cache = cache_over(backends[0])
    compute = Computations(a_thread(), delay=0.2)
    results = await asyncio.gather(*(cache.get_or_compute("k", compute) for _ in range(50)))
    assert compute.calls == 1
    assert sum(not r.cached for r in results) == 1


async def test_callers_in_two_processes_compute_once(backends):
    one, two = cache_over(backends[0]), cache_over(backends[1], poll_seconds=0.01)
    compute = Computations(a_thread(), delay=0.3)
    results = await asyncio.gather(one.get_or_compute("k", compute),
                                   two.get_or_compute("k", compute))
    assert compute.calls == 1
    assert sorted(r.cached for r in results) == [False, True]


async def test_a_failure_reaches_every_waiting_caller_and_caches_nothing(backends):
    cache = cache_over(backends[0])
    failing = Computations(FetchFailed(), delay=0.1)
    results = await asyncio.gather(*(cache.get_or_compute("k", failing) for _ in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, FetchFailed) for r in results) and failing.calls == 1
    later = Computations(a_thread())
    assert not (await cache.get_or_compute("k", later)).cached and later.calls == 1


async def test_a_thread_the_policy_refuses_is_served_but_not_cached(backends):
    cache = cache_over(backends[0])
    compute = Computations(a_thread(reason="llm_timeout"))
    first = await cache.get_or_compute("k", compute)
    second = await cache.get_or_compute("k", compute)
    assert first.fallback_reason == "llm_timeout" and not second.cached
    assert compute.calls == 2


async def test_an_unreadable_entry_is_a_miss(backends):
    await backends[0].cache_set("k", b"{not json", 60)
    compute = Computations(a_thread())
    assert not (await cache_over(backends[0]).get_or_compute("k", compute)).cached
    assert compute.calls == 1


async def test_a_hot_key_is_answered_by_this_process_without_the_shared_cache(backends):
    first, second = backends
    cache = cache_over(first)
    await cache.get_or_compute("k", Computations(a_thread()))
    await first.cache_set("k", b"{gone", 60)  # unusable in the shared cache now
    entry = await cache.peek("k")  # this process still holds its copy: the key never changes
    assert entry is not None and entry.thread.cached and entry.thread.id is None
    assert await cache_over(second).peek("k") is None  # another process has no copy
    assert await cache.peek("other") is None


async def test_a_remembered_body_leads_to_its_thread_and_only_while_it_is_cached(backends):
    first, _ = backends
    cache = cache_over(first)
    assert await cache.known("body") is None
    cache.remember("body", "k")
    assert await cache.known("body") is None  # nothing cached under "k" yet
    await cache.get_or_compute("k", Computations(a_thread("Known.")))
    entry = await cache.known("body")
    assert entry is not None and entry.thread.posts[0].text == "Known."
    entry.rendition = b"{}"
    assert (await cache.known("body")).rendition == b"{}"  # the door's bytes, kept


async def test_this_process_keeps_a_bounded_number_of_bytes_and_bodies():
    backend = MemoryCounters(max_cache_entries=1)  # the shared cache keeps almost nothing
    cache = SingleFlightThreadCache(backend, backend, 60, local_bytes=20_000, local_bodies=5)
    for i in range(100):
        await cache.get_or_compute(f"k{i}", Computations(a_thread(f"Post {i}. " * 50)))
        cache.remember(f"b{i}", f"k{i}")
    recent = cache._recent
    assert recent._bytes <= 20_000 and len(recent._entries) < 100
    assert await cache.peek("k99") is not None  # the newest are kept, the oldest dropped
    assert await cache.peek("k0") is None
    assert len(recent._bodies) == 5 and recent.key_for("b99") == "k99"
