"""What `threadr serve` mounts for Telegram, decided without importing the bot: the SDK
(python-telegram-bot, ~0.4 s of imports) is loaded only when the webhook is configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.settings import Settings

if TYPE_CHECKING:
    from bots.telegram.webhook import TelegramWebhook


def webhook_mounts(settings: Settings) -> list[TelegramWebhook]:
    """The webhook when TELEGRAM_MODE=webhook (and a token is set), else nothing."""
    if settings.telegram_mode == "webhook" and settings.telegram_token:
        from bots.telegram.webhook import TelegramWebhook

        return [TelegramWebhook(settings)]
    return []
