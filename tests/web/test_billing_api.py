"""Billing through the real app: checkout → Stripe URL, the signed webhook (raw body) →
premium on /api/v1/me, bad signatures refused, and 503 everywhere without Stripe settings."""

from __future__ import annotations

import pytest

from core.billing import StripeBilling
from core.bootstrap import build_services
from core.settings import SecretStr
from tests.standins.stripe_api import StripeApi
from tests.web.conftest import register
from web.app import create_app

WEBHOOK = "/api/v1/stripe/webhook"
CHECKOUT = "/api/v1/billing/checkout"
PORTAL = "/api/v1/billing/portal"


@pytest.fixture
async def api():
    async with StripeApi() as running:
        yield running


def _configured(web_settings, api, **changes):
    return web_settings.with_(stripe_secret_key=SecretStr(api.secret_key),
                              stripe_webhook_secret=SecretStr(api.webhook_secret),
                              stripe_api_base=api.base_url, **changes)


async def _client(aiohttp_client, configured):
    gateway = StripeBilling(configured)
    context = build_services(configured, billing=gateway)
    services = await context.__aenter__()
    client = await aiohttp_client(create_app(configured, services=services))
    return client, services, (context, gateway)


@pytest.fixture
async def billing_client(aiohttp_client, web_settings, api):
    client, services, (context, gateway) = await _client(aiohttp_client,
                                                         _configured(web_settings, api))
    yield client
    await client.close()
    await context.__aexit__(None, None, None)
    await gateway.close()


@pytest.fixture
async def subscription_client(aiohttp_client, web_settings, api):
    configured = _configured(web_settings, api, stripe_mode="subscription",
                             stripe_price_id="price_monthly")
    client, services, (context, gateway) = await _client(aiohttp_client, configured)
    yield client
    await client.close()
    await context.__aexit__(None, None, None)
    await gateway.close()


async def _checkout(client, headers) -> str:
    response = await client.post(CHECKOUT, json={}, headers=headers)
    assert response.status == 200, await response.text()
    return (await response.json())["url"]


async def test_every_billing_endpoint_answers_503_without_stripe_settings(client):
    headers = await register(client)
    for path, kwargs in ((CHECKOUT, {"json": {}, "headers": headers}),
                         (CHECKOUT, {"json": {}}), (PORTAL, {"headers": headers}),
                         (WEBHOOK, {"data": b"{}", "headers": {"Stripe-Signature": "t=1,v1=0"}})):
        response = await client.post(path, **kwargs)
        assert response.status == 503
        assert (await response.json())["error"]["code"] == "billing_not_configured"


async def test_checkout_answers_the_stripe_url_once_per_attempt(billing_client, api):
    headers = await register(billing_client)
    url = await _checkout(billing_client, headers)
    assert url.startswith(api.base_url + "/pay/cs_test_")
    assert await _checkout(billing_client, headers) == url  # a double click: one session
    other = await billing_client.post(CHECKOUT, json={"attempt": "second"}, headers=headers)
    assert (await other.json())["url"] != url


async def test_checkout_needs_a_signed_in_account(billing_client):
    response = await billing_client.post(CHECKOUT, json={})
    assert response.status == 401


async def test_a_signed_webhook_through_the_app_shows_premium_on_me(billing_client, api):
    headers = await register(billing_client)
    assert (await (await billing_client.get("/api/v1/me", headers=headers)).json())[
        "premium_until"] is None
    event = api.complete_session((await _checkout(billing_client, headers)).rsplit("/", 1)[1])
    payload, signature = api.signed(event)
    response = await billing_client.post(WEBHOOK, data=payload,
                                         headers={"Stripe-Signature": signature})
    assert response.status == 200 and (await response.json())["outcome"] == "applied"
    me = await (await billing_client.get("/api/v1/me", headers=headers)).json()
    assert me["premium"] is True and me["premium_until"]
    usage = await (await billing_client.get("/api/v1/usage", headers=headers)).json()
    assert usage["plan"] == "premium"


async def test_the_stand_in_delivers_a_signed_webhook_to_the_real_port(billing_client, api):
    headers = await register(billing_client)
    event = api.complete_session((await _checkout(billing_client, headers)).rsplit("/", 1)[1])
    status, body = await api.deliver(event, str(billing_client.make_url(WEBHOOK)))
    assert status == 200 and '"applied"' in body
    assert await api.deliver(event, str(billing_client.make_url(WEBHOOK))) == (
        200, '{"received": true, "outcome": "duplicate"}')


