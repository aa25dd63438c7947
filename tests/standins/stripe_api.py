"""A stand-in Stripe API on 127.0.0.1, for the real `stripe` SDK (`api_base` pointed here).

    async with StripeApi() as api:
        settings = settings.with_(stripe_secret_key=SecretStr(api.secret_key),
                                  stripe_webhook_secret=SecretStr(api.webhook_secret),
                                  stripe_api_base=api.base_url)
        event = api.complete_session(session_id)           # what Stripe would now send
        status, body = await api.deliver(event, webhook_url)  # signed like Stripe signs

Speaks form-encoded requests (`a[b][0]=c`) and Stripe's JSON objects, lists and errors:
checkout sessions create/retrieve/list, events list, charges/payment_intents/subscriptions
retrieve (`expand[]=latest_charge`), customers list, billing portal sessions. Honours
`Idempotency-Key` (same key + same body → the same answer; another body → 400). Test hooks
change state the way a payment, refund, dispute or subscription change would, and return the
event Stripe would send for it (also listed by `GET /v1/events`).

`StripeApi(checkout_pages=True)` also serves the session's `url` (`GET /pay/{id}`) as a tiny
hosted-Checkout page for a browser: the session id, the amount, and a link back to its
`success_url` (`{CHECKOUT_SESSION_ID}` filled in, as Stripe does).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import re
import secrets
import time

import aiohttp
from aiohttp import web

from tests.standins.loopback import serve_on_loopback

DAY = 86_400


def decode_form(pairs) -> dict:
    """`a[b][0]=c` pairs → nested dicts; dicts whose keys are all digits become lists."""
    root: dict = {}
    for key, value in pairs:
        tokens = re.findall(r"[^\[\]]+|\[\]", key)
        node = root
        for i, token in enumerate(tokens):
            last = i == len(tokens) - 1
            if token == "[]":
                token = str(len(node))
            if last:
                node[token] = value
            else:
                node = node.setdefault(token, {})
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `payload`: t=…,v1=HMAC-SHA256(secret, "t.payload")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class StripeApi:
    def __init__(self, secret_key: str = "sk_test_standin", webhook_secret: str = "whsec_test",
                 *, checkout_pages: bool = False):
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.checkout_pages = checkout_pages
        self.objects: dict[str, dict] = {}
        self.events: list[dict] = []  # oldest first
        self.calls: list[tuple[str, str]] = []
        self._idempotent: dict[str, tuple[str, int, dict]] = {}
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(5)  # ids differ between stand-ins sharing a database
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> StripeApi:
        app = web.Application()
        app.router.add_route("*", "/v1/{path:.*}", self._handle)
        if self.checkout_pages:
            app.router.add_get("/pay/{session_id}", self._checkout_page)
        self._runner, self.port = await serve_on_loopback(app, access_log=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._runner.cleanup()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}{self._run}"

    # --- HTTP ---
    async def _checkout_page(self, request: web.Request) -> web.Response:
        """The hosted Checkout page a browser lands on (only with `checkout_pages=True`)."""
        sid = request.match_info["session_id"]
        session = self.objects.get(sid)
        if session is None or session["object"] != "checkout.session":
            return web.Response(status=404, text="No such checkout session.")
        self.calls.append(("GET", f"pay/{sid}"))
        items = session["line_items_requested"] or [{}]
        cents = int((items[0].get("price_data") or {}).get("unit_amount") or 499)
        back = (session.get("success_url") or "").replace("{CHECKOUT_SESSION_ID}", sid)
        body = (f"<!doctype html><title>Stand-in Checkout</title><h1>Stand-in Checkout</h1>"
                f"<p id='session'>{html.escape(sid)}</p><p id='amount'>${cents / 100:.2f}</p>"
                f"<p id='state'>{html.escape(session['status'])}</p>"
                f"<a id='return' href='{html.escape(back, quote=True)}'>Return to the shop</a>")
        return web.Response(text=body, content_type="text/html")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.secret_key}":
            return _error(401, "Invalid API Key provided.", "authentication_error")
        body = decode_form((await request.post()).items()) if request.method == "POST" else {}
        params = decode_form(request.query.items()) if request.method == "GET" else body
        path = request.match_info["path"]
        self.calls.append((request.method, path))
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            return self._idempotent_answer(key, path, body)
        status, payload = self._route(request.method, path, params)
        return web.json_response(payload, status=status)

    def _idempotent_answer(self, key: str, path: str, body: dict) -> web.Response:
        fingerprint = json.dumps([path, body], sort_keys=True)
        if key in self._idempotent:
            seen, status, payload = self._idempotent[key]
            if seen != fingerprint:
                return _error(400, "Keys for idempotent requests can only be used with the "
                              "same parameters they were first used with.", "idempotency_error")
            return web.json_response(payload, status=status,
                                     headers={"Idempotent-Replayed": "true"})
        status, payload = self._route("POST", path, body)
        self._idempotent[key] = (fingerprint, status, payload)
        return web.json_response(payload, status=status)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        listing = {"checkout/sessions": "checkout.session", "events": "event",
                   "customers": "customer"}
        if method == "POST" and path == "checkout/sessions":
            return 200, self._create_session(params)
        if method == "POST" and path == "billing_portal/sessions":
            return self._create_portal(params)
        if method == "GET" and path in listing:
            return 200, self._list(listing[path], params, f"/v1/{path}")
        if method == "GET" and len(parts) >= 2 and parts[-1] in self.objects:
            return 200, self._expanded(self.objects[parts[-1]], params.get("expand") or [])
        if method == "GET":
            return _missing(parts[-1])
        return 404, {"error": {"type": "invalid_request_error",
                               "message": f"Unrecognized request URL ({method}: /v1/{path})."}}

    def _expanded(self, obj: dict, expand: list) -> dict:
        out = dict(obj)
        for field in expand:
            if isinstance(out.get(field), str) and out[field] in self.objects:
                out[field] = self.objects[out[field]]
        return out

    def _list(self, kind: str, params: dict, url: str) -> dict:
        items = [o for o in self.objects.values() if o["object"] == kind]
        items.sort(key=lambda o: (o["created"], o["id"]), reverse=True)
        gte = int((params.get("created") or {}).get("gte", 0))
        types = params.get("types")
        items = [o for o in items if o["created"] >= gte
                 and (not types or o.get("type") in types)
                 and all(o.get(f) == params[f] for f in ("status", "email") if f in params)]
        if params.get("starting_after"):
            ids = [o["id"] for o in items]
            items = items[ids.index(params["starting_after"]) + 1:]
        limit = int(params.get("limit", 10))
        return {"object": "list", "url": url, "data": items[:limit],
                "has_more": len(items) > limit}

    def _put(self, obj: dict) -> dict:
        obj.setdefault("created", int(time.time()))
        self.objects[obj["id"]] = obj
        return obj

    def _create_session(self, params: dict) -> dict:
        sid = self.new_id("cs_test")
        return self._put({
            "id": sid, "object": "checkout.session", "mode": params.get("mode", "payment"),
            "status": "open", "payment_status": "unpaid", "url": f"{self.base_url}/pay/{sid}",
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "customer_email": params.get("customer_email"), "customer": None,
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "line_items_requested": params.get("line_items") or [],
            "payment_intent": None, "subscription": None,
            "_payment_intent_data": params.get("payment_intent_data") or {},
            "_subscription_data": params.get("subscription_data") or {},
        })

    def _create_portal(self, params: dict) -> tuple[int, dict]:
        if params.get("customer") not in self.objects:
            return _missing(params.get("customer") or "customer")
        pid = self.new_id("bps")
        return 200, self._put({"id": pid, "object": "billing_portal.session",
                               "customer": params["customer"], "url": f"{self.base_url}/p/{pid}",
                               "return_url": params.get("return_url")})

    # --- what happens at Stripe (test hooks); each returns the event Stripe would send ---
    def event(self, event_type: str, obj: dict) -> dict:
        event = self._put({"id": self.new_id("evt"), "object": "event", "type": event_type,
                           "api_version": "2026-10-28", "livemode": False,
                           "data": {"object": json.loads(json.dumps(obj))}})
        self.events.append(event)
        return event

    def complete_session(self, session_id: str, paid: bool = True) -> dict:
        """The customer pays (or starts an async payment when `paid` is False)."""
        session = self.objects[session_id]
        session["status"] = "complete"
        session["payment_status"] = "paid" if paid else "unpaid"
        email = session.get("customer_email") or "buyer@example.com"
        customer = self._put({"id": self.new_id("cus"), "object": "customer", "email": email})
        session["customer"] = customer["id"]
        if session["mode"] == "subscription":
            meta = session["_subscription_data"].get("metadata") or {}
            session["subscription"] = self.create_subscription(customer["id"], meta)["id"]
        else:
            meta = session["_payment_intent_data"].get("metadata") or {}
            session["payment_intent"] = self._create_payment(session, meta, paid)["id"]
        return self.event("checkout.session.completed", session)

    def _create_payment(self, session: dict, metadata: dict, paid: bool) -> dict:
        items = session["line_items_requested"] or [{}]
        amount = int(((items[0].get("price_data") or {}).get("unit_amount")) or 499)
        pi_id, ch_id = self.new_id("pi"), self.new_id("ch")
        self._put({"id": ch_id, "object": "charge", "payment_intent": pi_id, "amount": amount,
                   "amount_refunded": 0, "refunded": False, "disputed": False, "paid": paid,
                   "metadata": metadata})
        return self._put({"id": pi_id, "object": "payment_intent", "amount": amount,
                          "status": "succeeded" if paid else "processing",
                          "latest_charge": ch_id, "metadata": metadata})

    def settle_async(self, session_id: str, succeeded: bool) -> dict:
        session = self.objects[session_id]
        session["payment_status"] = "paid" if succeeded else "unpaid"
        kind = "succeeded" if succeeded else "failed"
        return self.event(f"checkout.session.async_payment_{kind}", session)

    def _charge_of(self, payment_intent_id: str) -> dict:
        return self.objects[self.objects[payment_intent_id]["latest_charge"]]

    def refund(self, payment_intent_id: str) -> dict:
        charge = self._charge_of(payment_intent_id)
        charge.update(refunded=True, amount_refunded=charge["amount"])
        return self.event("charge.refunded", charge)

    def dispute(self, payment_intent_id: str) -> dict:
        charge = self._charge_of(payment_intent_id)
        charge["disputed"] = True
        dispute = self._put({"id": self.new_id("dp"), "object": "dispute",
                             "charge": charge["id"], "payment_intent": payment_intent_id,
                             "amount": charge["amount"], "status": "needs_response"})
        return self.event("charge.dispute.created", dispute)

    def create_subscription(self, customer: str, metadata: dict, days: int = 30) -> dict:
        now = int(time.time())
        sub_id = self.new_id("sub")
        return self._put({"id": sub_id, "object": "subscription", "customer": customer,
                          "status": "active", "metadata": metadata, "items": {
                              "object": "list", "data": [{
                                  "id": self.new_id("si"), "object": "subscription_item",
                                  "current_period_start": now,
                                  "current_period_end": now + days * DAY}]}})

    def update_subscription(self, sub_id: str, status: str | None = None,
                            period_end: int | None = None) -> dict:
        sub = self.objects[sub_id]
        if status:
            sub["status"] = status
        if period_end:
            sub["items"]["data"][0]["current_period_end"] = period_end
        return self.event("customer.subscription.updated", sub)

    def delete_subscription(self, sub_id: str) -> dict:
        self.objects[sub_id]["status"] = "canceled"
        return self.event("customer.subscription.deleted", self.objects[sub_id])

    def invoice(self, sub_id: str, paid: bool, period_end: int | None = None) -> dict:
        sub = self.objects[sub_id]
        if paid:
            sub["status"] = "active"
            sub["items"]["data"][0]["current_period_end"] = period_end or int(time.time()) + 30 * DAY
        else:
            sub["status"] = "past_due"
        invoice = self._put({"id": self.new_id("in"), "object": "invoice",
                             "customer": sub["customer"], "status": "paid" if paid else "open",
                             "parent": {"type": "subscription_details",
                                        "subscription_details": {"subscription": sub_id}}})
        return self.event("invoice.paid" if paid else "invoice.payment_failed", invoice)

    # --- webhooks ---
    def signed(self, event: dict, timestamp: int | None = None) -> tuple[bytes, str]:
        payload = json.dumps(event).encode()
        return payload, sign(payload, self.webhook_secret, timestamp)

    async def deliver(self, event: dict, url: str) -> tuple[int, str]:
        """POST the event, signed, to our webhook endpoint; (status, body) of the answer."""
        payload, header = self.signed(event)
        headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session, session.post(
            url, data=payload, headers=headers, timeout=aiohttp.ClientTimeout(total=30)
        ) as response:
            return response.status, await response.text()


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response({"error": {"type": kind, "message": message}}, status=status)


def _missing(object_id: str) -> tuple[int, dict]:
    return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                           "message": f"No such object: '{object_id}'"}}
