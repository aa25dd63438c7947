"""Webhook mode: an aiohttp handler for `POST /telegram/webhook` that feeds the Application.

The web app mounts it (bots never import `web/`):

    app.router.add_post("/telegram/webhook", make_webhook_handler(application, secret))

`application` must be initialized and started (its `post_init` run) for the updates to be
processed; `telegram_webhook_lifecycle(settings)` does exactly that for the web app.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from core.settings import Settings

log = logging.getLogger("threadr.telegram")
MAX_UPDATE_BYTES = 1_000_000
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def make_webhook_handler(application: Application, secret: str):
    """A handler answering 403 unless the secret header matches `secret` (compared in
    constant time; an empty `secret` refuses everything), else queueing the update."""
    expected = secret.encode()

    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            return web.json_response({"error": {"code": "forbidden",
                                                "message": "Wrong webhook secret."}}, status=403)
        if (request.content_length or 0) > MAX_UPDATE_BYTES:
            return web.json_response({"error": {"code": "payload_too_large",
                                                "message": "Update too large."}}, status=413)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return web.json_response({"error": {"code": "invalid_input",
                                                "message": "Not a Telegram update."}}, status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)

    return telegram_webhook


@asynccontextmanager
async def telegram_webhook_lifecycle(settings: Settings) -> AsyncIterator[Application]:
    """Start the bot for webhook mode (set the webhook, process queued updates), stop on exit.

    For the web app's cleanup_ctx when `settings.telegram_mode == "webhook"`."""
    from bots.telegram.app import build_application

    application = build_application(settings)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.shutdown()
        await application.post_shutdown(application)
