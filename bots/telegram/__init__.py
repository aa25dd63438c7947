"""The Telegram bot (python-telegram-bot): `build_application`, `make_webhook_handler`."""
