"""Billing use cases: checkout, the customer portal, webhooks applied exactly once, and
reconciliation after an outage. Each takes the `Services` first.

Exactly once: an event's id is recorded (`mark_event_processed`) in the same database
transaction as its effect, so a replay — sequential or concurrent — changes nothing.
Order-independent: where the order of events matters, the current object is fetched from
Stripe *before* the transaction (a purchase whose charge is already refunded or disputed is
born revoked; a subscription follows its current status, never the event's snapshot).
Premium belongs to the account: grants are keyed by user id, never by IP or identity.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from core.billing import events as ev
from core.errors import BillingError, BillingNotConfigured, NotFound
from core.services import Services
from core.usecases import receipts
from core.usecases.premium import forget_plan

log = logging.getLogger("threadr.billing")

APPLIED, DUPLICATE, UNCHANGED, IGNORED = "applied", "duplicate", "unchanged", "ignored"


@dataclass(frozen=True)
class _Grant:
    payment_ref: str
    user_id: str
    revoked: bool


@dataclass(frozen=True)
class _Subscription:
    subscription_id: str
    user_id: str | None
    until: datetime | None  # None: the subscription no longer entitles


@dataclass
class ReconcileReport:
    events: int = 0
    sessions: int = 0
    applied: int = 0
    duplicate: int = 0
    unchanged: int = 0
    ignored: int = 0
    failed: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _billing(services: Services):
    if services.billing is None:
        raise BillingNotConfigured()
    return services.billing


async def _account(services: Services, user_id: str):
    user = await services.store.get_user(user_id)
    if user is None:
        raise NotFound("Account not found.")
    return user


async def create_checkout(
    services: Services, user_id: str, attempt_key: str | None = None
) -> str:
    """The Checkout URL for this account. The same `attempt_key` (a double click) gives the
    same session; without one, attempts within the same minute share a session.
    Raises `BillingNotConfigured`, `NotFound` or `BillingError`."""
    attempt_key = attempt_key or services.clock().strftime("minute-%Y%m%dT%H%M")
    billing = _billing(services)
    user = await _account(services, user_id)
    return await billing.create_checkout(user.id, user.email, attempt_key)


async def portal_url(services: Services, user_id: str) -> str:
    """The Stripe customer-portal link for the account's subscription (`NotFound` if none)."""
    billing = _billing(services)
    user = await _account(services, user_id)
    url = await billing.portal_url(user.email, user.id) if user.email else None
    if url is None:
        raise NotFound("No subscription was found for this account.")
    return url


async def handle_webhook(services: Services, payload: bytes, signature: str | None) -> str:
    """Verify a webhook body and apply its event; returns the outcome (applied, duplicate,
    unchanged, ignored). `InvalidWebhook` → nothing was written; `StorageUnavailable` or
    `BillingError` → nothing was written and the sender should retry."""
    event = _billing(services).verify_event(payload, signature)
    return await apply_stripe_event(services, event)


async def apply_stripe_event(services: Services, event: dict) -> str:
    """Apply one verified event exactly once (see the module docstring); returns the outcome."""
    effect = await _prepare(services, ev.action_for(event))
    async with services.store.billing_transaction() as tx:
        if not await tx.mark_event_processed(event["id"], event["type"]):
            outcome = DUPLICATE
        else:
            outcome = await _apply(tx, effect, services.clock(), services.settings.premium_days)
    log.info("stripe event", extra={"event_id": event["id"], "event_type": event["type"],
                                    "outcome": outcome})
    if outcome == APPLIED:
        await forget_plan(services, await _owner(services, effect))
        await _money_mail(services, effect, event)
    return outcome


async def _owner(services: Services, effect) -> str | None:
    """The account whose premium an applied effect changed."""
    if getattr(effect, "user_id", None):
        return effect.user_id
    ref = getattr(effect, "payment_ref", None) or getattr(effect, "subscription_id", None)
    try:
        return await services.store.find_grant_user(ref) if ref else None
    except Exception:  # the plan's cache entry then lives out its TTL
        log.warning("could not find the account of a billing effect", exc_info=True)
        return None


