"""The page, the public config, health, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from core.models import MAX_POST_LENGTH
from web.keys import DRAINING, OPENAPI, SERVICES
from web.schemas import ConfigOut, HealthOut, out

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("threadr.web")
_PING_TIMEOUT = 2.0


async def favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "favicon.svg", headers={
        "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def config(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    return web.json_response(out(ConfigOut, {
        "billing": settings.billing_configured,
        "max_text_bytes": settings.max_text_bytes,
        "max_html_bytes": settings.max_html_bytes,
        "max_post_length": MAX_POST_LENGTH,
    }))


async def healthz(request: web.Request) -> web.Response:
    return web.json_response(out(HealthOut, {"status": "ok", "checks": {}}))


async def _check(name: str, ping) -> str:
    try:
        await asyncio.wait_for(ping(), _PING_TIMEOUT)
        return "ok"
    except Exception as exc:  # the reason goes to the log, not to the caller
        log.warning("readiness check failed", extra={"check": name, "error": type(exc).__name__})
        return "down"


async def readyz(request: web.Request) -> web.Response:
    """503 while draining after SIGTERM and when the database cannot answer. Counters
    (Redis) down is reported as "degraded" but ready: quotas then run on the bounded
    per-process fallback."""
    if request.app[DRAINING].is_set():
        return web.json_response(out(HealthOut, {"status": "draining"}), status=503)
    services = request.app[SERVICES]
    checks = {
        "database": await _check("database", services.store.ping),
        "counters": await _check("counters", services.counters.ping),
    }
    if checks["counters"] == "down":
        checks["counters"] = "degraded"
    if services.generator.breaker_state is not None:
        checks["llm"] = services.generator.breaker_state
    ready = checks["database"] == "ok"
    answer = out(HealthOut, {"status": "ready" if ready else "not_ready", "checks": checks})
    return web.json_response(answer, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[SERVICES].metrics.render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])
