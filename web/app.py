"""The aiohttp application: `create_app(settings)` wires state, middlewares and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from core.services import Services
from core.settings import Settings
from web.keys import CORS, OPENAPI, PROXIES, SERVICES, SETTINGS
from web.middlewares import observe, on_response_prepare, translate_errors
from web.openapi import build_openapi
from web.routes import route_table, setup_routes
from web.security import CorsPolicy, ProxyPolicy

# Bodies above this are refused by aiohttp itself; per-route limits are checked earlier.
_BODY_SLACK = 64 * 1024


def create_app(settings: Settings, *, services: Services | None = None) -> web.Application:
    """The web app. Tests inject `services`; otherwise they are built from `settings`
    when the app starts and closed when it stops."""
    app = web.Application(
        middlewares=[observe, translate_errors],
        client_max_size=max(settings.max_html_bytes, settings.max_text_bytes) + _BODY_SLACK,
    )
    app[SETTINGS] = settings
    app[CORS] = CorsPolicy.from_settings(settings)
    app[PROXIES] = ProxyPolicy(settings.trusted_proxies)
    table = route_table()
    setup_routes(app, table)
    app[OPENAPI] = build_openapi(table, settings.public_url)
    app.on_response_prepare.append(on_response_prepare)
    if services is not None:
        app[SERVICES] = services
    else:
        app.cleanup_ctx.append(_services_ctx)
    return app


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    from core.bootstrap import build_services

    async with build_services(app[SETTINGS]) as services:
        app[SERVICES] = services
        yield
