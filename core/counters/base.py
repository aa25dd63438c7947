"""The counters/cache contract. Implementations: `core.counters.redis` and `core.counters.memory`.

Every operation is atomic across all processes sharing the backend (Redis: Lua scripts).
A backend that cannot be reached raises `CountersUnavailable`; the failure policy (a
bounded per-process fallback) lives in one wrapper, `core.counters.fallback`.
"""

from __future__ import annotations

from typing import Protocol


class CountersUnavailable(Exception):
    """The shared counters backend (Redis) could not be reached."""


class Counters(Protocol):
    async def reserve(self, key: str, limit: int, ttl_seconds: int) -> tuple[bool, int]:
        """Atomically add one unit if the count is below `limit`.

        Returns (reserved, count after). The key expires `ttl_seconds` after creation.
        """

    async def release(self, key: str) -> None:
        """Give back one unit taken by `reserve` (never below zero)."""

    async def get_count(self, key: str) -> int: ...

    async def hit(self, key: str, limit: int, window_seconds: int) -> tuple[bool, float]:
        """Sliding/fixed-window rate limit. Returns (allowed, retry_after_seconds)."""

    async def cache_get(self, key: str) -> bytes | None: ...

    async def cache_set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def acquire_lock(self, key: str, ttl_seconds: float) -> str | None:
        """A single-flight lock: a token if acquired, else None."""

    async def release_lock(self, key: str, token: str) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
