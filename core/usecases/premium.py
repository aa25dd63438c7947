"""The one premium check every door and use case asks (`premium_status`). Kept apart from the
account use cases so the thread use cases (and `threadr thread`) import nothing else.

The plan is cached in the shared `Cache` for `PLAN_TTL` seconds (Redis when configured: every
process sees one entry), and forgotten (`forget_plan`) by every change of premium: Stripe
events and `billing reconcile`, an admin's grant or revocation, an account merge, an account
deletion. A change written while the cache could not be reached is seen within `PLAN_TTL`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from core.counters.base import FORGOTTEN
from core.services import Services

log = logging.getLogger("threadr.premium")
PLAN_TTL = 60  # seconds a plan is believed without asking the database
_FREE = b"-"


@dataclass(frozen=True, slots=True)
class PremiumStatus:
    until: datetime | None = None  # the end of the live premium period, if any

    @property
    def active(self) -> bool:
        return self.until is not None


def plan_key(user_id: str) -> str:
    """The cache key of an account's plan (its quota key's Redis Cluster slot)."""
    return f"plan:{{user:{user_id}}}"


async def premium_status(services: Services, user_id: str | None) -> PremiumStatus:
    """Whether this account is premium now, and until when. The one premium check: every door
    and use case asks this (anonymous callers are never premium)."""
    if not user_id:
        return PremiumStatus()
    return await plan_from(services, user_id, await services.cache.cache_get(plan_key(user_id)))


async def plan_from(services: Services, user_id: str, cached: bytes | None) -> PremiumStatus:
    """The plan from its cache entry (`cached`, read by the caller), else from the database
    (then cached)."""
    now = services.clock()
    until = _decode(cached) if cached is not None else None
    if cached is None or until is _UNREADABLE:
        until = await services.store.premium_until(user_id, now)
        if cached != FORGOTTEN:  # forgotten by a change: no refill until that entry expires
            value = until.isoformat().encode() if until is not None else _FREE
            await services.cache.cache_swap(plan_key(user_id), cached, value, PLAN_TTL)
    return PremiumStatus(until if until is not None and until > now else None)


_UNREADABLE = object()


def _decode(raw: bytes):
    if raw == FORGOTTEN:
        return _UNREADABLE
    if raw == _FREE:
        return None
    try:
        return datetime.fromisoformat(raw.decode())
    except (UnicodeDecodeError, ValueError):
        return _UNREADABLE


async def forget_plan(services: Services, *user_ids: str | None) -> None:
    """After a change of premium: the next `premium_status` reads the database. Never fails
    the change itself (the entry then lives out its `PLAN_TTL`)."""
    keys = [plan_key(u) for u in user_ids if u]
    if not keys:
        return
    try:  # not deleted but marked: a read that began before the change cannot refill it
        for key in keys:
            await services.cache.cache_set(key, FORGOTTEN, PLAN_TTL)
    except Exception:
        log.warning("could not forget a cached plan", exc_info=True)
