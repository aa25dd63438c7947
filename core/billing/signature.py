"""Webhook verification: Stripe's own check plus a refusal of timestamps from the future.

`stripe.Webhook.construct_event` checks the HMAC and refuses timestamps older than the
tolerance; it accepts any timestamp ahead of the clock, which would let a leaked signed body
be replayed for as long as the attacker chose. We refuse those too.
"""

from __future__ import annotations

import json
import time

import stripe

from core.billing.events import storable
from core.errors import InvalidWebhook

TOLERANCE_SECONDS = 300
MAX_HEADER = 4096


def _header_timestamp(header: str) -> int:
    for part in header.split(","):
        key, _, value = part.partition("=")
        if key == "t":  # the same field Stripe's own parser reads
            return int(value)
    raise ValueError("no timestamp")


def verify_event(
    payload: bytes, header: str | None, secret: str, now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> dict:
    """The event as a plain dict, or `InvalidWebhook` (nothing else) for any bad input.

    Refuses: a missing/oversized/malformed header, a wrong signature, a timestamp more than
    `tolerance` seconds away from `now` (older or newer), a body that is not a JSON event object.
    """
    now = time.time() if now is None else now
    if not header or len(header) > MAX_HEADER or not secret:
        raise InvalidWebhook()
    try:
        stripe.Webhook.construct_event(payload, header, secret, tolerance=tolerance,
                                       api_key="unused")
        if abs(_header_timestamp(header) - now) > tolerance:
            raise InvalidWebhook("Webhook timestamp is outside the tolerance.")
        event = json.loads(payload)
    except InvalidWebhook:
        raise
    except Exception:  # SignatureVerificationError, bad UTF-8, bad JSON, odd header: all 400
        raise InvalidWebhook() from None
    if not _well_formed(event):
        raise InvalidWebhook("Webhook body is not a Stripe event.")
    return event


def _well_formed(event) -> bool:
    return (
        isinstance(event, dict)
        and storable(event.get("id"))
        and storable(event.get("type"))
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    )
