"""Hypothesis against the live Stripe webhook endpoint (`threadr serve` on PostgreSQL, billing
aimed at the Stripe stand-in): correctly *signed* events of every odd shape, and unsigned
garbage. Never a 500; every refusal writes nothing; a processed event is recorded once.

(Mutated signatures are fuzzed at the use-case level in
`tests/integration/test_billing_signatures.py`; the URL parser in
`tests/unit/test_netguard_fuzz.py`. This adds the HTTP door and signed-but-strange events.)
Examples: `THREADR_FUZZ_WEBHOOKS` (default 300 per test; `scripts/fuzz-nightly`: 3,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request

import asyncpg
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from core.billing.events import HANDLED_TYPES
from tests.scale.helpers import ThreadedStandIn
from tests.scale.processes import spawn
from tests.standins.stripe_api import StripeApi, sign

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("THREADR_FUZZ_WEBHOOKS", "300"))
# No shrinking: a failure is reported as generated (with its event), within a bounded time.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
ALLOWED = {200, 400, 413, 415, 502, 503}
_answers: dict[str, int] = {}  # event id → status of its last delivery


@pytest.fixture(scope="module")
def live(tmp_path_factory, pg_module_database_url):
    stripe = ThreadedStandIn(StripeApi())
    api = stripe.standin
    server = spawn(tmp_path_factory.mktemp("webhook-fuzz"), "webhook-fuzz",
                   DATABASE_URL=pg_module_database_url, STRIPE_SECRET_KEY=api.secret_key,
                   STRIPE_WEBHOOK_SECRET=api.webhook_secret, STRIPE_API_BASE=api.base_url)
    try:
        yield server.base_url + "/api/v1/stripe/webhook", api.webhook_secret
    finally:
        server.stop()
        stripe.close()


def _post(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


ids = st.text(st.sampled_from("abcdefXYZ0123_"), min_size=0, max_size=12)
refs = st.one_of(st.none(), st.integers(), ids, st.builds("pi_{}".format, ids),
                 st.builds("cs_{}".format, ids), st.builds("ch_{}".format, ids),
                 st.builds("sub_{}".format, ids), st.dictionaries(st.just("id"), ids))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=20))
odd = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8)
stripe_object = st.fixed_dictionaries({}, optional={
    "id": refs, "object": st.sampled_from(["checkout.session", "charge", "invoice", "x"]),
    "mode": st.sampled_from(["payment", "subscription", "setup", ""]),
    "payment_status": st.sampled_from(["paid", "unpaid", "no_payment_required", ""]),
    "payment_intent": refs, "client_reference_id": refs, "charge": refs,
    "subscription": refs, "metadata": st.one_of(odd, st.fixed_dictionaries({"user_id": refs})),
    "status": st.sampled_from(["active", "canceled", "trialing", "?"]),
    "current_period_end": st.one_of(st.integers(-2**40, 2**40), scalars),
    "lines": odd, "extra": odd,
})
signed_events = st.fixed_dictionaries({
    "id": st.one_of(st.builds("evt_{}".format, ids), st.uuids().map("evt_{0.hex}".format)),
    "type": st.one_of(st.sampled_from(HANDLED_TYPES), st.text(max_size=30)),
    "data": st.one_of(st.fixed_dictionaries({"object": stripe_object}), odd),
}, optional={"object": st.just("event"), "created": scalars, "livemode": scalars})


def _session_event(event_id: str, **session) -> dict:
    return {"id": event_id, "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_x", "payment_status": "paid", **session}}}


@FUZZ
@given(event=signed_events)
# found by this test: odd shapes in signed events once answered 500 (fixed in events.py)
@example(event=_session_event("evt_int_ref", client_reference_id=5))
@example(event=_session_event("evt_list_meta", metadata=[1]))
@example(event={"id": "evt_odd_parent", "type": "invoice.paid", "data": {"object": {"parent": 1}}})
@example(event={"id": "evt_nul_type", "type": "a\x00b", "data": {"object": {}}})
@example(event=_session_event("evt_nul_ref", client_reference_id="u\x00", payment_intent="pi_\x00"))
def test_a_signed_event_of_any_shape_never_breaks_the_endpoint(live, event, pg_module_database_url):
    url, secret = live
    body = json.dumps(event).encode()
    try:
        status, answer = _post(url, body, {"Stripe-Signature": sign(body, secret),
                                           "Content-Type": "application/json"})
    except TimeoutError:
        pytest.fail(f"no answer within 8 s to the signed event {body!r}")
    assert status in ALLOWED, (status, answer, body)
    if status == 200:
        assert answer["outcome"] in ("applied", "duplicate", "unchanged", "ignored")
    else:
        assert set(answer["error"]) >= {"code", "message"}
    accepted_before = _answers.get(event["id"]) == 200
    if status == 200 or event["id"] not in _answers:
        _answers[event["id"]] = status
    # Exactly the events answered 200 are recorded (checked per event: order-independent).
    assert _recorded(pg_module_database_url, event["id"]) == (status == 200 or accepted_before)


def _recorded(database_url: str, event_id) -> bool:
    async def look() -> bool:
        conn = await asyncpg.connect(database_url, timeout=10)
        try:
            return bool(await conn.fetchval(
                "SELECT count(*) FROM processed_events WHERE event_id = $1", str(event_id)))
        finally:
            await conn.close()
    return asyncio.run(look())


headers = st.fixed_dictionaries({}, optional={
    "Stripe-Signature": st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=126),
                                          max_size=120),
                                  st.builds("t={},v1={}".format, st.integers(), ids)),
    "Content-Type": st.sampled_from(["application/json", "text/plain", "", "x/y"]),
})


@FUZZ
@given(body=st.one_of(st.binary(max_size=300), odd.map(lambda v: json.dumps(v).encode())),
       headers=headers)
def test_an_unsigned_body_is_refused_with_400_and_writes_nothing(live, body, headers):
    url, _ = live
    status, answer = _post(url, body, headers)
    assert status == 400 and answer["error"]["code"] == "invalid_webhook"
