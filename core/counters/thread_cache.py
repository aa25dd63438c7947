"""`ThreadCache.get_or_compute`: the thread cache with single-flight, in a process and across
processes. Built over the `Cache` and `Locks` of a backend (Redis: across processes; memory:
one process), so both backends give the same behaviour.

    thread = await services.thread_cache.get_or_compute(key, make_thread)

- a cached thread comes back marked `cached=True` (no id, no usage: it is not a new one);
- while `make_thread` runs for a key, other callers of this process await that same run
  (and get its result marked cached); callers in other processes wait (bounded) for the lease
  holder to fill the cache, then compute it themselves if it did not;
- the run is a task of its own: when the first caller is cancelled (its client left) the
  others still get their thread; it is cancelled only when nobody awaits it any more;
- a thread that `keep` refuses (e.g. an offline fallback standing in for the LLM) is returned
  but not cached; a failure reaches every waiting caller and caches nothing;
- `peek(key)` answers a cached thread without computing anything (a hit costs no quota).

Keys are content addresses (a digest of everything that shapes the thread), so an entry never
changes: each process keeps the threads it served recently (`_Recent`, an LRU bounded by
bytes, each copy kept the cache TTL from when this process got it, so at most twice the TTL
in all) in front of the shared `Cache` and answers a hot key
without a round trip, with the door's serialised answer kept beside it (`rendition`). It also
remembers which request bodies led to which key (`remember`/`known`), so a body seen before
is answered without parsing it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol

from core.counters.base import Cache, Locks
from core.models import Thread

log = logging.getLogger("threadr.cache")
Compute = Callable[[], Awaitable[Thread]]
_RETAKE_EVERY = 10  # polls between attempts to take over a lease its holder released


class ThreadCache(Protocol):
    async def get_or_compute(self, key: str, compute: Compute) -> Thread:
        """The thread cached under `key` (marked cached), or `compute()`'s, computed once
        however many callers ask at the same time (see the module docstring)."""

    async def peek(self, key: str) -> CachedThread | None: ...

    def remember(self, body_key: str, key: str) -> None: ...

    async def known(self, body_key: str) -> CachedThread | None: ...


def as_cached(thread: Thread) -> Thread:
    return replace(thread, cached=True, id=None, created_at=None, usage=None)


class CachedThread:
    """A cached thread as this process holds it: the thread (marked cached) and, once a door
    has answered it, that door's serialised answer (`rendition`), reused byte for byte."""

    __slots__ = ("thread", "rendition", "size", "expires")

    def __init__(self, thread: Thread, size: int, expires: float) -> None:
        self.thread = thread
        self.rendition: bytes | None = None
        self.size = size
        self.expires = expires


class _Recent:
    """The threads this process served lately, by key: LRU, bounded by (approximate) bytes,
    each kept at most `ttl` seconds; and which body digests led to which key (bounded)."""

    def __init__(self, ttl: float, max_bytes: int, max_bodies: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._max_bytes, self._max_bodies = ttl, max_bytes, max_bodies
        self._clock = clock
        self._entries: OrderedDict[str, CachedThread] = OrderedDict()
        self._bytes = 0
        self._bodies: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> CachedThread | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, thread: Thread, size: int) -> CachedThread:
        size = 2 * size + 512  # the thread's objects and its rendition, roughly
        entry = CachedThread(thread, size, self._clock() + self._ttl)
        if size > self._max_bytes:
            return entry
        self._drop(key)
        self._entries[key] = entry
        self._bytes += size
        while self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))
        return entry

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def remember(self, body_key: str, key: str) -> None:
        self._bodies[body_key] = key
        self._bodies.move_to_end(body_key)
        if len(self._bodies) > self._max_bodies:
            self._bodies.popitem(last=False)

    def key_for(self, body_key: str) -> str | None:
        return self._bodies.get(body_key)


