"""Pick the store for `settings.effective_database_url`: `sqlite:///…` or `postgresql://…`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.datadir import private_dir
from core.store.migrate import dialect_of, sqlite_path

if TYPE_CHECKING:
    from core.settings import Settings
    from core.store.base import Store


async def open_store(settings: Settings) -> Store:
    """An opened store; SQLite is also migrated, PostgreSQL is migrated by `threadr migrate`
    and refused here while that is pending (`MigrationsPending`, see `check_migrated`).

    Raises `StorageUnavailable` when the database cannot be reached, `ValueError` for a URL
    that is neither SQLite nor PostgreSQL.
    """
    url = settings.effective_database_url
    if dialect_of(url) == "sqlite":
        from core.store.sqlite import SqliteStore

        if not settings.database_url:  # the embedded default lives in the data dir
            private_dir(settings.data_dir)
        return await SqliteStore.open(sqlite_path(url), settings.migrations_dir or None)
    from core.store.postgres import PostgresStore

    store = await PostgresStore.open(
        url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
        connect_timeout=settings.db_connect_timeout, command_timeout=settings.db_command_timeout,
        acquire_timeout=settings.db_acquire_timeout,
    )
    try:
        await store.check_migrated(settings.migrations_dir or None)
    except BaseException:
        await store.close()
        raise
    return store


async def check_migrated(settings: Settings) -> None:
    """Before `threadr serve` starts its workers: `MigrationsPending` when the PostgreSQL
    database lacks a migration of this release (one connection, two small queries). SQLite
    migrates itself on open; an unreachable database is left to the store's own start-up."""
    url = settings.effective_database_url
    if dialect_of(url) != "postgres":
        return
    import asyncpg

    from core.store.migrate import require_migrated

    try:
        conn = await asyncpg.connect(url, timeout=settings.db_connect_timeout)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return
    try:
        await require_migrated(conn, settings.migrations_dir or None)
    finally:
        await conn.close()
