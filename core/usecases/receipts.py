"""Money mail: a receipt when a purchase grants premium, a notice when a refund or dispute
revokes it, a reminder 3 days before one-time premium ends. Each once: the billing record
and the mail ledger are keyed by the payment, so a replayed event sends nothing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from core.mail.render import render
from core.services import Services
from core.usecases import audit

log = logging.getLogger("threadr.receipts")
REMINDER_AHEAD = timedelta(days=3)


def _money(cents: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency.lower())
    return f"{symbol}{cents / 100:.2f}" if symbol else f"{cents / 100:.2f} {currency.upper()}"


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")


async def mail_once(services: Services, key: str, user_id: str, kind: str, **context) -> bool:
    """Mail `kind` to the account once per `key` (the mail ledger); False when it was sent
    before or the account has no address."""
    user = await services.store.get_user(user_id)
    if user is None or not user.email or not await services.records.claim_mail(
            key, services.clock()):
        return False
    services.mail.submit(render(kind, user.email, user.language, **context))
    return True


async def purchase_granted(services: Services, payment_ref: str, amount_cents: int | None,
                           currency: str | None) -> None:
    """Record the payment (kept, anonymised, if the account is deleted) and send a receipt."""
    grant = await services.records.grant_owner(payment_ref)
    if grant is None or grant["revoked_at"] is not None:
        return
    settings = services.settings
    cents = amount_cents if amount_cents is not None else settings.premium_price_cents
    currency = currency or settings.premium_currency
    days = max(1, round((grant["until"] - grant["starts_at"]).total_seconds() / 86400))
    await services.records.add_billing_record(
        user_id=grant["user_id"], kind="purchase", source_ref=payment_ref, amount_cents=cents,
        currency=currency, days=days, at=services.clock())
    await audit.record(services, "premium_granted", grant["user_id"], actor=audit.SYSTEM,
                       source="stripe", reference=payment_ref, days=days)
    await mail_once(services, f"receipt:{payment_ref}", grant["user_id"], "receipt",
                amount=_money(cents, currency), days=days, until=_day(grant["until"]),
                reference=payment_ref)


async def premium_revoked(services: Services, payment_ref: str, reason: str) -> None:
    """A refund or dispute ended the premium this payment bought: record it, tell the owner."""
    grant = await services.records.grant_owner(payment_ref)
    if grant is None:
        return
    paid = await services.records.db.one(
        "SELECT amount_cents, currency FROM billing_records WHERE kind = 'purchase' "
        "AND source_ref = ?", payment_ref)
    await services.records.add_billing_record(
        user_id=grant["user_id"], kind="refund", source_ref=payment_ref,
        amount_cents=-(paid or {}).get("amount_cents", 0), currency=(paid or {}).get(
            "currency", services.settings.premium_currency), days=0, at=services.clock())
    await audit.record(services, "premium_revoked", grant["user_id"], actor=audit.SYSTEM,
                       source="stripe", reference=payment_ref, reason=reason)
    await mail_once(services, f"revoked:{payment_ref}", grant["user_id"], "revoked",
                reference=payment_ref, reason=reason)


async def send_due_reminders(services: Services) -> int:
    """Remind every account whose one-time premium ends within 3 days (once per grant)."""
    now = services.clock()
    sent = 0
    for grant in await services.records.grants_ending(now, now + REMINDER_AHEAD):
        sent += await mail_once(
            services, f"reminder:{grant['source_ref']}", grant["user_id"], "reminder",
            until=_day(grant["until"]), free=services.settings.free_daily_quota,
            upgrade=f"{services.settings.public_url.rstrip('/')}/#upgrade")
    return sent