class _Shared:
    """A computation in progress, how many other callers await it, and the first caller's
    waiter: a plain future, set when the task ends, whose cancellation (the caller left)
    leaves the task running, as `asyncio.shield` would without its second future and two
    closures per held stream."""

    __slots__ = ("task", "waiting", "first", "_inflight", "_key")  # one per held stream

    def __init__(self, inflight: dict, key: str) -> None:
        self._inflight, self._key = inflight, key
        self.first = asyncio.get_running_loop().create_future()
        self.waiting = 0
        self.task: asyncio.Task | None = None

    def ended(self, task: asyncio.Task) -> None:
        if self._inflight.get(self._key) is self:
            del self._inflight[self._key]
        if not task.cancelled():
            task.exception()  # retrieved here: each waiter re-raises it itself
        if not self.first.done():
            self.first.set_result(None)


class SingleFlightThreadCache:
    def __init__(self, cache: Cache, locks: Locks, ttl_seconds: int, *,
                 keep: Callable[[Thread], bool] = lambda thread: True,
                 wait_seconds: float = 30.0, poll_seconds: float = 0.05,
                 local_bytes: int = 32 * 1024 * 1024, local_bodies: int = 10_000) -> None:
        self._cache, self._locks, self._ttl = cache, locks, ttl_seconds
        self._keep = keep
        self._wait, self._poll = wait_seconds, poll_seconds
        self._inflight: dict[str, _Shared] = {}
        self._recent = _Recent(ttl_seconds, local_bytes, local_bodies)

    async def peek(self, key: str) -> CachedThread | None:
        """The cached entry for `key` (this process's copy, else the shared cache's), or None;
        never computes."""
        return self._recent.get(key) or await self._fetch(key)

    def remember(self, body_key: str, key: str) -> None:
        """A request body (`body_key`: its digest) whose thread is cached under `key`."""
        self._recent.remember(body_key, key)

    async def known(self, body_key: str) -> CachedThread | None:
        """The cached entry of a request body seen before, or None."""
        key = self._recent.key_for(body_key)
        return None if key is None else await self.peek(key)

    async def get_or_compute(self, key: str, compute: Compute) -> Thread:
        cached = await self._get(key)
        if cached is not None:
            return cached
        shared = self._inflight.get(key)
        if shared is not None:  # this process is computing it: share that run
            shared.waiting += 1
            try:
                return as_cached(await asyncio.shield(shared.task))
            finally:
                shared.waiting -= 1
        shared = self._inflight[key] = _Shared(self._inflight, key)
        shared.task = task = asyncio.create_task(self._across_processes(key, compute))
        task.add_done_callback(shared.ended)
        try:
            await shared.first
        except asyncio.CancelledError:
            if shared.waiting == 0:  # nobody else wants it: stop the work
                task.cancel()
            raise
        return task.result()

    async def _across_processes(self, key: str, compute: Compute) -> Thread:
        lock = "lock:" + key
        token = await self._locks.acquire_lock(lock, self._wait)
        if token is None:  # another process computes it: wait for its result (bounded)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._wait
            polls = 0
            while loop.time() < deadline:
                await asyncio.sleep(self._poll)
                if (cached := await self._get(key)) is not None:
                    return cached
                polls += 1
                if polls % _RETAKE_EVERY == 0:  # did the holder give up (its caller left)?
                    token = await self._locks.acquire_lock(lock, self._wait)
                    if token is not None:
                        break
            else:
                token = await self._locks.acquire_lock(lock, self._wait)
        try:
            thread = await compute()
            if self._keep(thread):
                raw = json.dumps(thread.as_dict()).encode()
                await self._cache.cache_set(key, raw, self._ttl)
                self._recent.put(key, as_cached(thread), len(raw))
            return thread
        finally:
            if token is not None:
                await self._locks.release_lock(lock, token)

    async def _get(self, key: str) -> Thread | None:
        entry = await self.peek(key)
        return entry.thread if entry is not None else None

    async def _fetch(self, key: str) -> CachedThread | None:
        raw = await self._cache.cache_get(key)
        if raw is None:
            return None
        try:
            thread = as_cached(Thread.from_dict(json.loads(raw)))
        except (ValueError, KeyError, TypeError):
            log.warning("discarding an unreadable cache entry")
            return None
        return self._recent.put(key, thread, len(raw))
