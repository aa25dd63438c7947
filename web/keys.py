"""Every typed key of the web app's state, in one place (aiohttp `web.AppKey`)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.models import Principal
from core.services import Services
from core.settings import Settings
from web.security import CorsPolicy, ProxyPolicy

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
CORS = web.AppKey("cors", CorsPolicy)
PROXIES = web.AppKey("proxies", ProxyPolicy)
OPENAPI = web.AppKey("openapi", dict)
# Large JSON bodies are parsed one at a time, off the event loop (see `web.inputs`).
LARGE_BODY_SLOT = web.AppKey("large_body_slot", asyncio.Semaphore)
DRAINING = web.AppKey("draining", asyncio.Event)  # set on SIGTERM: /readyz answers 503

# Per-request values.
REQUEST_ID = web.RequestKey("request_id", str)
CLIENT_IP = web.RequestKey("client_ip", str)
PRINCIPAL = web.RequestKey("principal", Principal)
# The signed-in user's id (None: anonymous), set by the route table's auth guard for routes
# declared auth="optional" or "required" (web.routes); absent on auth="none" routes.
USER_ID = web.RequestKey("user_id", object)
# What the route's `prefetch` read along with the session check (web.routing.Route).
PREFETCHED = web.RequestKey("prefetched", object)
