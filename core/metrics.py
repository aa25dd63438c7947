"""Prometheus metrics, one registry per set of services (no process globals, test-friendly)."""

from __future__ import annotations

from bisect import bisect_left

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_MAX_HTTP_SERIES = 4096  # bounded: the method comes from clients
_BUCKET_NAMES = (*map(floatToGoString, _LATENCY_BUCKETS), "+Inf")  # as the library writes them


class _HttpRequests:
    """Requests by method, route and status, and latency by route, kept as plain numbers
    and turned into metric families when scraped. On every request's path: the client
    library's own Counter and Histogram take a lock for each increment (several a request),
    which an event loop, the only writer here, does not need."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}
        self._latency: dict[str, list] = {}  # route -> [count per bucket, +Inf last], sum

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        if key in self._counts:
            self._counts[key] += 1
        elif len(self._counts) < _MAX_HTTP_SERIES:
            self._counts[key] = 1
        series = self._latency.get(route)
        if series is None:  # routes are the app's own: bounded by its table
            series = self._latency[route] = [[0] * len(_BUCKET_NAMES), 0.0]
        series[0][bisect_left(_LATENCY_BUCKETS, seconds)] += 1
        series[1] += seconds

    def collect(self):
        requests = CounterMetricFamily("threadr_http_requests", "HTTP requests",
                                       labels=["method", "route", "status"])
        for (method, route, status), count in self._counts.items():
            requests.add_metric([method, route, str(status)], count)
        yield requests
        latency = HistogramMetricFamily("threadr_http_request_seconds", "HTTP request latency",
                                        labels=["route"])
        for route, (counts, total) in self._latency.items():
            cumulative, buckets = 0, []
            for bound, count in zip(_BUCKET_NAMES, counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric([route], buckets, total)
        yield latency


class _Total:
    """A counter without labels and without a lock, for one on every cache hit's path (an
    event loop, the only writer, does not need the lock; see `_HttpRequests`)."""

    def __init__(self, name: str, documentation: str) -> None:
        self._name, self._documentation = name, documentation
        self.value = 0

    def inc(self) -> None:
        self.value += 1

    def collect(self):
        yield CounterMetricFamily(self._name, self._documentation, value=self.value)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._http = _HttpRequests()
        r.register(self._http)
        self.http_request = self._http.record  # (method, route, status, seconds)
        self.generations = Counter(
            "threadr_generations", "Threads generated", ["generator", "outcome"], registry=r
        )
        self.quota_rejections = Counter(
            "threadr_quota_rejections", "Requests refused by a quota", ["kind"], registry=r
        )
        self.cache_hits = _Total("threadr_cache_hits", "Thread cache hits")
        r.register(self.cache_hits)
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
