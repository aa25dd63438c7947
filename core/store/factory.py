"""Pick the store for `settings.effective_database_url`: `sqlite:///…` or `postgresql://…`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.datadir import private_dir
from core.store.migrate import dialect_of, sqlite_path

if TYPE_CHECKING:
    from core.settings import Settings
    from core.store.base import Store


async def open_store(settings: Settings) -> Store:
    """An opened store; SQLite is also migrated, PostgreSQL is migrated by `threadr migrate`.

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

    return await PostgresStore.open(
        url, min_size=settings.db_pool_min, max_size=settings.db_pool_max,
        connect_timeout=settings.db_connect_timeout, command_timeout=settings.db_command_timeout,
        acquire_timeout=settings.db_acquire_timeout,
    )
