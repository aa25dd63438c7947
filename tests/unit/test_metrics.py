"""The HTTP request metrics, as a scrape shows them (text exposition format)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from core.metrics import Metrics


def _samples(metrics: Metrics) -> dict[tuple, float]:
    text = metrics.render().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_requests_are_counted_by_method_route_and_status():
    metrics = Metrics()
    for status in (200, 200, 429):
        metrics.http_request("POST", "/api/v1/threads", status, 0.01)
    samples = _samples(metrics)
    key = (("method", "POST"), ("route", "/api/v1/threads"))
    assert samples[("threadr_http_requests_total", (*key, ("status", "200")))] == 2
    assert samples[("threadr_http_requests_total", (*key, ("status", "429")))] == 1


def test_latency_buckets_are_cumulative_and_a_bound_is_inclusive():
    metrics = Metrics()
    for seconds in (0.001, 0.005, 0.2, 99.0):
        metrics.http_request("GET", "/healthz", 200, seconds)
    samples = _samples(metrics)

    def bucket(le: str) -> float:
        return samples[("threadr_http_request_seconds_bucket",
                        (("le", le), ("route", "/healthz")))]

    assert bucket("0.005") == 2  # 0.005 itself is "less than or equal"
    assert bucket("0.1") == 2
    assert bucket("0.25") == 3
    assert bucket("30.0") == 3
    assert bucket("+Inf") == 4
    assert samples[("threadr_http_request_seconds_count", (("route", "/healthz"),))] == 4
    assert samples[("threadr_http_request_seconds_sum", (("route", "/healthz"),))] == 99.206


def test_client_chosen_labels_cannot_grow_the_series_without_bound():
    metrics = Metrics()
    for i in range(5000):
        metrics.http_request(f"M{i}", "unmatched", 405, 0.001)
    counted = [k for k in _samples(metrics) if k[0] == "threadr_http_requests_total"]
    assert len(counted) == 4096