async def _money_mail(services: Services, effect, event: dict) -> None:
    """Receipt or revocation notice (each once per payment); never fails the webhook."""
    if services.records is None or services.mail is None:
        return
    try:
        if isinstance(effect, _Grant) and not effect.revoked:
            paid = (event.get("data") or {}).get("object") or {}
            amount = paid.get("amount_total")
            await receipts.purchase_granted(
                services, effect.payment_ref, amount if isinstance(amount, int) else None,
                paid.get("currency") if isinstance(paid.get("currency"), str) else None)
        elif isinstance(effect, ev.Revoke) and effect.payment_ref:
            reason = "disputed" if "dispute" in event["type"] else "refunded"
            await receipts.premium_revoked(services, effect.payment_ref, reason)
    except Exception:
        log.warning("could not record or mail a billing effect", exc_info=True)


async def _prepare(services: Services, action: ev.Action):
    """Resolve what the effect needs from Stripe and the store, outside the transaction."""
    billing = _billing(services)
    if isinstance(action, ev.Purchase):
        intent = await _intent(billing, action.payment_ref)
        user_id = action.user_id or (intent.get("metadata") or {}).get("user_id")
        if not user_id or await services.store.get_user(user_id) is None:
            return ev.Ignore("purchase for an unknown account")
        return _Grant(action.payment_ref, user_id, ev.payment_revoked(intent))
    if isinstance(action, ev.Revoke) and action.payment_ref is None:
        if action.charge_id is None:
            return ev.Ignore("revocation without a charge")
        ref = ev.object_id((await billing.charge(action.charge_id)).get("payment_intent"))
        return ev.Revoke(ref) if ref else ev.Ignore("charge without a payment intent")
    if isinstance(action, ev.SyncSubscription):
        subscription = await billing.subscription(action.subscription_id)
        user_id = action.user_id or (subscription.get("metadata") or {}).get("user_id")
        if user_id and await services.store.get_user(user_id) is None:
            user_id = None
        return _Subscription(action.subscription_id, user_id, ev.subscription_until(subscription))
    return action


async def _intent(billing, payment_ref: str) -> dict:
    if not payment_ref.startswith("pi_"):
        return {}  # a session id: nothing to re-fetch (e.g. a free session)
    return await billing.payment_intent(payment_ref)


async def _apply(tx, effect, now: datetime, days: int) -> str:
    if isinstance(effect, _Grant):
        await tx.lock_account(effect.user_id)
        starts, until = ev.purchase_window(await tx.premium_until(effect.user_id, now), now, days)
        added = await tx.add_premium_grant(effect.user_id, ev.PURCHASE_SOURCE,
                                           effect.payment_ref, starts, until)
        if effect.revoked:
            await tx.revoke_premium_grants(effect.payment_ref, now)
        return APPLIED if added else UNCHANGED
    if isinstance(effect, ev.Revoke):
        return APPLIED if await tx.revoke_premium_grants(effect.payment_ref, now) else UNCHANGED
    if isinstance(effect, _Subscription):
        return await _apply_subscription(tx, effect, now)
    log.info("stripe event ignored", extra={"reason": effect.reason})
    return IGNORED


async def _apply_subscription(tx, effect: _Subscription, now: datetime) -> str:
    ref = effect.subscription_id
    if effect.until is None:  # ended, unpaid, incomplete: premium stops now
        owner = await tx.find_grant_user(ref)
        return APPLIED if owner and await tx.set_premium_grant_until(ref, now) else UNCHANGED
    user_id = effect.user_id or await tx.find_grant_user(ref)
    if user_id is None:
        return IGNORED
    if await tx.add_premium_grant(user_id, ev.SUBSCRIPTION_SOURCE, ref, now, effect.until):
        return APPLIED
    return APPLIED if await tx.set_premium_grant_until(ref, effect.until) else UNCHANGED


async def reconcile(services: Services, since: datetime) -> ReconcileReport:
    """Apply every handled event and paid Checkout Session at Stripe since `since` that we
    missed, through the same exactly-once path (already applied ones change nothing)."""
    billing = _billing(services)
    report = ReconcileReport()
    for event in await billing.events_since(since):
        report.events += 1
        await _reconcile_one(services, event, report)
    for session in await billing.paid_sessions_since(since):
        report.sessions += 1
        synthetic = {"id": f"reconcile:{session['id']}", "type": "checkout.session.completed",
                     "data": {"object": session}}
        await _reconcile_one(services, synthetic, report)
    return report


async def _reconcile_one(services: Services, event: dict, report: ReconcileReport) -> None:
    try:
        report.count(await apply_stripe_event(services, event))
    except BillingError:  # one unreachable object must not stop the rest; a rerun retries it
        report.failed += 1
