"""Billing operations on an SQLite connection already inside a write transaction."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from core.store.rows import new_id, to_datetime, to_text, utcnow


class SqliteBillingTx:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._db = conn

    async def _change(self, sql: str, params: tuple) -> int:
        async with self._db.execute(sql, params) as cur:
            return cur.rowcount

    async def _value(self, sql: str, params: tuple):
        async with self._db.execute(sql, params) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def lock_account(self, user_id: str) -> None:
        """Nothing to do: the transaction began IMMEDIATE and holds the database's write lock."""

    async def mark_event_processed(self, event_id: str, event_type: str) -> bool:
        return 1 == await self._change(
            "INSERT INTO processed_events (event_id, event_type, processed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (event_id) DO NOTHING", (event_id, event_type, to_text(utcnow())),
        )

    async def add_premium_grant(
        self, user_id: str, source: str, source_ref: str, starts_at: datetime, until: datetime
    ) -> bool:
        return 1 == await self._change(
            "INSERT INTO premium_grants (id, user_id, source, source_ref, starts_at, until, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_ref) DO NOTHING",
            (new_id(), user_id, source, source_ref, to_text(starts_at), to_text(until),
             to_text(utcnow())),
        )

    async def revoke_premium_grants(self, source_ref: str, revoked_at: datetime) -> int:
        return await self._change(
            "UPDATE premium_grants SET revoked_at = ? WHERE source_ref = ? AND revoked_at IS NULL",
            (to_text(revoked_at), source_ref),
        )

    async def set_premium_grant_until(self, source_ref: str, until: datetime) -> bool:
        return 0 < await self._change(
            "UPDATE premium_grants SET until = ? WHERE source_ref = ?", (to_text(until), source_ref)
        )

    async def premium_until(self, user_id: str, now: datetime) -> datetime | None:
        return to_datetime(await self._value(
            "SELECT max(until) FROM premium_grants WHERE user_id = ? AND revoked_at IS NULL "
            "AND until > ?", (user_id, to_text(now)),
        ))

    async def find_grant_user(self, source_ref: str) -> str | None:
        return await self._value(
            "SELECT user_id FROM premium_grants WHERE source_ref = ?", (source_ref,)
        )
