"""The Discord bot: a discord.py `commands.Bot` whose launcher enters the core services.

    bot = build_bot(settings)
    async with bot:
        await bot.start(settings.discord_token.reveal())

`setup_hook` enters the services (`core.bootstrap.build_services`, or the factory passed as
`services=`), registers the slash commands and syncs them; `close()` leaves the services.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack

import discord
import yarl
from discord.ext import commands

from core.services import Services
from core.settings import Settings

log = logging.getLogger("threadr.discord")
ServicesFactory = Callable[[], AbstractAsyncContextManager[Services]]


class ThreadrBot(commands.Bot):
    def __init__(self, settings: Settings, factory: ServicesFactory, **options) -> None:
        super().__init__(command_prefix=commands.when_mentioned,
                         intents=discord.Intents.none(), help_command=None, **options)
        self.settings = settings
        self._factory = factory
        self._stack = AsyncExitStack()
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the Discord bot's services are not started")
        return self._services

    async def setup_hook(self) -> None:
        from bots.discord.commands import register

        self._services = await self._stack.enter_async_context(self._factory())
        register(self)
        synced = await self.tree.sync()
        log.info("discord commands synced: %s", ", ".join(c.name for c in synced))

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._services = None
            await self._stack.aclose()


def build_bot(settings: Settings, services: ServicesFactory | None = None,
              **options) -> ThreadrBot:
    """The bot for `settings`; `options` go to discord.py (tests pass `guild_ready_timeout`)."""
    if services is None:
        from core.bootstrap import build_services

        def services():
            return build_services(settings)

    point_at(settings)
    return ThreadrBot(settings, services, **options)


def point_at(settings: Settings) -> None:
    """Use `discord_api_base` / `discord_gateway_url` when set (stand-ins in tests).

    discord.py keeps both as class attributes, so this is process-wide by its design."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
