"""`threadr billing reconcile [--since 72h|3d|2026-11-01T00:00]`: apply missed Stripe events."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

DEFAULT_SINCE = "72h"
_RELATIVE = re.compile(r"^(\d{1,5})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def add_billing_parser(sub) -> None:
    billing = sub.add_parser("billing", help="premium billing (Stripe) maintenance")
    actions = billing.add_subparsers(dest="billing_command", metavar="ACTION", required=True)
    rec = actions.add_parser(
        "reconcile", help="apply Stripe events and paid checkouts our webhook missed",
        description="List recent events and Checkout Sessions at Stripe and apply any that "
                    "were missed. Safe to run any time: applied ones change nothing.")
    rec.add_argument("--since", default=DEFAULT_SINCE,
                     help="how far back: 30m, 72h, 7d or an ISO date/time (default 72h; "
                          "Stripe keeps events 30 days)")


def parse_since(value: str, now: datetime) -> datetime:
    """'72h' / '3d' / '30m' before `now`, or an ISO date/time (UTC unless it says otherwise)."""
    match = _RELATIVE.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--since: expected 30m, 72h, 7d or an ISO date, not {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def run_billing(args, settings) -> int:
    from core.bootstrap import build_services
    from core.errors import BillingNotConfigured
    from core.usecases.billing import reconcile

    if not settings.billing_configured:  # say so before opening any database
        raise BillingNotConfigured("Billing is not configured (set STRIPE_SECRET_KEY and "
                                   "STRIPE_WEBHOOK_SECRET).")
    since = parse_since(args.since, datetime.now(UTC))
    async with build_services(settings) as services:
        report = await reconcile(services, since)
    print(f"reconciled since {since.isoformat()}: {report.events} event(s), "
          f"{report.sessions} paid session(s) — applied {report.applied}, "
          f"already applied {report.duplicate + report.unchanged}, ignored {report.ignored}, "
          f"failed {report.failed}")
    return 0 if report.failed == 0 else 1
