"""Health, readiness, metrics, config, OpenAPI, security headers, CORS and error translation."""

from __future__ import annotations

import dataclasses

import pytest

from core.errors import ServiceUnavailable, StorageUnavailable
from tests.web.conftest import ARTICLE, make_thread
from web.app import create_app
from web.security import ProxyPolicy


async def test_healthz_is_alive(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_readyz_pings_the_database_and_counters(client):
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["checks"] == {"database": "ok", "counters": "ok"}


async def test_readyz_is_503_while_draining_but_requests_are_still_served(client):
    from web.keys import DRAINING

    client.app[DRAINING].set()  # what SIGTERM does first
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["status"] == "draining"
    assert (await client.get("/healthz")).status == 200


class _DownStore:
    """A store whose database is unreachable (what the real stores raise then)."""

    def __init__(self, store):
        self._store = store

    async def ping(self):
        raise StorageUnavailable()

    def __getattr__(self, name):
        return getattr(self._store, name)


async def test_readyz_is_503_when_the_database_is_down(aiohttp_client, web_settings, services):
    broken = dataclasses.replace(services, store=_DownStore(services.store))
    client = await aiohttp_client(create_app(web_settings, services=broken))
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"]["database"] == "down"


async def test_metrics_are_prometheus_text_with_request_counts(client):
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert 'threadr_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "threadr_http_request_seconds_bucket" in text


async def test_config_says_billing_is_off_without_stripe_keys(client, web_settings):
    body = await (await client.get("/api/v1/config")).json()
    assert body["billing"] is False
    assert body["max_text_bytes"] == web_settings.max_text_bytes


async def test_openapi_is_3_1_and_documents_every_public_route_of_the_table(client):
    from web.routes import route_table

    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    table = route_table()
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented == {(r.method.lower(), r.path) for r in table if r.public}
    served = {(r.method, r.resource.canonical) for r in client.app.router.routes()
              if r.method != "HEAD" and r.resource.canonical.startswith("/api/")}
    assert served == {(r.method, r.path) for r in table if r.path.startswith("/api/")}
    create = doc["paths"]["/api/v1/threads"]["post"]
    assert {"200", "401", "413", "415", "422", "429"} <= set(create["responses"])
    assert "text/event-stream" in create["responses"]["200"]["content"]
    assert "Retry-After" in create["responses"]["429"]["headers"]


async def test_openapi_document_is_valid(client):
    import jsonschema_rs

    doc = await (await client.get("/api/v1/openapi.json")).json()
    defs = doc["components"]["schemas"]
    for schema in defs.values():  # every component compiles as JSON Schema 2020-12
        jsonschema_rs.Draft202012Validator({**schema, "components": {"schemas": defs}})


async def test_every_answer_carries_the_security_headers(client):
    for path in ("/", "/healthz", "/api/v1/config", "/api/v1/nope", "/nope",
                 "/static/style.css"):
        response = await client.get(path)
        csp = response.headers["Content-Security-Policy"]
        if path.startswith("/api/"):  # data: loads nothing, framed nowhere
            assert csp == "default-src 'none'; frame-ancestors 'none'"
            assert "Permissions-Policy" not in response.headers
        else:
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["Permissions-Policy"]
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"]
        assert response.headers["X-Request-Id"]


async def test_the_stream_carries_the_security_headers_too(client):
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    await response.read()


async def test_the_page_has_no_inline_script_or_style(client):
    import re

    html = await (await client.get("/")).text()
    assert "<script" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handlers


@pytest.mark.parametrize("origin", [
    "http://localhost:8080", "https://partner.example",
    "chrome-extension://abcdefghijklmnopabcdefghijklmnop",
    "moz-extension://abcdefghijklmnopabcdefghijklmnop",
])
async def test_preflight_from_an_allowed_origin_is_granted(client, origin):
    response = await client.options("/api/v1/threads", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"]


async def test_preflight_from_any_other_origin_is_refused(client):
    for origin in ("https://evil.example", "chrome-extension://someoneelse", "null"):
        response = await client.options("/api/v1/threads", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        assert response.status == 403
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_simple_requests_get_cors_headers_only_for_allowed_origins(client):
    ok = await client.get("/api/v1/config", headers={"Origin": "https://partner.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Retry-After" in ok.headers["Access-Control-Expose-Headers"]
    other = await client.get("/api/v1/config", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


async def test_unknown_paths_and_methods_are_json_errors(client):
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong = await client.put("/api/v1/threads")
    assert wrong.status == 405
    assert (await wrong.json())["error"]["code"] == "method_not_allowed"


class _ExplodingGenerator:
    name = "offline"
    cache_key_part = "exploding"

    def __init__(self, exc):
        self.exc = exc

    async def generate(self, article, options, on_post=None):
        raise self.exc


async def test_an_unexpected_error_is_a_500_without_internals(aiohttp_client, web_settings,
                                                               services, caplog):
    broken = dataclasses.replace(services, generator=_ExplodingGenerator(
        RuntimeError("secret internal detail")))
    client = await aiohttp_client(create_app(web_settings, services=broken))
    response = await client.post("/api/v1/threads", json={"text": ARTICLE})
    assert response.status == 500
    text = await response.text()
    assert "secret internal detail" not in text and "Traceback" not in text
    body = await response.json()
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["request_id"] == response.headers["X-Request-Id"]
    assert any("secret internal detail" in (r.exc_text or "") or r.exc_info
               for r in caplog.records)


async def test_a_dependency_outage_is_a_503_with_retry_after(aiohttp_client, web_settings,
                                                             services):
    broken = dataclasses.replace(services, generator=_ExplodingGenerator(
        ServiceUnavailable(retry_after=7)))
    client = await aiohttp_client(create_app(web_settings, services=broken))
    response = await client.post("/api/v1/threads", json={"text": ARTICLE})
    assert response.status == 503
    assert response.headers["Retry-After"] == "7"


async def test_an_error_after_the_stream_started_is_an_error_event(aiohttp_client, web_settings,
                                                                   services):
    from tests.web.sse import parse_sse

    broken = dataclasses.replace(services, generator=_ExplodingGenerator(
        ServiceUnavailable("LLM down")))
    client = await aiohttp_client(create_app(web_settings, services=broken))
    response = await client.post("/api/v1/threads", json={"text": ARTICLE},
                                 headers={"Accept": "text/event-stream"})
    assert response.status == 200
    events, _ = parse_sse(await response.text())
    assert [e.event for e in events] == ["meta", "error"]
    assert events[-1].json() == {"code": "unavailable", "message": "LLM down"}


async def test_a_request_id_from_the_client_is_kept_when_it_is_sane(client):
    response = await client.get("/healthz", headers={"X-Request-Id": "abc12345-req"})
    assert response.headers["X-Request-Id"] == "abc12345-req"
    response = await client.get("/healthz", headers={"X-Request-Id": "bad id <script>"})
    assert response.headers["X-Request-Id"] != "bad id <script>"


async def test_quota_follows_the_client_ip_behind_a_trusted_proxy(aiohttp_client, settings):
    from core.bootstrap import build_services

    tight = settings.with_(free_daily_quota=1, burst_per_minute=1000,
                           trusted_proxies=("127.0.0.0/8",))
    async with build_services(tight) as services:
        client = await aiohttp_client(create_app(tight, services=services))
        first = {"X-Forwarded-For": "203.0.113.9"}
        second = {"X-Forwarded-For": "198.51.100.7"}
        await make_thread(client, first)
        assert (await client.post("/api/v1/threads", json={"text": ARTICLE + " 2"},
                                  headers=first)).status == 429
        await make_thread(client, second, text=ARTICLE + " 3")


def test_the_client_ip_is_the_socket_peer_unless_the_peer_is_a_trusted_proxy():
    policy = ProxyPolicy(["10.0.0.0/8"])
    assert policy.client_ip("203.0.113.5", ["1.2.3.4"]) == "203.0.113.5"
    assert policy.client_ip("10.0.0.2", ["1.2.3.4"]) == "1.2.3.4"


def test_the_right_most_untrusted_hop_wins_so_a_spoofed_left_hop_is_ignored():
    policy = ProxyPolicy(["10.0.0.0/8"])
    assert policy.client_ip("10.0.0.2", ["6.6.6.6, 198.51.100.1, 10.0.0.9"]) == "198.51.100.1"
    assert policy.client_ip("10.0.0.2", ["6.6.6.6", "198.51.100.1"]) == "198.51.100.1"
    assert policy.client_ip("10.0.0.2", ["10.0.0.7"]) == "10.0.0.7"
    assert policy.client_ip("10.0.0.2", ["garbage"]) == "10.0.0.2"
    assert policy.client_ip("10.0.0.2", []) == "10.0.0.2"


class _OpenBreakerGenerator(_ExplodingGenerator):
    breaker_state = "open"


async def test_readyz_reports_an_open_llm_breaker_but_stays_ready(aiohttp_client, web_settings,
                                                                  services):
    llm = dataclasses.replace(services, generator=_OpenBreakerGenerator(RuntimeError()))
    client = await aiohttp_client(create_app(web_settings, services=llm))
    response = await client.get("/readyz")
    assert response.status == 200  # the offline generator answers while the breaker is open
    assert (await response.json())["checks"]["llm"] == "open"


async def test_the_access_log_has_no_tokens_passwords_or_article_text(client, caplog):
    import logging

    from core.logs import NOISY_LOGGERS

    for name in NOISY_LOGGERS:  # third-party loggers at the level configure_logging sets
        caplog.set_level(logging.WARNING, logger=name)
    caplog.set_level(logging.DEBUG)  # Threadr's own logs at their most talkative (last: this
    # also sets the capturing handler's level)
    await client.post("/api/v1/auth/register",
                      json={"email": "log@example.com", "password": "hunter2 secret"})
    response = await client.post("/api/v1/auth/login",
                                 json={"email": "log@example.com", "password": "hunter2 secret"})
    token = (await response.json())["token"]
    await make_thread(client, {"Authorization": f"Bearer {token}"})
    access = [r for r in caplog.records if r.name == "threadr.access"]
    assert {r.route for r in access} >= {"/api/v1/auth/register", "/api/v1/threads"}
    assert all(r.request_id and r.status and r.ip for r in access)
    logged = " ".join(str(vars(r)) for r in caplog.records)
    for secret in (token, "hunter2 secret", "Shade from a mature tree"):
        assert secret not in logged
