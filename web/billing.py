"""Billing doors: Checkout, the customer portal, the Stripe webhook and the success page.

Handlers parse, call one use case (`core.usecases.billing`) and format the answer. Without
Stripe settings every billing endpoint answers 503 `billing_not_configured` first, before
authentication or body parsing (`needs_billing` in the table), so nothing else matters.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from core.usecases import billing
from web.inputs import parse_json, read_body, user_id
from web.keys import SERVICES
from web.routing import Route
from web.schemas import out
from web.views.ops import STATIC

WEBHOOK_MAX_BYTES = 1_000_000  # Stripe events are a few kB; anything near this is not one


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attempt: str | None = Field(
        None, min_length=1, max_length=100,
        description="Your id for this purchase attempt: the same id gives the same session "
                    "(default: one per account per minute, so a double click pays once)")


class UrlOut(BaseModel):
    url: str


class WebhookOut(BaseModel):
    received: bool
    outcome: str


async def checkout(request: web.Request) -> web.Response:
    body = await parse_json(request, CheckoutIn)
    url = await billing.create_checkout(request.app[SERVICES], user_id(request), body.attempt)
    return web.json_response(out(UrlOut, {"url": url}))


async def portal(request: web.Request) -> web.Response:
    url = await billing.portal_url(request.app[SERVICES], user_id(request))
    return web.json_response(out(UrlOut, {"url": url}))


async def stripe_webhook(request: web.Request) -> web.Response:
    """The raw body is verified as sent: never parsed or re-encoded before the check."""
    payload = await read_body(request, WEBHOOK_MAX_BYTES)
    outcome = await billing.handle_webhook(request.app[SERVICES], payload,
                                           request.headers.get("Stripe-Signature"))
    return web.json_response(out(WebhookOut, {"received": True, "outcome": outcome}))


async def success_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "billing-success.html", headers={"Cache-Control": "no-cache"})


def billing_routes() -> list[Route]:
    """The billing rows of the route table (`web.routes.route_table`)."""
    return [
        Route("POST", "/api/v1/billing/checkout", checkout,
              "Start a premium purchase: the Stripe Checkout page for your account",
              ok=(200, UrlOut), body=CheckoutIn, auth="required", tag="billing",
              needs_billing=True,
              errors=(401, 404, 413, 415, 422, 502, 503)),
        Route("POST", "/api/v1/billing/portal", portal,
              "Manage your subscription: a Stripe customer-portal link", ok=(200, UrlOut),
              auth="required", tag="billing", needs_billing=True, errors=(401, 404, 502, 503)),
        Route("POST", "/api/v1/stripe/webhook", stripe_webhook,
              "Stripe webhook (signed by Stripe; answered 2xx only once applied)",
              ok=(200, WebhookOut), tag="billing", errors=(400, 413, 502, 503), public=False,
              needs_billing=True),
        Route("GET", "/billing/success", success_page, "After payment: waits for premium",
              tag="ops", media="text/html", public=False),
    ]
