"""Daily quotas and burst limits.

`QuotaPolicy` is pure (limits, UTC day keys, reset times). `Quotas` applies it through the
shared `Counters`: reserve a unit before generating, `commit()` once the thread is delivered,
`release()` on failure or a cache hit, so only delivered threads are charged.

    reservation = await quotas.reserve(caller.quota_key, premium)
    async with reservation:            # released on exit unless committed
        thread = await generate(...)
        await reservation.commit()
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core.errors import QuotaExceeded, RateLimited
from core.models import Usage

if TYPE_CHECKING:
    from core.counters.base import Counters, QuotaCounters
    from core.metrics import Metrics
    from core.settings import Settings

log = logging.getLogger("threadr.quotas")
BURST_WINDOW_SECONDS = 60
_KEY_GRACE_SECONDS = 3600  # a day's counter outlives its day a little, then expires


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _UtcDay:
    start: datetime  # its midnight
    end: datetime  # the next one
    name: str  # 2026-03-01


_today = _UtcDay(datetime.min.replace(tzinfo=UTC), datetime.min.replace(tzinfo=UTC), "")


def _utc_day(now: datetime) -> _UtcDay:
    """The UTC day of `now`, worked out once a day (every request asks: two comparisons
    instead of a conversion and a strftime)."""
    global _today
    today = _today
    if now.tzinfo is None or not today.start <= now < today.end:
        start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        _today = today = _UtcDay(start, start + timedelta(days=1), start.strftime("%Y-%m-%d"))
    return today


@dataclass(frozen=True)
class QuotaPolicy:
    free_daily: int = 5
    premium_daily: int = 200
    burst_per_minute: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> QuotaPolicy:
        return cls(settings.free_daily_quota, settings.premium_daily_quota,
                   settings.burst_per_minute)

    def daily_limit(self, premium: bool) -> int:
        return self.premium_daily if premium else self.free_daily

    def plan(self, premium: bool) -> str:
        return "premium" if premium else "free"

    @staticmethod
    def day(now: datetime) -> str:
        return _utc_day(now).name

    def day_key(self, quota_key: str, now: datetime) -> str:
        """One counter per identity and UTC day; premium and free share it (upgrades keep it)."""
        return f"quota:{_utc_day(now).name}:{{{quota_key}}}"  # {identity}: one Cluster slot

    @staticmethod
    def resets_at(now: datetime) -> datetime:
        """The next UTC midnight."""
        return _utc_day(now).end

    def seconds_until_reset(self, now: datetime) -> int:
        """Whole seconds until the next UTC midnight, at least 1."""
        return max(1, math.ceil((self.resets_at(now) - now).total_seconds()))

    def key_ttl(self, now: datetime) -> int:
        return self.seconds_until_reset(now) + _KEY_GRACE_SECONDS

    @staticmethod
    def burst_key(ip: str | None, action: str) -> str:
        return f"burst:{action}:{{{ip or 'unknown'}}}"


class Reservation:
    """One reserved quota unit. `commit()` keeps it; `release()` gives it back. Idempotent."""

    def __init__(self, counters: Counters, key: str, count: int, limit: int) -> None:
        self._counters = counters
        self.key = key
        self.count = count  # units used today, this one included
        self.limit = limit
        self.state = "reserved"  # reserved | committed | released

    async def commit(self) -> None:
        if self.state == "reserved":
            self.state = "committed"

    async def release(self) -> None:
        if self.state == "reserved":
            self.state = "released"
            await self._counters.release(self.key)

    async def __aenter__(self) -> Reservation:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.release()


class Quotas:
    def __init__(
        self,
        counters: QuotaCounters,
        settings: Settings,
        metrics: Metrics,
        clock: Callable[[], datetime] = _utcnow,
        charged_since: Callable[[str, datetime], Awaitable[int]] | None = None,
    ) -> None:
        self.counters = counters
        self._charged_since = charged_since  # Store.count_usage: rebuilds lost day counters
        self.policy = QuotaPolicy.from_settings(settings)
        # no upgrade offer without billing; without PUBLIC_URL the web door makes the link
        # absolute from the request's own origin
        self._billing = settings.billing_configured
        self._upgrade_url = settings.public_base() + "/#upgrade"
        self._metrics = metrics
        self._clock = clock

    async def reserve(self, quota_key: str, premium: bool) -> Reservation:
        """Take one unit of today's quota, or raise `QuotaExceeded` (429 + Retry-After)."""
        now = self._clock()
        key = self.policy.day_key(quota_key, now)
        limit = self.policy.daily_limit(premium)
        ok, count = await self.counters.reserve(key, limit, self.policy.key_ttl(now))
        if ok and count == 1 and self._charged_since is not None:
            ok, count = await self._rebuild(quota_key, key, limit, now)
        if not ok:
            self._metrics.quota_rejections.labels(kind=self.policy.plan(premium)).inc()
            raise self._exceeded(premium, limit, now)
        return Reservation(self.counters, key, count, limit)

    async def _rebuild(self, quota_key: str, key: str, limit: int, now: datetime):
        """A fresh day counter: the first use today, or a counter lost with a Redis restart.
        Add back the units the usage records say were charged today, then re-check ours."""
        today = self.policy.resets_at(now) - timedelta(days=1)
        try:
            charged = await self._charged_since(quota_key, today)
        except Exception:  # the records are a safety net: never fail a request for them
            log.warning("could not read today's usage records", exc_info=True)
            return True, 1
        count = 1
        if charged > 0:  # one call, capped at the limit: then it is the day's count
            _, count = await self.counters.reserve(key, limit, self.policy.key_ttl(now),
                                                   units=min(charged, limit))
        return charged < limit, count  # refused: our unit stands for one charged earlier

    def _exceeded(self, premium: bool, limit: int, now: datetime) -> QuotaExceeded:
        """One reset time, as data (`resets_at`): each door words it in the person's time."""
        resets = self.policy.resets_at(now)
        upgrade = None if premium or not self._billing else self._upgrade_url
        if premium:
            message = f"You have reached today's fair-use limit of {limit} threads."
        else:
            message = f"You have used today's {limit} free threads."
        return QuotaExceeded(
            message, retry_after=self.policy.seconds_until_reset(now), upgrade_url=upgrade,
            limit=limit, resets_at=resets.isoformat(),
        )

    async def check_burst(self, ip: str | None, action: str) -> None:
        """At most `burst_per_minute` `action`s a minute from one IP, else `RateLimited`."""
        key = self.policy.burst_key(ip, action)
        allowed, retry = await self.counters.hit(
            key, self.policy.burst_per_minute, BURST_WINDOW_SECONDS
        )
        if not allowed:
            self._metrics.quota_rejections.labels(kind=f"burst_{action}").inc()
            raise RateLimited(retry_after=math.ceil(retry))

    async def charge_burst(self, subject: str, action: str) -> None:
        """Count one more `action` against `subject`'s burst window without refusing anything
        (an expensive failure: free for the daily quota, not for the burst limit)."""
        await self.counters.hit(self.policy.burst_key(subject, action),
                                self.policy.burst_per_minute, BURST_WINDOW_SECONDS)

    async def used(self, quota_key: str, premium: bool = False) -> int:
        """Units charged (or reserved) today for this identity."""
        return await self.counters.get_count(self.policy.day_key(quota_key, self._clock()))

    async def usage(self, quota_key: str, premium_until: datetime | None) -> Usage:
        """`premium_until`: the end of a live premium period (`premium_status(...).until`)."""
        return self.usage_of(await self.used(quota_key), premium_until)

    async def used_with(self, quota_keys: Sequence[str],
                        cache_keys: Sequence[str]) -> tuple[list[int], list[bytes | None]]:
        """Today's units of each identity and cache entries (e.g. the account's plan and its
        session check), in one round trip to the counters."""
        now = self._clock()
        return await self.counters.read(
            [self.policy.day_key(key, now) for key in quota_keys], cache_keys)

    def usage_of(self, used: int, premium_until: datetime | None) -> Usage:
        now = self._clock()
        premium = premium_until is not None
        limit = self.policy.daily_limit(premium)
        return Usage(
            plan=self.policy.plan(premium), limit=limit, used=used,
            remaining=max(0, limit - used), resets_at=self.policy.resets_at(now),
            premium_until=premium_until,
        )
