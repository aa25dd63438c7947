"""The quota service over both counters backends (memory, real Redis)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.counters.memory import MemoryCounters
from core.counters.redis import RedisCounters
from core.errors import QuotaExceeded, RateLimited
from core.metrics import Metrics
from core.quotas import Quotas, Reservation
from core.settings import SecretStr, Settings

NOON = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(free_daily_quota=3, premium_daily_quota=6, burst_per_minute=4,
                    public_url="https://threadr.example/", stripe_secret_key=SecretStr("sk"),
                    stripe_webhook_secret=SecretStr("whsec"))


# Exactness, not speed, is tested here: generous timeouts keep a busy machine from turning a
# slow reply into a failure (the fast-fail defaults are tested in test_counters_fallback.py).
PATIENT = {"socket_timeout": 10.0, "connect_timeout": 10.0}


@pytest.fixture(params=["memory", "redis"])
async def counters(request):
    if request.param == "memory":
        backend = MemoryCounters()
    else:  # shared fixtures: real Redis, a random key prefix deleted after the test
        url, prefix = (request.getfixturevalue(n) for n in ("redis_url", "redis_prefix"))
        backend = RedisCounters(url, prefix, **PATIENT)
    yield backend
    await backend.close()


@pytest.fixture
def metrics():
    return Metrics()


@pytest.fixture
def clock():
    moment = [NOON]
    return moment


@pytest.fixture
def quotas(counters, metrics, clock):
    return Quotas(counters, SETTINGS, metrics, clock=lambda: clock[0])


async def test_a_hundred_parallel_requests_at_quota_three_give_exactly_three(quotas):
    outcomes = await asyncio.gather(
        *[quotas.reserve("ip:1.2.3.4", premium=False) for _ in range(100)],
        return_exceptions=True,
    )
    granted = [o for o in outcomes if isinstance(o, Reservation)]
    refused = [o for o in outcomes if isinstance(o, QuotaExceeded)]
    assert len(granted) == 3 and len(refused) == 97


async def test_the_refusal_says_when_to_retry_and_where_to_upgrade(quotas, metrics):
    for _ in range(3):
        await (await quotas.reserve("ip:1", premium=False)).commit()
    with pytest.raises(QuotaExceeded) as caught:
        await quotas.reserve("ip:1", premium=False)
    error = caught.value
    assert error.code == "quota_exceeded" and error.retry_after == 12 * 3600
    assert error.upgrade_url == "https://threadr.example/#upgrade"
    assert "UTC" not in error.message and ":" not in error.message  # the doors word the time
    assert error.limit == 3 and error.resets_at == "2026-03-02T00:00:00+00:00"
    assert metrics.registry.get_sample_value(
        "threadr_quota_rejections_total", {"kind": "free"}) == 1


async def test_without_billing_the_refusal_offers_no_upgrade(metrics):
    quotas = Quotas(MemoryCounters(), SETTINGS.with_(stripe_secret_key=SecretStr("")), metrics,
                    clock=lambda: NOON)
    await (await quotas.reserve("ip:2", premium=False)).commit()
    for _ in range(2):
        await (await quotas.reserve("ip:2", premium=False)).commit()
    with pytest.raises(QuotaExceeded) as caught:
        await quotas.reserve("ip:2", premium=False)
    assert caught.value.upgrade_url is None and "pgrade" not in caught.value.message


def test_without_public_url_the_upgrade_link_is_relative_for_the_web_door(metrics):
    quotas = Quotas(MemoryCounters(), SETTINGS.with_(public_url=""), metrics)
    assert quotas._exceeded(False, 3, NOON).upgrade_url == "/#upgrade"


async def test_premium_gets_the_fair_use_cap_without_an_upgrade_link(quotas):
    for _ in range(6):
        await quotas.reserve("user:p", premium=True)
    with pytest.raises(QuotaExceeded) as caught:
        await quotas.reserve("user:p", premium=True)
    assert caught.value.limit == 6 and caught.value.upgrade_url is None
    assert "fair-use" in caught.value.message


async def test_a_released_reservation_charges_nothing(quotas):
    reservation = await quotas.reserve("ip:r", premium=False)
    await reservation.release()
    await reservation.release()  # idempotent
    assert await quotas.used("ip:r") == 0


async def test_release_after_commit_keeps_the_charge(quotas):
    reservation = await quotas.reserve("ip:c", premium=False)
    await reservation.commit()
    await reservation.release()
    assert await quotas.used("ip:c") == 1


async def test_a_failure_inside_the_reservation_block_gives_the_unit_back(quotas):
    with pytest.raises(RuntimeError):
        async with await quotas.reserve("ip:f", premium=False):
            raise RuntimeError("generation failed")
    async with await quotas.reserve("ip:f", premium=False) as delivered:
        await delivered.commit()
    assert await quotas.used("ip:f") == 1


async def test_failed_generations_never_use_up_the_quota(quotas):
    for _ in range(10):
        await (await quotas.reserve("ip:x", premium=False)).release()
    for _ in range(3):
        await (await quotas.reserve("ip:x", premium=False)).commit()
    assert await quotas.used("ip:x") == 3


async def test_the_quota_resets_at_utc_midnight(quotas, clock):
    for _ in range(3):
        await quotas.reserve("ip:m", premium=False)
    clock[0] = NOON.replace(hour=23, minute=59)
    with pytest.raises(QuotaExceeded):
        await quotas.reserve("ip:m", premium=False)
    clock[0] = NOON + timedelta(hours=12)
    assert (await quotas.reserve("ip:m", premium=False)).count == 1


async def test_identities_have_separate_quotas(quotas):
    for _ in range(3):
        await quotas.reserve("ip:a", premium=False)
    assert (await quotas.reserve("user:a", premium=False)).count == 1


async def test_the_burst_limit_refuses_with_retry_after(quotas, metrics):
    for _ in range(4):
        await quotas.check_burst("9.9.9.9", "login")
    with pytest.raises(RateLimited) as caught:
        await quotas.check_burst("9.9.9.9", "login")
    assert 1 <= caught.value.retry_after <= 60
    await quotas.check_burst("9.9.9.9", "generate")  # another action, its own budget
    await quotas.check_burst("8.8.8.8", "login")  # another IP, its own budget
    assert metrics.registry.get_sample_value(
        "threadr_quota_rejections_total", {"kind": "burst_login"}) == 1


async def test_usage_reports_plan_limit_used_remaining_and_reset(quotas):
    await (await quotas.reserve("user:u", premium=False)).commit()
    free = await quotas.usage("user:u", premium_until=None)
    assert (free.plan, free.limit, free.used, free.remaining) == ("free", 3, 1, 2)
    assert free.resets_at == datetime(2026, 3, 2, tzinfo=UTC)
    until = NOON + timedelta(days=3)
    premium = await quotas.usage("user:u", premium_until=until)
    assert (premium.plan, premium.limit, premium.remaining, premium.premium_until) == (
        "premium", 6, 5, until)
    # whether a premium period is still live is `premium_status`'s one decision
    # (tests/integration/test_usecases_accounts.py); `usage` takes its answer.


@pytest.mark.parametrize("charged, allowed", [(0, 3), (2, 1), (3, 0), (7, 0)])
async def test_a_lost_day_counter_is_rebuilt_from_the_usage_records(counters, metrics, charged,
                                                                    allowed):
    """M4: after Redis lost its keys, today's charged units (from the store) still count."""
    asked = []

    async def charged_since(quota_key, since):
        asked.append((quota_key, since))
        return charged

    quotas = Quotas(counters, SETTINGS, metrics, clock=lambda: NOON,
                    charged_since=charged_since)
    granted = 0
    for _ in range(5):
        try:
            await (await quotas.reserve("ip:203.0.113.9", premium=False)).commit()
            granted += 1
        except QuotaExceeded:
            pass
    assert granted == allowed
    assert await quotas.used("ip:203.0.113.9") == min(3, charged + allowed)
    assert asked[0] == ("ip:203.0.113.9", datetime(2026, 3, 1, tzinfo=UTC))
