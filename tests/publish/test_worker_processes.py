"""`threadr worker` processes on one PostgreSQL (procrastinate), publishing to the X stand-in:
a worker SIGKILLed while the network holds post 4 unanswered is replaced and the thread ends
with each post once, in order; two workers share several publications without a duplicate."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.bootstrap import build_services
from core.settings import SecretStr
from tests.publish.flows import SEVEN
from tests.publish.steps import connected, publication
from tests.standins.social_common import Fault

REPO = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()


@pytest.fixture
def worker_settings(pub_settings, pg_database_url):
    return pub_settings.with_(database_url=pg_database_url, publish_lease_seconds=2.0,
                              token_encryption_key=SecretStr(KEY))


def _env(settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STRIPE_"))}
    env.update({
        "PYTHONPATH": str(REPO), "THREADR_ENV": "test", "DATABASE_URL": settings.database_url,
        "THREADR_DATA_DIR": str(settings.data_dir), "TOKEN_ENCRYPTION_KEY": KEY,
        "JWT_SECRET": settings.jwt_secret.reveal(), "X_CLIENT_ID": settings.x_client_id,
        "X_API_BASE": settings.x_api_base, "X_TOKEN_URL": settings.x_token_url,
        "X_AUTHORIZE_URL": settings.x_authorize_url, "FETCH_ALLOW_LOOPBACK": "true",
        "PUBLISH_LEASE_SECONDS": "2", "PUBLISH_RETRY_SECONDS": "0.05", "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    })
    return env


def start_worker(settings) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=REPO,
                            env=_env(settings), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


async def until(predicate, limit: float = 40.0) -> None:
    for _ in range(int(limit / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def _status(services, pub_id: str) -> str:
    return (await services.store.get_publication(pub_id))["status"]


async def test_a_worker_killed_mid_thread_is_replaced_and_no_post_is_duplicated(
        worker_settings, networks):
    x = networks["x"]
    x.faults.plan = {4: Fault(500, lost=True, delay=8)}  # post 4 stored, answer held back
    async with build_services(worker_settings) as services:
        await services.publish_queue.ensure_schema()
        user_id, dest = await connected(services, "x", networks)
        first = start_worker(worker_settings)
        try:
            pub_id = await publication(services, user_id, dest.id)
            await until(lambda: len(x.tweets) == 4)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            second = start_worker(worker_settings)
            try:
                await until(lambda: len(x.tweets) >= 7)
                for _ in range(200):
                    if await _status(services, pub_id) == "published":
                        break
                    await asyncio.sleep(0.05)
                assert await _status(services, pub_id) == "published"
            finally:
                stop(second)
        finally:
            stop(first)
    assert [t["text"] for t in x.tweets] == SEVEN
    assert [t["in_reply_to"] for t in x.tweets] == [None, *[t["id"] for t in x.tweets[:-1]]]


async def test_two_workers_share_publications_each_post_once_in_order(
        worker_settings, networks):
    x = networks["x"]
    async with build_services(worker_settings) as services:
        await services.publish_queue.ensure_schema()
        user_id, dest = await connected(services, "x", networks)
        workers = [start_worker(worker_settings) for _ in range(2)]
        try:
            pub_ids = [await publication(services, user_id, dest.id,
                                         [f"{text} #{n}" for text in SEVEN]) for n in range(4)]
            await until(lambda: len(x.tweets) >= 28, limit=60)
            for pub_id in pub_ids:
                for _ in range(200):
                    if await _status(services, pub_id) == "published":
                        break
                    await asyncio.sleep(0.05)
                assert await _status(services, pub_id) == "published"
        finally:
            for worker in workers:
                stop(worker)
    assert sorted(t["text"] for t in x.tweets) == sorted(
        f"{text} #{n}" for text in SEVEN for n in range(4))
    by_id = {t["id"]: t for t in x.tweets}
    for n in range(4):
        mine = [t for t in x.tweets if t["text"].endswith(f"#{n}")]
        assert [t["text"] for t in mine] == [f"{text} #{n}" for text in SEVEN]
        assert [t["in_reply_to"] for t in mine[1:]] == [t["id"] for t in mine[:-1]]
        assert mine[0]["in_reply_to"] is None and all(by_id[t["id"]] for t in mine)
