"""Billing operations on a PostgreSQL connection already inside a transaction."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from core.store.rows import new_id, utcnow


def affected(status: str) -> int:
    """Rows touched, from a command status such as 'INSERT 0 1' or 'UPDATE 3'."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresBillingTx:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._db = conn

    async def lock_account(self, user_id: str) -> None:
        await self._db.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id)

    async def mark_event_processed(self, event_id: str, event_type: str) -> bool:
        return 1 == affected(await self._db.execute(
            "INSERT INTO processed_events (event_id, event_type, processed_at) "
            "VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
            event_id, event_type, utcnow(),
        ))

    async def add_premium_grant(
        self, user_id: str, source: str, source_ref: str, starts_at: datetime, until: datetime
    ) -> bool:
        return 1 == affected(await self._db.execute(
            "INSERT INTO premium_grants (id, user_id, source, source_ref, starts_at, until, "
            "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (source_ref) DO NOTHING",
            new_id(), user_id, source, source_ref, starts_at, until, utcnow(),
        ))

    async def revoke_premium_grants(self, source_ref: str, revoked_at: datetime) -> int:
        return affected(await self._db.execute(
            "UPDATE premium_grants SET revoked_at = $1 WHERE source_ref = $2 "
            "AND revoked_at IS NULL", revoked_at, source_ref,
        ))

    async def set_premium_grant_until(self, source_ref: str, until: datetime) -> bool:
        return 0 < affected(await self._db.execute(
            "UPDATE premium_grants SET until = $1 WHERE source_ref = $2", until, source_ref
        ))

    async def premium_until(self, user_id: str, now: datetime) -> datetime | None:
        return await self._db.fetchval(
            "SELECT max(until) FROM premium_grants WHERE user_id = $1 AND revoked_at IS NULL "
            "AND until > $2", user_id, now,
        )

    async def find_grant_user(self, source_ref: str) -> str | None:
        return await self._db.fetchval(
            "SELECT user_id FROM premium_grants WHERE source_ref = $1", source_ref
        )
