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
  but not cached; a failure reaches every waiting caller and caches nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
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


def as_cached(thread: Thread) -> Thread:
    return replace(thread, cached=True, id=None, created_at=None, usage=None)


class _Shared:
    """A computation in progress and how many other callers await it."""

    def __init__(self, task: asyncio.Task) -> None:
        self.task = task
        self.waiting = 0


class SingleFlightThreadCache:
    def __init__(self, cache: Cache, locks: Locks, ttl_seconds: int, *,
                 keep: Callable[[Thread], bool] = lambda thread: True,
                 wait_seconds: float = 30.0, poll_seconds: float = 0.05) -> None:
        self._cache, self._locks, self._ttl = cache, locks, ttl_seconds
        self._keep = keep
        self._wait, self._poll = wait_seconds, poll_seconds
        self._inflight: dict[str, _Shared] = {}

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
        task = asyncio.create_task(self._across_processes(key, compute))
        shared = self._inflight[key] = _Shared(task)
        task.add_done_callback(lambda done: self._forget(key, done))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if shared.waiting == 0:  # nobody else wants it: stop the work
                task.cancel()
            raise

    def _forget(self, key: str, task: asyncio.Task) -> None:
        if key in self._inflight and self._inflight[key].task is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved here: each waiter re-raises it itself

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
                await self._cache.cache_set(key, json.dumps(thread.as_dict()).encode(),
                                            self._ttl)
            return thread
        finally:
            if token is not None:
                await self._locks.release_lock(lock, token)

    async def _get(self, key: str) -> Thread | None:
        raw = await self._cache.cache_get(key)
        if raw is None:
            return None
        try:
            return as_cached(Thread.from_dict(json.loads(raw)))
        except (ValueError, KeyError, TypeError):
            log.warning("discarding an unreadable cache entry")
            return None
