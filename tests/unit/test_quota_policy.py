"""The pure quota policy: limits by plan, UTC day keys, reset times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.counters.memory import MemoryCounters
from core.errors import QuotaExceeded
from core.metrics import Metrics
from core.quotas import QuotaPolicy, Quotas
from core.settings import Settings

POLICY = QuotaPolicy()


def test_limits_come_from_settings_by_plan():
    policy = QuotaPolicy.from_settings(
        Settings(free_daily_quota=7, premium_daily_quota=70, burst_per_minute=3)
    )
    assert policy.daily_limit(premium=False) == 7
    assert policy.daily_limit(premium=True) == 70
    assert policy.burst_per_minute == 3


def test_default_limits_are_the_spec_numbers():
    assert (POLICY.free_daily, POLICY.premium_daily, POLICY.burst_per_minute) == (5, 200, 10)


def test_day_key_follows_the_utc_day_not_the_local_one():
    tokyo = timezone(timedelta(hours=9))
    late_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    same_moment_in_tokyo = late_utc.astimezone(tokyo)
    assert POLICY.day_key("ip:1.2.3.4", same_moment_in_tokyo) == "quota:2026-03-01:{ip:1.2.3.4}"


async def test_free_and_premium_share_one_counter_so_upgrading_keeps_the_count():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    quotas = Quotas(MemoryCounters(), Settings(free_daily_quota=2, premium_daily_quota=5),
                    Metrics(), clock=lambda: now)
    for _ in range(2):
        await (await quotas.reserve("user:u1", premium=False)).commit()
    with pytest.raises(QuotaExceeded):
        await quotas.reserve("user:u1", premium=False)
    await (await quotas.reserve("user:u1", premium=True)).commit()  # upgraded: 3rd of 5
    assert await quotas.used("user:u1") == 3


def test_resets_at_is_the_next_utc_midnight():
    now = datetime(2026, 12, 31, 18, 5, tzinfo=UTC)
    assert POLICY.resets_at(now) == datetime(2027, 1, 1, tzinfo=UTC)


def test_exactly_midnight_resets_at_the_following_midnight():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert POLICY.resets_at(now) == datetime(2026, 3, 2, tzinfo=UTC)
    assert POLICY.seconds_until_reset(now) == 86_400


def test_seconds_until_reset_rounds_up_and_is_never_zero():
    now = datetime(2026, 3, 1, 23, 59, 59, 500_000, tzinfo=UTC)
    assert POLICY.seconds_until_reset(now) == 1


def test_the_counter_outlives_its_day():
    now = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert POLICY.key_ttl(now) > POLICY.seconds_until_reset(now)


def test_burst_keys_separate_actions_and_ips():
    assert POLICY.burst_key("1.2.3.4", "login") != POLICY.burst_key("1.2.3.4", "generate")
    assert POLICY.burst_key(None, "login") == "burst:login:{unknown}"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)))
def test_any_moment_resets_within_a_day_at_midnight(now):
    resets = POLICY.resets_at(now)
    assert (resets.hour, resets.minute, resets.second, resets.microsecond) == (0, 0, 0, 0)
    assert timedelta(0) < resets - now <= timedelta(days=1)
    assert 1 <= POLICY.seconds_until_reset(now) <= 86_400
