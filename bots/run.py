"""Process runners for the bots: `run_telegram(settings)` and `run_discord(settings)`.

Both build their services from the composition root, run until SIGINT/SIGTERM, then close
everything and return an exit status (0 on a clean stop). `threadr telegram` and
`threadr discord` call these; so does `python -m bots telegram|discord`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from core.settings import Settings

log = logging.getLogger("threadr.bots")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_telegram(settings: Settings) -> int:
    """Long polling until SIGINT/SIGTERM. Webhook mode is served by the web app instead."""
    from telegram import Update
    from telegram.error import InvalidToken

    from bots.telegram.app import build_application

    if not settings.telegram_token:
        return _fail("TELEGRAM_TOKEN is not set (create a bot with @BotFather)")
    if settings.telegram_mode == "webhook":
        return _fail("TELEGRAM_MODE=webhook: updates arrive at /telegram/webhook of "
                     "`threadr serve`; use TELEGRAM_MODE=polling to run the bot on its own")
    application = build_application(settings)
    log.info("telegram bot starting (long polling)")
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=STOP_SIGNALS)
    except InvalidToken:
        return _fail("Telegram refused the token (TELEGRAM_TOKEN)", status=1)
    log.info("telegram bot stopped")
    return 0


def run_discord(settings: Settings) -> int:
    """Connect to the gateway until SIGINT/SIGTERM, then close the bot and its services."""
    if not settings.discord_token:
        return _fail("DISCORD_TOKEN is not set (create an application at "
                     "https://discord.com/developers/applications)")
    import discord

    try:
        asyncio.run(_discord(settings))
    except discord.LoginFailure:
        return _fail("Discord refused the token (DISCORD_TOKEN)", status=1)
    log.info("discord bot stopped")
    return 0


async def _discord(settings: Settings) -> None:
    from bots.discord.app import build_bot

    bot = build_bot(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token.reveal()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        await bot.close()
        await runner  # re-raises a login failure; returns once the bot has stopped


def _fail(message: str, status: int = 2) -> int:
    print(f"threadr: {message}", file=sys.stderr)
    return status
