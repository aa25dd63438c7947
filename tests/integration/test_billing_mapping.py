"""The pure event → action mapping (`core.billing.events`): the event matrix, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.billing import events as ev

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _event(event_type: str, **obj) -> dict:
    return {"id": "evt_1", "type": event_type, "data": {"object": obj}}


PAID = {"id": "cs_1", "mode": "payment", "payment_status": "paid", "payment_intent": "pi_1",
        "client_reference_id": "u1"}


@pytest.mark.parametrize(("event", "action"), [
    (_event("checkout.session.completed", **PAID), ev.Purchase("pi_1", "u1")),
    (_event("checkout.session.completed", **{**PAID, "payment_status": "unpaid"}),
     ev.Ignore("payment not settled yet")),
    (_event("checkout.session.async_payment_succeeded", **PAID), ev.Purchase("pi_1", "u1")),
    (_event("checkout.session.async_payment_failed", **PAID), ev.Revoke("pi_1")),
    (_event("checkout.session.completed", id="cs_2", mode="subscription", subscription="sub_1",
            metadata={"user_id": "u2"}), ev.SyncSubscription("sub_1", "u2")),
    (_event("charge.refunded", id="ch_1", payment_intent="pi_1"), ev.Revoke("pi_1", "ch_1")),
    (_event("charge.dispute.created", id="dp_1", charge="ch_1"), ev.Revoke(None, "ch_1")),
    (_event("invoice.paid", id="in_1", subscription="sub_1"), ev.SyncSubscription("sub_1")),
    (_event("invoice.payment_failed", id="in_1", parent={
        "subscription_details": {"subscription": "sub_1"}}), ev.SyncSubscription("sub_1")),
    (_event("customer.subscription.updated", id="sub_1", metadata={"user_id": "u3"}),
     ev.SyncSubscription("sub_1", "u3")),
    (_event("customer.subscription.deleted", id="sub_1"), ev.SyncSubscription("sub_1")),
    (_event("customer.created", id="cus_1"), ev.Ignore("unhandled event type 'customer.created'")),
])
def test_each_event_type_maps_to_its_action(event, action):
    assert ev.action_for(event) == action


@pytest.mark.parametrize("odd", [{}, {"type": "invoice.paid"}, {"type": "invoice.paid", "data": 1},
                                 _event("invoice.paid"), _event("charge.refunded", id=5)])
def test_odd_shapes_never_raise(odd):
    assert isinstance(ev.action_for(odd), ev.Ignore | ev.Revoke | ev.SyncSubscription)


def test_a_purchase_extends_from_the_later_of_now_and_the_current_end():
    later = NOW + timedelta(days=10)
    assert ev.purchase_window(None, NOW, 30) == (NOW, NOW + timedelta(days=30))
    assert ev.purchase_window(later, NOW, 30) == (later, later + timedelta(days=30))
    assert ev.purchase_window(NOW - timedelta(days=1), NOW, 30)[0] == NOW


def test_a_subscription_entitles_only_while_active_trialing_or_past_due():
    end = int((NOW + timedelta(days=30)).timestamp())
    sub = {"items": {"data": [{"current_period_end": end}]}}
    for status in ("active", "trialing", "past_due"):
        assert ev.subscription_until({**sub, "status": status}) == NOW + timedelta(days=30)
    for status in ("canceled", "unpaid", "incomplete", "incomplete_expired", "paused"):
        assert ev.subscription_until({**sub, "status": status}) is None
    assert ev.period_end({"current_period_end": end}) == NOW + timedelta(days=30)


def test_refunds_partial_refunds_and_disputes_all_revoke():
    assert ev.payment_revoked({"latest_charge": {"refunded": True}})
    assert ev.payment_revoked({"latest_charge": {"amount_refunded": 100}})
    assert ev.payment_revoked({"latest_charge": {"disputed": True}})
    assert not ev.payment_revoked({"latest_charge": {"amount_refunded": 0}})
    assert not ev.payment_revoked({"latest_charge": "ch_1"})
