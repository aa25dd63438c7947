"""The aiohttp application: `create_app(settings)` wires state, middlewares and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from functools import partial
from typing import Protocol

from aiohttp import web

from core.services import Services
from core.settings import Settings
from web.keys import CORS, DRAINING, LARGE_BODY_SLOT, OPENAPI, PROXIES, SERVICES, SETTINGS
from web.middlewares import observe, on_response_prepare
from web.openapi import build_openapi
from web.routes import route_table, setup_routes
from web.security import CorsPolicy, ProxyPolicy

# Bodies above this are refused by aiohttp itself; per-route limits are checked earlier.
_BODY_SLACK = 64 * 1024


def create_app(
    settings: Settings, *, services: Services | None = None, mounts: Sequence[Mount] = ()
) -> web.Application:
    """The web app. Tests inject `services`; otherwise they are built from `settings`
    when the app starts and closed when it stops. `mounts` are extra POST endpoints owned by
    another process type (e.g. the Telegram webhook), started once the services exist."""
    app = web.Application(
        middlewares=[observe],
        client_max_size=max(settings.max_html_bytes, settings.max_text_bytes) + _BODY_SLACK,
    )
    app[SETTINGS] = settings
    app[CORS] = CorsPolicy.from_settings(settings)
    app[PROXIES] = ProxyPolicy(settings.trusted_proxies)
    app[LARGE_BODY_SLOT] = asyncio.Semaphore(1)
    table = route_table()
    setup_routes(app, table)
    for mount in mounts:
        app.router.add_post(mount.path, mount.handle)
    app[OPENAPI] = build_openapi(table, settings.public_origin())
    app[DRAINING] = asyncio.Event()
    app.on_response_prepare.append(on_response_prepare)
    if services is not None:
        app[SERVICES] = services
    else:
        app.cleanup_ctx.append(_services_ctx)
    if mounts:
        app.cleanup_ctx.append(partial(_mounts_ctx, mounts))
    app.cleanup_ctx.append(_reminders_ctx)
    return app


class Mount(Protocol):
    path: str

    async def handle(self, request: web.Request) -> web.StreamResponse: ...

    def running(self, services: Services) -> AbstractAsyncContextManager[None]: ...


async def _mounts_ctx(mounts: Sequence[Mount], app: web.Application) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for mount in mounts:
            await stack.enter_async_context(mount.running(app[SERVICES]))
        yield


async def _services_ctx(app: web.Application) -> AsyncIterator[None]:
    from core.bootstrap import build_services, warm_up
    from core.publish.queue import runs_in_serve

    async with build_services(app[SETTINGS]) as services:
        app[SERVICES] = services
        if runs_in_serve(app[SETTINGS]):
            services.publish_queue.start()
        # The extractor warms while the server already answers (start-up ≤ 1.5 s, issue 18):
        # a page that comes first imports what it needs itself.
        warming = asyncio.ensure_future(asyncio.to_thread(warm_up, services))
        try:
            yield
        finally:
            try:
                await warming  # a thread cannot be cancelled; it ends within a second
            except Exception:  # pages would start the extractor themselves; say so anyway
                logging.getLogger("threadr.server").warning("warm-up failed", exc_info=True)


REMINDER_INTERVAL = 3600.0


async def _reminders_ctx(app: web.Application) -> AsyncIterator[None]:
    """Hourly: mail the premium reminders that are due (each once, whichever worker sends)."""
    from core.usecases.receipts import send_due_reminders

    async def loop() -> None:
        while True:
            await asyncio.sleep(REMINDER_INTERVAL)
            try:
                await send_due_reminders(app[SERVICES])
            except Exception:  # a database hiccup: try again next hour
                logging.getLogger("threadr.receipts").warning("reminders failed", exc_info=True)

    task = asyncio.get_running_loop().create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
