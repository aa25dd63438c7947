"""Opening an SQLite file the way Threadr uses it (WAL, autocommit, foreign keys), shared by
the store (`core.store.sqlite`) and the migrator (`core.store.migrate`)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiosqlite

from core.datadir import private_file
from core.errors import StorageUnavailable

BUSY_TIMEOUT_SECONDS = 5.0
_OUTAGES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL",
            "SQLITE_PROTOCOL", "SQLITE_READONLY")


@contextmanager
def unavailable_on_error() -> Iterator[None]:
    """A locked, busy or broken database file is a retryable outage, not a bug."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(_OUTAGES) or "locked" in str(exc):
            raise StorageUnavailable(retry_after=1) from exc
        raise  # a bug (bad SQL, missing table): let it show


# aiosqlite logs every statement's parameters at DEBUG: emails, password hashes, article text.
logging.getLogger("aiosqlite").setLevel(logging.INFO)


def _make_private_file(path: str) -> None:
    """The database holds emails and password hashes: 0600 in a 0700 directory (SQLite gives
    its -wal and -shm files the database file's permissions)."""
    private_file(Path(path))


async def connect(path: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> aiosqlite.Connection:
    """An autocommit connection (transactions are explicit) with WAL and foreign keys on.

    `busy_timeout`: seconds to wait for another connection's write lock before giving up.
    """
    if path != ":memory:":
        await asyncio.to_thread(_make_private_file, path)
    with unavailable_on_error():
        conn = await aiosqlite.connect(path, isolation_level=None, timeout=busy_timeout)
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            await conn.close()
            raise
    return conn
