"""One small SQL runner over either backend, so a record keeper can be written once.

`SqlDb` speaks `?` placeholders and Python values; the SQLite runner turns datetimes into
the fixed UTC text format and dicts into JSON text, the PostgreSQL runner numbers the
placeholders (`$1`, `$2`, …). Rows come back as plain dicts. `transaction()` runs the calls
made through the runner it yields in one database transaction.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from core.store.rows import to_json, to_text

_PLACEHOLDER = re.compile(r"\?")
_WRITES = ("INSERT", "UPDATE", "DELETE")


class SqlDb(Protocol):
    dialect: str  # sqlite | postgres

    async def one(self, sql: str, *args: Any) -> dict | None: ...

    async def all(self, sql: str, *args: Any) -> list[dict]: ...

    async def change(self, sql: str, *args: Any) -> int:
        """Run a write; the number of rows it touched."""

    def transaction(self) -> AbstractAsyncContextManager[SqlDb]: ...


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_text(value)
    if isinstance(value, dict | list):
        return to_json(value)
    if isinstance(value, bool):
        return int(value)
    return value


class SqliteDb:
    """Over `SqliteStore`: its re-entrant transaction makes nested calls savepoints."""

    dialect = "sqlite"

    def __init__(self, store) -> None:
        self._store = store

    def _tx(self, sql: str):
        return self._store._tx(write=sql.lstrip().upper().startswith(_WRITES))

    async def one(self, sql: str, *args: Any) -> dict | None:
        params = [_sqlite_value(a) for a in args]
        async with self._tx(sql) as db, db.execute(sql, params) as cur:
            row = await cur.fetchone()
        return dict(row) if row is not None else None

    async def all(self, sql: str, *args: Any) -> list[dict]:
        async with self._tx(sql) as db:
            rows = await db.execute_fetchall(sql, [_sqlite_value(a) for a in args])
        return [dict(r) for r in rows]

    async def change(self, sql: str, *args: Any) -> int:
        async with self._tx(sql) as db, db.execute(sql, [_sqlite_value(a) for a in args]) as cur:
            return cur.rowcount

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDb]:
        async with self._store._tx(write=True):
            yield self


def _numbered(sql: str) -> str:
    counter = iter(range(1, 1000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


class PostgresDb:
    """Over `PostgresStore`'s pool, or one connection inside `transaction()`."""

    dialect = "postgres"

    def __init__(self, store, conn=None) -> None:
        self._store = store
        self._held = conn

    @asynccontextmanager
    async def _conn(self):
        if self._held is not None:
            yield self._held
        else:
            async with self._store._conn() as conn:
                yield conn

    async def one(self, sql: str, *args: Any) -> dict | None:
        async with self._conn() as conn:
            row = await conn.fetchrow(_numbered(sql), *args)
        return dict(row) if row is not None else None

    async def all(self, sql: str, *args: Any) -> list[dict]:
        async with self._conn() as conn:
            return [dict(r) for r in await conn.fetch(_numbered(sql), *args)]

    async def change(self, sql: str, *args: Any) -> int:
        from core.store.postgres_billing import affected

        async with self._conn() as conn:
            return affected(await conn.execute(_numbered(sql), *args))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDb]:
        if self._held is not None:
            async with self._held.transaction():
                yield self
            return
        async with self._store._conn() as conn, conn.transaction():
            yield PostgresDb(self._store, conn)


def sql_db_for(store) -> SqlDb:
    """The runner for an opened `SqliteStore` or `PostgresStore`."""
    from core.store.sqlite import SqliteStore

    return SqliteDb(store) if isinstance(store, SqliteStore) else PostgresDb(store)
