"""Prometheus metrics, one registry per set of services (no process globals, test-friendly)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "threadr_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "threadr_http_request_seconds", "HTTP request latency", ["route"], registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.generations = Counter(
            "threadr_generations", "Threads generated", ["generator", "outcome"], registry=r
        )
        self.quota_rejections = Counter(
            "threadr_quota_rejections", "Requests refused by a quota", ["kind"], registry=r
        )
        self.cache_hits = Counter("threadr_cache_hits", "Thread cache hits", registry=r)
        self.counters_fallback = Counter(
            "threadr_counters_fallback", "Quota checks served by the per-process fallback",
            registry=r,
        )
        self.llm_calls = Counter(
            "threadr_llm_calls", "Upstream LLM calls", ["outcome"], registry=r
        )
        self.llm_tokens = Counter(
            "threadr_llm_tokens", "LLM tokens", ["direction"], registry=r
        )
        self.llm_breaker_open = Gauge(
            "threadr_llm_breaker_open", "1 when the LLM circuit breaker is open", registry=r
        )

        self._http_series: dict[tuple[str, str, int], tuple] = {}

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and its latency (label children looked up once per combination:
        `labels()` costs more than the increment; bounded, the method comes from clients)."""
        key = (method, route, status)
        series = self._http_series.get(key)
        if series is None:
            series = (self.requests.labels(method, route, str(status)),
                      self.latency.labels(route))
            if len(self._http_series) < 4096:
                self._http_series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
