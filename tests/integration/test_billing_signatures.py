"""Webhook verification: ≥ 1,000 mutated signatures, timestamps and bodies (hypothesis) are
all refused by the pure check *and* by the webhook use case, and nothing is written."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.billing import StripeBilling
from core.billing.signature import verify_event
from core.bootstrap import build_services
from core.errors import InvalidWebhook
from core.settings import SecretStr
from core.usecases import billing
from tests.integration.billing_support import grant_rows, processed_event_count
from tests.standins.stripe_api import sign

SECRET = "whsec_signature_tests"
EXAMPLES = 1000
HEX = "0123456789abcdef"


def _event(user_id: str) -> bytes:
    return json.dumps({
        "id": "evt_signed_1", "object": "event", "type": "checkout.session.completed",
        "data": {"object": {"id": "cs_1", "object": "checkout.session", "mode": "payment",
                            "payment_status": "paid", "payment_intent": "pi_1",
                            "client_reference_id": user_id}},
    }).encode()


@st.composite
def mutated(draw, payload: bytes) -> tuple[bytes, str | None]:
    """A (body, Stripe-Signature) pair that differs from a valid one in one way."""
    now = int(time.time())
    kind = draw(st.sampled_from(["byte", "insert", "delete", "signature", "timestamp",
                                 "retimed", "secret", "scheme", "garbage", "missing"]))
    if kind in ("byte", "insert", "delete"):
        i = draw(st.integers(0, len(payload) - 1))
        b = bytes([draw(st.integers(0, 255))])
        body = {"byte": payload[:i] + b + payload[i + 1:], "insert": payload[:i] + b + payload[i:],
                "delete": payload[:i] + payload[i + 1:]}[kind]
        assume(body != payload)
        return body, sign(payload, SECRET, now)
    if kind == "signature":
        header = sign(payload, SECRET, now)
        i = draw(st.integers(header.index("v1=") + 3, len(header) - 1))
        c = draw(st.sampled_from(HEX + "G=, "))
        assume(c != header[i])
        return payload, header[:i] + c + header[i + 1:]
    if kind == "timestamp":  # correctly signed, but too old or too far in the future
        delta = draw(st.integers(305, 10**9)) * draw(st.sampled_from([-1, 1]))
        return payload, sign(payload, SECRET, now + delta)
    if kind == "retimed":  # a valid signature moved to another timestamp
        other = now + draw(st.integers(-250, 250))
        assume(other != now)
        return payload, f"t={other}," + sign(payload, SECRET, now).split(",")[1]
    if kind == "secret":
        other = draw(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1))
        assume(other != SECRET)
        return payload, sign(payload, other, now)
    if kind == "scheme":
        return payload, sign(payload, SECRET, now).replace("v1=", draw(st.sampled_from(
            ["v0=", "v2=", "V1=", "v1 =", "s1="])))
    if kind == "garbage":
        return payload, draw(st.text(max_size=300))
    return payload, draw(st.sampled_from([None, ""]))


async def _open_services(settings, url: str):
    if url.startswith("sqlite"):
        from core.store.migrate import migrate, sqlite_path
        from core.store.sqlite import SqliteStore

        await migrate(url)
        store = await SqliteStore.open(sqlite_path(url))
    else:
        from core.store.postgres import PostgresStore

        store = await PostgresStore.open(url, min_size=1, max_size=5)
    configured = settings.with_(stripe_secret_key=SecretStr("sk_test_x"),
                                stripe_webhook_secret=SecretStr(SECRET),
                                stripe_api_base="http://127.0.0.1:9")  # never reached
    gateway = StripeBilling(configured)
    context = build_services(configured, store=store, billing=gateway)
    return await context.__aenter__(), (context, gateway, store)


async def _close(handles) -> None:
    context, gateway, store = handles
    await context.__aexit__(None, None, None)
    await gateway.close()
    await store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    return request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}"
                                   "_database_url")


def test_the_unmutated_webhook_is_accepted_at_the_edges_of_the_tolerance():
    payload = _event("user-1")
    now = int(time.time())
    for delta in (-290, 0, 290):
        assert verify_event(payload, sign(payload, SECRET, now + delta), SECRET, now=now)["id"]
    for delta in (-301, 301):
        with pytest.raises(InvalidWebhook):
            verify_event(payload, sign(payload, SECRET, now + delta), SECRET, now=now)


def test_a_thousand_mutated_webhooks_are_refused_and_write_nothing(settings, database_url):
    loop = asyncio.new_event_loop()
    services, handles = loop.run_until_complete(_open_services(settings, database_url))
    try:
        user = loop.run_until_complete(services.store.create_user(None, None))
        payload = _event(user.id)
        tried = []

        @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(mutated(payload))
        def refused(case):
            body, header = case
            tried.append(1)
            with pytest.raises(InvalidWebhook):
                verify_event(body, header, SECRET)
            with pytest.raises(InvalidWebhook):
                loop.run_until_complete(billing.handle_webhook(services, body, header))

        refused()
        assert len(tried) >= EXAMPLES
        assert loop.run_until_complete(processed_event_count(services.store)) == 0
        assert loop.run_until_complete(grant_rows(services.store)) == []
        assert loop.run_until_complete(services.store.premium_until(user.id, services.clock()))\
            is None
    finally:
        loop.run_until_complete(_close(handles))
        loop.close()
