"""Schemathesis against a real `threadr serve`: ≥ 2,000 generated requests, positive and
negative, with no 5xx and every answer matching /api/v1/openapi.json.

Fetching is switched off through the real settings (FETCH_ALLOWED_PORTS=9, the discard port:
every http(s) URL is refused by the real address policy) so generated URLs never leave the machine; quotas are
high so 429 stays rare (it is documented anyway). Billing routes are left out: without
Stripe keys they answer 503 by design. Publishing is configured (X_CLIENT_ID) and every
network server URL is refused by the same address policy, so no request leaves the machine.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
import schemathesis
from schemathesis import GenerationMode

from tests.e2e.conftest import start_server, stop_server
from tests.fixtures.accounts import sign_up_sync, token_for
from tests.schema_fuzz import MODES, fuzz

pytestmark = pytest.mark.slow
MIN_REQUESTS = 2000
EXAMPLES = 120  # per operation and mode (some small input spaces stop early)


def _register(base_url: str) -> str:
    return sign_up_sync(base_url, "fuzz@example.com")["token"]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    process, base_url = start_server(
        tmp_path_factory.mktemp("threadr-fuzz"), FETCH_ALLOWED_PORTS="9",  # discard: no server
        FREE_DAILY_QUOTA="1000000", PREMIUM_DAILY_QUOTA="1000000",
        BURST_PER_MINUTE="1000000", LOG_LEVEL="WARNING", X_CLIENT_ID="fuzz-client",
        BLUESKY_SERVICE="http://127.0.0.1:9",  # refused by the address policy
    )
    yield base_url, _register(base_url)
    stop_server(process)


def _document() -> dict:
    """The very document the server publishes (test_the_published_document_is_this_one)."""
    from web.openapi import build_openapi
    from web.routes import route_table

    return build_openapi(route_table(), "http://127.0.0.1")


# Without Stripe keys the billing routes answer 503 `billing_not_configured` by design
# (SPEC §5); they are fuzzed where billing runs against the Stripe stand-in, not here.
schema = schemathesis.openapi.from_dict(_document()).exclude(tag="billing")
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


def test_the_published_document_is_this_one(live_server):
    base_url, _ = live_server
    with urllib.request.urlopen(f"{base_url}/api/v1/openapi.json", timeout=10) as response:
        published = json.loads(response.read())
    expected = _document()
    assert published["paths"] == expected["paths"]
    assert published["components"] == expected["components"]


def test_the_api_matches_its_openapi_document(live_server):
    """Every operation, positive and negative cases: no 5xx, every answer as documented,
    and at least MIN_REQUESTS requests sent by this test itself."""
    base_url, token = live_server
    report = fuzz(schema, base_url, token, EXAMPLES, token_for=token_for)
    print(f"schemathesis sent {report.sent} requests ({len(MODES)} modes)")
    assert report.failures == [], "\n".join(report.failures)
    assert report.sent >= MIN_REQUESTS, report.sent
