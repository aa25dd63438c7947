"""Build the configured `Counters`, already wrapped by the fallback policy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.counters.base import SharedState
from core.counters.fallback import FallbackCounters
from core.counters.memory import MemoryCounters

if TYPE_CHECKING:
    from core.metrics import Metrics
    from core.settings import Settings


async def open_counters(settings: Settings, metrics: Metrics) -> SharedState:
    """Redis when `settings.redis_url` is set, else in-process memory. Does not connect: a
    Redis that is down at start-up is served by the fallback until it answers.

    The caller owns the result and must `await counters.close()`.
    """
    if settings.redis_url:
        from core.counters.redis import RedisCounters

        primary: SharedState = RedisCounters(settings.redis_url, settings.redis_prefix)
    else:
        primary = MemoryCounters()
    return FallbackCounters(primary, settings, metrics, logging.getLogger("threadr.counters"))
