"""In-process `Counters`: the embedded default and the per-process fallback when Redis is down.

Every operation runs without an `await` inside, under one `threading.Lock`, so it is atomic
for all tasks of an event loop (and for threads sharing the object). Keys expire by TTL and
both the counter keys and the cache are bounded, so a flood of identities cannot grow memory
without limit: when full, expired entries are purged first, then the oldest are evicted.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence


class MemoryCounters:
    def __init__(
        self,
        *,
        max_keys: int = 100_000,
        max_cache_entries: int = 2_000,
        max_cache_bytes: int = 64 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_keys = max_keys
        self._max_cache_entries = max_cache_entries
        self._max_cache_bytes = max_cache_bytes
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key → (n, expires)
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()  # key → hit times
        self._window_len: dict[str, float] = {}
        self._locks: dict[str, tuple[str, float]] = {}  # key → (token, expires)
        self._cache: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # LRU
        self._cache_bytes = 0

    # --- quotas ---
    async def reserve(self, key: str, limit: int, ttl_seconds: int,
                      units: int = 1) -> tuple[bool, int]:
        with self._lock:
            now = self._clock()
            count, expires = self._live_count(key, now)
            if count >= limit:
                return False, count
            if count == 0:
                expires = now + ttl_seconds
                self._make_room(self._counts, now)
            count += min(max(1, units), limit - count)
            self._counts[key] = (count, expires)
            return True, count

    async def release(self, key: str) -> None:
        with self._lock:
            count, expires = self._live_count(key, self._clock())
            if count > 0:
                self._counts[key] = (count - 1, expires)

    async def get_count(self, key: str) -> int:
        with self._lock:
            return self._live_count(key, self._clock())[0]

    async def read(self, count_keys: Sequence[str],
                   cache_keys: Sequence[str]) -> tuple[list[int], list[bytes | None]]:
        with self._lock:
            now = self._clock()
            counts = [self._live_count(key, now)[0] for key in count_keys]
            return counts, [self._cached(key, now) for key in cache_keys]

    async def hit(self, key: str, limit: int, window_seconds: int) -> tuple[bool, float]:
        """Sliding-window log: allowed while fewer than `limit` hits in the last window."""
        with self._lock:
            now = self._clock()
            hits = self._windows.get(key)
            if hits is None:
                self._make_room(self._windows, now)
                hits = self._windows[key] = deque()
            self._window_len[key] = window_seconds
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return False, max(0.001, hits[0] + window_seconds - now)
            hits.append(now)
            self._windows.move_to_end(key)
            return True, 0.0

    # --- cache ---
    async def cache_get(self, key: str) -> bytes | None:
        with self._lock:
            return self._cached(key, self._clock())

    async def cache_swap(self, key: str, expected: bytes | None, value: bytes,
                         ttl_seconds: int) -> bool:
        with self._lock:
            if self._cached(key, self._clock()) != expected:
                return False
            self._set(key, value, ttl_seconds)
            return True

    async def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._lock:
            self._set(key, value, ttl_seconds)

    def _set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if len(value) > self._max_cache_bytes:
            return
        self._drop_cache(key)
        self._cache[key] = (bytes(value), self._clock() + ttl_seconds)
        self._cache_bytes += len(value)
        while len(self._cache) > self._max_cache_entries or self._cache_bytes > self._max_cache_bytes:
            self._drop_cache(next(iter(self._cache)))

    # --- single-flight locks ---
    async def acquire_lock(self, key: str, ttl_seconds: float) -> str | None:
        with self._lock:
            now = self._clock()
            held = self._locks.get(key)
            if held is not None and held[1] > now:
                return None
            if held is None and len(self._locks) >= self._max_keys:
                self._locks = {k: v for k, v in self._locks.items() if v[1] > now}
                if len(self._locks) >= self._max_keys:
                    return None
            token = secrets.token_hex(16)
            self._locks[key] = (token, now + ttl_seconds)
            return token

    async def release_lock(self, key: str, token: str) -> None:
        with self._lock:
            held = self._locks.get(key)
            if held is not None and held[0] == token:
                del self._locks[key]

    # --- lifecycle ---
    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        with self._lock:
            self._counts.clear()
            self._windows.clear()
            self._window_len.clear()
            self._locks.clear()
            self._cache.clear()
            self._cache_bytes = 0

    # --- internals (call with the lock held) ---
    def _live_count(self, key: str, now: float) -> tuple[int, float]:
        entry = self._counts.get(key)
        if entry is None:
            return 0, 0.0
        if entry[1] <= now:
            del self._counts[key]
            return 0, 0.0
        return entry

    def _make_room(self, table: OrderedDict, now: float) -> None:
        """Keep `table` under `max_keys`: purge expired entries, then evict the oldest."""
        if len(table) < self._max_keys:
            return
        if table is self._counts:
            for k in [k for k, (_, exp) in table.items() if exp <= now]:
                del table[k]
        else:  # hit windows: a key whose newest hit left its window holds no state
            stale = [k for k, h in table.items() if not h or h[-1] <= now - self._window_len[k]]
            for k in stale:
                del table[k]
                del self._window_len[k]
        while len(table) >= self._max_keys:
            key, _ = table.popitem(last=False)
            if table is self._windows:
                del self._window_len[key]

    def _cached(self, key: str, now: float) -> bytes | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            self._drop_cache(key)
            return None
        self._cache.move_to_end(key)
        return entry[0]

    def _drop_cache(self, key: str) -> None:
        entry = self._cache.pop(key, None)
        if entry is not None:
            self._cache_bytes -= len(entry[0])
