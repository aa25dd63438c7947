"""The shared-state contracts: `Counters`, `RateLimits`, `Cache`, `Locks` (small Protocols),
all implemented by `core.counters.redis` and `core.counters.memory`.

Every operation is atomic across all processes sharing the backend (Redis: Lua scripts).
A backend that cannot be reached raises `CountersUnavailable`; the failure policy (a
bounded per-process fallback) lives in one wrapper, `core.counters.fallback`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


class CountersUnavailable(Exception):
    """The shared counters backend (Redis) could not be reached."""


@runtime_checkable
class Counters(Protocol):
    """Daily quota counters."""

    async def reserve(self, key: str, limit: int, ttl_seconds: int,
                      units: int = 1) -> tuple[bool, int]:
        """Atomically add `units` (as many as fit below `limit`) if the count is below it.

        Returns (reserved, count after). The key expires `ttl_seconds` after creation.
        """

    async def release(self, key: str) -> None:
        """Give back one unit taken by `reserve` (never below zero)."""

    async def get_count(self, key: str) -> int: ...

    async def read(self, count_keys: Sequence[str],
                   cache_keys: Sequence[str]) -> tuple[list[int], list[bytes | None]]:
        """Counts (0 when absent) and cache entries (`Cache`) in one round trip (an account's
        plan and today's quota, `GET /api/v1/usage`)."""


@runtime_checkable
class RateLimits(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> tuple[bool, float]:
        """Sliding/fixed-window rate limit. Returns (allowed, retry_after_seconds)."""


@runtime_checkable
class Cache(Protocol):
    """Bytes by key for a while (bounded; an entry may vanish before its TTL)."""

    async def cache_get(self, key: str) -> bytes | None: ...

    async def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def cache_swap(self, key: str, expected: bytes | None, value: bytes,
                         ttl_seconds: int) -> bool:
        """Atomically store `value` only if the entry is still `expected` (None: absent);
        whether it was stored. What a read-through cache fills with, so a fill computed
        before a change (which writes `FORGOTTEN`) cannot land after it."""


FORGOTTEN = b"\x00forgotten"  # an entry invalidated by a change: read as a miss, never refilled


@runtime_checkable
class Locks(Protocol):
    async def acquire_lock(self, key: str, ttl_seconds: float) -> str | None:
        """A lease on `key` for `ttl_seconds`: a token if acquired, else None."""

    async def release_lock(self, key: str, token: str) -> None:
        """Give the lease back (only with the token that holds it)."""


class QuotaCounters(Counters, RateLimits, Protocol):
    """What `core.quotas.Quotas` uses: daily counters and burst limits."""


@runtime_checkable
class Backend(Protocol):
    async def ping(self) -> None:
        """Raise CountersUnavailable if the backend cannot answer."""

    async def close(self) -> None: ...


@runtime_checkable
class SharedState(Counters, RateLimits, Cache, Locks, Backend, Protocol):
    """Everything one backend (Redis, memory, or the fallback wrapper) provides. Services
    receive the small protocol they use (`Counters`/`RateLimits` for quotas, `Cache` for the
    bots' buttons, `Cache` + `Locks` for the thread cache)."""
