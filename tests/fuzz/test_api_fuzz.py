"""Schemathesis against a production-shaped `threadr serve`: PostgreSQL + Redis, billing
configured against the Stripe stand-in, a signed-in account; at least N generated requests
(positive and negative), zero 5xx, every answer as documented in /api/v1/openapi.json.

N is `THREADR_FUZZ_REQUESTS` (default 1,500 for CI; `scripts/fuzz-nightly` runs 10,000).
`tests/web/test_schemathesis.py` fuzzes the embedded (SQLite) setup without billing; this one
adds the billing routes and the production backends.
"""

from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.request
import uuid

import pytest
import schemathesis
from schemathesis import GenerationMode

from tests.fixtures.accounts import sign_up_sync, token_for
from tests.scale.helpers import ThreadedStandIn
from tests.scale.processes import spawn
from tests.schema_fuzz import MODES, fuzz
from tests.standins.stripe_api import StripeApi

pytestmark = pytest.mark.slow
MIN_REQUESTS = int(os.environ.get("THREADR_FUZZ_REQUESTS", "1500"))


def _document() -> dict:
    from web.openapi import build_openapi
    from web.routes import route_table

    return build_openapi(route_table(), "http://127.0.0.1")


def _operations(document: dict) -> int:
    return sum(1 for item in document["paths"].values() for method in item
               if method in ("get", "post", "put", "patch", "delete"))


# Some operations have a small input space (GET /healthz) and stop early: aim 1.6× higher
# per operation so the total reaches N; the test checks it did.
EXAMPLES = math.ceil(1.6 * MIN_REQUESTS / _operations(_document()) / len(MODES))
schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, pg_module_database_url, redis_url):
    import redis

    stripe = ThreadedStandIn(StripeApi())
    prefix = f"threadr_fuzz_{uuid.uuid4().hex}:"
    api = stripe.standin
    server = spawn(tmp_path_factory.mktemp("fuzz"), "fuzz", DATABASE_URL=pg_module_database_url,
                   REDIS_URL=redis_url, REDIS_PREFIX=prefix,
                   # Nothing leaves the machine: every http(s) URL (articles, Mastodon
                   # instances, Bluesky services) is refused by the real address policy.
                   FETCH_ALLOWED_PORTS="9", BLUESKY_SERVICE="http://127.0.0.1:9",
                   X_CLIENT_ID="fuzz-client",
                   FREE_DAILY_QUOTA="10000000", PREMIUM_DAILY_QUOTA="10000000",
                   BURST_PER_MINUTE="10000000", STRIPE_SECRET_KEY=api.secret_key,
                   STRIPE_WEBHOOK_SECRET=api.webhook_secret, STRIPE_API_BASE=api.base_url)
    try:
        yield server.base_url, _register(server.base_url)
    finally:
        server.stop()
        stripe.close()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
        client.close()


def _register(base_url: str) -> str:
    return sign_up_sync(base_url, "fuzz@example.com")["token"]


def test_a_nul_character_is_refused_not_a_server_error(live_server):
    """Found by this fuzzer: PostgreSQL cannot store U+0000; the body is refused at the door."""
    base_url, token = live_server
    body = json.dumps({"text": "Trees cool streets.\u0000 " * 20}).encode()
    request = urllib.request.Request(f"{base_url}/api/v1/threads", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 422
    assert json.loads(refused.value.read())["error"]["code"] == "invalid_input"


def test_every_generated_request_is_answered_as_documented(live_server):
    """At least N requests sent by this test itself (positive and negative), zero 5xx."""
    base_url, token = live_server
    report = fuzz(schema, base_url, token, EXAMPLES, token_for=token_for)
    print(f"schemathesis sent {report.sent} requests, {report.server_errors} answered 5xx")
    assert report.failures == [], "\n".join(report.failures)
    assert report.server_errors == 0
    assert report.sent >= MIN_REQUESTS, report.sent


def _call(base_url: str, method: str, path: str, body: bytes | None = None,
          token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base_url}{path}", data=body, method=method,
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_a_4300_digit_integer_is_refused_not_a_server_error(live_server):
    """Found by the attack (L1): int() of a huge JSON integer raised past the parser."""
    base_url, token = live_server
    body = b'{"email": "a@example.com", "password": "x", "n": ' + b"9" * 4400 + b"}"
    for path in ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/threads"):
        status, answer = _call(base_url, "POST", path, body, token)
        assert status == 422 and answer["error"]["code"] == "invalid_input", path


def test_nul_in_an_id_or_cursor_is_refused_before_postgresql(live_server):
    base_url, token = live_server
    for method in ("GET", "PATCH", "DELETE"):
        body = b'{"posts": ["x"]}' if method == "PATCH" else None
        assert _call(base_url, method, "/api/v1/threads/a%00b", body, token)[0] == 404
    assert _call(base_url, "DELETE", "/api/v1/tokens/a%00b", None, token)[0] == 404
    assert _call(base_url, "GET", "/api/v1/threads?before=%00", None, token)[0] == 422


def test_a_signed_token_of_a_deleted_account_is_401(live_server, pg_module_database_url):
    import asyncio

    import asyncpg

    base_url, _ = live_server
    answer = sign_up_sync(base_url, f"gone-{uuid.uuid4().hex[:8]}@example.com")

    async def delete_user() -> None:
        conn = await asyncpg.connect(pg_module_database_url)
        try:
            await conn.execute("DELETE FROM users WHERE id = $1", answer["user"]["id"])
        finally:
            await conn.close()

    asyncio.run(delete_user())
    gone = answer["token"]
    assert _call(base_url, "POST", "/api/v1/tokens", b"{}", gone)[0] == 401
    assert _call(base_url, "POST", "/api/v1/threads", b'{"text": "Trees cool streets."}',
                 gone)[0] == 401
