"""The one premium check every door and use case asks (`premium_status`). Kept apart from the
account use cases so the thread use cases (and `threadr thread`) import nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.services import Services


@dataclass(frozen=True, slots=True)
class PremiumStatus:
    until: datetime | None = None  # the end of the live premium period, if any

    @property
    def active(self) -> bool:
        return self.until is not None


async def premium_status(services: Services, user_id: str | None) -> PremiumStatus:
    """Whether this account is premium now, and until when. The one premium check: every door
    and use case asks this (anonymous callers are never premium)."""
    if not user_id:
        return PremiumStatus()
    now = services.clock()
    until = await services.store.premium_until(user_id, now)
    return PremiumStatus(until if until is not None and until > now else None)