@pytest.mark.parametrize("signature", [None, "", "t=1,v1=abc", "garbage"])
async def test_a_bad_signature_is_400_and_grants_nothing(billing_client, api, signature):
    headers = await register(billing_client)
    event = api.complete_session((await _checkout(billing_client, headers)).rsplit("/", 1)[1])
    payload, _ = api.signed(event)
    sent = {} if signature is None else {"Stripe-Signature": signature}
    response = await billing_client.post(WEBHOOK, data=payload, headers=sent)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_webhook"
    me = await (await billing_client.get("/api/v1/me", headers=headers)).json()
    assert me["premium_until"] is None


async def test_a_body_changed_after_signing_is_refused(billing_client, api):
    headers = await register(billing_client)
    event = api.complete_session((await _checkout(billing_client, headers)).rsplit("/", 1)[1])
    payload, signature = api.signed(event)
    response = await billing_client.post(WEBHOOK, data=payload.replace(b'"paid"', b'"paid" '),
                                         headers={"Stripe-Signature": signature})
    assert response.status == 400


async def test_the_portal_link_is_for_subscribers(subscription_client, api):
    headers = await register(subscription_client)
    response = await subscription_client.post(PORTAL, headers=headers)
    assert response.status == 404
    event = api.complete_session((await _checkout(subscription_client, headers)).rsplit("/", 1)[1])
    await api.deliver(event, str(subscription_client.make_url(WEBHOOK)))
    response = await subscription_client.post(PORTAL, headers=headers)
    assert response.status == 200 and (await response.json())["url"].startswith(api.base_url)


async def test_the_success_page_and_its_polling_script_are_served(billing_client):
    page = await billing_client.get("/billing/success?session_id=cs_test_1")
    assert page.status == 200 and "billing-success.js" in await page.text()
    script = await billing_client.get("/static/js/billing-success.js")
    assert script.status == 200 and "/api/v1/me" in await script.text()


async def test_the_openapi_document_lists_checkout_and_portal_but_not_the_webhook(client):
    paths = (await (await client.get("/api/v1/openapi.json")).json())["paths"]
    assert "/api/v1/billing/checkout" in paths and "/api/v1/billing/portal" in paths
    assert WEBHOOK not in paths


@pytest.fixture(params=["memory", "postgres+redis"])
async def two_processes(request, aiohttp_client, web_settings, api):
    """Two app instances over one backend (each its own services, as two worker processes):
    SQLite + memory counters share nothing but the store, so there it is one instance twice;
    PostgreSQL + Redis is the multi-process setup."""
    configured = _configured(web_settings, api)
    if request.param != "memory":
        configured = configured.with_(
            database_url=request.getfixturevalue("pg_database_url"),
            redis_url=request.getfixturevalue("redis_url"),
            redis_prefix=request.getfixturevalue("redis_prefix"))
    first, _, (context, gateway) = await _client(aiohttp_client, configured)
    if request.param == "memory":
        second, context2, gateway2 = first, None, None
    else:
        second, _, (context2, gateway2) = await _client(aiohttp_client, configured)
    yield first, second
    for ctx, gw in ((context, gateway), (context2, gateway2)):
        if ctx is not None:
            await ctx.__aexit__(None, None, None)
            await gw.close()


async def test_a_webhook_shows_premium_on_the_next_usage_of_every_process(two_processes, api):
    first, second = two_processes
    headers = await register(first)
    for client in (first, second):  # each has read (and cached) the free plan
        usage = await (await client.get("/api/v1/usage", headers=headers)).json()
        assert usage["plan"] == "free"
        assert (await (await client.get("/api/v1/me", headers=headers)).json())["premium"] is False
    event = api.complete_session((await _checkout(first, headers)).rsplit("/", 1)[1])
    status, body = await api.deliver(event, str(first.make_url(WEBHOOK)))
    assert status == 200 and '"applied"' in body
    for client in (second, first):
        usage = await (await client.get("/api/v1/usage", headers=headers)).json()
        assert usage["plan"] == "premium" and usage["premium_until"]
        assert (await (await client.get("/api/v1/me", headers=headers)).json())["premium"]


async def test_signing_out_ends_the_session_in_every_process_at_once(two_processes):
    first, second = two_processes
    headers = await register(first)
    for client in (first, second):  # the session check is cached in each
        assert (await client.get("/api/v1/usage", headers=headers)).status == 200
    assert (await first.post("/api/v1/auth/sign-out", headers=headers)).status == 204
    for client in (second, first):
        assert (await client.get("/api/v1/usage", headers=headers)).status == 401
        assert (await client.get("/api/v1/me", headers=headers)).status == 401
