"""`python -m bots telegram|discord`: the bot processes (same as `threadr telegram|discord`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core.logs import configure_logging
    from core.settings import Settings, SettingsError

    args = sys.argv[1:] if argv is None else argv
    if args not in (["telegram"], ["discord"]):
        print("usage: python -m bots telegram|discord", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"python -m bots: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    from bots.run import run_discord, run_telegram

    return run_telegram(settings) if args[0] == "telegram" else run_discord(settings)


if __name__ == "__main__":
    sys.exit(main())
