"""The billing gateway: a small Protocol and its Stripe implementation (the `stripe` SDK).

Every call goes through one `StripeClient` whose API address comes from
`settings.stripe_api_base` (a local stand-in in tests), over the SDK's aiohttp client.
Objects come back as plain dicts so the rest of the core never sees SDK types.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Protocol

import stripe

from core.billing.events import HANDLED_TYPES
from core.billing.signature import verify_event
from core.errors import BillingError, InvalidInput
from core.settings import Settings

log = logging.getLogger("threadr.billing")
PAGE_LIMIT = 100
MAX_PAGES = 50  # reconcile reads at most 5,000 objects per kind: a bounded loop


class Billing(Protocol):
    """What the use cases need from a payment provider.

    Calls raise `BillingError` when the provider fails or cannot be reached, and
    `InvalidWebhook` from `verify_event` for anything not signed by the provider.
    """

    async def create_checkout(self, user_id: str, email: str | None, attempt_key: str) -> str:
        """The URL of a Checkout Session for this account; the same `attempt_key` → the same
        session (an idempotency key derived from the user and the attempt)."""

    async def portal_url(self, email: str, user_id: str) -> str | None:
        """A customer-portal link for this account's subscription; None without a customer."""

    def verify_event(self, payload: bytes, signature: str | None) -> dict:
        """The verified event as a dict (see `core.billing.signature.verify_event`)."""

    async def payment_intent(self, payment_intent_id: str) -> dict:
        """The payment intent with `latest_charge` expanded."""

    async def charge(self, charge_id: str) -> dict: ...

    async def subscription(self, subscription_id: str) -> dict: ...

    async def events_since(self, since: datetime) -> list[dict]:
        """Every handled event created at or after `since`, oldest first."""

    async def paid_sessions_since(self, since: datetime) -> list[dict]:
        """Completed Checkout Sessions created at or after `since`, oldest first."""

    async def close(self) -> None: ...


def idempotency_key(user_id: str, attempt_key: str) -> str:
    digest = hashlib.sha256(f"{user_id}\x00{attempt_key}".encode()).hexdigest()[:40]
    return f"threadr-checkout-{digest}"


class StripeBilling:
    def __init__(self, settings: Settings) -> None:
        if settings.stripe_mode == "subscription" and not settings.stripe_price_id:
            raise InvalidInput("STRIPE_PRICE_ID is required when STRIPE_MODE=subscription.")
        self._settings = settings
        self._http = stripe.AIOHTTPClient(timeout=20)
        bases = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
        self._client = stripe.StripeClient(
            settings.stripe_secret_key.reveal(), base_addresses=bases,
            http_client=self._http, max_network_retries=2,
        )
        self._v1 = self._client.v1

    def _session_params(self, user_id: str, email: str | None) -> dict:
        s = self._settings
        base = s.public_origin()
        params: dict = {
            "mode": s.stripe_mode,
            "client_reference_id": user_id,
            "metadata": {"user_id": user_id},
            "success_url": f"{base}/billing/success?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": f"{base}/?checkout=cancelled",
        }
        if email:
            params["customer_email"] = email
        if s.stripe_mode == "subscription":
            params["line_items"] = [{"price": s.stripe_price_id, "quantity": 1}]
            params["subscription_data"] = {"metadata": {"user_id": user_id}}
        else:
            params["line_items"] = [{"quantity": 1, "price_data": {
                "currency": s.premium_currency, "unit_amount": s.premium_price_cents,
                "product_data": {"name": f"{s.premium_days} days of Threadr premium"}}}]
            params["payment_intent_data"] = {"metadata": {"user_id": user_id}}
        return params

    async def create_checkout(self, user_id: str, email: str | None, attempt_key: str) -> str:
        options = {"idempotency_key": idempotency_key(user_id, attempt_key)}
        async with _provider_errors():
            session = await self._v1.checkout.sessions.create_async(
                self._session_params(user_id, email), options)
        return session.url

    async def portal_url(self, email: str, user_id: str) -> str | None:
        async with _provider_errors():
            customers = await self._v1.customers.list_async({"email": email, "limit": 1})
            if not customers.data:
                return None
            portal = await self._v1.billing_portal.sessions.create_async({
                "customer": customers.data[0].id,
                "return_url": self._settings.public_origin() + "/"})
        return portal.url

    def verify_event(self, payload: bytes, signature: str | None) -> dict:
        return verify_event(payload, signature, self._settings.stripe_webhook_secret.reveal())

    async def payment_intent(self, payment_intent_id: str) -> dict:
        async with _provider_errors():
            found = await self._v1.payment_intents.retrieve_async(
                payment_intent_id, {"expand": ["latest_charge"]})
        return found.to_dict()

    async def charge(self, charge_id: str) -> dict:
        async with _provider_errors():
            return (await self._v1.charges.retrieve_async(charge_id)).to_dict()

    async def subscription(self, subscription_id: str) -> dict:
        async with _provider_errors():
            return (await self._v1.subscriptions.retrieve_async(subscription_id)).to_dict()

    async def events_since(self, since: datetime) -> list[dict]:
        params = {"created": {"gte": int(since.timestamp())}, "types": list(HANDLED_TYPES)}
        return await self._list_all(self._v1.events, params)

    async def paid_sessions_since(self, since: datetime) -> list[dict]:
        params = {"created": {"gte": int(since.timestamp())}, "status": "complete"}
        return await self._list_all(self._v1.checkout.sessions, params)

    async def _list_all(self, service, params: dict) -> list[dict]:
        """Every page (newest first at Stripe), returned oldest first."""
        found: list[dict] = []
        cursor = None
        async with _provider_errors():
            for _ in range(MAX_PAGES):
                page_params = {**params, "limit": PAGE_LIMIT}
                if cursor:
                    page_params["starting_after"] = cursor
                page = await service.list_async(page_params)
                found.extend(obj.to_dict() for obj in page.data)
                if not page.has_more or not page.data:
                    break
                cursor = page.data[-1].id
        return found[::-1]

    async def close(self) -> None:
        await self._http.close_async()


class _provider_errors:
    """Turn every SDK/network failure into `BillingError` (the message never leaks keys)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if exc is not None and isinstance(exc, stripe.StripeError):
            log.warning("stripe call failed", extra={
                "error": type(exc).__name__, "http_status": getattr(exc, "http_status", None)})
            raise BillingError() from None
        return False
