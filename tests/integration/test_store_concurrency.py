"""Atomicity under concurrency, on both stores, and across two processes' worth of SQLite."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.store.migrate import sqlite_path
from core.store.sqlite import SqliteStore

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


async def apply_once(store, event_id: str, user_id: str, attempt: int) -> bool:
    """What a webhook handler does: record the event and, if it is new, grant premium."""
    async with store.billing_transaction() as tx:
        if not await tx.mark_event_processed(event_id, "checkout.session.completed"):
            return False
        await asyncio.sleep(0)  # let the other transactions interleave
        return await tx.add_premium_grant(
            user_id, "stripe", f"pi_{attempt}", T0, T0 + timedelta(days=30)
        )


async def grants_made(store, attempts: int) -> int:
    async with store.billing_transaction() as tx:
        return sum([await tx.find_grant_user(f"pi_{i}") is not None for i in range(attempts)])


async def test_100_concurrent_first_uses_of_an_identity_make_one_account(store):
    ids = await asyncio.gather(*(store.user_for_identity("telegram", "42") for _ in range(100)))
    assert len(set(ids)) == 1
    assert await store.list_identities(ids[0]) == [("telegram", "42")]


async def test_a_link_code_redeemed_20_times_at_once_works_once(store):
    await store.create_link_code("hash-x", "discord", "7", T0 + timedelta(minutes=5))
    results = await asyncio.gather(*(store.consume_link_code("hash-x", T0) for _ in range(20)))
    assert [r for r in results if r is not None] == [("discord", "7")]


async def test_20_concurrent_deliveries_of_one_event_apply_it_once(store):
    user = await store.create_user(None, None)
    results = await asyncio.gather(*(apply_once(store, "evt_1", user.id, i) for i in range(20)))
    assert sum(results) == 1
    assert await grants_made(store, 20) == 1


async def two_stores(url: str) -> tuple[SqliteStore, SqliteStore]:
    first = await SqliteStore.open(sqlite_path(url))
    return first, await SqliteStore.open(sqlite_path(url))


async def test_two_sqlite_connections_on_one_file_still_make_one_account(sqlite_database_url):
    first, second = await two_stores(sqlite_database_url)
    try:
        ids = await asyncio.gather(*(
            (first if i % 2 else second).user_for_identity("discord", "9") for i in range(40)
        ))
        assert len(set(ids)) == 1
    finally:
        await first.close()
        await second.close()


async def test_two_sqlite_connections_on_one_file_apply_an_event_once(sqlite_database_url):
    first, second = await two_stores(sqlite_database_url)
    try:
        user = await first.create_user(None, None)
        results = await asyncio.gather(*(
            apply_once(first if i % 2 else second, "evt_2", user.id, i) for i in range(20)
        ))
        assert sum(results) == 1
        assert await grants_made(second, 20) == 1
    finally:
        await first.close()
        await second.close()


_WORKER = """
import asyncio, sys
from core.store.sqlite import SqliteStore

async def main(path, n):
    store = await SqliteStore.open(path)
    try:
        ids = {await store.user_for_identity("telegram", "shared") for _ in range(n)}
        async with store.billing_transaction() as tx:
            won = await tx.mark_event_processed("evt_shared", "x")
        print(ids.pop(), int(won))
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_processes_sharing_a_fresh_sqlite_file_agree(tmp_path):
    """Four processes open (and so migrate) one new file at once, then race on it."""
    path = tmp_path / "shared" / "threadr.db"
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _WORKER, str(path), "25", cwd=REPO,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [await asyncio.wait_for(child.communicate(), 60) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [o[1][-500:] for o in outputs]
    answers = [out.decode().split() for out, _ in outputs]
    assert len({user_id for user_id, _ in answers}) == 1
    assert sorted(won for _, won in answers) == ["0", "0", "0", "1"]
