"""`threadr publish THREAD_ID --to DESTINATION_ID` queues a publication; `threadr worker` on
the embedded default publishes it (real subprocesses, the Bluesky stand-in)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from core.bootstrap import build_services
from core.models import Post, Thread
from tests.publish.flows import SEVEN
from tests.publish.steps import connected, stored_texts

REPO = Path(__file__).resolve().parents[2]


def _env(settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STRIPE_"))}
    env.update({"PYTHONPATH": str(REPO), "THREADR_ENV": "test", "DATABASE_URL": "",
                "REDIS_URL": "", "THREADR_DATA_DIR": str(settings.data_dir),
                "JWT_SECRET": settings.jwt_secret.reveal(), "FETCH_ALLOW_LOOPBACK": "true",
                "FETCH_ALLOWED_PORTS": ",".join(map(str, settings.fetch_allowed_ports)),
                "BLUESKY_SERVICE": settings.bluesky_service, "LOG_LEVEL": "WARNING"})
    return env


async def _cli(settings, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", *args, cwd=REPO, env=_env(settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


async def test_publish_from_the_command_line_and_a_worker_publishes_it(pub_settings, networks):
    async with build_services(pub_settings) as services:
        user_id, dest = await connected(services, "bluesky", networks)
        thread = await services.store.save_thread(user_id, Thread(
            posts=tuple(Post(p, len(p)) for p in SEVEN), generator="offline"))
    code, out, err = await _cli(pub_settings, "publish", thread.id, "--to", dest.id)
    assert code == 0, err
    queued = json.loads(out)
    assert queued["status"] == "scheduled"
    bad, _, err = await _cli(pub_settings, "publish", thread.id, "--to", "nope")
    assert bad == 2 and "no destination" in err
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "worker", cwd=REPO, env=_env(pub_settings),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        for _ in range(400):
            if len(networks["bluesky"].order) == 7:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.terminate()
        await asyncio.wait_for(worker.wait(), 20)
    assert stored_texts("bluesky", networks["bluesky"]) == SEVEN
