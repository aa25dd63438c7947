"""`threadr serve` on embedded defaults does not import the SDKs of what is not configured
(start-up ≤ 1.5 s, issue 18): no Telegram, Discord, Stripe, OpenAI, procrastinate, Jinja2.

Not a timing test: a real subprocess takes the serve path (the CLI's mounts, the web app, its
start-up hooks with the composition root on a fresh data dir) and reports `sys.modules`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNCONFIGURED = ("telegram", "discord", "stripe", "openai", "procrastinate", "jinja2")

PROBE = """
import asyncio, json, sys
from aiohttp import web
from bots.telegram.mounts import webhook_mounts
from core.settings import Settings
from web.app import create_app
from web.keys import SERVICES

async def main():
    settings = Settings.from_env()
    app = create_app(settings, mounts=webhook_mounts(settings))
    runner = web.AppRunner(app)
    await runner.setup()  # the start-up hooks: services built, as `threadr serve` does
    generator = type(app[SERVICES].generator).__name__
    loaded = sorted({m.split(".")[0] for m in sys.modules})
    await runner.cleanup()
    return {"generator": generator, "modules": loaded}

print(json.dumps(asyncio.run(main())))
"""


def _probe(tmp_path, **env_extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPENAI_", "STRIPE_", "TELEGRAM_", "DISCORD_"))}
    env.update(PYTHONPATH=str(ROOT), THREADR_DATA_DIR=str(tmp_path), DATABASE_URL="",
               REDIS_URL="", THREADR_ENV="test", **env_extra)
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_serve_on_embedded_defaults_imports_no_unconfigured_sdk(tmp_path):
    result = _probe(tmp_path)
    assert result["generator"] == "OfflineGenerator"
    loaded = set(result["modules"]) & set(UNCONFIGURED)
    assert not loaded, f"`threadr serve` imported {sorted(loaded)} without being configured"


def test_the_probe_sees_a_configured_sdk(tmp_path):
    """With the LLM generator configured, `openai` is imported (the check can fail)."""
    result = _probe(tmp_path, THREADR_GENERATOR="llm", OPENAI_API_KEY="sk-test",
                    OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert result["generator"] == "FallbackGenerator"
    assert "openai" in result["modules"]
