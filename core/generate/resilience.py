"""Retry policy and circuit breaker for the LLM generator: pure, with an injected clock.

Neither sleeps nor does I/O: `RetryPolicy.delay` says how long to wait before the next
attempt (or `None`: give up now), `CircuitBreaker` says whether a call may go out. The
generator does the waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class LLMFailure(Exception):
    """An LLM generation failed; `reason` is what `Thread.fallback_reason` reports."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff (base · 2^attempt, capped), `Retry-After` honoured when given.

    A wait that would not end before the deadline means the budget cannot cover another
    try: `delay` answers `None` and the caller fails over at once.
    """

    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(
        self, attempt: int, retry_after: float | None, remaining: float
    ) -> float | None:
        """Seconds to wait before retry number `attempt + 1` (attempt 0 = the first call)."""
        if attempt >= self.max_retries:
            return None
        wait = retry_after if retry_after is not None else min(
            self.max_delay, self.base_delay * (2**attempt)
        )
        wait = max(0.0, wait)
        if wait >= remaining:
            return None
        return wait


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds; HTTP dates are not worth it here)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


class CircuitBreaker:
    """Opens after `failures` consecutive failures; after `cooldown` seconds lets one probe
    through (half-open): its success closes the breaker, its failure opens it again.
    """

    def __init__(
        self, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self._threshold = max(1, failures)
        self._cooldown = cooldown
        self._clock = clock
        self._on_change = on_change
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at >= self._cooldown:
            return HALF_OPEN
        return OPEN

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one probe at a time may."""
        state = self.state
        if state == CLOSED:
            return True
        if state == HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        self._failures, self._probing = 0, False
        if self._opened_at is not None:
            self._opened_at = None
            self._notify()

    def record_failure(self) -> None:
        self._failures += 1
        was_probe, self._probing = self._probing, False
        if was_probe or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._notify()

    def release_probe(self) -> None:
        """A probe that ended with neither success nor failure (e.g. cancelled)."""
        self._probing = False

    def _notify(self) -> None:
        if self._on_change:
            self._on_change(self.state)
