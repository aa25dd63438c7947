"""Business KPIs over a window [start, end), from the usage and billing records and the
accounts table. Plain SQL over `SqlDb`; days are UTC dates (YYYY-MM-DD)."""

from __future__ import annotations

from datetime import datetime

from core.store.sql import SqlDb


def _day(db: SqlDb, column: str) -> str:
    if db.dialect == "sqlite":
        return f"substr({column}, 1, 10)"
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


async def _by_day(db: SqlDb, what: str, start: datetime, end: datetime) -> list[dict]:
    day = _day(db, "at")
    return await db.all(
        f"SELECT {day} AS day, {what} AS label, count(*) AS n FROM usage_records "
        f"WHERE at >= ? AND at < ? GROUP BY {day}, {what} ORDER BY 1, 2", start, end)


async def kpi_rows(db: SqlDb, start: datetime, end: datetime) -> dict:
    day = _day(db, "at")
    active = await db.all(
        f"SELECT {day} AS day, count(DISTINCT quota_key) AS n FROM usage_records "
        f"WHERE at >= ? AND at < ? GROUP BY {day} ORDER BY 1", start, end)
    accounts = await db.one(
        "SELECT count(*) AS new, count(email_verified_at) AS verified FROM users "
        "WHERE email IS NOT NULL AND created_at >= ? AND created_at < ?", start, end)
    paying = await db.one(
        "SELECT count(DISTINCT user_id) AS n FROM billing_records WHERE kind = 'purchase' "
        "AND at >= ? AND at < ?", start, end)
    revenue = await db.all(
        "SELECT currency, sum(amount_cents) AS cents FROM billing_records "
        "WHERE kind IN ('purchase', 'refund') AND at >= ? AND at < ? GROUP BY currency "
        "ORDER BY currency", start, end)
    tokens = await db.one(
        "SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) AS n FROM usage_records "
        "WHERE at >= ? AND at < ?", start, end)
    outcomes = await db.all(
        "SELECT name, count(*) AS n FROM analytics_events WHERE name IN "
        "('quota_rejected', 'thread_failed') AND at >= ? AND at < ? GROUP BY name", start, end)
    return {
        "outcomes": {r["name"]: int(r["n"]) for r in outcomes},
        "by_surface": await _by_day(db, "platform", start, end),
        "by_generator": await _by_day(db, "generator", start, end),
        "active": active, "accounts": accounts, "paying": int(paying["n"]),
        "revenue": {r["currency"]: int(r["cents"]) for r in revenue},
        "llm_tokens": int(tokens["n"]),
    }
