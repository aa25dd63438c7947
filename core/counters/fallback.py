"""The one place that decides what happens when the shared counters (Redis) are down.

`FallbackCounters` wraps the primary backend. While the primary answers, every call goes to
it. When it raises, the call is served by a per-process `MemoryCounters` instead:

- quotas stay bounded: `reserve` uses `min(limit, settings.fallback_daily_quota)`, never
  unlimited; burst limits (`hit`) keep their limit;
- the cache misses and drops writes; single-flight locks become per-process;
- nothing is raised to the caller, the outage is logged once and every fallback quota check
  counts `metrics.counters_fallback`;
- the primary is probed again at most every `retry_interval` seconds (one probe at a time),
  so service returns to it within a few seconds of it coming back.

Only `ping` reports the primary's failure (for readiness checks), and a ping that succeeds
also ends the fallback; `degraded` says whether the fallback is currently serving.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from core.counters.base import SharedState
from core.counters.memory import MemoryCounters

if TYPE_CHECKING:
    from core.metrics import Metrics
    from core.settings import Settings

_LOCAL = "local:"  # lock tokens issued by the fallback carry this prefix


class FallbackCounters:
    def __init__(
        self,
        primary: SharedState,
        settings: Settings,
        metrics: Metrics,
        logger: logging.Logger,
        *,
        retry_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        fallback: MemoryCounters | None = None,
    ) -> None:
        self.primary = primary
        self._settings = settings
        self._metrics = metrics
        self._log = logger
        self._retry_interval = retry_interval
        self._clock = clock
        self._memory = fallback or MemoryCounters(max_keys=50_000, max_cache_entries=1)
        self._down = False
        self._next_probe = 0.0

    @property
    def degraded(self) -> bool:
        """True while calls are served by the per-process fallback."""
        return self._down

    def _usable(self) -> bool:
        """Whether to ask the primary now: always while it is up, else one probe at a time."""
        if not self._down:
            return True
        if self._clock() < self._next_probe:
            return False
        self._next_probe = self._clock() + self._retry_interval
        return True

    async def _try(self, op: str, *args: Any) -> tuple[bool, Any]:
        """(True, result) from the primary, or (False, None) when it cannot answer now."""
        if not self._usable():
            return False, None
        try:
            result = await getattr(self.primary, op)(*args)
        except Exception as exc:  # noqa: BLE001 - the policy: never raise to the caller
            self._mark_down(exc)
            return False, None
        self._mark_up()
        return True, result

    def _mark_up(self) -> None:
        if self._down:
            self._down = False
            self._log.warning("counters backend is back; leaving the per-process fallback")

    def _mark_down(self, exc: Exception) -> None:
        self._next_probe = self._clock() + self._retry_interval
        if not self._down:
            self._down = True
            self._log.error(
                "counters backend unavailable (%s); serving quotas from a per-process "
                "fallback limited to %d a day",
                type(exc).__name__, self._settings.fallback_daily_quota,
            )

    async def reserve(self, key: str, limit: int, ttl_seconds: int,
                      units: int = 1) -> tuple[bool, int]:
        ok, result = await self._try("reserve", key, limit, ttl_seconds, units)
        if ok:
            return result
        self._metrics.counters_fallback.inc()
        bounded = min(limit, self._settings.fallback_daily_quota)
        return await self._memory.reserve(key, bounded, ttl_seconds, units)

    async def release(self, key: str) -> None:
        ok, _ = await self._try("release", key)
        if not ok:
            await self._memory.release(key)

    async def get_count(self, key: str) -> int:
        ok, result = await self._try("get_count", key)
        return result if ok else await self._memory.get_count(key)

    async def read(self, count_keys: Sequence[str],
                   cache_keys: Sequence[str]) -> tuple[list[int], list[bytes | None]]:
        ok, result = await self._try("read", count_keys, cache_keys)
        if ok:
            return result
        counts, _ = await self._memory.read(count_keys, ())
        return counts, [None] * len(cache_keys)  # the cache misses while the primary is down

    async def hit(self, key: str, limit: int, window_seconds: int) -> tuple[bool, float]:
        if self._usable():  # `_try` written out: this one is on every generation's path
            try:
                result = await self.primary.hit(key, limit, window_seconds)
            except Exception as exc:  # noqa: BLE001 - the policy: never raise to the caller
                self._mark_down(exc)
            else:
                self._mark_up()
                return result
        self._metrics.counters_fallback.inc()
        return await self._memory.hit(key, limit, window_seconds)

    async def cache_get(self, key: str) -> bytes | None:
        ok, result = await self._try("cache_get", key)
        return result if ok else None

    async def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self._try("cache_set", key, value, ttl_seconds)

    async def cache_swap(self, key: str, expected: bytes | None, value: bytes,
                         ttl_seconds: int) -> bool:
        ok, stored = await self._try("cache_swap", key, expected, value, ttl_seconds)
        return bool(ok and stored)

    async def acquire_lock(self, key: str, ttl_seconds: float) -> str | None:
        ok, result = await self._try("acquire_lock", key, ttl_seconds)
        if ok:
            return result
        token = await self._memory.acquire_lock(key, ttl_seconds)
        return _LOCAL + token if token else None

    async def release_lock(self, key: str, token: str) -> None:
        if token.startswith(_LOCAL):
            await self._memory.release_lock(key, token[len(_LOCAL):])
        else:
            await self._try("release_lock", key, token)

    async def ping(self) -> None:
        """Raises `CountersUnavailable` when the primary is down (for /readyz). A ping that
        succeeds ends the fallback at once: readiness never says the primary is back while
        quotas are still counted per process."""
        try:
            await self.primary.ping()
        except Exception as exc:
            self._mark_down(exc)
            raise
        self._mark_up()

    async def close(self) -> None:
        try:
            await self.primary.close()
        finally:
            await self._memory.close()
