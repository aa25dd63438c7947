"""An unreachable or locked database is a quick, retryable StorageUnavailable, never a hang."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import StorageUnavailable
from core.store.migrate import migrate, sqlite_path
from core.store.postgres import PostgresStore
from core.store.sqlite import SqliteStore, connect

CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:1/postgres"
BOUND = 5  # seconds: the brief's "fail fast" bound; a hang fails the test instead of stalling it


async def test_opening_a_store_on_a_closed_port_fails_fast():
    with pytest.raises(StorageUnavailable) as caught:
        await asyncio.wait_for(PostgresStore.open(CLOSED_PORT_URL), BOUND)
    assert caught.value.retry_after >= 1 and caught.value.code == "storage_unavailable"


async def test_every_call_on_a_lazy_pool_to_a_closed_port_fails_fast():
    store = await PostgresStore.open(CLOSED_PORT_URL, min_size=0)
    try:
        with pytest.raises(StorageUnavailable):
            await asyncio.wait_for(store.ping(), BOUND)
        with pytest.raises(StorageUnavailable):
            await asyncio.wait_for(store.user_for_identity("telegram", "1"), BOUND)
        with pytest.raises(StorageUnavailable):
            async with store.billing_transaction():
                pass
    finally:
        await store.close()


async def test_migrating_an_unreachable_server_fails_fast():
    with pytest.raises(StorageUnavailable):
        await asyncio.wait_for(migrate(CLOSED_PORT_URL), BOUND)


async def test_a_closed_store_reports_unavailable(pg_database_url):
    store = await PostgresStore.open(pg_database_url)
    await store.close()
    with pytest.raises(StorageUnavailable):
        await store.ping()


async def test_a_full_pool_times_out_instead_of_waiting_forever(pg_database_url):
    store = await PostgresStore.open(pg_database_url, min_size=1, max_size=1, acquire_timeout=0.2)
    try:
        async with store.billing_transaction():
            with pytest.raises(StorageUnavailable):
                await asyncio.wait_for(store.ping(), BOUND)
    finally:
        await store.close()


async def test_a_sqlite_file_locked_by_another_process_is_unavailable(sqlite_database_url):
    store = await SqliteStore.open(sqlite_path(sqlite_database_url), busy_timeout=0.1)
    other = await connect(sqlite_path(sqlite_database_url))
    try:
        await other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StorageUnavailable):
            await store.create_user(None, None)
        await store.ping()  # reads still work in WAL mode
        await other.execute("ROLLBACK")
        assert (await store.create_user("ann@example.com", None)).email == "ann@example.com"
    finally:
        await other.close()
        await store.close()


async def test_a_connection_dropped_mid_transaction_is_unavailable_then_replaced(
    pg_database_url,
):
    store = await PostgresStore.open(pg_database_url, min_size=1, max_size=1)
    try:
        with pytest.raises(StorageUnavailable):
            async with store.billing_transaction() as tx:
                await kill_other_connections(pg_database_url)
                await asyncio.wait_for(tx.mark_event_processed("evt_1", "x"), BOUND)
        await store.ping()  # the pool replaced the dead connection
        async with store.billing_transaction() as tx:
            assert await tx.mark_event_processed("evt_1", "x")  # nothing was half-applied
    finally:
        await store.close()


async def kill_other_connections(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
