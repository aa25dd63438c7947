"""The Telegram bot: a python-telegram-bot `Application` built from the settings.

    application = build_application(settings)
    application.run_polling()            # post_init enters build_services, post_shutdown leaves

`services=` takes a factory of an async context manager yielding `Services` (tests pass one
sharing a store); by default it is `core.bootstrap.build_services(settings)`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bots.chat_texts import COMMANDS
from bots.telegram.handlers import TelegramHandlers, on_error
from core.services import Services
from core.settings import Settings

log = logging.getLogger("threadr.telegram")
SEEN_UPDATES = 10_000  # update ids remembered to drop redeliveries
WEBHOOK_PATH = "/telegram/webhook"
ServicesFactory = Callable[[], AbstractAsyncContextManager[Services]]


class UpdateGuard:
    """Drops an update whose `update_id` was already seen (bounded memory, oldest forgotten)."""

    def __init__(self, size: int = SEEN_UPDATES) -> None:
        self.size = size
        self.seen: OrderedDict[int, None] = OrderedDict()
        self.dropped = 0

    async def __call__(self, update: Update, context) -> None:
        if update.update_id in self.seen:
            self.dropped += 1
            log.info("dropping a duplicate Telegram update")
            raise ApplicationHandlerStop
        self.seen[update.update_id] = None
        if len(self.seen) > self.size:
            self.seen.popitem(last=False)


class Lifecycle:
    """Enters the services in `post_init`, leaves them in `post_shutdown`."""

    def __init__(self, settings: Settings, factory: ServicesFactory) -> None:
        self.settings = settings
        self.factory = factory
        self.stack = AsyncExitStack()
        self.services: Services | None = None

    def get(self) -> Services:
        if self.services is None:
            raise RuntimeError("the Telegram bot's services are not started")
        return self.services

    async def post_init(self, application: Application) -> None:
        self.services = await self.stack.enter_async_context(self.factory())
        await application.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])
        if self.settings.telegram_mode == "webhook":
            await application.bot.set_webhook(
                self.settings.public_origin() + WEBHOOK_PATH,
                secret_token=self.settings.telegram_webhook_secret.reveal() or None,
                allowed_updates=Update.ALL_TYPES)

    async def post_shutdown(self, application: Application) -> None:
        self.services = None
        await self.stack.aclose()


def build_application(settings: Settings, services: ServicesFactory | None = None) -> Application:
    """The bot, ready for `run_polling()` (or `initialize()` + `post_init` + `start()`)."""
    if services is None:
        from core.bootstrap import build_services

        def services():
            return build_services(settings)

    lifecycle = Lifecycle(settings, services)
    builder = (ApplicationBuilder().token(settings.telegram_token.reveal())
               .rate_limiter(AIORateLimiter(max_retries=3))
               .concurrent_updates(True)
               .post_init(lifecycle.post_init).post_shutdown(lifecycle.post_shutdown))
    if settings.telegram_api_base:
        base = settings.telegram_api_base.rstrip("/")
        builder = builder.base_url(base).base_file_url(_file_base(base))
    application = builder.build()
    application.bot_data["lifecycle"] = lifecycle
    add_handlers(application, TelegramHandlers(lifecycle.get), UpdateGuard())
    return application


def add_handlers(application: Application, handlers: TelegramHandlers, guard: UpdateGuard) -> None:
    application.bot_data["update_guard"] = guard
    application.add_handler(TypeHandler(Update, guard), group=-1)
    for name, _ in COMMANDS:
        application.add_handler(CommandHandler(name, getattr(handlers, name)))
    application.add_handler(CallbackQueryHandler(handlers.button))
    text = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    application.add_handler(MessageHandler(text, handlers.message))
    application.add_error_handler(on_error)


def _file_base(base: str) -> str:
    """`…/bot` → `…/file/bot` (how the Bot API lays out file downloads)."""
    head, _, tail = base.rpartition("/")
    return f"{head}/file/{tail}" if head else base + "/file"
