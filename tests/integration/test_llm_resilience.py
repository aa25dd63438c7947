"""Retry policy and circuit breaker, driven by an injected clock."""

from __future__ import annotations

from core.generate.resilience import CircuitBreaker, RetryPolicy, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_and_is_capped():
    policy = RetryPolicy(max_retries=5, base_delay=0.5, max_delay=2.0)
    assert [policy.delay(a, None, 100) for a in range(5)] == [0.5, 1.0, 2.0, 2.0, 2.0]


def test_retry_after_is_honoured_instead_of_backoff():
    assert RetryPolicy(max_retries=2).delay(0, 3.0, remaining=10) == 3.0


def test_a_retry_after_beyond_the_budget_means_fail_over_now():
    assert RetryPolicy(max_retries=2).delay(0, 30.0, remaining=10) is None


def test_no_retry_once_the_retries_are_used_up():
    assert RetryPolicy(max_retries=1).delay(1, None, remaining=100) is None


def test_retry_after_header_is_read_as_seconds():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after(None) is None


def test_breaker_opens_after_consecutive_failures_then_half_opens_then_closes():
    clock, changes = FakeClock(), []
    breaker = CircuitBreaker(3, 30.0, clock, on_change=changes.append)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 30
    assert breaker.state == "half_open"
    assert breaker.allow()  # the one probe
    assert not breaker.allow()  # nobody else while it is out
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()
    assert changes == ["open", "closed"]


def test_a_failed_probe_opens_the_breaker_again_for_a_full_cooldown():
    clock = FakeClock()
    breaker = CircuitBreaker(1, 10.0, clock)
    breaker.record_failure()
    clock.now += 10
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 9
    assert breaker.state == "open"
    clock.now += 1
    assert breaker.state == "half_open"


def test_a_success_resets_the_count_of_consecutive_failures():
    breaker = CircuitBreaker(2, 10.0, FakeClock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"
