"""`open_store` picks the backend from the database URL and the SQLite store sets itself up."""

from __future__ import annotations

import pytest

from core.settings import Settings
from core.store.factory import open_store
from core.store.postgres import PostgresStore
from core.store.sqlite import SqliteStore


async def test_no_configuration_means_a_migrated_sqlite_file_in_the_data_dir(tmp_path):
    data_dir = tmp_path / "not" / "yet" / "there"
    store = await open_store(Settings(data_dir=data_dir))
    try:
        assert isinstance(store, SqliteStore)
        assert (data_dir / "threadr.db").exists()
        await store.create_user("ann@example.com", None)
    finally:
        await store.close()


async def test_the_sqlite_file_uses_wal_and_enforces_foreign_keys(sqlite_database_url):
    store = await open_store(Settings(database_url=sqlite_database_url))
    try:
        async with store._tx(write=False) as db:
            assert (await db.execute_fetchall("PRAGMA journal_mode"))[0][0] == "wal"
            assert (await db.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1
    finally:
        await store.close()


async def test_reopening_an_existing_sqlite_file_keeps_its_data(sqlite_database_url):
    settings = Settings(database_url=sqlite_database_url)
    first = await open_store(settings)
    user = await first.create_user("ann@example.com", None)
    await first.close()
    second = await open_store(settings)
    try:
        assert await second.get_user(user.id) == user
    finally:
        await second.close()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
async def test_a_postgres_url_opens_a_pooled_postgres_store(pg_database_url, scheme):
    url = scheme + "://" + pg_database_url.split("://", 1)[1]
    store = await open_store(Settings(database_url=url, db_pool_min=1, db_pool_max=2))
    try:
        assert isinstance(store, PostgresStore)
        await store.ping()
    finally:
        await store.close()


async def test_an_unknown_database_url_is_refused_clearly():
    with pytest.raises(ValueError, match="sqlite:///path or postgresql://"):
        await open_store(Settings(database_url="mysql://localhost/threadr"))
