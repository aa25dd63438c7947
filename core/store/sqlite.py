"""The embedded store: one SQLite file (WAL), zero setup, migrated on open.

One connection per store, behind an asyncio lock, serialises this process; every write is a
`BEGIN IMMEDIATE` transaction, so a second process on the same file waits for the write lock
(busy_timeout) instead of failing halfway. The lock is re-entrant for the task that holds a
`billing_transaction()`: store calls made inside it join the transaction (as savepoints)
instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import aiosqlite

from core.errors import EmailTaken, VersionConflict
from core.models import ApiToken, Post, Thread, User
from core.store.merge import merge_identity
from core.store.migrate import default_directory, load_migrations, migrate_sqlite
from core.store.publish_sql import PublishSql
from core.store.rows import (
    THREAD_COLUMNS,
    new_id,
    normalise_email,
    posts_to_json,
    thread_from_row,
    to_json,
    to_text,
    token_from_row,
    user_from_row,
    utcnow,
)
from core.store.sqlite_billing import SqliteBillingTx
from core.store.sqlite_connect import BUSY_TIMEOUT_SECONDS, connect  # noqa: F401 (re-export)
from core.store.sqlite_connect import unavailable_on_error as _unavailable_on_error
from core.usage import UsageRecord


class SqliteStore(PublishSql):
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task | None = None
        self._depth = 0

    @classmethod
    async def open(
        cls, path: str, migrations_dir: Path | None = None,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> SqliteStore:
        """Open (creating the file and its directory) and apply pending migrations."""
        conn = await connect(path, busy_timeout)
        try:
            root = migrations_dir or default_directory()
            with _unavailable_on_error():
                await migrate_sqlite(conn, load_migrations(root / "sqlite"))
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    # --- transactions ---
    @asynccontextmanager
    async def _tx(self, write: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        if self._owner is not None and self._owner is asyncio.current_task():
            async with self._nested(write) as conn:
                yield conn
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                with _unavailable_on_error():
                    if write:
                        await self._conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield self._conn
                        if write:
                            await self._conn.execute("COMMIT")
                    except BaseException:
                        if self._conn.in_transaction:
                            await self._conn.execute("ROLLBACK")
                        raise
            finally:
                self._owner = None

    @asynccontextmanager
    async def _nested(self, write: bool) -> AsyncIterator[aiosqlite.Connection]:
        if not write:
            yield self._conn
            return
        self._depth += 1
        name = f"sp{self._depth}"
        try:
            await self._conn.execute(f"SAVEPOINT {name}")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute(f"ROLLBACK TO {name}")
                await self._conn.execute(f"RELEASE {name}")
                raise
            await self._conn.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    async def _one(self, sql: str, params: Sequence = (), write: bool = False):
        async with self._tx(write) as db, db.execute(sql, params) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, params: Sequence = ()) -> list:
        async with self._tx(write=False) as db:
            return list(await db.execute_fetchall(sql, params))

    async def _change(self, sql: str, params: Sequence = ()) -> int:
        async with self._tx() as db, db.execute(sql, params) as cur:
            return cur.rowcount

    # dialect of `PublishSql`
    async def _p_one(self, sql: str, args: tuple, write: bool = False):
        return await self._one(sql, args, write=write)

    async def _p_all(self, sql: str, args: tuple) -> list:
        return await self._all(sql, args)

    async def _p_change(self, sql: str, args: tuple) -> int:
        return await self._change(sql, args)

    def _p_time(self, value):
        return to_text(value)

    def _p_json(self, value):
        return to_json(value)

    # --- users and identities ---
    async def create_user(self, email: str | None, password_hash: str | None) -> User:
        user = User(new_id(), normalise_email(email), password_hash, utcnow())
        try:
            await self._change(
                "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
                (user.id, user.email, user.password_hash, to_text(user.created_at)),
            )
        except sqlite3.IntegrityError as exc:
            raise EmailTaken() from exc
        return user

    async def get_user(self, user_id: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return user_from_row(row) if row else None

    async def get_user_by_email(self, email: str) -> User | None:
        row = await self._one("SELECT * FROM users WHERE email = ?", (normalise_email(email),))
        return user_from_row(row) if row else None

    async def user_for_identity(self, platform: str, external_id: str) -> str:
        async with self._tx() as db:
            rows = await db.execute_fetchall(
                "SELECT user_id FROM identities WHERE platform = ? AND external_id = ?",
                (platform, external_id),
            )
            if rows:
                return rows[0][0]
            user_id, now = new_id(), to_text(utcnow())
            await db.execute("INSERT INTO users (id, created_at) VALUES (?, ?)", (user_id, now))
            await db.execute(
                "INSERT INTO identities (platform, external_id, user_id, created_at) "
                "VALUES (?, ?, ?, ?)", (platform, external_id, user_id, now),
            )
            return user_id

    async def link_identity(self, platform: str, external_id: str, user_id: str) -> None:
        await self._change(
            "INSERT INTO identities (platform, external_id, user_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (platform, external_id) "
            "DO UPDATE SET user_id = excluded.user_id",
            (platform, external_id, user_id, to_text(utcnow())),
        )

    async def merge_identity(
        self, platform: str, external_id: str, user_id: str, now: datetime
    ) -> str:
        async with self._tx() as db:
            def params(args):
                return tuple(to_text(a) if isinstance(a, datetime) else a for a in args)

            async def value(sql, *args):
                async with db.execute(sql, params(args)) as cur:
                    row = await cur.fetchone()
                return row[0] if row else None

            async def run(sql, *args):
                await db.execute(sql, params(args))

            return await merge_identity(value, run, SqliteBillingTx(db), platform, external_id,
                                        user_id, now)

    async def unlink_identity(self, user_id: str, platform: str) -> bool:
        return 0 < await self._change(
            "DELETE FROM identities WHERE user_id = ? AND platform = ?", (user_id, platform)
        )

    async def list_identities(self, user_id: str) -> list[tuple[str, str]]:
        rows = await self._all(
            "SELECT platform, external_id FROM identities WHERE user_id = ? "
            "ORDER BY platform, external_id", (user_id,),
        )
        return [(r[0], r[1]) for r in rows]

    # --- one-time link codes ---
    async def create_link_code(
        self, code_hash: str, platform: str, external_id: str, expires_at: datetime
    ) -> None:
        await self._change(
            "INSERT INTO link_codes (code_hash, platform, external_id, expires_at) "
            "VALUES (?, ?, ?, ?)", (code_hash, platform, external_id, to_text(expires_at)),
        )

    async def consume_link_code(self, code_hash: str, now: datetime) -> tuple[str, str] | None:
        row = await self._one(
            "UPDATE link_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL "
            "AND expires_at > ? RETURNING platform, external_id",
            (to_text(now), code_hash, to_text(now)), write=True,
        )
        return (row[0], row[1]) if row else None

    # --- extension tokens ---
    async def create_api_token(self, user_id: str, name: str, token_hash: str) -> ApiToken:
        token = ApiToken(new_id(), user_id, name, utcnow())
        await self._change(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token.id, user_id, name, token_hash, to_text(token.created_at)),
        )
        return token

    async def get_api_token(self, token_hash: str) -> ApiToken | None:
        row = await self._one(
            "SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", (token_hash,)
        )
        return token_from_row(row) if row else None

    async def list_api_tokens(self, user_id: str) -> list[ApiToken]:
        rows = await self._all(
            "SELECT * FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL "
            "ORDER BY created_at DESC, id", (user_id,)
        )
        return [token_from_row(r) for r in rows]

    async def revoke_api_token(self, user_id: str, token_id: str, now: datetime) -> bool:
        return 0 < await self._change(
            "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? "
            "AND revoked_at IS NULL", (to_text(now), token_id, user_id),
        )

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._change(
            "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id)
        )

    async def touch_api_token(self, token_id: str, now: datetime) -> None:
        """Record a use of the token (`last_used_at`)."""
        await self._change(
            "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (to_text(now), token_id)
        )

    # --- thread history ---
    async def save_thread(self, user_id: str, thread: Thread) -> Thread:
        saved = replace(thread, id=new_id(), created_at=thread.created_at or utcnow(), version=1)
        await self._change(
            f"INSERT INTO threads ({THREAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                saved.id, user_id, saved.source.url, saved.source.title,
                to_json(saved.source.as_dict()), to_json(saved.options.as_dict()),
                to_json(posts_to_json(saved.posts)), saved.generator, saved.fallback_reason,
                to_text(saved.created_at), to_text(saved.edited_at),
            ),
        )
        return saved

    async def get_thread(self, user_id: str, thread_id: str) -> Thread | None:
        row = await self._one(
            f"SELECT {THREAD_COLUMNS} FROM threads WHERE id = ? AND user_id = ?",
            (thread_id, user_id),
        )
        return thread_from_row(row) if row else None

    async def list_threads(
        self, user_id: str, limit: int = 20, before: str | None = None
    ) -> list[Thread]:
        sql = f"SELECT {THREAD_COLUMNS} FROM threads WHERE user_id = ?"
        params: list = [user_id]
        if before is not None:
            sql += " AND seq < (SELECT seq FROM threads WHERE id = ? AND user_id = ?)"
            params += [before, user_id]
        rows = await self._all(sql + " ORDER BY seq DESC LIMIT ?", [*params, max(0, limit)])
        return [thread_from_row(r) for r in rows]

    async def update_thread_posts(
        self, user_id: str, thread_id: str, posts: Sequence[Post], now: datetime,
        expected_version: int | None = None,
    ) -> Thread | None:
        row = await self._one(
            "UPDATE threads SET posts = ?, edited_at = ?, version = version + 1 "
            "WHERE id = ? AND user_id = ? AND (? IS NULL OR version = ?) "
            f"RETURNING {THREAD_COLUMNS}",
            (to_json(posts_to_json(posts)), to_text(now), thread_id, user_id,
             expected_version, expected_version), write=True,
        )
        if row is not None:
            return thread_from_row(row)
        if expected_version is not None:
            current = await self.get_thread(user_id, thread_id)
            if current is not None:
                raise VersionConflict(current_version=current.version)
        return None

    async def delete_thread(self, user_id: str, thread_id: str) -> bool:
        return 0 < await self._change(
            "DELETE FROM threads WHERE id = ? AND user_id = ?", (thread_id, user_id)
        )

    # --- usage and analytics ---
    async def record_usage(
        self, quota_key: str, user_id: str | None, platform: str, generator: str,
        prompt_tokens: int, completion_tokens: int, cached: bool, at: datetime,
    ) -> None:
        await self.record_usages([UsageRecord(quota_key, user_id, platform, generator,
                                              prompt_tokens, completion_tokens, cached, at)])

    async def record_usages(self, records: Sequence[UsageRecord]) -> None:
        """One transaction for the batch (core.usage.BufferedUsageLog)."""
        async with self._tx() as db:
            await db.executemany(
                "INSERT INTO usage_records (quota_key, user_id, platform, generator, "
                "prompt_tokens, completion_tokens, cached, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.quota_key, r.user_id, r.platform, r.generator, r.prompt_tokens,
                  r.completion_tokens, int(r.cached), to_text(r.at)) for r in records],
            )

    async def count_usage(self, quota_key: str, since: datetime) -> int:
        row = await self._one(
            "SELECT count(*) FROM usage_records WHERE quota_key = ? AND at >= ? AND cached = 0",
            (quota_key, to_text(since)),
        )
        return int(row[0])


    async def record_event(self, name: str, user_id: str | None, props: dict) -> None:
        await self._change(
            "INSERT INTO analytics_events (name, user_id, props, at) VALUES (?, ?, ?, ?)",
            (name, user_id, to_json(props), to_text(utcnow())),
        )

    # --- premium ---
    async def premium_until(self, user_id: str, now: datetime) -> datetime | None:
        async with self._tx(write=False) as db:
            return await SqliteBillingTx(db).premium_until(user_id, now)

    @asynccontextmanager
    async def billing_transaction(self) -> AsyncIterator[SqliteBillingTx]:
        async with self._tx() as db:
            yield SqliteBillingTx(db)

    # --- lifecycle ---
    async def ping(self) -> None:
        await self._one("SELECT 1")

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

