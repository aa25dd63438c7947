"""Pure mapping from a Stripe event (a plain dict) to what it means for premium.

No I/O here: `action_for` says *what* an event asks for; the use case
(`core.usecases.billing.apply_stripe_event`) fetches the current objects from Stripe where
order matters and writes the effect in one transaction with the event id.

Event matrix:

| event type                                   | action                                   |
|----------------------------------------------|------------------------------------------|
| checkout.session.completed (payment, paid)   | Purchase (grant/extend 30 days)          |
| checkout.session.completed (payment, unpaid) | Ignore (wait for async_payment_succeeded)|
| checkout.session.completed (subscription)    | SyncSubscription                         |
| checkout.session.async_payment_succeeded     | Purchase                                 |
| checkout.session.async_payment_failed        | Revoke (nothing was granted; recorded)   |
| charge.refunded, charge.dispute.created      | Revoke the grant of that payment intent  |
| invoice.paid, invoice.payment_failed         | SyncSubscription (status from Stripe)    |
| customer.subscription.updated / .deleted     | SyncSubscription                         |
| anything else                                | Ignore (logged, answered 200)            |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PURCHASE_SOURCE = "stripe_payment"
SUBSCRIPTION_SOURCE = "stripe_subscription"
ENTITLED_STATUSES = frozenset({"active", "trialing", "past_due"})
HANDLED_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "charge.refunded",
    "charge.dispute.created",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)


@dataclass(frozen=True)
class Purchase:
    """A paid one-time purchase: grant keyed by `payment_ref` (the payment intent)."""

    payment_ref: str
    user_id: str | None


@dataclass(frozen=True)
class Revoke:
    """Revoke the grant of `payment_ref`; `charge_id` when the ref must be looked up first."""

    payment_ref: str | None
    charge_id: str | None = None


@dataclass(frozen=True)
class SyncSubscription:
    """Make the subscription's grant follow its current state at Stripe."""

    subscription_id: str
    user_id: str | None = None


@dataclass(frozen=True)
class Ignore:
    reason: str


Action = Purchase | Revoke | SyncSubscription | Ignore


def storable(value) -> bool:
    """A non-empty id-like string a database can store (no NUL, no lone surrogate)."""
    if not isinstance(value, str) or not 0 < len(value) <= 255 or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def object_id(value) -> str | None:
    """An expandable field: either an id string or an object with an `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if storable(value) else None


def _text(value) -> str | None:
    return value if storable(value) else None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def session_user(session: dict) -> str | None:
    metadata = _dict(session.get("metadata"))
    return _text(session.get("client_reference_id")) or _text(metadata.get("user_id"))


def _session_action(event_type: str, session: dict) -> Action:
    if session.get("mode") == "subscription":
        sub = object_id(session.get("subscription"))
        return SyncSubscription(sub, session_user(session)) if sub else Ignore("no subscription")
    ref = object_id(session.get("payment_intent")) or object_id(session.get("id"))
    if ref is None:
        return Ignore("session without id")
    if event_type == "checkout.session.async_payment_failed":
        return Revoke(ref)
    if event_type == "checkout.session.completed" and session.get("payment_status") != "paid":
        return Ignore("payment not settled yet")
    return Purchase(ref, session_user(session))


def invoice_subscription(invoice: dict) -> str | None:
    """The subscription of an invoice (top level in old API versions, under `parent` now)."""
    direct = object_id(invoice.get("subscription"))
    if direct:
        return direct
    details = _dict(_dict(invoice.get("parent")).get("subscription_details"))
    return object_id(details.get("subscription"))


def action_for(event: dict) -> Action:
    """What a (verified) event asks for. Never raises on odd shapes: they become Ignore."""
    event_type = event.get("type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or event_type not in HANDLED_TYPES:
        return Ignore(f"unhandled event type {event_type!r}")
    if event_type.startswith("checkout.session."):
        return _session_action(event_type, obj)
    if event_type == "charge.refunded":
        return Revoke(object_id(obj.get("payment_intent")), object_id(obj.get("id")))
    if event_type == "charge.dispute.created":
        return Revoke(object_id(obj.get("payment_intent")), object_id(obj.get("charge")))
    if event_type.startswith("invoice."):
        sub = invoice_subscription(obj)
        return SyncSubscription(sub) if sub else Ignore("invoice without subscription")
    sub = object_id(obj.get("id"))
    user_id = _text(_dict(obj.get("metadata")).get("user_id"))
    return SyncSubscription(sub, user_id) if sub else Ignore("no subscription")


def charge_revoked(charge: dict | None) -> bool:
    """True when a charge was refunded (fully or partly) or disputed."""
    if not charge:
        return False
    return bool(charge.get("refunded") or charge.get("amount_refunded") or charge.get("disputed"))


def payment_revoked(payment_intent: dict) -> bool:
    """True when the payment intent's latest charge was refunded or disputed."""
    charge = payment_intent.get("latest_charge")
    return isinstance(charge, dict) and charge_revoked(charge)


def _timestamp(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if isinstance(value, int | float) else None


def period_end(subscription: dict) -> datetime | None:
    """`current_period_end` (on the items in current API versions, top level in older ones)."""
    ends = [_timestamp(subscription.get("current_period_end"))]
    for item in (subscription.get("items") or {}).get("data") or []:
        ends.append(_timestamp(item.get("current_period_end")))
    found = [e for e in ends if e is not None]
    return max(found) if found else None


def subscription_until(subscription: dict) -> datetime | None:
    """Premium end for a subscription in its current state; None when it does not entitle."""
    if subscription.get("status") not in ENTITLED_STATUSES:
        return None
    return period_end(subscription)


def purchase_window(current_until: datetime | None, now: datetime, days: int):
    """(starts_at, until): `days` from max(now, the current premium end)."""
    starts = max(now, current_until) if current_until else now
    return starts, starts + timedelta(days=days)
