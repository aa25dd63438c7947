"""Webhook mode: an aiohttp handler for `POST /telegram/webhook` that feeds the Application.

`threadr serve` with TELEGRAM_MODE=webhook mounts a `TelegramWebhook` in the web app (the
CLI composes the two; `bots/` never imports `web/` and `web/` never imports `bots/`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bots.telegram.app import WEBHOOK_PATH, build_application
from core.errors import Forbidden, InvalidWebhook, PayloadTooLarge, ServiceUnavailable
from core.services import Services
from core.settings import Settings

log = logging.getLogger("threadr.telegram")
MAX_UPDATE_BYTES = 1_000_000
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_webhook_handler(application: Application, secret: str):
    """A handler refusing (Forbidden) unless the secret header matches `secret` (compared in
    constant time; an empty `secret` refuses everything), else queueing the update. Errors
    are domain errors: the host app's error middleware answers them (`web/errors.py`)."""
    expected = secret.encode()

    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            raise Forbidden("Wrong webhook secret.")
        if (request.content_length or 0) > MAX_UPDATE_BYTES:
            raise PayloadTooLarge("Update too large.")
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            raise InvalidWebhook("Not a Telegram update.") from None
        await application.update_queue.put(update)
        return web.Response(status=200)

    return telegram_webhook


@asynccontextmanager
async def telegram_webhook_lifecycle(
    settings: Settings, services: Services | None = None
) -> AsyncIterator[Application]:
    """Start the bot for webhook mode (set the webhook, process queued updates), stop on exit.

    With `services`, the bot shares them (the web app's store and counters) instead of
    building its own."""

    factory = (lambda: nullcontext(services)) if services is not None else None
    application = build_application(settings, factory)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)


class TelegramWebhook:
    """Telegram webhook mode mounted in another aiohttp app (the web app), sharing its services.

    The host app adds `path` → `handle` to its routes and enters `running(services)` once its
    services exist; until then (and after) updates are refused as ServiceUnavailable (503) so
    Telegram retries.
    """

    path = WEBHOOK_PATH

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._handler = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self._handler is None:
            raise ServiceUnavailable("The bot is starting.")
        return await self._handler(request)

    @asynccontextmanager
    async def running(self, services: Services) -> AsyncIterator[None]:
        secret = self.settings.telegram_webhook_secret.reveal()
        async with telegram_webhook_lifecycle(self.settings, services) as application:
            self._handler = make_webhook_handler(application, secret)
            try:
                yield
            finally:
                self._handler = None

