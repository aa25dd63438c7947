"""`threadr telegram` and `threadr discord` as real processes: they start on the embedded
defaults (no database server), answer, and stop cleanly (exit 0) on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.standins.discord_api import DiscordApi
from tests.standins.telegram_api import TelegramApi

THREADR = Path(sys.executable).with_name("threadr")


async def start(tmp_path: Path, command: str, **env: str) -> asyncio.subprocess.Process:
    environment = {
        **{k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "STRIPE_", "DATABASE_", "REDIS_"))},
        "THREADR_DATA_DIR": str(tmp_path / "data"), "THREADR_ENV": "test",
        "LOG_JSON": "false", **env,
    }
    program = [str(THREADR)] if THREADR.exists() else [sys.executable, "-m", "bots"]
    return await asyncio.create_subprocess_exec(
        *program, command, env=environment, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, err.decode(errors="replace")


async def test_threadr_telegram_answers_and_stops_cleanly_on_sigterm(tmp_path):
    async with TelegramApi() as api:
        process = await start(tmp_path, "telegram", TELEGRAM_TOKEN=api.token,
                              TELEGRAM_API_BASE=api.base_url)
        try:
            await api.wait_until(lambda: bool(api.sent("setMyCommands")), limit=30)
            api.send_text(7, "/help")
            await api.wait_for("sendMessage")
        finally:
            status, err = await stop(process)
    assert status == 0, err
    assert "Traceback" not in err


async def test_threadr_discord_answers_and_stops_cleanly_on_sigterm(tmp_path):
    async with DiscordApi() as api:
        process = await start(tmp_path, "discord", DISCORD_TOKEN="discord-test-token",
                              DISCORD_API_BASE=api.api_base, DISCORD_GATEWAY_URL=api.gateway)
        try:
            await api.wait_until(lambda: bool(api.sent("sync")), limit=30)
            asked = await api.slash("usage")
            await api.wait_until(lambda: bool(api.sent("followup", token=f"tok{asked}")))
        finally:
            status, err = await stop(process)
    assert status == 0, err
    assert "Traceback" not in err
